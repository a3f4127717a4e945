using System.Diagnostics;
using System.Globalization;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Telemetry;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// The work of one point, done in chunks by <see cref="SweepPointGrain"/>'s chunk loop: the SGD steps of a
/// run (<see cref="SgdWork"/>) or the replicas of a large-deviations batch (<see cref="ReplicaWork"/>).
/// Chunks are computed on the thread pool; between two chunks the work is captured into the point's
/// stored state, from which an interrupted point continues bit for bit.
/// </summary>
internal abstract class PointWork
{
    /// <summary>Units of work done: SGD steps, or replicas × steps per replica.</summary>
    public abstract long Done { get; }

    /// <summary>Whether the work ended (all of it done, or the run diverged).</summary>
    public abstract bool Ended { get; }

    /// <summary>The state the point reports while running or once ended.</summary>
    public abstract PointState State { get; }

    /// <summary>Steps of the run's last checkpoint, for progress after the point ends (0 for replicas).</summary>
    public virtual long CheckpointSteps => 0;

    /// <summary>
    /// The point's work from its spec (set up on the thread pool), continuing from the stored
    /// <paramref name="checkpoint"/> of a run or <paramref name="partialSamples"/> of a batch.
    /// </summary>
    public static Task<PointWork> CreateAsync(SweepSpec spec, PointSpec point, CheckpointData? checkpoint, double[]? partialSamples, SgdStepperOptions stepper) =>
        Task.Run<PointWork>(() => spec.LargeDeviations is null ? new SgdWork(spec, point, checkpoint, stepper) : new ReplicaWork(spec, point, partialSamples));

    /// <summary>The length of the first chunk (in the sizer's units: steps or replicas).</summary>
    public abstract long FirstChunk(IChunkSizer sizer);

    /// <summary>The next chunk's length after one of <paramref name="chunk"/> that did <paramref name="advanced"/> from <paramref name="startedAt"/>.</summary>
    public abstract long NextChunk(IChunkSizer sizer, long chunk, long advanced, long startedAt);

    /// <summary>Computes a chunk of up to <paramref name="chunk"/> on the thread pool; returns how much it did (steps or replicas).</summary>
    public abstract Task<long> Advance(long chunk, MeanFieldMetrics metrics, Activity? activity, CancellationToken cancellationToken);

    /// <summary>Stores the work so far in <paramref name="stored"/> (the caller writes it), tagging <paramref name="activity"/>.</summary>
    public abstract void Capture(PointGrainState stored, int index, Activity? activity);

    /// <summary>The point's report in <paramref name="state"/> (the work's own state when it ended normally).</summary>
    public abstract PointResult Result(int index, PointState state, string? error, double seconds);

    /// <summary>The report of a point that did not end normally, whose work may not even have been set up.</summary>
    public static PointResult Result(PointWork? work, int index, PointState state, string? error, double seconds) =>
        work?.Result(index, state, error, seconds) ?? Mapping.ToResult(index, state, null, error, seconds);
}

/// <summary>The SGD steps of one run.</summary>
internal sealed class SgdWork : PointWork
{
    private readonly SgdRun _run;

    public SgdWork(SweepSpec spec, PointSpec point, CheckpointData? checkpoint, SgdStepperOptions stepper)
    {
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
        _run = new SgdRun(spec, point, data, testSet, checkpoint?.ToEngine(), stepper);
        Shape = string.Create(
            CultureInfo.InvariantCulture,
            $"{spec.Model.Preset}/{spec.Model.Activation.Kind}/{string.Join('x', point.Widths)}/{spec.Data.Dimension}/{spec.Training.BatchSize}/{spec.Training.Precision}/{stepper.Threads}");
        MultiplyAddsPerStep = MultiplyAdds(point, spec);
    }

    /// <summary>The kind of point whose speed the chunk sizer learns: model, activation, widths, d, batch, precision, threads.</summary>
    public string Shape { get; }

    /// <summary>Multiply-adds of one SGD step.</summary>
    public double MultiplyAddsPerStep { get; }

    public override long Done => _run.Step;

    public override bool Ended => _run.Status != RunStatus.Running;

