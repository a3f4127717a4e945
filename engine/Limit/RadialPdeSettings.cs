namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// What <see cref="RadialPdeSolver"/> solves (MATH section 4.1): the reduced radial equation of the
/// mmn-isotropic network (ŷ = (1/N) Σ σ(&lt;w_i, x&gt;), ramp σ) on isotropic-gaussian data (y = ±1, x | y ~
/// N(0, (1 + yΔ)² I_d)), from ρ_0 = N(0, κ²/d I_d), with β = ∞ (no noise), by M Lagrangian particles
/// r_j moving by dr/dt = -2 ξ(t) (ψ'(r) + λ r) and a fixed-step RK4 integrator.
/// </summary>
public sealed record RadialPdeSettings : PdeSettings
{
    /// <summary>The input dimension d ≥ 1, or null for the d = ∞ equation (Hermite order 0 only, ρ̄_0 = δ_κ).</summary>
    public required int? Dimension { get; init; }

    /// <summary>Defaults of the radial solver: RK4 step 0.01, Hermite tolerance 1e-10 (with a finite <see cref="Dimension"/>, 0 as <see cref="PdeSettings.MaxHermiteOrder"/> runs the d = ∞ equation from the finite-d initial law (κ/√d) χ_d and 2 keeps only the first correction; such runs report <see cref="RadialPdeSnapshot.HermiteConverged"/> false).</summary>
    public RadialPdeSettings()
    {
        StepSize = 0.01;
        HermiteTolerance = 1e-10;
    }

    /// <summary>The number of particles M ≥ 1 (default 2000).</summary>
    public int Particles { get; init; } = 2000;

    /// <summary>
    /// The inverse temperature β &gt; 0 of the Langevin noise, or null for β = ∞ (default). A finite β needs a
    /// finite dimension and a ridge λ &gt; 0, and is solved on a grid by <see cref="NoisyRadialSolver"/>
    /// (<see cref="Particles"/> then only sets how many quantiles stand for the law in W1 comparisons).
    /// </summary>
    public double? Beta { get; init; }

    /// <summary>The number of finite-volume cells of the noisy solver (default 600).</summary>
    public int GridCells { get; init; } = 600;

    /// <summary>The right end R of the noisy solver's grid [0, R]; null chooses it (see <see cref="ResolvedGridMax"/>).</summary>
    public double? GridMax { get; init; }

    /// <summary>
    /// R in effect: <see cref="GridMax"/>, or 1.25 max(κ (1 + 8/√(2d)), (√(d − 1) + 8)/√(βλ)), past both the
    /// initial law and the ridge's Gibbs law r^{d−1} e^{−βλr²/2} by eight of their widths.
    /// </summary>
    public double ResolvedGridMax => GridMax ?? (1.25 * Math.Max(Kappa * (1 + (8 / Math.Sqrt(2.0 * (Dimension ?? 1)))), (Math.Sqrt(Math.Max((Dimension ?? 1) - 1, 0)) + 8) / Math.Sqrt((Beta ?? 1) * Math.Max(Ridge, 1e-300))));

    /// <summary>The MMN figure 1 setting: Δ = 0.8, d = 40, κ = 0.8, MMN's ramp, ξ ≡ 1, T = 20.</summary>
    public static RadialPdeSettings MmnFigure1 { get; } = new() { Delta = 0.8, Dimension = 40, Kappa = 0.8, Horizon = 20.0 };

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate() => ValidateShared(() =>
    {
        Require(Dimension is null || Dimension >= 1, $"Dimension must be at least 1 (or null for d = ∞), got {Dimension}.");
        Require(Particles >= 1, $"Particles must be at least 1, got {Particles}.");
        if (Beta is { } beta)
        {
            Require(beta > 0 && !double.IsNaN(beta), $"Beta must be positive (or null for infinity), got {beta}.");
            if (double.IsFinite(beta))
            {
                Require(Dimension is not null, "A finite Beta needs a finite Dimension (the radial noise term is (2 xi/beta)(d - 1)/r).");
                Require(Ridge > 0, $"A finite Beta needs Ridge > 0: with the bounded ramp and no ridge the Gibbs law r^(d-1) exp(-beta psi) cannot be normalized (Ridge = {Ridge}).");
                Require(GridCells >= 10, $"GridCells must be at least 10, got {GridCells}.");
                Require(GridMax is null || (GridMax > 0 && double.IsFinite(GridMax.Value)), $"GridMax must be positive and finite, got {GridMax}.");
            }
        }
    });
}
