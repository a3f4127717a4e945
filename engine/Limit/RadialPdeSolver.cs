namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Solves the reduced radial equation of MATH section 4.1 by Lagrangian particles: the radii r_j start at
/// the quantiles of the initial radial law (<see cref="RadialInitialLaw"/>) and move by
/// dr_j/dt = -2 ξ(t) (ψ'(r_j) + λ r_j), with the moments m_n^± recomputed from the particles at every stage
/// of a classical RK4 step (<see cref="RadialField"/>). Steps have length h and land on the grid k h and on
/// the output times (<see cref="OutputSchedule"/>). Each stage
/// costs O(M · order).
/// </summary>
public static class RadialPdeSolver
{
    /// <summary>Integrates to every output time of <paramref name="settings"/> and records the snapshots (β &lt; ∞ goes to <see cref="NoisyRadialSolver"/>).</summary>
    /// <exception cref="ArgumentException">A setting is out of range (see <see cref="RadialPdeSettings.Validate"/>).</exception>
    public static RadialPdeSolution Solve(RadialPdeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.Beta is { } beta && double.IsFinite(beta))
        {
            // Particles cannot diffuse: the noisy limit is a Fokker–Planck equation on a grid in r.
            return NoisyRadialSolver.Solve(settings);
        }

        double[] radii = RadialInitialLaw.Particles(settings.Dimension, settings.Kappa, settings.Particles);
        var field = new RadialField(settings, radii.Length);
        var integrator = new ParticleRk4((r, gradient) => field.Evaluate(r, gradient), settings.Xi, radii.Length);
        var snapshots = new List<RadialPdeSnapshot>();
        IReadOnlyList<double> levels = settings.ResolvedQuantileLevels;
        OutputSchedule.Integrate(settings.StepSize, settings.ResolvedOutputTimes, (t, h) => integrator.Step(radii, t, h), t => snapshots.Add(Snapshot(integrator.Observe(radii), radii, t, levels)));
        return new RadialPdeSolution(settings, levels, snapshots);
    }

    private static RadialPdeSnapshot Snapshot(FieldValue value, double[] r, double t, IReadOnlyList<double> levels)
    {
        double[] sorted = [.. r.Select(Math.Abs)];
        Array.Sort(sorted);
        double[] quantiles = [.. levels.Select(p => EmpiricalQuantile(sorted, p))];
        return new RadialPdeSnapshot(t, value.Risk, quantiles, value.Order, value.Converged, sorted);
    }

    /// <summary>The quantile Q(p) = x_(⌈pM⌉) of an ascending sample (MATH section 5).</summary>
    internal static double EmpiricalQuantile(ReadOnlySpan<double> sorted, double p)
    {
        int rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
