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
    /// <summary>
    /// The work, once assigned. Under a new name since the assignment crosses grain calls typed: a state stored
    /// in Redis before (as JSON) is read without it and takes the assignment of the coordinator's next start;
    /// one stored by the file storage (same field id, same layout) is read with it.
    /// </summary>
    [Id(0)]
    public StoredAssignment? Stored { get; set; }

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

/// <summary>
/// A point's assignment as its grain keeps it in storage: the spec as canonical JSON with its format version
/// (so a state from another version is refused by name, <see cref="Mapping.FromStored"/>), and the point's
/// fields in the layout the stored assignment always had.
/// </summary>
/// <param name="SweepId">The sweep the point belongs to.</param>
/// <param name="SpecJson">The sweep's resolved spec, canonical JSON.</param>
/// <param name="Index">Point index in the expanded grid.</param>
/// <param name="Widths">Hidden widths N_1..N_L.</param>
/// <param name="StepSize">Step size ε.</param>
/// <param name="Layers">Hidden layer count L.</param>
/// <param name="Gamma">γ_1..γ_L.</param>
/// <param name="Seed">Seed index.</param>
/// <param name="Steps">Total SGD steps.</param>
/// <param name="RiskSteps">Steps at which the risk is recorded.</param>
/// <param name="SnapshotSteps">Steps at which measures are recorded.</param>
/// <param name="RawSteps">Steps at which raw parameters are dumped.</param>
/// <param name="Mode">Large deviations: quenched or annealed; null for SGD points.</param>
/// <param name="ReplicaStart">Large deviations: first replica of the batch.</param>
/// <param name="ReplicaCount">Large deviations: replicas in the batch.</param>
/// <param name="Draw">Large deviations: quenched draw of the initial weights.</param>
/// <param name="AxisNames">The point's grid coordinates: axis names; null in assignments stored before coordinates existed.</param>
/// <param name="AxisValues">The coordinates' values as JSON, aligned with <paramref name="AxisNames"/>.</param>
/// <param name="SpecVersion">The spec format version of <paramref name="SpecJson"/>; 0 when stored before it was recorded (version 1).</param>
/// <param name="NumericsVersion">The engine numerics version its checkpoints were computed with (<see cref="Engine.Training.NumericsVersion"/>); 0 when stored before it was recorded (version 1).</param>
[GenerateSerializer, Immutable]
public sealed record StoredAssignment(string SweepId, string SpecJson, int Index, int[] Widths, double StepSize, int Layers, double[] Gamma, int Seed, long Steps, long[] RiskSteps, long[] SnapshotSteps, long[] RawSteps, string? Mode = null, int ReplicaStart = 0, int ReplicaCount = 0, int Draw = 0, string[]? AxisNames = null, string[]? AxisValues = null, int SpecVersion = 0, int NumericsVersion = 0);

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

    /// <summary>
    /// The spec format version of <see cref="SpecJson"/> (<see cref="Engine.Specs.SpecVersion"/>); 0 for a state
    /// written before the version was recorded (version 1).
    /// </summary>
    [Id(10)]
    public int SpecVersion { get; set; }

    /// <summary>
    /// The engine numerics version its points are computed with (<see cref="Engine.Training.NumericsVersion"/>); 0 for a
    /// state written before the version was recorded (version 1).
    /// </summary>
    [Id(11)]
    public int NumericsVersion { get; set; }
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
