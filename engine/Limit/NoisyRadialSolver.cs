using MathNet.Numerics;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The noisy radial limit (β &lt; ∞, ridge λ &gt; 0; MATH sections 4 and 7, docs/limit.md "The noisy limit"). The
/// SGD step θ ← (1 − 2λs)θ − 2s ∇Ψ + √(4s/β) g has the generator (2ξ/β)Δ, so the law of r = ‖w‖ in d dimensions
/// has density p(r, t) with
/// <code>
/// ∂_t p = ∂_r [ D (∂_r p + Φ'(r) p) ],   D = 2ξ(t)/β,   Φ(r) = β (ψ(r; p) + λ r²/2) − (d − 1) ln r,
/// </code>
/// (drift −2ξ ∂_r Ψ_λ + (2ξ/β)(d − 1)/r, diffusion 2ξ/β) whose stationary law is p ∝ r^{d−1} e^{−β Ψ_λ}.
/// Lagrangian particles cannot diffuse, so this is solved on a grid: conservative finite volumes on cells of
/// width h over [0, R] (no flux through either end), the Scharfetter–Gummel flux between neighbouring
/// centres, J = (D/h) [B(ΔΦ) p_i − B(−ΔΦ) p_{i+1}] with B(x) = x/(e^x − 1) (exact for a linear Φ on the cell,
/// and the discrete law ∝ e^{−Φ_i} has zero flux: the scheme keeps positivity, mass and the Gibbs law), and
/// backward Euler in time with the field ψ frozen at the start of each step (one tridiagonal solve per step).
/// </summary>
public static class NoisyRadialSolver
{
    /// <summary>Integrates the noisy radial equation to the output times of <paramref name="settings"/>.</summary>
    /// <exception cref="ArgumentException">A setting is out of range or the noise is not finite.</exception>
    public static RadialPdeSolution Solve(RadialPdeSettings settings)
    {
        NoisyGrid grid = NoisyGrid.Create(settings);
        double[] masses = grid.InitialMasses(settings.Kappa);
        var stepper = new Stepper(grid, settings);
        double h = settings.StepSize, t = 0;
        var snapshots = new List<RadialPdeSnapshot>();
        IReadOnlyList<double> levels = settings.ResolvedQuantileLevels;
        double[] particleLevels = [.. Enumerable.Range(0, settings.Particles).Select(j => (j + 0.5) / settings.Particles)];
        foreach (double target in settings.ResolvedOutputTimes)
        {
            while (t < target * (1 - 1e-12))
            {
                double next = Math.Min(t + h, target);
                stepper.Step(masses, t, next - t);
                t = next;
            }

            double risk = grid.Field.Evaluate(masses, stepper.Psi);
            snapshots.Add(new RadialPdeSnapshot(t, risk, [.. levels.Select(p => grid.Quantile(masses, p))], grid.Order, grid.Field.LastTerm < settings.HermiteTolerance, [.. particleLevels.Select(p => grid.Quantile(masses, p))]));
        }

        return new RadialPdeSolution(settings, levels, snapshots);
    }

    /// <summary>
    /// The stationary law by a damped fixed-point iteration of P_i ∝ exp(−Φ_i(P)) on the same grid,
    /// independent of the time integration: P ← (1 − θ) P + θ T(P), θ halved whenever the L1 residual
    /// ‖T(P) − P‖₁ grows, until it is below <paramref name="tolerance"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A setting is out of range or the noise is not finite.</exception>
    public static NoisyStationaryLaw Stationary(RadialPdeSettings settings, double tolerance = 1e-12, int maxIterations = 100_000)
    {
        NoisyGrid grid = NoisyGrid.Create(settings);
        double[] masses = grid.InitialMasses(settings.Kappa);
        double[] psi = new double[grid.Cells], image = new double[grid.Cells];
        double damping = 0.5, previous = double.PositiveInfinity, residual = double.PositiveInfinity;
        int iteration = 0;
        for (; iteration < maxIterations; iteration++)
        {
            grid.Field.Evaluate(masses, psi);
            grid.Gibbs(psi, image);
            residual = 0;
            for (int i = 0; i < grid.Cells; i++)
            {
                residual += Math.Abs(image[i] - masses[i]);
            }

            if (residual < tolerance)
            {
                break;
            }

            if (residual > previous)
            {
                damping = Math.Max(damping / 2, 1e-4);
            }
            else
            {
                damping = Math.Min(1.0, damping * 1.1);
            }

            previous = residual;
            for (int i = 0; i < grid.Cells; i++)
            {
                masses[i] += damping * (image[i] - masses[i]);
            }
        }

        double risk = grid.Field.Evaluate(masses, psi);
        return new NoisyStationaryLaw(grid.Field.Radii, masses, risk, iteration, residual, grid.Field.LastTerm);
    }

