using MeanFieldCluster.Engine.Data;
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

    /// <summary>The prediction or a parameter became NaN or infinite; the run stopped there.</summary>
    Diverged,
}

/// <summary>The risk recorded at one step.</summary>
/// <param name="Step">SGD step k.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Risk">Test-set risk estimate.</param>
/// <param name="StdErr">Its standard error.</param>
public sealed record RiskPoint(long Step, double Time, double Risk, double StdErr);

/// <summary>Quantiles of one per-neuron feature at one step, at the levels of <see cref="Quantiles.Levels"/>.</summary>
/// <param name="Step">SGD step k.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Feature">Feature name, e.g. <c>w_norm</c>.</param>
/// <param name="Values">Quantile values, one per level.</param>
public sealed record MeasureSnapshot(long Step, double Time, string Feature, IReadOnlyList<double> Values);

/// <summary>Everything needed to continue a run exactly where it stopped.</summary>
/// <param name="Step">Steps done.</param>
/// <param name="Status">Status at capture.</param>
/// <param name="Rng">Training stream state.</param>
/// <param name="Parameters">Flat parameters [W, a, b].</param>
/// <param name="Risk">Risk points so far.</param>
/// <param name="Snapshots">Snapshots so far.</param>
public sealed record SgdCheckpoint(long Step, RunStatus Status, RandomState Rng, double[] Parameters, IReadOnlyList<RiskPoint> Risk, IReadOnlyList<MeasureSnapshot> Snapshots);

/// <summary>
/// One SGD run of one grid point (MATH section 3): draws the network from the stream
/// (sweep seed, initialization, width, layers, seed index), then takes online SGD steps on fresh samples
/// from the stream (sweep seed, training, width, layers, step size, seed index), recording the test risk
/// and the laws of per-neuron features at the planned steps. Runs in chunks (<see cref="Advance"/>) and
/// can be captured and restored between chunks with bit-identical continuation.
/// </summary>
public sealed class SgdRun
{
    /// <summary>Feature name of the per-neuron first-layer weight norm ||w_i||.</summary>
    public const string WeightNormFeature = "w_norm";

    /// <summary>Feature name of the output weight a_i.</summary>
    public const string OutputWeightFeature = "a";

    /// <summary>Feature name of the bias b_i.</summary>
    public const string BiasFeature = "b";

    private readonly SweepSpec _spec;
    private readonly PointSpec _point;
    private readonly TestSet _testSet;
    private readonly DataModel _data;
    private readonly TwoLayerNetwork _network;
    private readonly double[] _xs;
    private readonly double[] _ys;
    private readonly double[] _featureScratch;
    private readonly List<RiskPoint> _risk = [];
    private readonly List<MeasureSnapshot> _snapshots = [];
    private Xoshiro256 _rng;
    private int _nextRisk;
    private int _nextSnapshot;

