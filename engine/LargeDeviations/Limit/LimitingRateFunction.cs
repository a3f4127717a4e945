using System.Collections.Concurrent;
using System.Globalization;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.LargeDeviations.Limit;

/// <summary>The limiting rate function of one mode on the x grid.</summary>
/// <param name="Mode">quenched or annealed.</param>
/// <param name="Points">I(x) per x of the grid; null where no path reaches x (I = +∞).</param>
/// <param name="Typical">The typical value of F in the limit (where I = 0).</param>
/// <param name="Jumps">Per point, the jumps on the cheapest path (0: continuous; null: no jumps considered).</param>
/// <param name="JumpsExact">
/// Whether a rate reached with jumps is exact (jumps commute with the flow, so placing them at the end loses nothing);
/// when false such a rate is an upper bound (docs/large-deviations.md, "Big jumps in the solver").
/// </param>
public sealed record LimitCurve(string Mode, IReadOnlyList<(double X, double? Rate)> Points, double Typical, IReadOnlyList<int>? Jumps = null, bool JumpsExact = true);

/// <summary>
/// The N = ∞ rate function of a large-deviations sweep, for the cases where F is a function of a
/// one-dimensional state whose dynamics are a small-noise chain (docs/large-deviations.md, "The limiting rate
/// function"):
/// <list type="bullet">
/// <item>T = 0, <c>mean-output-weight</c>: F is the mean of N i.i.d. output weights; annealed I = Cramér's rate of
/// their law (Gaussian or Rademacher); quenched F is fixed by the shared draw (no rate function).</item>
/// <item>The <c>linear</c> preset in d = 1 on teacher-student data with an identity teacher, step α/N, constant ξ,
/// γ = 1, functional <c>risk</c> (test risk): F = A − 2Bm + Cm² is a quadratic in the mean weight m (A, B, C from
/// the test set), m follows <see cref="LinearNeuronIncrements"/>, and I(x) = min J(m) over the roots of F(m) = x,
/// with J the minimal path action (<see cref="PathActionSolver"/>). Quenched paths start at the mean of the
/// initial law (0), annealed ones pay Cramér's cost of N(0, κ²) for their start.</item>
/// </list>
/// </summary>
public static class LimitingRateFunction
{
    /// <summary>Why the solver cannot reduce this sweep (null when it can).</summary>
    public static string? Check(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.LargeDeviations is not { } ld)
        {
            return "not a large-deviations sweep";
        }

        if (spec.Training.Horizon is not { } horizon)
        {
            return "training.steps is given: the horizon T must be fixed (training.horizon) for a limit in N";
        }

        if (horizon == 0 && ld.Functional == LdFunctionals.MeanOutputWeight)
        {
            return spec.Model.Init.OutputStd > 0 ? null : "the output weights are not random";
        }

        if (spec.Model.Preset != Presets.Linear)
        {
            return $"the solver reduces the dynamics only for preset '{Presets.Linear}' (and mean-output-weight at T = 0), not '{spec.Model.Preset}'";
        }

        if (ld.Functional != LdFunctionals.Risk || spec.Observe.Risk != RiskKinds.Test)
        {
            return $"for the linear neuron the solver handles functional '{LdFunctionals.Risk}' (test risk), not '{ld.Functional}'";
        }

        if (spec.Data.Kind != DataKinds.TeacherStudent || spec.Data.Dimension != 1 || spec.Data.Teacher?.Activation.Kind != ActivationKinds.Identity)
        {
            return "the linear-neuron reduction needs teacher-student data in d = 1 with an identity teacher";
        }

        if (horizon > 0 && !spec.Grid.StepSize[0].DividedByWidth)
        {
            return "the step size is a number: the principle at speed N needs step_size alpha/N";
        }

        if (spec.Training.Xi.Kind != "constant" || !spec.Model.MeanFieldScaling || !spec.Model.Train.First
            || (spec.Grid.Gamma ?? spec.Model.Gamma).Any(g => g != 1.0))
        {
            return "the reduction assumes a constant schedule, gamma = 1, mean-field scaling and a trained first layer";
        }

