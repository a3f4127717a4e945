namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>The estimated scaled cumulant generating function at one tilt (MATH section 6, item 2).</summary>
/// <param name="K">The tilt k.</param>
/// <param name="Lambda">λ̂(k) = (1/N) ln((1/R) Σ_r exp(N k F_r)).</param>
/// <param name="Ess">ESS(k) = (Σ w)² / Σ w² of the tilted weights w_r ∝ exp(N k F_r), in [1, R].</param>
/// <param name="TiltedMean">x(k) = Σ w_r F_r / Σ w_r, which equals λ̂'(k).</param>
/// <param name="Reliable">Whether k lies in the reliable interval.</param>
public sealed record ScgfPoint(double K, double Lambda, double Ess, double TiltedMean, bool Reliable);

/// <summary>
/// λ̂ on a k grid with its reliable interval and Legendre transform (MATH section 6, item 2).
/// <para>
/// Reliable interval: the largest run of consecutive grid tilts containing k = 0 on which ESS(k) ≥ EssMin.
/// ESS decreases away from k = 0 for the usual unimodal samples; taking the run around 0 (rather than every
/// tilt that passes) discards isolated far tilts whose ESS passes by accident, where λ̂ is already linear.
/// </para>
/// <para>
/// Legendre transform: Î(x) = sup over the reliable interval of k x - λ̂(k), reported only for x in
/// [min, max] of the tilted means of the reliable tilts (else null). Since λ̂'(k) = x(k) exactly, the
/// maximizer solves x(k*) = x; it is located in the grid cell whose tilted means bracket x, with x(k)
/// interpolated linearly in k across the cell and λ̂(k*) integrated by the trapezoid rule from both cell
/// ends (averaged). This is exact when λ̂ is quadratic (Gaussian F) and errs by O(h³) otherwise; the result
/// is never below the plain grid supremum.
/// </para>
/// </summary>
public sealed class ScgfCurve
{
    private readonly double[] _k;
    private readonly double[] _lambda;
    private readonly double[] _ess;
    private readonly double[] _mean;
    private readonly int _first;
    private readonly int _last;
    private readonly double _xMin;
    private readonly double _xMax;

    /// <summary>Builds the curve from grid values; the arrays are kept, not copied.</summary>
    /// <param name="k">Tilts, strictly increasing.</param>
    /// <param name="lambda">λ̂ per tilt.</param>
    /// <param name="ess">ESS per tilt (NaN marks a tilt whose sums underflowed: never reliable).</param>
    /// <param name="tiltedMean">x(k) per tilt.</param>
    /// <param name="anchor">Index of k = 0 (or of the tilt the reliable run must contain).</param>
    /// <param name="essMin">The ESS threshold.</param>
    internal ScgfCurve(double[] k, double[] lambda, double[] ess, double[] tiltedMean, int anchor, double essMin)
    {
        (_k, _lambda, _ess, _mean) = (k, lambda, ess, tiltedMean);
        EssMin = essMin;
        if (!(ess[anchor] >= essMin))
        {
            (_first, _last) = (0, -1);
            return;
        }

        (_first, _last) = (anchor, anchor);
        while (_first > 0 && ess[_first - 1] >= essMin)
        {
            _first--;
        }

        while (_last < k.Length - 1 && ess[_last + 1] >= essMin)
        {
            _last++;
        }

        (_xMin, _xMax) = (MeanExtreme(-1), MeanExtreme(+1));
    }

    /// <summary>The ESS threshold used.</summary>
    public double EssMin { get; }

    /// <summary>Whether at least one tilt is reliable (false when R &lt; EssMin).</summary>
    public bool HasReliableRange => _last >= _first;

    /// <summary>The smallest reliable tilt; null when none.</summary>
    public double? KMin => HasReliableRange ? _k[_first] : null;

    /// <summary>The largest reliable tilt; null when none.</summary>
    public double? KMax => HasReliableRange ? _k[_last] : null;

    /// <summary>The smallest tilted mean over the reliable tilts: the left end of the x range of Î.</summary>
    public double? XMin => HasReliableRange ? _xMin : null;

    /// <summary>The largest tilted mean over the reliable tilts: the right end of the x range of Î.</summary>
    public double? XMax => HasReliableRange ? _xMax : null;

    /// <summary>Every grid tilt with its estimates, ascending in k.</summary>
    public IReadOnlyList<ScgfPoint> Points =>
        [.. _k.Select((k, i) => new ScgfPoint(k, _lambda[i], _ess[i], _mean[i], i >= _first && i <= _last))];

    /// <summary>
    /// Î(x) = sup over reliable k of k x - λ̂(k); null when x lies outside [<see cref="XMin"/>, <see cref="XMax"/>].
    /// </summary>
    /// <param name="x">The point.</param>
    public double? Rate(double x)
    {
        if (!HasReliableRange || !(x >= _xMin && x <= _xMax))
        {
            return null;
        }

        int best = _first;
        double bestValue = double.NegativeInfinity;
        for (int i = _first; i <= _last; i++)
        {
            double v = (_k[i] * x) - _lambda[i];
            if (v > bestValue)
            {
                (best, bestValue) = (i, v);
            }
        }

        int cell = _mean[best] <= x ? best : best - 1;
        return cell >= _first && cell < _last ? Math.Max(bestValue, CellRate(cell, x) ?? bestValue) : bestValue;
    }

    /// <summary>ESS at grid index <paramref name="i"/>.</summary>
    internal double EssAt(int i) => _ess[i];

    private double? CellRate(int i, double x)
    {
        double m0 = _mean[i], m1 = _mean[i + 1];
        if (!(m0 <= x && x <= m1 && m1 > m0))
        {
            return null;
        }

        double kStar = _k[i] + ((x - m0) / (m1 - m0) * (_k[i + 1] - _k[i]));
        double fromLeft = _lambda[i] + ((kStar - _k[i]) * (m0 + x) / 2);
        double fromRight = _lambda[i + 1] - ((_k[i + 1] - kStar) * (x + m1) / 2);
        return (kStar * x) - ((fromLeft + fromRight) / 2);
    }

    private double MeanExtreme(int sign)
    {
        double extreme = _mean[_first];
        for (int i = _first + 1; i <= _last; i++)
        {
            extreme = sign > 0 ? Math.Max(extreme, _mean[i]) : Math.Min(extreme, _mean[i]);
        }

        return extreme;
    }
}
