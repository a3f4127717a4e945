using System.Globalization;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>The names of the estimators, as written in the rows.</summary>
public static class RateEstimators
{
    /// <summary>The tail estimator (MATH section 6, item 1).</summary>
    public const string Tail = "tail";

    /// <summary>The Gärtner–Ellis estimator (MATH section 6, item 2).</summary>
    public const string GartnerEllis = "gartner-ellis";
}

/// <summary>One estimate Î(x) with its interval.</summary>
/// <param name="X">The point x.</param>
/// <param name="Value">The estimate; for a censored point the bound (1/N) ln R; null when undefined.</param>
/// <param name="Low">Lower end of the 95% interval; null when unavailable.</param>
/// <param name="High">Upper end of the 95% interval; null when unavailable or unbounded.</param>
/// <param name="Censored">True when Value is only a lower bound (zero tail hits).</param>
public sealed record RatePoint(double X, double? Value, double? Low, double? High, bool Censored);

/// <summary>The estimates of one width.</summary>
/// <param name="Width">The width N.</param>
/// <param name="Samples">The replica count R.</param>
/// <param name="Tail">Tail estimates per x of the grid (always a value or a censored bound).</param>
/// <param name="GartnerEllis">Gärtner–Ellis estimates per x of the grid (Value null outside the reliable x range).</param>
/// <param name="TailPoints">The raw tail estimates (side and hit count per x).</param>
/// <param name="Curve">λ̂ on the k grid with its reliable interval.</param>
public sealed record WidthRates(int Width, int Samples, IReadOnlyList<RatePoint> Tail, IReadOnlyList<RatePoint> GartnerEllis, IReadOnlyList<TailPoint> TailPoints, ScgfCurve Curve);

/// <summary>One row of rate_functions.csv.</summary>
/// <param name="Width">The width N; null for the extrapolation N → ∞.</param>
/// <param name="X">The point x.</param>
/// <param name="Estimator">"tail" or "gartner-ellis" (<see cref="RateEstimators"/>).</param>
/// <param name="Value">Î(x); for a censored row the bound (1/N) ln R.</param>
/// <param name="Low">Lower end of the 95% interval; null when unavailable.</param>
/// <param name="High">Upper end of the 95% interval; null when unavailable or unbounded.</param>
/// <param name="Censored">True when Value is only a lower bound.</param>
public sealed record RateFunctionRow(int? Width, double X, string Estimator, double Value, double? Low, double? High, bool Censored)
{
    /// <summary>The width as written: the number, or "inf" for the extrapolation.</summary>
    public string WidthLabel => Width?.ToString(CultureInfo.InvariantCulture) ?? "inf";
}

/// <summary>The reliable tilts of one width (MATH section 6, item 2).</summary>
/// <param name="Width">The width N.</param>
/// <param name="Samples">The replica count R.</param>
/// <param name="KMin">Smallest reliable k; null when none (R &lt; EssMin).</param>
/// <param name="KMax">Largest reliable k; null when none.</param>
/// <param name="XMin">Smallest tilted mean over the reliable k: where the Gärtner–Ellis Î starts.</param>
/// <param name="XMax">Largest tilted mean over the reliable k: where it ends.</param>
public sealed record ReliableKRange(int Width, int Samples, double? KMin, double? KMax, double? XMin, double? XMax);

/// <summary>Everything the rate-function estimation returns (MATH section 6).</summary>
/// <param name="Rows">
/// Rows ordered by width ascending then "inf", estimator (tail, then gartner-ellis), and x in grid order.
/// Every x has a tail row per width; Gärtner–Ellis rows exist only inside the reliable x range; "inf" rows only
/// where the extrapolation has at least two widths.
/// </param>
/// <param name="ReliableK">The reliable tilt range per width, ascending in width.</param>
/// <param name="Widths">The per-width details (curves, hit counts), ascending in width.</param>
public sealed record RateFunctionReport(IReadOnlyList<RateFunctionRow> Rows, IReadOnlyList<ReliableKRange> ReliableK, IReadOnlyList<WidthRates> Widths);
