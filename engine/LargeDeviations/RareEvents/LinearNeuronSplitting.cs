using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations.Limit;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.LargeDeviations.RareEvents;

/// <summary>
/// Splitting on the engine's own SGD for the linear neuron in d = 1 with functional <c>risk</c> (the reduction of
/// <see cref="LimitingRateFunction"/>; docs/large-deviations.md, "Rare events"). A state is the network's parameters at
/// a checkpoint; a segment runs the real <see cref="SgdStepper"/> with fresh streams. The score is the large-deviation
/// action to go of the mean weight m (<see cref="ActionToGoScore"/>, on the chain of <see cref="LinearNeuronIncrements"/>):
/// −W(m, τ), the same log-probability scale at every checkpoint. The target is decided on the actual test risk.
/// Quenched: every particle starts from the shared draw of the Monte Carlo replicas (draw 0); annealed: from its own
/// draw.
/// </summary>
public sealed class LinearNeuronSplitting : SplittingModel
{
    private readonly SweepSpec _spec;
    private readonly PointSpec _point;
    private readonly DataModel _data;
    private readonly ReplicaRunner _runner;
    private readonly MeanFieldNetwork _network;
    private readonly long[] _boundaries;
    private readonly double _level, _sign;
    private readonly ActionToGoScore _score;

    /// <summary>Creates the model of one (mode, width) point, level x and tail side.</summary>
    /// <param name="spec">A sweep <see cref="LimitingRateFunction.Check"/> accepts, with functional risk.</param>
    /// <param name="point">The point (its mode, width, step size and steps).</param>
    /// <param name="level">The level x.</param>
    /// <param name="side">Upper: P(F ≥ x); lower: P(F ≤ x).</param>
    /// <param name="segments">Checkpoints K (at most the number of steps).</param>
    public LinearNeuronSplitting(SweepSpec spec, PointSpec point, double level, TailSide side, int segments)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        string? reason = LimitingRateFunction.Check(spec) ?? (spec.LargeDeviations!.Functional == LdFunctionals.Risk ? null : "the functional is not risk");
        if (reason is not null)
        {
            throw new ArgumentException($"Splitting needs the linear-neuron reduction with functional risk: {reason}.", nameof(spec));
        }

        _spec = spec;
        _point = point;
        _data = DataModel.Create(spec.Data, spec.Seed);
        var testSet = TestSet.For(_data, spec.Observe.TestSamples, spec.Seed);
        _runner = new ReplicaRunner(spec, point, _data, testSet, null);
        var rng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Initialization, [0]);
        _network = MeanFieldNetwork.Initialize(spec.Model, 1, point.Widths, point.Gamma, ref rng);
        int k = (int)Math.Clamp(segments, 1, Math.Max(1, point.Steps));
        _boundaries = [.. Enumerable.Range(0, k + 1).Select(j => point.Steps * j / k)];
        _level = level;
        _sign = side == TailSide.Upper ? 1 : -1;
        var teacher = (TeacherStudentData)_data;
        double alpha = spec.Grid.StepSize[0].Value, horizon = point.Steps * point.StepSize;
        var law = new LinearNeuronIncrements(alpha, teacher.LinearCoefficients![0], teacher.Noise, spec.Training.Ridge, spec.Training.Beta ?? double.PositiveInfinity, spec.Training.BatchSize);
        double[] times = [.. _boundaries.Take(k).Select(b => b * point.StepSize / alpha)];
        _score = new ActionToGoScore(law, horizon / alpha, times, Roots(LimitingRateFunction.RiskQuadratic(spec, _data), level, side));
    }

    // The boundary of {F ≥ x} (upper) or {F ≤ x} (lower) for F = A − 2Bm + Cm², C > 0: the roots m₋ ≤ m₊ with the side
    // the target lies on.
    private static List<(double Root, int Direction)> Roots((double A, double B, double C) risk, double level, TailSide side)
    {
        (double a, double b, double c) = risk;
        double disc = (b * b) - (c * (a - level));
        if (disc < 0)
        {
            return [];
        }

        double lower = (b - Math.Sqrt(disc)) / c, upper = (b + Math.Sqrt(disc)) / c;
        return side == TailSide.Upper ? [(upper, 1), (lower, -1)] : [(lower, 1), (upper, -1)];
    }

    /// <inheritdoc/>
    public override int Segments => _boundaries.Length - 1;

    /// <inheritdoc/>
    public override double[] Start(ref Xoshiro256 rng)
    {
        bool quenched = _point.Mode == LdModes.Quenched;
        ulong key = quenched ? ulong.MaxValue : rng.NextUInt64();
        var init = RandomStreams.Create(_spec.Seed, RandomStreams.Purpose.Initialization, [.. PointKeys.Of(_point), key]);
        MeanFieldNetwork network = MeanFieldNetwork.Initialize(_spec.Model, 1, _point.Widths, _point.Gamma, ref init);
        return (double[])network.Theta.Clone();
    }

    /// <inheritdoc/>
    public override double[]? Advance(double[] state, int segment, ref Xoshiro256 rng)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.CopyTo(_network.Theta, 0);
        var training = RandomStreams.Create(rng.NextUInt64(), RandomStreams.Purpose.Training);
        var noise = RandomStreams.Create(rng.NextUInt64(), RandomStreams.Purpose.Noise);
        SgdStepper stepper = SgdStepper.Create(_spec, _network, _data, training, noise);
        for (long k = _boundaries[segment]; k < _boundaries[segment + 1]; k++)
        {
            if (!double.IsFinite(stepper.Step(_point.StepSize)))
            {
                return null;
            }
        }

        stepper.Publish();
        return (double[])_network.Theta.Clone();
    }

    /// <inheritdoc/>
    public override double Score(double[] state, int checkpoint)
    {
        ArgumentNullException.ThrowIfNull(state);
        int n = _point.Width;
        double m = 0;
        for (int i = 0; i < n; i++)
        {
            m += state[i];
        }

        return _score.Score(m / n, checkpoint);
    }

    /// <inheritdoc/>
    public override bool Reached(double[] state)
    {
        ArgumentNullException.ThrowIfNull(state);
        state.CopyTo(_network.Theta, 0);
        return _sign * (_runner.Functional(_network) - _level) >= 0;
    }
}
