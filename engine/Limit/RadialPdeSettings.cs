namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// What <see cref="RadialPdeSolver"/> solves (MATH section 4.1): the reduced radial equation of the
/// mmn-isotropic network (ŷ = (1/N) Σ σ(&lt;w_i, x&gt;), ramp σ) on isotropic-gaussian data (y = ±1, x | y ~
/// N(0, (1 + yΔ)² I_d)), from ρ_0 = N(0, κ²/d I_d), with β = ∞ (no noise), by M Lagrangian particles
/// r_j moving by dr/dt = -2 ξ(t) (ψ'(r) + λ r) and a fixed-step RK4 integrator.
/// </summary>
public sealed record RadialPdeSettings
{
    /// <summary>The default number of quantile levels of the snapshots, (j + 1/2)/256.</summary>
    public const int DefaultQuantileCount = 256;

    /// <summary>Δ in [0, 1): the class scales are τ_± = 1 ± Δ.</summary>
    public required double Delta { get; init; }

    /// <summary>The input dimension d ≥ 1, or null for the d = ∞ equation (Hermite order 0 only, ρ̄_0 = δ_κ).</summary>
    public required int? Dimension { get; init; }

    /// <summary>κ &gt; 0: w ~ N(0, κ²/d I_d), so r = ‖w‖ ~ (κ/√d) χ_d.</summary>
    public required double Kappa { get; init; }

    /// <summary>The horizon T &gt; 0; every output time lies in [0, T].</summary>
    public required double Horizon { get; init; }

    /// <summary>The ramp activation (default MMN's ramp(0.5, 1.5, -2.5, 7.5)).</summary>
    public RampParameters Ramp { get; init; } = RampParameters.Mmn;

    /// <summary>The schedule ξ (default constant).</summary>
    public XiSchedule Xi { get; init; } = XiSchedule.Constant;

    /// <summary>The ridge λ ≥ 0 of Ψ_λ = Ψ + (λ/2) ‖w‖² (default 0); the reported risk never includes it.</summary>
    public double Ridge { get; init; }

    /// <summary>
    /// Strictly increasing output times in [0, T], not necessarily multiples of the step; null means 21
    /// equally spaced times 0, T/20, ..., T.
    /// </summary>
    public IReadOnlyList<double>? OutputTimes { get; init; }

    /// <summary>The number of particles M ≥ 1 (default 2000).</summary>
    public int Particles { get; init; } = 2000;

    /// <summary>The RK4 step h &gt; 0 (default 0.01); steps land on the grid k h and on the output times.</summary>
    public double StepSize { get; init; } = 0.01;

    /// <summary>
    /// The Hermite tolerance ≥ 0 (default 1e-10): even orders n = 2, 4, ... are added until two consecutive
    /// ones change both the velocity ψ'(r_j) (at every particle) and the risk by less than this.
    /// </summary>
    public double HermiteTolerance { get; init; } = 1e-10;

    /// <summary>
    /// The highest Hermite order used (default 64; at most <see cref="RampGaussian.MaxOrder"/>). With a finite
    /// <see cref="Dimension"/>, 0 runs the d = ∞ equation (n = 0 only) from the finite-d initial law
    /// (κ/√d) χ_d, and 2 keeps only the first correction; such runs report
    /// <see cref="RadialPdeSnapshot.HermiteConverged"/> false.
    /// </summary>
    public int MaxHermiteOrder { get; init; } = 64;

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

    /// <summary>Quantile levels in (0, 1] for the snapshots; null means (j + 1/2)/256, j = 0..255.</summary>
    public IReadOnlyList<double>? QuantileLevels { get; init; }

    /// <summary>The MMN figure 1 setting: Δ = 0.8, d = 40, κ = 0.8, MMN's ramp, ξ ≡ 1, T = 20.</summary>
    public static RadialPdeSettings MmnFigure1 { get; } = new() { Delta = 0.8, Dimension = 40, Kappa = 0.8, Horizon = 20.0 };

    /// <summary>The output times in effect (see <see cref="OutputTimes"/>).</summary>
    public IReadOnlyList<double> ResolvedOutputTimes => OutputTimes ?? [.. Enumerable.Range(0, 21).Select(k => Horizon * k / 20.0)];

    /// <summary>The quantile levels in effect (see <see cref="QuantileLevels"/>).</summary>
    public IReadOnlyList<double> ResolvedQuantileLevels => QuantileLevels ?? Observables.Quantiles.Levels(DefaultQuantileCount);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        Require(Delta >= 0 && Delta < 1, $"Delta must lie in [0, 1), got {Delta}.");
        Require(Dimension is null || Dimension >= 1, $"Dimension must be at least 1 (or null for d = ∞), got {Dimension}.");
        Require(Kappa > 0 && double.IsFinite(Kappa), $"Kappa must be positive and finite, got {Kappa}.");
        Require(Horizon > 0 && double.IsFinite(Horizon), $"Horizon must be positive and finite, got {Horizon}.");
        Require(Ridge >= 0 && double.IsFinite(Ridge), $"Ridge must be non-negative and finite, got {Ridge}.");
        Require(Particles >= 1, $"Particles must be at least 1, got {Particles}.");
        Require(StepSize > 0 && double.IsFinite(StepSize), $"StepSize must be positive and finite, got {StepSize}.");
        Require(HermiteTolerance >= 0, $"HermiteTolerance must be non-negative, got {HermiteTolerance}.");
        Require(MaxHermiteOrder >= 0 && MaxHermiteOrder <= RampGaussian.MaxOrder, $"MaxHermiteOrder must lie in [0, {RampGaussian.MaxOrder}], got {MaxHermiteOrder}.");
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

        ArgumentNullException.ThrowIfNull(Ramp);
        ArgumentNullException.ThrowIfNull(Xi);
        Ramp.Validate();
        Xi.Validate();
        ValidateTimes(ResolvedOutputTimes);
        IReadOnlyList<double> levels = ResolvedQuantileLevels;
        Require(levels.Count > 0 && levels.All(p => p > 0 && p <= 1), "QuantileLevels must be non-empty and lie in (0, 1].");
    }

    private void ValidateTimes(IReadOnlyList<double> times)
    {
        Require(times.Count > 0, "OutputTimes must not be empty.");
        for (int k = 0; k < times.Count; k++)
        {
            Require(times[k] >= 0 && times[k] <= Horizon, $"Output time {times[k]} lies outside [0, {Horizon}].");
            Require(k == 0 || times[k] > times[k - 1], $"Output times must increase strictly, but {times[k]} follows {times[Math.Max(k - 1, 0)]}.");
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
