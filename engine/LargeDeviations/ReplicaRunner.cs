using System.Diagnostics;
using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// Runs replicas of one width (MATH section 6) and returns the functional F of each at time T. Replica r's
/// randomness derives from (sweep seed, point coordinates, r) only: the initial weights from the stream
/// (initialization, N_1..N_L, L, r) when annealed, or from one fixed stream per quenched draw shared by all
/// replicas when quenched; samples and noise from (training | noise, …, ε, r). So the merged sample never depends on how
/// replicas are batched or where batches run. A replica that diverges yields NaN (dropped and counted by
/// the aggregation).
/// </summary>
public sealed class ReplicaRunner
{
    private readonly SweepSpec _spec;
    private readonly PointSpec _point;
    private readonly DataModel _data;
    private readonly TestSet? _testSet;
    private readonly RadialPdeSnapshot? _reference;
    private readonly XiSchedule _xi;
    private readonly AffineTestRisk? _affineRisk;
    private readonly bool _batched, _laneInitialization;
    private readonly ulong[] _initialKeys, _trainingKeys;
    private readonly ulong _initialPrefix, _trainingPrefix;
    private readonly ModelSpec _initialModel;

    // A lane batch kept between calls: its lane store is a pinned array, which only a generation-2 collection frees, so a
    // batch per call (a single replica's Run is one) would pile them up. Taken while in use, so that concurrent calls each
    // get their own; every batch of this runner has the same shape.
    private ReplicaBatch? _spare;

    /// <summary>Prepares the runner of a large-deviations batch point; <paramref name="reference"/> is the limit's law at T for w1-to-reference.</summary>
    public ReplicaRunner(SweepSpec spec, PointSpec point, DataModel data, TestSet? testSet, RadialPdeSnapshot? reference)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(data);
        if (spec.LargeDeviations is null || point.Mode is null)
        {
            throw new ArgumentException("Not a large-deviations point.", nameof(point));
        }

        _spec = spec;
        _point = point;
        _data = data;
        _testSet = testSet;
        _reference = reference;
        _xi = XiSchedule.FromSpec(spec.Training.Xi);
        _affineRisk = testSet is not null && spec.LargeDeviations.Functional == LdFunctionals.Risk && spec.Observe.Risk == RiskKinds.Test && AffineTestRisk.Applies(spec)
            ? AffineTestRisk.For(testSet)
            : null;
        _batched = ReplicaBatch.Supports(spec, point);

