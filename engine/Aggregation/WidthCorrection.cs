using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// Whether the finite-width correction of one recorded time's fit R_N(t) ≈ R_∞(t) + a(t) N^{−p} is seen at
/// all, whether its exponent is identified, and what the theory expects (docs/models.md, "What to expect as
/// N grows").
/// </summary>
/// <param name="Status">
/// <c>identified</c>: p's 95% interval lies strictly inside the search range (0, 4); <c>lower_bound_only</c>:
/// its lower end is above 0 (a decaying correction is resolved) but the upper end is open;
/// <c>unresolved</c>: the interval reaches 0, so the data cannot tell the correction from no N-dependence or a
/// logarithmic drift.
/// </param>
/// <param name="WidthDependencePValue">
/// The p-value of "the mean risk does not depend on N": χ² of the weighted constant fit on m − 1 degrees of
/// freedom. Large values say a(t) is below the seed noise.
/// </param>
/// <param name="CorrectionOverStdErr">
/// The fitted correction at the smallest width, |a| N_min^{−p}, over that width's standard error: how far the
/// correction stands out of the seed noise where it is largest (null without a finite R_∞).
/// </param>
/// <param name="ExpectedP">The exponent derived for this model and time, or null where none is derived.</param>
/// <param name="Expectation">What the expectation rests on (or why there is none), in words.</param>
/// <param name="ExpectedPInCi">Whether <paramref name="ExpectedP"/> lies in p's 95% interval; null without both.</param>
public sealed record WidthCorrection(string Status, double WidthDependencePValue, double? CorrectionOverStdErr, double? ExpectedP, string? Expectation, bool? ExpectedPInCi);

/// <summary>Classifies the width-extrapolation fits and states the expected exponents.</summary>
public static class WidthCorrections
{
    /// <summary>p's interval lies inside (0, 4).</summary>
    public const string Identified = "identified";

    /// <summary>p's interval is bounded away from 0 but open above.</summary>
    public const string LowerBoundOnly = "lower_bound_only";

    /// <summary>p's interval reaches 0.</summary>
    public const string Unresolved = "unresolved";

    /// <summary>
    /// The verdict on <paramref name="fit"/> of the seed means <paramref name="mean"/> (standard errors
    /// <paramref name="stdErr"/>) at widths <paramref name="n"/>; null without a fit.
    /// </summary>
    public static WidthCorrection? Classify(IReadOnlyList<double> n, IReadOnlyList<double> mean, IReadOnlyList<double> stdErr, WidthExtrapolationResult? fit, (double? P, string? Basis) expected)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(stdErr);
        if (fit is null)
        {
            return null;
        }

        double low = fit.PCi95[0], high = fit.PCi95[1];
        string status = low <= WidthExtrapolationFit.MinP ? Unresolved : high >= WidthExtrapolationFit.MaxP ? LowerBoundOnly : Identified;
        int smallest = Enumerable.Range(0, n.Count).MinBy(i => n[i]);
        double? ratio = fit.RInfinity is null || !(stdErr[smallest] > 0) ? null : Math.Abs(fit.A) * Math.Pow(n[smallest], -fit.P) / stdErr[smallest];
        bool? inCi = expected.P is { } p ? low <= p && p <= high : null;
        return new WidthCorrection(status, ConstantFitPValue(mean, stdErr), ratio, expected.P, expected.Basis, inCi);
    }

    /// <summary>
    /// The p-value of the weighted constant fit (weights 1/SE², non-positive errors replaced by the smallest
    /// positive one): P(χ²_{m−1} ≥ χ²). 1 when no error is positive.
    /// </summary>
    public static double ConstantFitPValue(IReadOnlyList<double> mean, IReadOnlyList<double> stdErr)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(stdErr);
        double floor = stdErr.Where(s => s > 0 && double.IsFinite(s)).DefaultIfEmpty(0).Min();
        if (!(floor > 0) || mean.Count < 2)
        {
            return 1.0;
        }

        double[] w = [.. stdErr.Select(s => 1.0 / Math.Pow(s > 0 && double.IsFinite(s) ? s : floor, 2))];
        double centre = mean.Select((m, i) => w[i] * m).Sum() / w.Sum();
        double chi = mean.Select((m, i) => w[i] * (m - centre) * (m - centre)).Sum();
        return 1.0 - ChiSquared.CDF(mean.Count - 1, chi);
    }

    /// <summary>
    /// The exponent p of the mean risk's finite-width correction derived in docs/models.md ("What to expect as
    /// N grows"), for a family where every width grows (<paramref name="varying"/> = −1) or only N_q does.
    /// At t = 0 with mean-zero output weights independent of the rest, E ŷ_0 = 0 and E[y ŷ_0] = 0, so
    /// E R_N(0) = E y² + E ŷ_0²: the correction is the initial output's variance, whose slope
    /// <see cref="ScalingAggregate.ExpectedVarianceSlope"/> gives (exactly for L = 1, to leading order for
    /// L = 2). For L = 1, γ = 1 and t &gt; 0 the bias is b(t)/N (the self-interaction).
    /// </summary>
    public static (double? P, string? Basis) Expected(SweepSpec spec, PointSpec point, int varying, double time)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        InitSpec init = spec.Model.Init;
        if (time == 0)
        {
            if (init.OutputMean != 0)
            {
                return (null, null);
            }

            double? slope = ScalingAggregate.ExpectedVarianceSlope(spec, point, varying);
            if (slope is not { } s)
            {
                return (null, null);
            }

            if (s < 0)
            {
                return (-s, point.Layers == 1
                    ? "t = 0: E R_N(0) − E y² = Var ŷ_0, exactly proportional to N^(1−2γ)"
                    : "t = 0: E R_N(0) − E y² = Var ŷ_0, to leading order proportional to N^(expected variance slope); the next order (−2v² in E tanh(u_2)², v the variance of u_2) lowers the exponent seen over finite widths (docs/models.md, \"Control variates of the initial output\")");
            }

            return (null, point.Layers == 1 && s == 0
                ? "t = 0, γ = 1/2: Var ŷ_0 does not depend on N, so E R_N(0) has no width correction (a(0) = 0)"
                : null);
        }

        if (point.Layers == 1 && point.Gamma.All(g => g == 1))
        {
            return (1.0, "γ = 1: the self-interaction bias b(t)/N (leading order)");
        }

        return (null, null);
    }
}
