namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// What the reduced limits of the mmn-isotropic network share (<see cref="RadialPdeSettings"/>,
/// <see cref="AnisotropicPdeSettings"/>; docs/limit.md): the data's Δ, the initial scale κ, the horizon, the
/// ramp, ξ, the ridge, the output times and quantile levels, the RK4 step and the Hermite truncation, with
/// their common checks. Each solver's own settings add the rest and their defaults of the step and tolerance.
/// </summary>
public abstract record PdeSettings
{
    /// <summary>The default number of quantile levels of the snapshots, (j + 1/2)/256.</summary>
    public const int DefaultQuantileCount = 256;

    /// <summary>Δ in [0, 1): the class scales (of the informative coordinates) are τ_± = 1 ± Δ.</summary>
    public required double Delta { get; init; }

    /// <summary>κ &gt; 0: w ~ N(0, κ²/d I_d).</summary>
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

    /// <summary>The RK4 step h &gt; 0; steps land on the grid k h and on the output times. Each solver sets its default.</summary>
    public double StepSize { get; init; }

    /// <summary>
    /// The Hermite tolerance ≥ 0: even orders n = 2, 4, ... are added until two consecutive ones change every
    /// velocity and the risk by less than this. Each solver sets its default.
    /// </summary>
    public double HermiteTolerance { get; init; }

    /// <summary>The highest even Hermite order used (default 64; at most <see cref="RampGaussian.MaxOrder"/>; 0 keeps only the d = ∞ term).</summary>
    public int MaxHermiteOrder { get; init; } = 64;

    /// <summary>Quantile levels in (0, 1] for the snapshots; null means (j + 1/2)/256, j = 0..255.</summary>
    public IReadOnlyList<double>? QuantileLevels { get; init; }

    /// <summary>The output times in effect (see <see cref="OutputTimes"/>).</summary>
    public IReadOnlyList<double> ResolvedOutputTimes => OutputTimes ?? [.. Enumerable.Range(0, 21).Select(k => Horizon * k / 20.0)];

    /// <summary>The quantile levels in effect (see <see cref="QuantileLevels"/>).</summary>
    public IReadOnlyList<double> ResolvedQuantileLevels => QuantileLevels ?? Observables.Quantiles.Levels(DefaultQuantileCount);

    /// <summary>The shared checks, each throwing an <see cref="ArgumentException"/> that names the setting.</summary>
    /// <param name="own">The solver's own checks, run after Δ and the dimension-free scalars and before the ramp, ξ, times and levels.</param>
    /// <exception cref="ArgumentException">A setting is out of range.</exception>
    protected void ValidateShared(Action own)
    {
        ArgumentNullException.ThrowIfNull(own);
        Require(Delta >= 0 && Delta < 1, $"Delta must lie in [0, 1), got {Delta}.");
        own();
        Require(Kappa > 0 && double.IsFinite(Kappa), $"Kappa must be positive and finite, got {Kappa}.");
        Require(Horizon > 0 && double.IsFinite(Horizon), $"Horizon must be positive and finite, got {Horizon}.");
        Require(Ridge >= 0 && double.IsFinite(Ridge), $"Ridge must be non-negative and finite, got {Ridge}.");
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

    /// <summary>Throws an <see cref="ArgumentException"/> with <paramref name="message"/> unless <paramref name="condition"/> holds.</summary>
    /// <param name="condition">What must hold.</param>
    /// <param name="message">What is wrong, naming the setting and its value.</param>
    /// <exception cref="ArgumentException">The condition fails.</exception>
    protected static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