    /// <summary>Starts a run at step 0.</summary>
    public SgdRun(SweepSpec spec, PointSpec point, TestSet testSet)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(testSet);
        _spec = spec;
        _point = point;
        _testSet = testSet;
        _data = DataModel.Create(spec.Data);
        var initRng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Initialization, (ulong)point.Width, (ulong)point.Layers, (ulong)point.Seed);
        _network = TwoLayerNetwork.Initialize(spec.Model, point.Width, spec.Data.Dimension, ref initRng);
        _rng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Training, (ulong)point.Width, (ulong)point.Layers, BitConverter.DoubleToUInt64Bits(point.StepSize), (ulong)point.Seed);
        int batch = spec.Training.BatchSize;
        _xs = new double[batch * spec.Data.Dimension];
        _ys = new double[batch];
        _featureScratch = new double[point.Width];
    }

    /// <summary>Continues a run from a checkpoint taken by <see cref="Capture"/> on a run of the same spec and point.</summary>
    public SgdRun(SweepSpec spec, PointSpec point, TestSet testSet, SgdCheckpoint checkpoint)
        : this(spec, point, testSet)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.Parameters.Length != _network.ParameterCount)
        {
            throw new ArgumentException("The checkpoint does not belong to this point: parameter count differs.", nameof(checkpoint));
        }

        _network.SetParameters(checkpoint.Parameters);
        _rng = new Xoshiro256(checkpoint.Rng);
        Step = checkpoint.Step;
        Status = checkpoint.Status;
        _risk.AddRange(checkpoint.Risk);
        _snapshots.AddRange(checkpoint.Snapshots);
        _nextRisk = CountBefore(point.RiskSteps, Step, _risk.Count > 0 && _risk[^1].Step == Step);
        _nextSnapshot = CountBefore(point.SnapshotSteps, Step, _snapshots.Count > 0 && _snapshots[^1].Step == Step);
    }

    /// <summary>Steps done so far.</summary>
    public long Step { get; private set; }

    /// <summary>Total steps of this point.</summary>
    public long TotalSteps => _point.Steps;

    /// <summary>Current status.</summary>
    public RunStatus Status { get; private set; } = RunStatus.Running;

    /// <summary>The risk points recorded so far.</summary>
    public IReadOnlyList<RiskPoint> Risk => _risk;

    /// <summary>The snapshots recorded so far.</summary>
    public IReadOnlyList<MeasureSnapshot> Snapshots => _snapshots;

    /// <summary>The network being trained (for tests and diagnostics).</summary>
    public TwoLayerNetwork Network => _network;

    /// <summary>
    /// Runs at most <paramref name="maxSteps"/> SGD steps, recording the planned observations, and returns
    /// the number of steps taken. Stops early when the run completes or diverges.
    /// </summary>
    public long Advance(long maxSteps, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxSteps);
        long start = Step;
        long stop = Math.Min(TotalSteps, Step + maxSteps);
        int d = _spec.Data.Dimension;
        int batch = _ys.Length;
        while (Status == RunStatus.Running)
        {
            ObserveIfPlanned();
            if (Step == TotalSteps)
            {
                Status = RunStatus.Completed;
                break;
            }

            if (Step == stop)
            {
                break;
            }

            if (((Step - start) & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            for (int s = 0; s < batch; s++)
            {
                _ys[s] = _data.Sample(ref _rng, _xs.AsSpan(s * d, d));
            }

            double residual = _network.SgdStep(_xs, _ys, _point.StepSize);
            Step++;
            if (!double.IsFinite(residual))
            {
                Status = RunStatus.Diverged;
            }
        }

        return Step - start;
    }

    /// <summary>Captures the state between chunks.</summary>
    public SgdCheckpoint Capture()
    {
        var parameters = new double[_network.ParameterCount];
        _network.CopyParameters(parameters);
        return new SgdCheckpoint(Step, Status, _rng.GetState(), parameters, [.. _risk], [.. _snapshots]);
    }

    /// <summary>The feature names this run records, in output order.</summary>
    public IReadOnlyList<string> Features =>
        _spec.Model.Preset == Presets.MmnRelu ? [WeightNormFeature, OutputWeightFeature, BiasFeature] : [WeightNormFeature];

    private void ObserveIfPlanned()
    {
        double time = Step * _point.StepSize;
        if (_nextRisk < _point.RiskSteps.Count && _point.RiskSteps[_nextRisk] == Step)
        {
            RiskEstimate estimate = _testSet.Risk(_network);
            _risk.Add(new RiskPoint(Step, time, estimate.Risk, estimate.StdErr));
            _nextRisk++;
        }

        if (_nextSnapshot < _point.SnapshotSteps.Count && _point.SnapshotSteps[_nextSnapshot] == Step)
        {
            foreach (string feature in Features)
            {
                FillFeature(feature, _featureScratch);
                _snapshots.Add(new MeasureSnapshot(Step, time, feature, Quantiles.Empirical(_featureScratch, _spec.Observe.QuantileLevels)));
            }

            _nextSnapshot++;
        }
    }

    private void FillFeature(string feature, Span<double> destination)
    {
        switch (feature)
        {
            case WeightNormFeature:
                _network.WeightNorms(destination);
                break;
            case OutputWeightFeature:
                _network.A.CopyTo(destination);
                break;
            case BiasFeature:
                _network.B.CopyTo(destination);
                break;
            default:
                throw new InvalidOperationException($"Unknown feature '{feature}'.");
        }
    }

    private static int CountBefore(IReadOnlyList<long> steps, long step, bool includeEqual)
    {
        int count = 0;
        while (count < steps.Count && (steps[count] < step || (includeEqual && steps[count] == step)))
        {
            count++;
        }

        return count;
    }
}