    // One backward-Euler step: (I − dt L(Φ(P^n))) P^{n+1} = P^n, L the Scharfetter–Gummel operator on cell masses.
    private sealed class Stepper(NoisyGrid grid, RadialPdeSettings settings)
    {
        private readonly double[] _lower = new double[grid.Cells], _diag = new double[grid.Cells], _upper = new double[grid.Cells];
        private readonly double[] _phi = new double[grid.Cells];

        public double[] Psi { get; } = new double[grid.Cells];

        public void Step(double[] masses, double t, double dt)
        {
            grid.Field.Evaluate(masses, Psi);
            grid.Potential(Psi, _phi);

            // Rate constants per interface: out of i to the right a_i = D/h² B(ΔΦ), into i from the right b_i = D/h² B(−ΔΦ).
            double rate = 2.0 * settings.Xi.Value(t + dt) / settings.Beta!.Value / (grid.Width * grid.Width);
            int n = grid.Cells;
            Array.Clear(_lower);
            Array.Clear(_upper);
            for (int i = 0; i < n; i++)
            {
                _diag[i] = 1.0;
            }

            for (int i = 0; i + 1 < n; i++)
            {
                double delta = _phi[i + 1] - _phi[i];
                double right = dt * rate * Bernoulli(delta), left = dt * rate * Bernoulli(-delta);
                _diag[i] += right;
                _upper[i] -= left;
                _diag[i + 1] += left;
                _lower[i + 1] -= right;
            }

            Tridiagonal.Solve(_lower, _diag, _upper, masses);
        }
    }

    /// <summary>B(x) = x/(eˣ − 1), with B(0) = 1, accurate near 0 and for large |x|.</summary>
    internal static double Bernoulli(double x)
    {
        if (Math.Abs(x) < 1e-3)
        {
            double x2 = x * x;
            return 1.0 - (x / 2.0) + (x2 / 12.0) - (x2 * x2 / 720.0);
        }

        return x > 700 ? x * Math.Exp(-x) : x / (Math.Exp(x) - 1.0);
    }
}

/// <summary>The grid, its field and the maps shared by the time integration and the fixed-point solver.</summary>
internal sealed class NoisyGrid
{
    private NoisyGrid(RadialPdeSettings settings, double top)
    {
        Settings = settings;
        Cells = settings.GridCells;
        Width = top / Cells;
        double[] centres = [.. Enumerable.Range(0, Cells).Select(i => (i + 0.5) * Width)];
        Order = settings.MaxHermiteOrder - (settings.MaxHermiteOrder % 2);
        Field = new RadialGridField(settings.Ramp, settings.Delta, settings.Dimension, centres, Order);
    }

    public RadialPdeSettings Settings { get; }

    public int Cells { get; }

    public double Width { get; }

    public int Order { get; }

    public RadialGridField Field { get; }

    public static NoisyGrid Create(RadialPdeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.Beta is not { } beta || !double.IsFinite(beta))
        {
            throw new ArgumentException("The noisy solver needs a finite Beta.", nameof(settings));
        }

