using System.Diagnostics;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Training;

/// <summary>How a run stands.</summary>
public enum RunStatus
{
    /// <summary>Steps remain.</summary>
    Running,

    /// <summary>All steps done.</summary>
    Completed,

    /// <summary>The prediction or a parameter became NaN, infinite, or larger than the divergence bound; the run stopped there.</summary>
    Diverged,
}

/// <summary>Everything needed to continue a run exactly where it stopped.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Status">Status at capture.</param>
/// <param name="Rng">Training stream state (samples).</param>
/// <param name="NoiseRng">Noise stream state (Langevin noise).</param>
/// <param name="Parameters">Flat parameters θ.</param>
/// <param name="Risk">Risk points so far.</param>
/// <param name="Snapshots">Quantile snapshots so far.</param>
/// <param name="Histograms">Histograms so far.</param>
/// <param name="Raw">Raw dumps so far.</param>
/// <param name="Dependence">The dependence test, once measured.</param>
public sealed record SgdCheckpoint(
    long Step,
    RunStatus Status,
    RandomState Rng,
    RandomState NoiseRng,
    double[] Parameters,
    IReadOnlyList<RiskPoint> Risk,
    IReadOnlyList<MeasureSnapshot> Snapshots,
    IReadOnlyList<HistogramSnapshot> Histograms,
    IReadOnlyList<RawDump> Raw,
    DependenceResult? Dependence);

/// <summary>
/// One SGD run of one grid point (MATH section 3). Draws the network from the stream
/// (sweep seed, initialization, N_1..N_L, L, seed index), then takes SGD steps s_k = ε ξ(kε) on fresh
/// samples from the stream (sweep seed, training, N_1..N_L, L, ε, seed index), with Langevin noise from its
/// own stream when β is finite; records the test risk, snapshots, histograms and raw dumps at the planned
/// steps, and the cross-layer dependence at the end. Runs in chunks (<see cref="Advance"/>) and can be
/// captured and restored between chunks with bit-identical continuation.
/// </summary>
public sealed class SgdRun
{
    /// <summary>Steps between two divergence checks of the parameter bound (a multiple of this never depends on chunking).</summary>
    public const long DivergenceCheckInterval = 1024;

    /// <summary>The largest width of <see cref="WarmUp"/>'s small run (two groups of eight neurons, so every branch of the risk's pair loop runs).</summary>
    public const int WarmUpWidth = 16;

    /// <summary>The steps of <see cref="WarmUp"/>'s small run.</summary>
    public const long WarmUpSteps = 32;

    private readonly SweepSpec _spec;
    private readonly PointSpec _point;
    private readonly TestSet _testSet;
    private readonly DataModel _data;
    private readonly MeanFieldNetwork _network;
    private readonly FeatureExtractor _features;
    private readonly ProbeObservations _probes;
    private readonly SgdStepper _stepper;
    private readonly double[] _featureScratch;
    private readonly double[]? _initialTheta;
    private readonly XiSchedule _xi;
    private readonly List<RiskPoint> _risk = [];
    private bool _controlsPending;
    private readonly List<MeasureSnapshot> _snapshots = [];
    private readonly List<HistogramSnapshot> _histograms = [];
    private readonly List<RawDump> _raw = [];
    private static long s_processStepTicks;
    private static long s_processAdvanceTicks;
    private long _stepTicks, _diagnosticTicks;
    private int _nextRisk;
    private int _nextSnapshot;
    private int _nextRaw;

    /// <summary>Starts a run at step 0. <paramref name="data"/> and <paramref name="testSet"/> may be shared by points of one sweep.</summary>
    public SgdRun(SweepSpec spec, PointSpec point, DataModel data, TestSet testSet)
        : this(spec, point, data, testSet, null, null)
    {
    }