        // The model the initial weights are drawn from: i.i.d. for annealed replicas (see InitialNetwork).
        _initialModel = point.Mode == LdModes.Quenched ? spec.Model : spec.Model with { Init = spec.Model.Init with { Sampling = InitSamplings.Iid } };
        _laneInitialization = LaneInitialization.Applies(spec, point);
        _initialKeys = [.. PointKeys.Of(point)];
        _trainingKeys = [.. PointKeys.WithStepSize(point)];
        _initialPrefix = RandomStreams.Key(spec.Seed, RandomStreams.Purpose.Initialization, _initialKeys);
        _trainingPrefix = RandomStreams.Key(spec.Seed, RandomStreams.Purpose.Training, _trainingKeys);
    }

    /// <summary>Whether the risk functional is the quadratic form of <see cref="AffineTestRisk"/> (no pass over the test set).</summary>
    public bool ClosedFormRisk => _affineRisk is not null;

    /// <summary>
    /// Whether replicas train in vector lanes (<see cref="ReplicaBatch"/>) rather than one at a time with the SGD
    /// stepper. It is decided by the model alone (<see cref="ReplicaBatch.Supports"/>), and a batched model's single
    /// replicas (<see cref="Run"/>, <see cref="Train"/>) run as a batch of one, so a replica's numbers never depend on the path.
    /// </summary>
    public bool Batched => _batched;

    /// <summary>The vector width of the lane Gaussians and the batch's row passes (the same bits at every width; tests force each).</summary>
    internal SimdWidth VectorWidth { get; init; } = Simd.Best;

    /// <summary>The limit's radial law at T, for <c>w1-to-reference</c> (null for other functionals or models).</summary>
    public static RadialPdeSnapshot? ReferenceFor(SweepSpec spec, PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        if (spec.LargeDeviations?.Functional != LdFunctionals.W1ToReference)
        {
            return null;
        }

        double horizon = point.Steps * point.StepSize;
        return RadialPdeSolver.Solve(RadialReduction.Settings(spec, Math.Max(horizon, 1e-12), [horizon])).Snapshots[^1];
    }

    /// <summary>F of replica <paramref name="replica"/>.</summary>
    public double Run(int replica)
    {
        // Counted with the SGD runs' time (SgdRun.ProcessStepTime, ProcessAdvanceTime): the worker-time line of mfc run.
        if (_batched)
        {
            return RunMany(replica, 1)[0];
        }

        long entered = Stopwatch.GetTimestamp();
        double value = Train(replica) is { } network ? Functional(network) : double.NaN;
        SgdRun.AccountProcessTime(0, Stopwatch.GetTimestamp() - entered);
        return value;
    }

    /// <summary>
    /// F of replicas <paramref name="from"/> .. <paramref name="from"/> + <paramref name="count"/> − 1, in order:
    /// in vector lanes when <see cref="Batched"/>, otherwise one at a time. Either way each value has the
    /// bits of <see cref="Run"/> for that replica, whatever the block.
    /// </summary>
    public double[] RunMany(int from, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!_batched)
        {
            return [.. Enumerable.Range(from, count).Select(Run)];
        }

        var values = new double[count];
        int width = ReplicaBatch.Width;
        bool quenched = _point.Mode == LdModes.Quenched;

        // Quenched replicas all start from the draw's network; annealed ones from their own streams: with lane
        // initialization drawn by the batch straight into its lanes, otherwise into a network per lane (the values
        // InitialNetwork gives either way).
        MeanFieldNetwork? start = quenched ? InitialNetwork(from) : null;
        ReplicaBatch batch = Interlocked.Exchange(ref _spare, null) ?? ReplicaBatch.For(_spec, start ?? NewNetwork(), _data);
        batch.VectorWidth = VectorWidth;
        Func<long, double> stepSize = StepSize;

        // The closed-form risk from the lanes' affine coefficients (docs/large-deviations.md, "The functional without a test-set pass").
        bool affine = _affineRisk is not null && batch.IsAffine;
        var intercepts = new double[width];
        var slopes = new double[width * _data.Dimension];

        // Networks per lane only where parameters pass through one: drawn or copied into it, or read by the functional.
        MeanFieldNetwork[] lanesOf = _laneInitialization && affine ? [] : [.. Enumerable.Range(0, width).Select(_ => NewNetwork())];
        var initialKeys = new ulong[width];
        var trainingKeys = new ulong[width];

        // Time is accounted once per call (two timestamps a chunk: at N = 16 a chunk of eight replicas takes a few
        // microseconds, and each reading of the clock about 40 ns).
        long entered = Stopwatch.GetTimestamp(), stepTicks = 0;
        for (int first = 0; first < count; first += width)
        {
            int lanes = Math.Min(width, count - first);
            for (int lane = 0; lane < lanes; lane++)
            {
                int r = from + first + lane;
                trainingKeys[lane] = TrainingKey(r);
                if (_laneInitialization)
                {
                    initialKeys[lane] = InitialKey(r);
                }
                else if (start is not null)
                {
                    start.Theta.CopyTo(lanesOf[lane].Theta, 0);
                }
                else
                {
                    var init = InitialStream(r);
                    lanesOf[lane].Redraw(_initialModel, ref init);
                }
            }

            long began = Stopwatch.GetTimestamp();
            var networks = new ArraySegment<MeanFieldNetwork>(lanesOf, 0, lanesOf.Length == 0 ? 0 : lanes);
            bool[] finite;
            if (_laneInitialization)
            {
                finite = batch.TrainDrawn(_initialModel, initialKeys.AsSpan(0, lanes), trainingKeys.AsSpan(0, lanes), _point.Steps, stepSize);
                batch.Store(networks);
            }
            else
            {
                finite = batch.Train(networks, new ArraySegment<ulong>(trainingKeys, 0, lanes), _point.Steps, stepSize);
            }

            long trained = Stopwatch.GetTimestamp();
            stepTicks += trained - began;
            if (affine)
            {
                batch.AffineCoefficients(intercepts, slopes);
            }

            for (int lane = 0; lane < lanes; lane++)
            {
                values[first + lane] = !finite[lane] ? double.NaN
                    : affine ? AffineRisk(intercepts[lane], slopes, lane, width)
                    : Functional(lanesOf[lane]);
            }
        }

        SgdRun.AccountProcessTime(stepTicks, Stopwatch.GetTimestamp() - entered);
        _spare = batch;
        return values;
    }

    private double AffineRisk(double intercept, double[] slopes, int lane, int width)
    {
        Span<double> slope = stackalloc double[_data.Dimension];
        for (int k = 0; k < slope.Length; k++)
        {
            slope[k] = slopes[(k * width) + lane];
        }

        return _affineRisk!.Risk(intercept, slope);
    }

    private double StepSize(long k) => _point.StepSize * _xi.Value(k * _point.StepSize);

    /// <summary>Replica <paramref name="replica"/>'s network at time T (null when it diverged).</summary>
    public MeanFieldNetwork? Train(int replica)
    {
        ulong r = (ulong)replica;
        MeanFieldNetwork network = InitialNetwork(replica);
        if (_batched)
        {
            ReplicaBatch batch = Interlocked.Exchange(ref _spare, null) ?? ReplicaBatch.For(_spec, network, _data);
            batch.VectorWidth = VectorWidth;
            bool finite = batch.Train([network], [TrainingKey(replica)], _point.Steps, StepSize)[0];
            _spare = batch;
            return finite ? network : null;
        }

        var rng = Stream(RandomStreams.Purpose.Training, _trainingKeys, r);
        var noise = Stream(RandomStreams.Purpose.Noise, _trainingKeys, r);
        SgdStepper stepper = SgdStepper.Create(_spec, network, _data, rng, noise);
        long began = Stopwatch.GetTimestamp();
        try
        {
            for (long k = 0; k < _point.Steps; k++)
            {
                if (!double.IsFinite(stepper.Step(StepSize(k))))
                {
                    return null;
                }
            }
        }
        finally
        {
            SgdRun.AccountProcessTime(Stopwatch.GetTimestamp() - began, 0);
        }

        stepper.Publish();
        return network;
    }

    /// <summary>
    /// The initial network of replica <paramref name="replica"/>: from the stream (initialization, N_1..N_L, L, r)
    /// when annealed, or the draw's fixed stream (the same for every replica) when quenched. The initial
    /// sampling (<c>model.init.sampling</c>) applies to quenched draws; annealed replicas always draw i.i.d.,
    /// since the annealed principle averages over the i.i.d. initial law (a stratified draw would remove the
    /// very fluctuations of the initial measure that it adds).
    /// </summary>
    public MeanFieldNetwork InitialNetwork(int replica)
    {
        MeanFieldNetwork network = NewNetwork();
        if (_laneInitialization)
        {
            // The batch's own draw, for one network: the replica's lanes of RunMany start from the same bits.
            ReplicaBatch batch = ReplicaBatch.For(_spec, network, _data);
            batch.VectorWidth = VectorWidth;
            batch.TrainDrawn(_initialModel, [InitialKey(replica)], [TrainingKey(replica)], 0, StepSize);
            batch.Store([network]);
        }
        else
        {
            var init = InitialStream(replica);
            network.Redraw(_initialModel, ref init);
        }

        return network;
    }

    // A network of the point's shape, its parameters not drawn yet (MeanFieldNetwork.Initialize without the draw).
    private MeanFieldNetwork NewNetwork() =>
        new(Activation.Create(_initialModel.Activation), _data.Dimension, _point.Widths, _point.Gamma, _initialModel.Bias, _initialModel.Train, _initialModel.MeanFieldScaling);

    // The keys of replica r's initialization and training streams (RandomStreams.Key of (seed, purpose, point keys, r)).
    private ulong InitialKey(int replica) => RandomStreams.Extend(_initialPrefix, (ulong)replica);

    private ulong TrainingKey(int replica) => RandomStreams.Extend(_trainingPrefix, (ulong)replica);

    private Xoshiro256 InitialStream(int replica) =>
        Stream(RandomStreams.Purpose.Initialization, _initialKeys, _point.Mode == LdModes.Quenched ? ulong.MaxValue - (ulong)_point.Draw : (ulong)replica);

    // The stream (sweep seed, purpose, keys…, last).
    private Xoshiro256 Stream(RandomStreams.Purpose purpose, ulong[] keys, ulong last) => new(Key(purpose, keys, last));

    // The key of (sweep seed, purpose, keys…, last): the seed of that Xoshiro256 stream and of its lane streams.
    private ulong Key(RandomStreams.Purpose purpose, ulong[] keys, ulong last)
    {
        Span<ulong> all = stackalloc ulong[keys.Length + 1];
        keys.CopyTo(all);
        all[^1] = last;
        return RandomStreams.Key(_spec.Seed, purpose, all);
    }

    /// <summary>F of replica <paramref name="replica"/>'s initial network (t = 0); in quenched mode, the draw's initial value.</summary>
    public double InitialValue(int replica) => Functional(InitialNetwork(replica));

    /// <summary>The functional F of a network at time T.</summary>
    public double Functional(MeanFieldNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        return Evaluate(network);
    }

    private double Evaluate(MeanFieldNetwork network)
    {
        int n = network.Widths[0];
        switch (_spec.LargeDeviations!.Functional)
        {
            case LdFunctionals.MeanOutputWeight:
                return network.Output.ToArray().Average();
            case LdFunctionals.MeanSquaredNorm:
                var norms = new double[n];
                network.WeightNorms(norms);
                return norms.Sum(v => v * v) / n;
            case LdFunctionals.W1ToReference:
                var radii = new double[n];
                network.WeightNorms(radii);
                return _reference!.W1(radii);
            default:
                return _affineRisk is not null ? _affineRisk.Risk(network)
                    : _spec.Observe.Risk == RiskKinds.Population
                    ? PopulationRisk.Compute(network.FirstLayer, n, network.Dimension, RadialReduction.InformativeDimensions(_spec.Data), _spec.Data.Delta, RampParameters.FromSpec(_spec.Model.Activation)).Risk
                    : _testSet!.Risk(network).Risk;
        }
    }

}