    public override PointState State => _run.Status switch
    {
        RunStatus.Completed => PointState.Completed,
        RunStatus.Diverged => PointState.Diverged,
        _ => PointState.Running,
    };

    public override long CheckpointSteps => _run.Step;

    public override long FirstChunk(IChunkSizer sizer) => sizer.Fit(sizer.FirstSteps(Shape, MultiplyAddsPerStep), _run.TotalSteps - _run.Step);

    public override long NextChunk(IChunkSizer sizer, long chunk, long advanced, long startedAt) => sizer.Fit(sizer.NextSteps(Shape, chunk, advanced, startedAt), _run.TotalSteps - _run.Step);

    public override async Task<long> Advance(long chunk, MeanFieldMetrics metrics, Activity? activity, CancellationToken cancellationToken)
    {
        long from = _run.Step;
        try
        {
            await Task.Run(() => _run.Advance(chunk, cancellationToken));
        }
        finally
        {
            metrics.StepsDone(_run.Step - from);
            activity?.SetTag("mfc.steps.from", from).SetTag("mfc.steps.to", _run.Step);
        }

        return _run.Step - from;
    }

    public override void Capture(PointGrainState stored, int index, Activity? activity)
    {
        activity?.SetTag("mfc.checkpoint.step", _run.Step);
        stored.Checkpoint = CheckpointData.Capture(index, _run);
    }

    public override PointResult Result(int index, PointState state, string? error, double seconds) => Mapping.ToResult(index, state, _run, error, seconds);

    // Multiply-adds of one SGD step (forward and backward pass over every layer's weights).
    private static double MultiplyAdds(PointSpec point, SweepSpec spec)
    {
        double work = (double)point.Widths[0] * spec.Data.Dimension;
        for (int l = 1; l < point.Layers; l++)
        {
            work += (double)point.Widths[l] * point.Widths[l - 1];
        }

        return 2 * work * spec.Training.BatchSize;
    }
}

/// <summary>The replicas of one large-deviations batch: each gives one value of the functional.</summary>
internal sealed class ReplicaWork : PointWork
{
    private readonly PointSpec _point;
    private readonly ReplicaRunner _runner;
    private readonly List<double> _samples;

    public ReplicaWork(SweepSpec spec, PointSpec point, double[]? partial)
    {
        _point = point;
        _samples = [.. partial ?? []];
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        bool testRisk = spec.LargeDeviations!.Functional == LdFunctionals.Risk && spec.Observe.Risk == RiskKinds.Test;
        TestSet? testSet = testRisk ? TestSet.For(data, spec.Observe.TestSamples, spec.Seed) : null;
        _runner = new ReplicaRunner(spec, point, data, testSet, ReplicaRunner.ReferenceFor(spec, point));
    }

    public override long Done => _samples.Count * Math.Max(1, _point.Steps);

    public override bool Ended => _samples.Count >= _point.ReplicaCount;

    public override PointState State => Ended ? PointState.Completed : PointState.Running;

    public override long FirstChunk(IChunkSizer sizer) => sizer.FirstReplicas();

    public override long NextChunk(IChunkSizer sizer, long chunk, long advanced, long startedAt) => sizer.NextReplicas((int)chunk, startedAt);

    public override async Task<long> Advance(long chunk, MeanFieldMetrics metrics, Activity? activity, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        int from = _point.ReplicaStart + _samples.Count, count = (int)Math.Min(chunk, _point.ReplicaCount - _samples.Count);
        activity?.SetTag("mfc.replicas.from", from).SetTag("mfc.replicas.count", count);
        double[] done = await Task.Run(() => _runner.RunMany(from, count));
        metrics.ReplicasDone(done.Length);
        _samples.AddRange(done);
        return done.Length;
    }

    public override void Capture(PointGrainState stored, int index, Activity? activity)
    {
        activity?.SetTag("mfc.checkpoint.replicas", _samples.Count);
        stored.PartialSamples = [.. _samples];
    }

    public override PointResult Result(int index, PointState state, string? error, double seconds) => state == PointState.Completed
        ? Mapping.ToResult(index, state, null, null, seconds) with { Steps = _samples.Count, Samples = [.. _samples] }
        : Mapping.ToResult(index, state, null, error, seconds);
}