    /// <summary>Continues a run from a checkpoint taken by <see cref="Capture"/> on a run of the same spec and point.</summary>
    public SgdRun(SweepSpec spec, PointSpec point, DataModel data, TestSet testSet, SgdCheckpoint checkpoint)
        : this(spec, point, data, testSet, checkpoint ?? throw new ArgumentNullException(nameof(checkpoint)), null)
    {
    }

    /// <summary>
    /// Starts a run (<paramref name="checkpoint"/> null) or continues one from a checkpoint, with execution
    /// settings <paramref name="options"/> (threads, kernel width) that never change the numbers.
    /// </summary>
    public SgdRun(SweepSpec spec, PointSpec point, DataModel data, TestSet testSet, SgdCheckpoint? checkpoint, SgdStepperOptions? options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(testSet);
        _spec = spec;
        _point = point;
        _data = data;
        _testSet = testSet;
        var initRng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Initialization, PointKeys.Of(point));
        _network = MeanFieldNetwork.Initialize(spec.Model, data.Dimension, point.Widths, point.Gamma, ref initRng, MeanFieldNetwork.NeuronKey(spec.Seed, point.Seed));
        _features = new FeatureExtractor(spec, point, _network);
        _probes = new ProbeObservations(testSet, spec.Observe.ProbeInputs);

