namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Solves the anisotropic reduction (docs/limit.md, "The anisotropic reduction") by Lagrangian particles in
/// the plane: (r1_j, r2_j) start at the m × m product of the quantiles of r1 ~ (κ/√d) χ_s0 and
/// r2 ~ (κ/√d) χ_{d−s0} (independent at t = 0) and move by d(r1, r2)/dt = -2 ξ(t) (∇ψ + λ (r1, r2)), the
/// angular moments recomputed from the particles at every stage of the same RK4 integrator and time grid as
/// the radial solver (<see cref="ParticleRk4"/>, <see cref="OutputSchedule"/>). Each stage costs O(M K²)
/// for Hermite order 2K.
/// </summary>
public static class AnisotropicPdeSolver
{
    /// <summary>Integrates to every output time of <paramref name="settings"/> and records the snapshots.</summary>
    /// <exception cref="ArgumentException">A setting is out of range (see <see cref="AnisotropicPdeSettings.Validate"/>).</exception>
    public static AnisotropicPdeSolution Solve(AnisotropicPdeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        double[] state = InitialParticles(settings);
        int count = state.Length / 2;
        var field = new AnisotropicField(settings, count);
        var integrator = new ParticleRk4((x, gradient) => field.Evaluate(x.AsSpan(0, count), x.AsSpan(count), gradient.AsSpan(0, count), gradient.AsSpan(count)), settings.Xi, state.Length);
        var snapshots = new List<AnisotropicPdeSnapshot>();
        IReadOnlyList<double> levels = settings.ResolvedQuantileLevels;
        OutputSchedule.Integrate(settings.StepSize, settings.ResolvedOutputTimes, (t, h) => integrator.Step(state, t, h), t => snapshots.Add(Snapshot(integrator.Observe(state), state, t, levels)));
        return new AnisotropicPdeSolution(settings, levels, snapshots);
    }

    /// <summary>
    /// The initial particles, r1 then r2 (length 2M): r1 at the quantiles (j + 1/2)/m of (κ/√d) χ_s0 crossed
    /// with r2 at those of (κ/√d) χ_{d−s0} (M = m²), or r2 = 0 when s0 = d (M = m).
    /// </summary>
    public static double[] InitialParticles(AnisotropicPdeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int d = settings.Dimension, s0 = settings.InformativeDimensions, m = settings.ParticlesPerAxis;
        double[] r1 = RadialInitialLaw.Particles(s0, settings.Kappa * Math.Sqrt((double)s0 / d), m);
        double[] r2 = d > s0 ? RadialInitialLaw.Particles(d - s0, settings.Kappa * Math.Sqrt((double)(d - s0) / d), m) : [0.0];
        int count = r1.Length * r2.Length;
        var state = new double[2 * count];
        for (int i = 0; i < r1.Length; i++)
        {
            for (int k = 0; k < r2.Length; k++)
            {
                state[(i * r2.Length) + k] = r1[i];
                state[count + (i * r2.Length) + k] = r2[k];
            }
        }

        return state;
    }

    private static AnisotropicPdeSnapshot Snapshot(FieldValue value, double[] state, double t, IReadOnlyList<double> levels)
    {
        int count = state.Length / 2;
        double[] r1 = [.. state.Take(count).Select(Math.Abs)], r2 = [.. state.Skip(count).Select(Math.Abs)];
        double[] norms = [.. r1.Zip(r2, (a, b) => Math.Sqrt((a * a) + (b * b)))];
        double[] Quantiles(double[] values)
        {
            double[] sorted = [.. values.Order()];
            return [.. levels.Select(p => RadialPdeSolver.EmpiricalQuantile(sorted, p))];
        }

        return new AnisotropicPdeSnapshot(t, value.Risk, Quantiles(norms), Quantiles(r1), Quantiles(r2), r1.Average(), r2.Average(), value.Order, value.Converged, [.. norms.Order()]);
    }
}

/// <summary>The solution of the anisotropic reduction at the requested output times.</summary>
/// <param name="Settings">What was solved.</param>
/// <param name="QuantileLevels">The levels p of every snapshot's quantiles.</param>
/// <param name="Snapshots">One snapshot per output time, in time order.</param>
public sealed record AnisotropicPdeSolution(AnisotropicPdeSettings Settings, IReadOnlyList<double> QuantileLevels, IReadOnlyList<AnisotropicPdeSnapshot> Snapshots)
{
    /// <summary>The output times.</summary>
    public double[] Times => [.. Snapshots.Select(s => s.Time)];

    /// <summary>The risk R(t) at the output times.</summary>
    public double[] Risks => [.. Snapshots.Select(s => s.Risk)];
}

/// <summary>The particles of the anisotropic reduction at one output time.</summary>
/// <param name="Time">t.</param>
/// <param name="Risk">R(t) = E(y - ŷ)² of the limit (without the ridge term).</param>
/// <param name="NormQuantiles">Quantiles of ‖w‖ = √(r1² + r2²) at the solution's levels (the convention of <see cref="Observables.Quantiles"/>).</param>
/// <param name="R1Quantiles">Quantiles of r1 = ‖w_{1..s0}‖.</param>
/// <param name="R2Quantiles">Quantiles of r2 = ‖w_{s0+1..d}‖.</param>
/// <param name="MeanR1">The mean of r1.</param>
/// <param name="MeanR2">The mean of r2.</param>
/// <param name="HermiteOrder">The highest even Hermite order used by any field evaluation since the previous snapshot.</param>
/// <param name="HermiteConverged">Whether every one of those evaluations met the Hermite tolerance.</param>
/// <param name="Norms">All particles' ‖w‖, ascending (for W1 against an empirical law of ‖w_i‖).</param>
public sealed record AnisotropicPdeSnapshot(double Time, double Risk, IReadOnlyList<double> NormQuantiles, IReadOnlyList<double> R1Quantiles, IReadOnlyList<double> R2Quantiles, double MeanR1, double MeanR2, int HermiteOrder, bool HermiteConverged, IReadOnlyList<double> Norms);
