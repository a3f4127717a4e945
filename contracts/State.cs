using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Contracts;

/// <summary>The state of a random stream, on the wire and in storage.</summary>
/// <param name="S0">Word 0.</param>
/// <param name="S1">Word 1.</param>
/// <param name="S2">Word 2.</param>
/// <param name="S3">Word 3.</param>
/// <param name="HasSpare">Whether a cached Gaussian is pending.</param>
/// <param name="Spare">The cached Gaussian.</param>
[GenerateSerializer, Immutable]
public sealed record RandomStateData(ulong S0, ulong S1, ulong S2, ulong S3, bool HasSpare, double Spare)
{
    /// <summary>From the engine's state.</summary>
    public static RandomStateData From(RandomState s)
    {
        ArgumentNullException.ThrowIfNull(s);
        return new(s.S0, s.S1, s.S2, s.S3, s.HasSpare, s.Spare);
    }

    /// <summary>To the engine's state.</summary>
    public RandomState ToEngine() => new(S0, S1, S2, S3, HasSpare, Spare);
}

/// <summary>A run's checkpoint as stored after every chunk: enough to continue bit for bit.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Status">Engine run status.</param>
/// <param name="Rng">Training stream.</param>
/// <param name="NoiseRng">Noise stream.</param>
/// <param name="Parameters">Flat parameters.</param>
/// <param name="Partial">The observations recorded so far (as in a result).</param>
[GenerateSerializer, Immutable]
public sealed record CheckpointData(long Step, RunStatus Status, RandomStateData Rng, RandomStateData NoiseRng, double[] Parameters, PointResult Partial)
{
    /// <summary>The engine checkpoint.</summary>
    public SgdCheckpoint ToEngine() => new(
        Step,
        Status,
        Rng.ToEngine(),
        NoiseRng.ToEngine(),
        Parameters,
        [.. Partial.Risk.Select(r => new RiskPoint(r.Step, r.Time, r.Risk, r.StdErr))],
        [.. Partial.Measures.Select(m => new MeasureSnapshot(m.Step, m.Time, m.Feature, m.Values))],
        [.. Partial.Histograms.Select(h => new HistogramSnapshot(h.Step, h.Time, h.Feature, h.Low, h.High, h.Counts))],
        [.. Partial.Raw.Select(r => new RawDump(r.Step, r.Time, r.Block, r.Values))],
        Mapping.ToEngine(Partial.Dependence));

    /// <summary>Captures a run between chunks.</summary>
    public static CheckpointData Capture(int index, SgdRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        SgdCheckpoint c = run.Capture();
        return new CheckpointData(c.Step, c.Status, RandomStateData.From(c.Rng), RandomStateData.From(c.NoiseRng), c.Parameters, Mapping.ToResult(index, PointState.Running, run, null, 0));
    }
}

/// <summary>What a point grain keeps in grain storage.</summary>
[GenerateSerializer]
public sealed class PointGrainState
{
    /// <summary>The work, once assigned.</summary>
    [Id(0)]
    public PointAssignment? Assignment { get; set; }

    /// <summary>The last checkpoint, while the point is unfinished.</summary>
    [Id(1)]
    public CheckpointData? Checkpoint { get; set; }

    /// <summary>The final report, once finished.</summary>
    [Id(2)]
    public PointResult? Result { get; set; }

    /// <summary>How many times computation started or resumed (1 for a run never interrupted).</summary>
    [Id(3)]
    public int Attempts { get; set; }

    /// <summary>Whether a cancel was requested.</summary>
    [Id(4)]
    public bool CancelRequested { get; set; }

    /// <summary>Large deviations: the functional of the replicas done so far (the batch's checkpoint).</summary>
    [Id(5)]
    public double[]? PartialSamples { get; set; }
}

/// <summary>What a sweep grain keeps in grain storage.</summary>
[GenerateSerializer]
public sealed class SweepGrainState
{
    /// <summary>The resolved spec, once submitted.</summary>
    [Id(0)]
    public string? SpecJson { get; set; }

    /// <summary>Sweep name.</summary>
    [Id(1)]
    public string Name { get; set; } = "";

    /// <summary>Final states by point (Pending or Running while unfinished).</summary>
    [Id(2)]
    public PointState[] Final { get; set; } = [];

    /// <summary>Steps done by point at its last persisted report.</summary>
    [Id(3)]
    public long[] Steps { get; set; } = [];

    /// <summary>Submission time.</summary>
    [Id(4)]
    public DateTime StartedUtc { get; set; }

    /// <summary>When the last point finished.</summary>
    [Id(5)]
    public DateTime? FinishedUtc { get; set; }

    /// <summary>Whether a cancel was requested.</summary>
    [Id(6)]
    public bool Cancelled { get; set; }

    /// <summary>The aggregation, once computed.</summary>
    [Id(7)]
    public string? AggregateJson { get; set; }

    /// <summary>
    /// The W3C trace context of the submission when it was traced (null otherwise): restarted points and the
    /// aggregation join the submission's trace.
    /// </summary>
    [Id(8)]
    public string? TraceParent { get; set; }

    /// <summary>What coordinating the sweep had cost at the last write of this state.</summary>
    [Id(9)]
    public CoordinatorStats? Coordinator { get; set; }
}

/// <summary>One entry of the sweep registry.</summary>
/// <param name="SweepId">Sweep id.</param>
/// <param name="Name">Spec name.</param>
/// <param name="Points">Number of points.</param>
/// <param name="SubmittedUtc">Submission time.</param>
[GenerateSerializer, Immutable]
public sealed record SweepEntry(string SweepId, string Name, int Points, DateTime SubmittedUtc);

/// <summary>The registry of sweeps (key 0), for <c>mfc list</c>.</summary>
public interface ISweepRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Records a sweep; a second call with the same id is ignored.</summary>
    Task Register(SweepEntry entry);

    /// <summary>Every sweep, oldest first.</summary>
    Task<SweepEntry[]> List();
}