        return null;
    }

    /// <summary>
    /// The limiting rate function of <paramref name="mode"/> at <paramref name="xs"/> (default: the sweep's x grid). It
    /// depends on the spec only, so it is solved once per (spec, mode, x values) and process: provisional and final
    /// aggregates reuse it.
    /// </summary>
    /// <exception cref="ArgumentException">The sweep is not reducible (<see cref="Check"/> says why) or a quenched T = 0 curve is asked for.</exception>
    public static LimitCurve Solve(SweepSpec spec, string mode, IReadOnlyList<double>? xs = null)
    {
        if (Check(spec) is { } reason)
        {
            throw new ArgumentException($"No limiting rate function: {reason}.", nameof(spec));
        }

        IReadOnlyList<double> at = xs ?? spec.LargeDeviations!.XGrid;
        string key = string.Join('|', SpecWriter.ToJson(spec), mode, string.Join(',', at.Select(x => x.ToString("R", CultureInfo.InvariantCulture))));
        return Cache.GetOrAdd(key, _ => new Lazy<LimitCurve>(() => SolveUncached(spec, mode, at))).Value;
    }

    private static readonly ConcurrentDictionary<string, Lazy<LimitCurve>> Cache = new();

    private static LimitCurve SolveUncached(SweepSpec spec, string mode, IReadOnlyList<double> xs)
    {
        LargeDeviationsSpec ld = spec.LargeDeviations!;
        double horizon = spec.Training.Horizon!.Value;
        bool annealed = mode == LdModes.Annealed;
        if (ld.Functional == LdFunctionals.MeanOutputWeight)
        {
            if (!annealed)
            {
                throw new ArgumentException("At T = 0 the quenched functional is fixed by the shared draw: it has no rate function.", nameof(mode));
            }

            InitSpec init = spec.Model.Init;
            IInitialLaw law = init.OutputLaw == "rademacher" ? new RademacherInitialLaw(init.OutputMean, init.OutputStd) : new GaussianInitialLaw(init.OutputMean, init.OutputStd);
            var cramer = new PathActionSolver(new GaussianIncrements(0, 0, 0), 0, law);
            return new LimitCurve(mode, [.. xs.Select(x => (x, Finite(cramer.Endpoint(x).Rate)))], law.Mean);
        }

        var data = (TeacherStudentData)DataModel.Create(spec.Data, spec.Seed);
        double alpha = spec.Grid.StepSize[0].Value;
        var increments = new LinearNeuronIncrements(alpha, data.LinearCoefficients![0], data.Noise, spec.Training.Ridge, spec.Training.Beta ?? double.PositiveInfinity, spec.Training.BatchSize);
        IInitialLaw? initial = annealed ? new GaussianInitialLaw(0, spec.Model.Init.Kappa) : null;
        var solver = new PathActionSolver(increments, horizon / alpha, initial);
        (double a, double b, double c) = RiskQuadratic(spec, data);
        double typical = solver.Typical;
        var points = new List<(double, double?)>();
        var jumps = new List<int>();
        foreach (double x in xs)
        {
            double disc = (b * b) - (c * (a - x));
            EndpointRate? best = null;
            if (disc >= 0)
            {
                double root = Math.Sqrt(disc);
                EndpointRate upper = solver.Cheapest((b + root) / c), lower = solver.Cheapest((b - root) / c);
                best = upper.Rate <= lower.Rate ? upper : lower;
            }

            points.Add((x, best is null ? null : Finite(best.Rate)));
            jumps.Add(best?.Jumps ?? 0);
        }

        // The jumps multiply θ* − m, and so does the flow only without ridge, label noise and Langevin noise.
        bool commutes = spec.Training.Ridge == 0 && data.Noise == 0 && spec.Training.Beta is null;
        return new LimitCurve(mode, points, a - (2 * b * typical) + (c * typical * typical), jumps, commutes);
    }

    /// <summary>
    /// The test risk of the linear neuron in d = 1 as a quadratic A − 2Bm + Cm² of the mean weight m, read off the
    /// sweep's test set by evaluating it at m = −1, 0, 1 (the test risk depends on the weights only through m).
    /// </summary>
    public static (double A, double B, double C) RiskQuadratic(SweepSpec spec, DataModel data)
    {
        ArgumentNullException.ThrowIfNull(spec);
        TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
        var rng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Initialization, [0]);
        MeanFieldNetwork network = MeanFieldNetwork.Initialize(spec.Model, 1, [1], [1.0], ref rng);
        double At(double m)
        {
            network.FirstLayer[0] = m;
            return testSet.Risk(network).Risk;
        }

        double minus = At(-1), zero = At(0), plus = At(1);
        return (zero, (minus - plus) / 4, ((plus + minus) / 2) - zero);
    }

    private static double? Finite(double rate) => double.IsFinite(rate) ? rate : null;
}