        // θ(0), for the dependence checks at the end; drawn again (not stored) when resuming from a checkpoint.
        _initialTheta = _network.Layers >= 2 ? (double[])_network.Theta.Clone() : null;
        ulong[] sampleKey = PointKeys.Samples(point, spec.Model.Init.Nested);
        var rng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Training, sampleKey);
        var noise = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Noise, sampleKey);
        _xi = XiSchedule.FromSpec(spec.Training.Xi);
        _featureScratch = new double[_features.MaxLength];
        if (checkpoint is not null)
        {
            if (checkpoint.Parameters.Length != _network.ParameterCount)
            {
                throw new ArgumentException("The checkpoint does not belong to this point: parameter count differs.", nameof(checkpoint));
            }

            checkpoint.Parameters.CopyTo(_network.Theta, 0);
            rng = new Xoshiro256(checkpoint.Rng);
            noise = new Xoshiro256(checkpoint.NoiseRng);
            Step = checkpoint.Step;
            Status = checkpoint.Status;
            _risk.AddRange(checkpoint.Risk);
            _snapshots.AddRange(checkpoint.Snapshots);
            _histograms.AddRange(checkpoint.Histograms);
            _raw.AddRange(checkpoint.Raw);
            Dependence = checkpoint.Dependence;
            _nextRisk = CountDone(point.RiskSteps, _risk.Select(r => r.Step));
            _nextSnapshot = CountDone(point.SnapshotSteps, _snapshots.Select(s => s.Step));
            _nextRaw = CountDone(point.RawSteps, _raw.Select(r => r.Step));
        }

        // The initial output's control variates (docs/models.md), from θ(0), measured at the first Advance so that
        // their cost counts as an observation; a checkpoint taken at step 0 before that still gets them.
        _controlsPending = Step == 0 && OutputControls.Apply(spec.Model.Init) && !_snapshots.Any(s => s.Feature == FeatureNames.OutputControls);
        _stepper = SgdStepper.Create(spec, _network, data, rng, noise, options);
    }

    /// <summary>
    /// Compiles the code a run of <paramref name="spec"/> takes, by running a small copy of
    /// <paramref name="point"/> (every width at most <see cref="WarmUpWidth"/>, <see cref="WarmUpSteps"/> steps, the
    /// spec's kind of risk and its snapshots at both ends, a test set of at most <see cref="WarmUpWidth"/> samples)
    /// and discarding it. A process compiles each kernel once, at its first call, and every worker that reaches that
    /// call meanwhile waits: the exact population risk's kernels alone take about 50 ms on the machine of
    /// docs/performance.md. <c>mfc run</c> calls this while its embedded silo starts, before the sweep (and its
    /// worker time) begins. Nothing of it is recorded or counted in <see cref="ProcessStepTime"/> or
    /// <see cref="ProcessAdvanceTime"/>; a large-deviations spec is left alone. Returns false (and does nothing
    /// else) when the small copy cannot run, which only means that the run compiles as it goes.
    /// </summary>
    public static bool WarmUp(SweepSpec spec, PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        if (spec.LargeDeviations is not null)
        {
            return false;
        }

        try
        {
            PointSpec small = point with
            {
                Widths = [.. point.Widths.Select(n => Math.Min(n, WarmUpWidth))],
                Steps = WarmUpSteps,
                RiskSteps = [0, WarmUpSteps],
                SnapshotSteps = [0, WarmUpSteps],
                RawSteps = [],
            };
            DataModel data = DataModel.Create(spec.Data, spec.Seed);
            TestSet testSet = TestSet.For(data, Math.Min(spec.Observe.TestSamples, WarmUpWidth), spec.Seed);
            new SgdRun(spec, small, data, testSet, null, null).AdvanceCore(long.MaxValue, CancellationToken.None);
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Whatever stops the small copy stops or is reported by the real run in its own way.
            return false;
        }
    }

    /// <summary>Steps done so far.</summary>
    public long Step { get; private set; }

    /// <summary>Total steps of this point.</summary>
    public long TotalSteps => _point.Steps;

    /// <summary>Current status.</summary>
    public RunStatus Status { get; private set; } = RunStatus.Running;

    /// <summary>The risk points recorded so far.</summary>
    public IReadOnlyList<RiskPoint> Risk => _risk;

    /// <summary>The quantile snapshots recorded so far.</summary>
    public IReadOnlyList<MeasureSnapshot> Snapshots => _snapshots;

    /// <summary>The histograms recorded so far.</summary>
    public IReadOnlyList<HistogramSnapshot> Histograms => _histograms;

    /// <summary>The raw dumps recorded so far.</summary>
    public IReadOnlyList<RawDump> Raw => _raw;

    /// <summary>The cross-layer dependence test (layered models, measured at the final step), or null.</summary>
    public DependenceResult? Dependence { get; private set; }

    /// <summary>
    /// The network being trained. The steps run on the stepper's own copy of the parameters, written into this
    /// network at every observation, at <see cref="Capture"/> and when the run stops (completed or diverged).
    /// </summary>
    public MeanFieldNetwork Network => _network;

    /// <summary>The features recorded in snapshots, in order.</summary>
    public IReadOnlyList<string> Features => [.. _features.Features.Select(f => f.Name)];

    /// <summary>
    /// Runs at most <paramref name="maxSteps"/> SGD steps, recording the planned observations, and returns
    /// the number of steps taken. Stops early when the run completes or diverges.
    /// </summary>
    public long Advance(long maxSteps, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSteps);
        long entered = Stopwatch.GetTimestamp(), ticksBefore = _stepTicks, diagnosticsBefore = _diagnosticTicks;
        try
        {
            return AdvanceCore(maxSteps, cancellationToken);
        }
        finally
        {
            // The end-of-run diagnostics are counted apart (DiagnosticsClock), not as in-run observations.
            long diagnostics = _diagnosticTicks - diagnosticsBefore;
            AccountProcessTime(_stepTicks - ticksBefore, Stopwatch.GetTimestamp() - entered - diagnostics);
            DiagnosticsClock.AccountFinalStep(diagnostics);
        }
    }

    /// <summary>
    /// Wall time spent in SGD steps (sampling and updates) by every run of this process so far, summed over
    /// threads: with the wall time of a sweep and its worker slots, the share of the workers' time spent in
    /// the SGD loop.
    /// </summary>
    public static TimeSpan ProcessStepTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref s_processStepTicks));

    /// <summary>Adds work done outside <see cref="Advance"/> (large-deviation replicas) to <see cref="ProcessStepTime"/> and <see cref="ProcessAdvanceTime"/>, in stopwatch ticks.</summary>
    internal static void AccountProcessTime(long stepTicks, long advanceTicks)
    {
        Interlocked.Add(ref s_processStepTicks, stepTicks);
        Interlocked.Add(ref s_processAdvanceTicks, advanceTicks);
    }

    /// <summary>Wall time spent in <see cref="Advance"/> (steps plus the observations taken inside it) by every run of this process so far.</summary>
    public static TimeSpan ProcessAdvanceTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref s_processAdvanceTicks));

    private long AdvanceCore(long maxSteps, CancellationToken cancellationToken)
    {
        long start = Step;
        if (_controlsPending)
        {
            _controlsPending = false;
            _stepper.Publish();
            _snapshots.Insert(0, new MeasureSnapshot(0, 0.0, FeatureNames.OutputControls, OutputControls.Measure(_network, _testSet, _spec.Model.Init.OutputStd)));
        }

        // Not Step + maxSteps, which overflows for maxSteps = long.MaxValue once a step is done.
        long stop = maxSteps >= TotalSteps - Step ? TotalSteps : Step + maxSteps;
        while (Status == RunStatus.Running)
        {
            if (Step % DivergenceCheckInterval == 0 && ExceedsBound())
            {
                Status = RunStatus.Diverged;
                break;
            }

            Observe();
            if (Step == TotalSteps)
            {
                Status = RunStatus.Completed;
                MeasureDependence();
                break;
            }

            if (Step == stop)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();

            // Steps up to the next event (observation, divergence check, end of chunk) without per-step checks.
            long until = Math.Min(Math.Min(stop, NextObservationStep()), ((Step / DivergenceCheckInterval) + 1) * DivergenceCheckInterval);
            long began = Stopwatch.GetTimestamp();
            while (Step < until)
            {
                double stepSize = _point.StepSize * Xi(Step * _point.StepSize);
                double residual = _stepper.Step(stepSize);
                Step++;
                if (!double.IsFinite(residual))
                {
                    Status = RunStatus.Diverged;
                    break;
                }
            }

            _stepTicks += Stopwatch.GetTimestamp() - began;
        }

        if (Status != RunStatus.Running)
        {
            _stepper.Publish();
        }

        return Step - start;
    }

    /// <summary>Wall time spent in SGD steps by this object (sampling and updates; observations and checkpoints excluded).</summary>
    public TimeSpan StepTime => Stopwatch.GetElapsedTime(0, _stepTicks);

    /// <summary>Wall time spent by this object in end-of-run diagnostics (the cross-layer dependence at the final step).</summary>
    public TimeSpan DiagnosticTime => Stopwatch.GetElapsedTime(0, _diagnosticTicks);

    /// <summary>The precision the steps run in.</summary>
    public string Precision => _stepper.Precision;

    /// <summary>Captures the state between chunks.</summary>
    public SgdCheckpoint Capture()
    {
        _stepper.Publish();
        return new(
            Step, Status, _stepper.RngState, _stepper.NoiseState, (double[])_network.Theta.Clone(),
            [.. _risk], [.. _snapshots], [.. _histograms], [.. _raw], Dependence);
    }

    /// <summary>The summary a sweep aggregates.</summary>
    public PointOutcome ToOutcome() => new(_point, Status, Step, [.. _risk], [.. _snapshots], Dependence);

    /// <summary>ξ(t): 1 for <c>constant</c>, (1 + t/t0)^(-α) for <c>power</c>.</summary>
    public double Xi(double time) => _xi.Value(time);

    private bool ExceedsBound()
    {
        double max = _stepper.MaxAbsParameter();
        return !(max <= _spec.Model.DivergenceBound);
    }

    private long NextObservationStep()
    {
        long next = long.MaxValue;
        if (_nextRisk < _point.RiskSteps.Count)
        {
            next = Math.Min(next, _point.RiskSteps[_nextRisk]);
        }

        if (_nextSnapshot < _point.SnapshotSteps.Count)
        {
            next = Math.Min(next, _point.SnapshotSteps[_nextSnapshot]);
        }

        if (_nextRaw < _point.RawSteps.Count)
        {
            next = Math.Min(next, _point.RawSteps[_nextRaw]);
        }

        // Planned steps are ascending; one already behind (never the case for a valid plan) must not stall the loop.
        return next > Step ? next : long.MaxValue;
    }

    private void Observe()
    {
        bool due = (_nextRisk < _point.RiskSteps.Count && _point.RiskSteps[_nextRisk] == Step)
            || (_nextSnapshot < _point.SnapshotSteps.Count && _point.SnapshotSteps[_nextSnapshot] == Step)
            || (_nextRaw < _point.RawSteps.Count && _point.RawSteps[_nextRaw] == Step);
        if (!due)
        {
            return;
        }

        _stepper.Publish();
        double time = Step * _point.StepSize;
        if (_nextRisk < _point.RiskSteps.Count && _point.RiskSteps[_nextRisk] == Step)
        {
            RiskEstimate estimate = MeasureRisk();
            _risk.Add(new RiskPoint(Step, time, estimate.Risk, estimate.StdErr));
            _nextRisk++;
        }

        if (_nextSnapshot < _point.SnapshotSteps.Count && _point.SnapshotSteps[_nextSnapshot] == Step)
        {
            foreach (FeatureExtractor.Feature feature in _features.Features)
            {
                Span<double> values = _featureScratch.AsSpan(0, feature.Length);
                feature.Fill(values);
                _snapshots.Add(new MeasureSnapshot(Step, time, feature.Name, Quantiles.SortAndTake(values, _spec.Observe.QuantileLevels)));
                if (_spec.Observe.HistogramBins > 0)
                {
                    (double low, double high, long[] counts) = Histogram.Compute(values, _spec.Observe.HistogramBins);
                    _histograms.Add(new HistogramSnapshot(Step, time, feature.Name, low, high, counts));
                }
            }

            foreach ((string feature, double[] values) in _probes.Measure(_network))
            {
                _snapshots.Add(new MeasureSnapshot(Step, time, feature, values));
            }

            _nextSnapshot++;
        }

        if (_nextRaw < _point.RawSteps.Count && _point.RawSteps[_nextRaw] == Step)
        {
            foreach (ParameterBlock block in _network.Blocks.Where(b => b.Kind != BlockKind.Bias || _network.HasBias))
            {
                _raw.Add(new RawDump(Step, time, block.Name, _network.Theta.AsSpan(block.Offset, block.Length).ToArray()));
            }

            _nextRaw++;
        }
    }

    // The test-set estimate, or the exact population risk (its "standard error" is then the series'
    // truncation bound) for the models of MATH section 4.1.
    private RiskEstimate MeasureRisk()
    {
        if (_spec.Observe.Risk != RiskKinds.Population)
        {
            return _testSet.Risk(_network);
        }

        PopulationRiskEstimate exact = PopulationRisk.Compute(_network.FirstLayer, _network.Widths[0], _network.Dimension, RadialReduction.InformativeDimensions(_spec.Data), _spec.Data.Delta, RampParameters.FromSpec(_spec.Model.Activation));
        return new RiskEstimate(exact.Risk, exact.TruncationBound);
    }

    // The neuron features and edge structure of the cross-layer dependence checks (MATH section 5).
    private void MeasureDependence()
    {
        _stepper.Publish();
        if (_initialTheta is not null)
        {
            long began = Stopwatch.GetTimestamp();
            Dependence = DependenceProbe.Measure(_network, _initialTheta, Step, _spec.Observe.Dependence ?? new DependenceSpec());
            _diagnosticTicks += Stopwatch.GetTimestamp() - began;
        }
    }

    private static int CountDone(IReadOnlyList<long> planned, IEnumerable<long> recorded)
    {
        var done = recorded.ToHashSet();
        int count = 0;
        while (count < planned.Count && done.Contains(planned[count]))
        {
            count++;
        }

        return count;
    }
}
