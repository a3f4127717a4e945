using System.Globalization;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// Settings of the rate-function estimators (MATH section 6). Every property is validated when it is set
/// (also by <c>with</c> expressions): an invalid value throws an <see cref="ArgumentException"/> whose
/// <see cref="ArgumentException.ParamName"/> names the setting. The grids are copied.
/// </summary>
public sealed record LdSettings
{
    private readonly double[] _xGrid = [0.0];
    private readonly double[] _kGrid = [0.0, 1.0];
    private readonly double _essMin = DefaultEssMin;
    private readonly int _bootstrap = DefaultBootstrap;
    private readonly int _bootstrapBins = DefaultBootstrapBins;

    /// <summary>Default of <see cref="EssMin"/> (MATH section 6, item 2).</summary>
    public const double DefaultEssMin = 100;

    /// <summary>Default of <see cref="Bootstrap"/> (MATH section 6, item 3).</summary>
    public const int DefaultBootstrap = 200;

    /// <summary>Default of <see cref="BootstrapBins"/>.</summary>
    public const int DefaultBootstrapBins = 4096;

    /// <summary>The points x at which the rate function is estimated: finite, at least one, any order.</summary>
    public required double[] XGrid
    {
        get => _xGrid;
        init => _xGrid = ValidXGrid(value);
    }

    /// <summary>
    /// The tilts k at which λ̂(k) is evaluated: finite, strictly increasing, at least two, and containing 0
    /// (λ̂(0) = 0 anchors the reliable interval, MATH section 6 item 2).
    /// </summary>
    public required double[] KGrid
    {
        get => _kGrid;
        init => _kGrid = ValidKGrid(value);
    }

    /// <summary>A tilt k is reliable while ESS(k) ≥ EssMin; finite and &gt; 1 (default 100).</summary>
    public double EssMin
    {
        get => _essMin;
        init => _essMin = double.IsFinite(value) && value > 1
            ? value
            : throw new ArgumentException($"EssMin must be a finite number > 1 (got {value}).", nameof(EssMin));
    }

    /// <summary>Bootstrap resamples for the percentile intervals (default 200; 0 turns the intervals off).</summary>
    public int Bootstrap
    {
        get => _bootstrap;
        init => _bootstrap = value >= 0
            ? value
            : throw new ArgumentException($"Bootstrap must be >= 0 (got {value}).", nameof(Bootstrap));
    }

    /// <summary>Seed of the bootstrap streams; the intervals are a deterministic function of it and the samples.</summary>
    public ulong BootstrapSeed { get; init; }

    /// <summary>
    /// Equal-width bins of F used to resample the tilted sums of the Gärtner–Ellis estimator in the bootstrap
    /// (default 4096, at least 1; see <see cref="LargeDeviations.Bootstrap"/>). The tail estimator is always
    /// resampled exactly.
    /// </summary>
    public int BootstrapBins
    {
        get => _bootstrapBins;
        init => _bootstrapBins = value >= 1
            ? value
            : throw new ArgumentException($"BootstrapBins must be >= 1 (got {value}).", nameof(BootstrapBins));
    }

    /// <summary>
    /// Whether the width extrapolation of the tail estimator subtracts the known Bahadur–Rao term ln(N)/(2N)
    /// first (default true; see <see cref="RateFunctionEstimator"/>).
    /// </summary>
    public bool TailPrefactorCorrection { get; init; } = true;

    private static double[] ValidXGrid(double[]? value)
    {
        if (value is null || value.Length == 0)
        {
            throw new ArgumentException("XGrid must hold at least one point.", nameof(XGrid));
        }

        if (!Array.TrueForAll(value, double.IsFinite))
        {
            throw new ArgumentException("XGrid must hold finite numbers only.", nameof(XGrid));
        }

        return (double[])value.Clone();
    }

    private static double[] ValidKGrid(double[]? value)
    {
        if (value is null || value.Length < 2)
        {
            throw new ArgumentException("KGrid must hold at least two tilts.", nameof(KGrid));
        }

        if (!Array.TrueForAll(value, double.IsFinite))
        {
            throw new ArgumentException("KGrid must hold finite numbers only.", nameof(KGrid));
        }

        for (int i = 1; i < value.Length; i++)
        {
            if (!(value[i] > value[i - 1]))
            {
                throw new ArgumentException("KGrid must be strictly increasing.", nameof(KGrid));
            }
        }

        if (Array.IndexOf(value, 0.0) < 0)
        {
            throw new ArgumentException("KGrid must contain k = 0.", nameof(KGrid));
        }

        return (double[])value.Clone();
    }

    /// <summary>
    /// A grid lo, lo + step, …, up to hi (inclusive within rounding), for convenience in specs and tests. Each
    /// point is rounded to 15 significant digits, so -1 + 12 × 0.1 is 0.2 and not 0.20000000000000018 (a
    /// constant functional at 0.2 then meets its grid point); a point within 1e-9 steps of 0 is set to
    /// exactly 0, so that a grid through 0 satisfies <see cref="KGrid"/>.
    /// </summary>
    /// <param name="lo">First point.</param>
    /// <param name="hi">Last point.</param>
    /// <param name="step">Positive spacing.</param>
    public static double[] Grid(double lo, double hi, double step)
    {
        if (!(step > 0) || !double.IsFinite(lo) || !double.IsFinite(hi) || hi < lo)
        {
            throw new ArgumentException("A grid needs finite lo <= hi and a positive step.");
        }

        int count = (int)Math.Floor(((hi - lo) / step) + 1e-9) + 1;
        var grid = new double[count];
        for (int i = 0; i < count; i++)
        {
            double v = lo + (i * step);
            grid[i] = Math.Abs(v) < 1e-9 * step ? 0.0 : double.Parse(v.ToString("G15", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        }

        return grid;
    }
}
