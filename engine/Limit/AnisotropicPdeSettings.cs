namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// What <see cref="AnisotropicPdeSolver"/> solves (docs/limit.md, "The anisotropic reduction"): the reduced
/// equation of the mmn-isotropic network (ŷ = (1/N) Σ σ(&lt;w_i, x&gt;), ramp σ, only w trained) on
/// anisotropic-gaussian data (y = ±1, x | y ~ N(0, diag((1 + yΔ)² I_s0, I_{d−s0}))), from
/// ρ_0 = N(0, κ²/d I_d), with β = ∞: Lagrangian particles (r1, r2) = (‖w_{1..s0}‖, ‖w_{s0+1..d}‖) moving by
/// d(r1, r2)/dt = -2 ξ(t) (∇ψ(r1, r2) + λ (r1, r2)) with a fixed-step RK4 integrator.
/// </summary>
public sealed record AnisotropicPdeSettings
{
    /// <summary>The default number of particles per axis (the initial law is a product: M = this squared).</summary>
    public const int DefaultParticlesPerAxis = 32;

    /// <summary>Δ in [0, 1): the scales of the first s0 coordinates are τ_± = 1 ± Δ.</summary>
    public required double Delta { get; init; }

    /// <summary>The input dimension d ≥ 1.</summary>
    public required int Dimension { get; init; }

    /// <summary>s0 in [1, d]: the coordinates whose scale depends on the label.</summary>
    public required int InformativeDimensions { get; init; }

    /// <summary>κ &gt; 0: w ~ N(0, κ²/d I_d), so r1 ~ (κ/√d) χ_s0 and r2 ~ (κ/√d) χ_{d−s0}, independent.</summary>
    public required double Kappa { get; init; }

    /// <summary>The horizon T &gt; 0; every output time lies in [0, T].</summary>
    public required double Horizon { get; init; }

    /// <summary>The ramp activation (default MMN's ramp(0.5, 1.5, -2.5, 7.5)).</summary>
    public RampParameters Ramp { get; init; } = RampParameters.Mmn;

    /// <summary>The schedule ξ (default constant).</summary>
    public XiSchedule Xi { get; init; } = XiSchedule.Constant;

    /// <summary>The ridge λ ≥ 0 (default 0); the reported risk never includes it.</summary>
    public double Ridge { get; init; }

    /// <summary>Strictly increasing output times in [0, T]; null means 21 equally spaced times 0, T/20, ..., T.</summary>
    public IReadOnlyList<double>? OutputTimes { get; init; }

    /// <summary>
    /// Particles per axis m ≥ 2 (default 32): the particles start at the m × m product of one rule per axis
    /// (one r2 = 0 when s0 = d), see <see cref="EqualMassQuantiles"/>.
    /// </summary>
    public int ParticlesPerAxis { get; init; } = DefaultParticlesPerAxis;

    /// <summary>
    /// The rule per axis. False (default): the m-node Gauss rule of the axis' law (generalized Gauss–Laguerre in
    /// x = r²/(2σ²) ~ Gamma(k/2), σ = κ/√d), each node carrying its Gauss weight as mass: exponentially
    /// accurate for smooth functions of the law (the risk of the initial law is right to about 1e-10 at m = 32).
    /// True: equal masses at the quantiles (j + 1/2)/m, as the radial solver; its error is O(1/m) per axis
    /// (the quantile function's tails), which in two dimensions is O(M^(-1/2)).
    /// </summary>
    public bool EqualMassQuantiles { get; init; }

    /// <summary>The RK4 step h &gt; 0 (default 0.02; halving it moves the risk by &lt; 1e-6 on the example); steps land on the grid k h and on the output times.</summary>
    public double StepSize { get; init; } = 0.02;

    /// <summary>
    /// The Hermite tolerance ≥ 0 (default 1e-6): even orders are added until two consecutive ones change every
    /// velocity and the risk by less than this (as <see cref="RadialPdeSettings.HermiteTolerance"/>, whose 1e-10
    /// needs orders past 64 here when s0 is small: the cosine moments of R^s0 decay slowly, and the cost grows
    /// like the order squared). On the example 1e-6 and 1e-8 give risks within 1e-6 of each other.
    /// </summary>
    public double HermiteTolerance { get; init; } = 1e-6;

    /// <summary>The highest even Hermite order used (default 64; 0 keeps only the n = 0 term, the d = ∞ interaction).</summary>
    public int MaxHermiteOrder { get; init; } = 64;

    /// <summary>Quantile levels in (0, 1] for the snapshots; null means (j + 1/2)/256, j = 0..255.</summary>
    public IReadOnlyList<double>? QuantileLevels { get; init; }

    /// <summary>The output times in effect (see <see cref="OutputTimes"/>).</summary>
    public IReadOnlyList<double> ResolvedOutputTimes => OutputTimes ?? [.. Enumerable.Range(0, 21).Select(k => Horizon * k / 20.0)];

    /// <summary>The quantile levels in effect (see <see cref="QuantileLevels"/>).</summary>
    public IReadOnlyList<double> ResolvedQuantileLevels => QuantileLevels ?? Observables.Quantiles.Levels(RadialPdeSettings.DefaultQuantileCount);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    public void Validate()
    {
        Require(Delta >= 0 && Delta < 1, $"Delta must lie in [0, 1), got {Delta}.");
        Require(Dimension >= 1, $"Dimension must be at least 1, got {Dimension}.");
        Require(InformativeDimensions >= 1 && InformativeDimensions <= Dimension, $"InformativeDimensions (s0) must lie in [1, d] = [1, {Dimension}], got {InformativeDimensions}.");
        Require(Kappa > 0 && double.IsFinite(Kappa), $"Kappa must be positive and finite, got {Kappa}.");
        Require(Horizon > 0 && double.IsFinite(Horizon), $"Horizon must be positive and finite, got {Horizon}.");
        Require(Ridge >= 0 && double.IsFinite(Ridge), $"Ridge must be non-negative and finite, got {Ridge}.");
        Require(ParticlesPerAxis >= 2, $"ParticlesPerAxis must be at least 2, got {ParticlesPerAxis}.");
        Require(StepSize > 0 && double.IsFinite(StepSize), $"StepSize must be positive and finite, got {StepSize}.");
        Require(HermiteTolerance >= 0, $"HermiteTolerance must be non-negative, got {HermiteTolerance}.");
        Require(MaxHermiteOrder >= 0 && MaxHermiteOrder <= RampGaussian.MaxOrder, $"MaxHermiteOrder must lie in [0, {RampGaussian.MaxOrder}], got {MaxHermiteOrder}.");
        ArgumentNullException.ThrowIfNull(Ramp);
        ArgumentNullException.ThrowIfNull(Xi);
        Ramp.Validate();
        Xi.Validate();
        IReadOnlyList<double> times = ResolvedOutputTimes;
        Require(times.Count > 0, "OutputTimes must not be empty.");
        for (int k = 0; k < times.Count; k++)
        {
            Require(times[k] >= 0 && times[k] <= Horizon, $"Output time {times[k]} lies outside [0, {Horizon}].");
            Require(k == 0 || times[k] > times[k - 1], $"Output times must increase strictly, but {times[k]} follows {times[Math.Max(k - 1, 0)]}.");
        }

        IReadOnlyList<double> levels = ResolvedQuantileLevels;
        Require(levels.Count > 0 && levels.All(p => p > 0 && p <= 1), "QuantileLevels must be non-empty and lie in (0, 1].");
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
