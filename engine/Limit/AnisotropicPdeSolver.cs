using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Solves the anisotropic reduction (docs/limit.md, "The anisotropic reduction") by Lagrangian particles in
/// the plane: (r1_j, r2_j) with fixed masses start at the m × m product of one-dimensional rules for
/// r1 ~ (κ/√d) χ_s0 and r2 ~ (κ/√d) χ_{d−s0} (independent at t = 0) and move by d(r1, r2)/dt = -2 ξ(t) (∇ψ + λ (r1, r2)), the
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
        (double[] state, double[] masses) = InitialParticles(settings);
        int count = masses.Length;
        var field = new AnisotropicField(settings, masses);
        var integrator = new ParticleRk4((x, gradient) => field.Evaluate(x.AsSpan(0, count), x.AsSpan(count), gradient.AsSpan(0, count), gradient.AsSpan(count)), settings.Xi, state.Length);
        var snapshots = new List<AnisotropicPdeSnapshot>();
        IReadOnlyList<double> levels = settings.ResolvedQuantileLevels;
        OutputSchedule.Integrate(settings.StepSize, settings.ResolvedOutputTimes, (t, h) => integrator.Step(state, t, h), t => snapshots.Add(Snapshot(integrator.Observe(state), state, masses, t, levels)));
        return new AnisotropicPdeSolution(settings, levels, snapshots);
    }

    /// <summary>
    /// The initial particles, r1 then r2 (length 2M), and their masses (length M, sum 1): the product of a rule
    /// for r1 ~ (κ/√d) χ_s0 and one for r2 ~ (κ/√d) χ_{d−s0} (M = m²), or r2 = 0 when s0 = d (M = m); see
    /// <see cref="AnisotropicPdeSettings.EqualMassQuantiles"/> for the rules.
    /// </summary>
    public static (double[] State, double[] Masses) InitialParticles(AnisotropicPdeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        int d = settings.Dimension, s0 = settings.InformativeDimensions;
        (double[] r1, double[] p1) = Axis(settings, s0);
        (double[] r2, double[] p2) = d > s0 ? Axis(settings, d - s0) : ([0.0], [1.0]);
        int count = r1.Length * r2.Length;
        var state = new double[2 * count];
        var masses = new double[count];
        for (int i = 0; i < r1.Length; i++)
        {
            for (int k = 0; k < r2.Length; k++)
            {
                int j = (i * r2.Length) + k;
                state[j] = r1[i];
                state[count + j] = r2[k];
                masses[j] = p1[i] * p2[k];
            }
        }

        return (state, masses);
    }

    // One axis: the norm of k coordinates of w ~ N(0, κ²/d I), (κ/√d) χ_k, by the rule of the settings.
    private static (double[] Nodes, double[] Masses) Axis(AnisotropicPdeSettings settings, int k)
    {
        int m = settings.ParticlesPerAxis;
        if (settings.EqualMassQuantiles)
        {
            return (RadialInitialLaw.Particles(k, settings.Kappa * Math.Sqrt((double)k / settings.Dimension), m), [.. Enumerable.Repeat(1.0 / m, m)]);
        }

        // Gauss rule for x = r²/(2σ²) ~ Gamma(k/2, 1), σ = κ/√d: the generalized Gauss–Laguerre rule with
        // α = k/2 − 1 by Golub–Welsch (the eigenvalues of the Jacobi matrix of the monic Laguerre polynomials,
        // diagonal 2i + α + 1 and off-diagonal √(i (i + α)), are the nodes; the squared first components of the
        // unit eigenvectors are the masses). Functions of r that are even in r are smooth in x, so the rule
        // converges exponentially in m.
        double alpha = (k / 2.0) - 1.0, sigma = settings.Kappa / Math.Sqrt(settings.Dimension);
        var jacobi = Matrix<double>.Build.Dense(m, m);
        for (int i = 0; i < m; i++)
        {
            jacobi[i, i] = (2.0 * i) + alpha + 1.0;
            if (i + 1 < m)
            {
                jacobi[i, i + 1] = jacobi[i + 1, i] = Math.Sqrt((i + 1.0) * (i + 1.0 + alpha));
            }
        }

        Evd<double> evd = jacobi.Evd(Symmetricity.Symmetric);
        var nodes = new double[m];
        var masses = new double[m];
        for (int i = 0; i < m; i++)
        {
            nodes[i] = sigma * Math.Sqrt(2.0 * Math.Max(evd.EigenValues[i].Real, 0.0));
            masses[i] = evd.EigenVectors[0, i] * evd.EigenVectors[0, i];
        }

        double total = masses.Sum();
        return (nodes, [.. masses.Select(v => v / total)]);
    }

    private static AnisotropicPdeSnapshot Snapshot(FieldValue value, double[] state, double[] masses, double t, IReadOnlyList<double> levels)
    {
        int count = masses.Length;
        double[] r1 = [.. state.Take(count).Select(Math.Abs)], r2 = [.. state.Skip(count).Select(Math.Abs)];
        double[] norms = [.. r1.Zip(r2, (a, b) => Math.Sqrt((a * a) + (b * b)))];
        return new AnisotropicPdeSnapshot(
            t, value.Risk, WeightedQuantiles(norms, masses, levels), WeightedQuantiles(r1, masses, levels), WeightedQuantiles(r2, masses, levels),
            r1.Zip(masses, (r, p) => r * p).Sum(), r2.Zip(masses, (r, p) => r * p).Sum(), value.Order, value.Converged);
    }

    /// <summary>
    /// Q(p) = the smallest value whose cumulative mass reaches p (for equal masses the x_(⌈pM⌉) of
    /// <see cref="RadialPdeSolver.EmpiricalQuantile"/>; a relative slack of 1e-12 absorbs the rounding of the sums).
    /// </summary>
    internal static double[] WeightedQuantiles(double[] values, double[] masses, IReadOnlyList<double> levels)
    {
        int[] order = [.. Enumerable.Range(0, values.Length).OrderBy(j => values[j])];
        var quantiles = new double[levels.Count];
        double cumulative = 0;
        int next = 0;
        for (int q = 0; q < levels.Count; q++)
        {
            while (next < order.Length - 1 && cumulative + masses[order[next]] < levels[q] * (1 - 1e-12))
            {
                cumulative += masses[order[next]];
                next++;
            }

            quantiles[q] = values[order[next]];
        }

        return quantiles;
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
/// <param name="NormQuantiles">Quantiles of ‖w‖ = √(r1² + r2²) of the particles' (weighted) law at the solution's levels.</param>
/// <param name="R1Quantiles">Quantiles of r1 = ‖w_{1..s0}‖.</param>
/// <param name="R2Quantiles">Quantiles of r2 = ‖w_{s0+1..d}‖.</param>
/// <param name="MeanR1">The mean of r1 (E‖w_{1..s0}‖).</param>
/// <param name="MeanR2">The mean of r2.</param>
/// <param name="HermiteOrder">The highest even Hermite order used by any field evaluation since the previous snapshot.</param>
/// <param name="HermiteConverged">Whether every one of those evaluations met the Hermite tolerance.</param>
public sealed record AnisotropicPdeSnapshot(double Time, double Risk, IReadOnlyList<double> NormQuantiles, IReadOnlyList<double> R1Quantiles, IReadOnlyList<double> R2Quantiles, double MeanR1, double MeanR2, int HermiteOrder, bool HermiteConverged);