        return new NoisyGrid(settings, settings.ResolvedGridMax);
    }

    /// <summary>Cell masses of (κ/√d) χ_d: differences of the regularized gamma function at the cell edges.</summary>
    public double[] InitialMasses(double kappa)
    {
        int d = Settings.Dimension!.Value;
        var masses = new double[Cells];
        double previous = 0;
        for (int i = 0; i < Cells; i++)
        {
            double edge = (i + 1) * Width * Math.Sqrt(d) / kappa;
            double cdf = SpecialFunctions.GammaLowerRegularized(d / 2.0, 0.5 * edge * edge);
            masses[i] = cdf - previous;
            previous = cdf;
        }

        masses[^1] += 1.0 - previous;
        return masses;
    }

    /// <summary>Φ_i = β (ψ_i + λ r_i²/2) − (d − 1) ln r_i.</summary>
    public void Potential(ReadOnlySpan<double> psi, Span<double> phi)
    {
        double beta = Settings.Beta!.Value, ridge = Settings.Ridge;
        int d = Settings.Dimension!.Value;
        for (int i = 0; i < Cells; i++)
        {
            double r = Field.Radii[i];
            phi[i] = (beta * (psi[i] + (0.5 * ridge * r * r))) - ((d - 1) * Math.Log(r));
        }
    }

    /// <summary>T(P)_i = e^{−Φ_i} / Σ_j e^{−Φ_j} (the cells have equal widths).</summary>
    public void Gibbs(ReadOnlySpan<double> psi, Span<double> masses)
    {
        Potential(psi, masses);
        double least = double.PositiveInfinity;
        foreach (double phi in masses)
        {
            least = Math.Min(least, phi);
        }

        double sum = 0;
        for (int i = 0; i < Cells; i++)
        {
            masses[i] = Math.Exp(least - masses[i]);
            sum += masses[i];
        }

        for (int i = 0; i < Cells; i++)
        {
            masses[i] /= sum;
        }
    }

    /// <summary>The p-quantile of the law with these cell masses, linear within cells.</summary>
    public double Quantile(ReadOnlySpan<double> masses, double p) => NoisyStationaryLaw.Quantile(masses, Width, p);
}

/// <summary>Thomas' algorithm for a tridiagonal system (diagonally dominant here: no pivoting needed).</summary>
internal static class Tridiagonal
{
    /// <summary>Solves in place: <paramref name="rhs"/> becomes x; <paramref name="diag"/> and <paramref name="upper"/> are overwritten.</summary>
    public static void Solve(double[] lower, double[] diag, double[] upper, double[] rhs)
    {
        int n = diag.Length;
        for (int i = 1; i < n; i++)
        {
            double factor = lower[i] / diag[i - 1];
            diag[i] -= factor * upper[i - 1];
            rhs[i] -= factor * rhs[i - 1];
        }

        rhs[n - 1] /= diag[n - 1];
        for (int i = n - 2; i >= 0; i--)
        {
            rhs[i] = (rhs[i] - (upper[i] * rhs[i + 1])) / diag[i];
        }
    }
}

/// <summary>The stationary radial law of the noisy limit on the grid (<see cref="NoisyRadialSolver.Stationary"/>).</summary>
/// <param name="Radii">Cell centres.</param>
/// <param name="Masses">Cell masses (sum 1).</param>
/// <param name="Risk">R of the law.</param>
/// <param name="Iterations">Fixed-point iterations used.</param>
/// <param name="Residual">The final L1 residual ‖T(P) − P‖₁.</param>
/// <param name="HermiteLastTerm">The largest contribution of the highest Hermite order to ψ.</param>
public sealed record NoisyStationaryLaw(IReadOnlyList<double> Radii, IReadOnlyList<double> Masses, double Risk, int Iterations, double Residual, double HermiteLastTerm)
{
    /// <summary>E‖w‖ under the law (cell centres).</summary>
    public double MeanNorm => Radii.Zip(Masses, (r, p) => r * p).Sum();

    /// <summary>SD of ‖w‖ under the law.</summary>
    public double SdNorm
    {
        get
        {
            double mean = MeanNorm;
            return Math.Sqrt(Radii.Zip(Masses, (r, p) => (r - mean) * (r - mean) * p).Sum());
        }
    }

    /// <summary>The mass in the outermost 5% of the grid (should be negligible).</summary>
    public double EdgeMass => Masses.Skip((int)(0.95 * Masses.Count)).Sum();

    /// <summary>The p-quantile, linear within cells.</summary>
    public double QuantileAt(double p) => Quantile([.. Masses], Radii.Count > 1 ? Radii[1] - Radii[0] : 2 * Radii[0], p);

    internal static double Quantile(ReadOnlySpan<double> masses, double width, double p)
    {
        double cumulative = 0;
        for (int i = 0; i < masses.Length; i++)
        {
            if (cumulative + masses[i] >= p && masses[i] > 0)
            {
                return (i + ((p - cumulative) / masses[i])) * width;
            }

            cumulative += masses[i];
        }

        return masses.Length * width;
    }
}
