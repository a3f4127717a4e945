using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The mean-field limit a sweep is compared with, whichever reduction applies: the radial equation (MMN
/// example 1, <see cref="RadialReduction"/>) or the anisotropic one (MMN example 2,
/// <see cref="AnisotropicReduction"/>), reduced to what the comparisons read: the risk and the law of ‖w‖.
/// </summary>
public static class ReducedLimit
{
    /// <summary>The reference description of the radial limit.</summary>
    public const string Radial = "radial PDE at finite d (mean-field limit N -> infinity, MATH section 4.1)";

    /// <summary>The reference description of the anisotropic limit.</summary>
    public const string Anisotropic = "anisotropic (r1, r2) PDE at finite d (mean-field limit N -> infinity, docs/limit.md)";

    /// <summary>Null when a reduction applies to the sweep, else why not (the reason of the reduction its data kind calls for).</summary>
    public static string? Check(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Data.Kind == DataKinds.AnisotropicGaussian ? AnisotropicReduction.Check(spec) : RadialReduction.Check(spec);
    }

    /// <summary>Solves the sweep's reduced limit at the output times (horizon = the last one); <paramref name="leadingOrderOnly"/> keeps the n = 0 term only.</summary>
    /// <exception cref="ArgumentException">No reduction applies.</exception>
    public static LimitCurve Solve(SweepSpec spec, IReadOnlyList<double> outputTimes, bool leadingOrderOnly = false)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(outputTimes);
        double horizon = Math.Max(outputTimes[^1], 1e-12);
        if (spec.Data.Kind == DataKinds.AnisotropicGaussian)
        {
            AnisotropicPdeSettings a = AnisotropicReduction.Settings(spec, horizon, outputTimes);
            AnisotropicPdeSolution solution = AnisotropicPdeSolver.Solve(leadingOrderOnly ? a with { MaxHermiteOrder = 0 } : a);
            int m = a.ParticlesPerAxis;
            return new LimitCurve(Anisotropic, a.InformativeDimensions < a.Dimension ? m * m : m, a.StepSize, solution.QuantileLevels, [.. solution.Snapshots.Select(s => new LimitPoint(s.Time, s.Risk, s.NormQuantiles, s.HermiteOrder, s.HermiteConverged) { R1Quantiles = s.R1Quantiles, R2Quantiles = s.R2Quantiles })]);
        }

        RadialPdeSettings r = RadialReduction.Settings(spec, horizon, outputTimes);
        RadialPdeSolution radial = RadialPdeSolver.Solve(leadingOrderOnly ? r with { MaxHermiteOrder = 0 } : r);
        return new LimitCurve(Radial, r.Particles, r.StepSize, radial.QuantileLevels, [.. radial.Snapshots.Select(s => new LimitPoint(s.Time, s.Risk, s.Quantiles, s.HermiteOrder, s.HermiteConverged))]) { Radial = radial };
    }
}

/// <summary>A reduced limit at its output times.</summary>
/// <param name="Reference">What was solved (<see cref="ReducedLimit.Radial"/> or <see cref="ReducedLimit.Anisotropic"/>).</param>
/// <param name="Particles">Lagrangian particles of the solver.</param>
/// <param name="IntegratorStep">RK4 step of the solver.</param>
/// <param name="QuantileLevels">The levels of every point's quantiles.</param>
/// <param name="Points">One per output time, in time order.</param>
public sealed record LimitCurve(string Reference, int Particles, double IntegratorStep, IReadOnlyList<double> QuantileLevels, IReadOnlyList<LimitPoint> Points)
{
    /// <summary>The radial solution itself, when the limit is the radial one (its noisy settings, radii for W1).</summary>
    public RadialPdeSolution? Radial { get; init; }

    /// <summary>The output times.</summary>
    public double[] Times => [.. Points.Select(p => p.Time)];

    /// <summary>The risk at the output times.</summary>
    public double[] Risks => [.. Points.Select(p => p.Risk)];

    /// <summary>The point at an output time (matched to 1e-9 relative).</summary>
    /// <exception cref="InvalidOperationException">No output time matches.</exception>
    public LimitPoint At(double time) => Points.First(p => Math.Abs(p.Time - time) <= 1e-9 * Math.Max(1.0, Math.Abs(time)));
}

/// <summary>The limit at one output time.</summary>
/// <param name="Time">t.</param>
/// <param name="Risk">R(t).</param>
/// <param name="NormQuantiles">Quantiles of ‖w‖ at <see cref="LimitCurve.QuantileLevels"/>.</param>
/// <param name="HermiteOrder">The highest even Hermite order used since the previous point.</param>
/// <param name="HermiteConverged">Whether every field evaluation since then met the Hermite tolerance.</param>
public sealed record LimitPoint(double Time, double Risk, IReadOnlyList<double> NormQuantiles, int HermiteOrder, bool HermiteConverged)
{
    /// <summary>Quantiles of r1 = ‖w_{1..s0}‖ (anisotropic limit only).</summary>
    public IReadOnlyList<double>? R1Quantiles { get; init; }

    /// <summary>Quantiles of r2 = ‖w_{s0+1..d}‖ (anisotropic limit only).</summary>
    public IReadOnlyList<double>? R2Quantiles { get; init; }
}
