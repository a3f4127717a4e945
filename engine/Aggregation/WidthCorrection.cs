using System.Numerics.Tensors;
using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Networks;
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
/// <param name="ExpectedP">
/// The exponent derived for this model and time, or null where none is derived. Where the derived correction is
/// known beyond its leading power (<see cref="ExpectedCorrection.Curve"/>), the effective exponent of that curve
/// over these widths: the same fit made on the derived curve with the same standard errors.
/// </param>
/// <param name="Expectation">What the expectation rests on (or why there is none), in words.</param>
/// <param name="ExpectedPInCi">Whether <paramref name="ExpectedP"/> lies in p's 95% interval; null without both.</param>
public sealed record WidthCorrection(string Status, double WidthDependencePValue, double? CorrectionOverStdErr, double? ExpectedP, string? Expectation, bool? ExpectedPInCi)
{
    /// <summary>The leading-order exponent when <see cref="ExpectedP"/> is the effective one of a derived curve; null otherwise.</summary>
    public double? ExpectedPLeadingOrder { get; init; }

    /// <summary>
    /// The derived correction per width (<see cref="ExpectedCorrection.Curve"/>: E R_N(t) up to a width-independent
    /// constant, risk units) where one is derived beyond the leading power; null otherwise.
    /// </summary>
    public IReadOnlyList<double>? ExpectedCurve { get; init; }

    /// <summary>
    /// The p-value of "the means equal the derived curve plus a constant": the weighted constant fit of mean −
    /// <see cref="ExpectedCurve"/> (<see cref="WidthCorrections.ConstantFitPValue"/>); small values reject the
    /// derived curve's shape. Null without a curve.
    /// </summary>
    public double? ExpectedCurvePValue { get; init; }
}

/// <summary>What the theory expects of one recorded time's width correction (docs/models.md, "What to expect as N grows").</summary>
/// <param name="P">The derived exponent (to leading order where <paramref name="Curve"/> is set), or null.</param>
/// <param name="Basis">What the expectation rests on (or why there is none), in words; null when nothing is said.</param>
/// <param name="Curve">
/// The derived E R_N(t) up to a width-independent constant, one value per group of the family (same order as its
/// widths), where it is known beyond the leading power; null otherwise.
/// </param>
public sealed record ExpectedCorrection(double? P, string? Basis, IReadOnlyList<double>? Curve = null)
{
    /// <summary>Nothing derived.</summary>
    public static readonly ExpectedCorrection None = new(null, null);
}

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
    public static WidthCorrection? Classify(IReadOnlyList<double> n, IReadOnlyList<double> mean, IReadOnlyList<double> stdErr, WidthExtrapolationResult? fit, ExpectedCorrection expected)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(stdErr);
        ArgumentNullException.ThrowIfNull(expected);
        if (fit is null)
        {
            return null;
        }

        double low = fit.PCi95[0], high = fit.PCi95[1];
        string status = low <= WidthExtrapolationFit.MinP ? Unresolved : high >= WidthExtrapolationFit.MaxP ? LowerBoundOnly : Identified;
        int smallest = Enumerable.Range(0, n.Count).MinBy(i => n[i]);
        double? ratio = fit.RInfinity is null || !(stdErr[smallest] > 0) ? null : Math.Abs(fit.A) * Math.Pow(n[smallest], -fit.P) / stdErr[smallest];
        // The effective exponent of the derived curve over these widths, weighted as the data are.
        double? effective = expected.Curve is { } curve && curve.Count == n.Count && WidthExtrapolationFit.Fit(n, curve, stdErr) is { } f ? f.P : null;
        double? expectedP = effective ?? expected.P;
        bool? inCi = expectedP is { } p ? low <= p && p <= high : null;
        return new WidthCorrection(status, ConstantFitPValue(mean, stdErr), ratio, expectedP, expected.Basis, inCi)
        {
            ExpectedPLeadingOrder = effective is null ? null : expected.P,
            ExpectedCurve = effective is null ? null : expected.Curve,
            ExpectedCurvePValue = effective is null ? null : ConstantFitPValue([.. mean.Select((m, i) => m - expected.Curve![i])], stdErr),
        };
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
    /// L = 2). For L = 2 on the sweep's test set, with Gaussian first-layer weights and no biases, E ŷ_0² is also
    /// derived to next order at each of the family's widths <paramref name="groupWidths"/>
    /// (<see cref="TwoLayerInitialOutput"/>), and <see cref="ExpectedCorrection.Curve"/> carries it. For L = 1,
    /// γ = 1 and t &gt; 0 the bias is b(t)/N (the self-interaction).
    /// </summary>
    /// <param name="spec">The sweep spec at the family's field coordinates.</param>
    /// <param name="point">A point of the family.</param>
    /// <param name="varying">The varying layer, or −1 when every width varies.</param>
    /// <param name="time">The recorded time t.</param>
    /// <param name="groupWidths">Every group's per-layer widths, in the family's order; null to skip the next order.</param>
    public static ExpectedCorrection Expected(SweepSpec spec, PointSpec point, int varying, double time, IReadOnlyList<IReadOnlyList<int>>? groupWidths = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        InitSpec init = spec.Model.Init;
        if (time == 0)
        {
            if (init.OutputMean != 0)
            {
                return ExpectedCorrection.None;
            }

            double? slope = ScalingAggregate.ExpectedVarianceSlope(spec, point, varying);
            if (slope is not { } s)
            {
                return ExpectedCorrection.None;
            }

            if (s < 0)
            {
                if (point.Layers == 1)
                {
                    return new(-s, "t = 0: E R_N(0) − E y² = Var ŷ_0, exactly proportional to N^(1−2γ)");
                }

                return NextOrderCurve(spec, point, groupWidths) is { } curve
                    ? new(-s, "t = 0: E R_N(0) − E y² = Var ŷ_0 = σ_c² N_2^(1−2γ_2) E g(σ_W² N_1^(1−2γ_1) q_N), g(v) = E σ(√v z)², to next order on the test set; expected_p is that curve's effective exponent over these widths with the data's weights, expected_p_leading_order the leading power (docs/models.md, \"The next order at L = 2\")", curve)
                    : new(-s, "t = 0: E R_N(0) − E y² = Var ŷ_0, to leading order proportional to N^(expected variance slope); the next order (−2v² in E tanh(u_2)², v the variance of u_2) lowers the exponent seen over finite widths (docs/models.md, \"Control variates of the initial output\")");
            }

            // s = 0 at L = 2: the first layer's q_N still fluctuates by O(N_1^{−1/2}) when N_1 varies, and g is curved,
            // so E g(σ_W² N_1^{1−2γ_1} q_N) carries a ½ g'' σ_W⁴ τ²/N_1 correction (γ_1 = 1/2).
            if (point.Layers == 2 && s == 0 && varying <= 0 && NextOrderCurve(spec, point, groupWidths) is { } flat)
            {
                return new(1.0, "t = 0, L = 2, slope 0 (γ = 1/2 where N varies): the leading power is N^0, and the fluctuation of the first layer's mean square q_N, of variance τ²/N_1, lowers E g(σ_W² q_N) by about ½ |g''| σ_W⁴ τ²/N_1 (docs/models.md, \"The next order at L = 2\")", flat);
            }

            return new(null, s == 0 && (point.Layers == 1 || varying == 1)
                ? "t = 0, γ = 1/2: Var ŷ_0 does not depend on N, so E R_N(0) has no width correction (a(0) = 0)"
                : null);
        }

        if (point.Layers == 1 && point.Gamma.All(g => g == 1))
        {
            return new(1.0, "γ = 1: the self-interaction bias b(t)/N (leading order)");
        }

        return ExpectedCorrection.None;
    }

    /// <summary>
    /// E ŷ_0² averaged over the sweep's test set at each group's widths, to next order
    /// (<see cref="TwoLayerInitialOutput"/>); null unless L = 2, the risk is the test-set risk of synthetic data,
    /// the first layer has no bias and the inner weights are i.i.d. N(0, σ_W²) (what
    /// <see cref="ScalingAggregate.ExpectedVarianceSlope"/> already required of W).
    /// </summary>
    public static IReadOnlyList<double>? NextOrderCurve(SweepSpec spec, PointSpec point, IReadOnlyList<IReadOnlyList<int>>? groupWidths)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        InitSpec init = spec.Model.Init;
        bool bias = spec.Model.Bias && (init.BiasMean != 0 || init.BiasStd != 0);
        if (groupWidths is null || point.Layers != 2 || bias || spec.Observe.Risk != RiskKinds.Test || spec.Data.Kind == DataKinds.Csv
            || init.Sampling != InitSamplings.Iid || groupWidths.Any(w => w.Count != 2))
        {
            return null;
        }

        TestSet testSet = TestSet.For(DataModel.Create(spec.Data, spec.Seed), spec.Observe.TestSamples, spec.Seed);
        double[] norms = [.. Enumerable.Range(0, testSet.Count).Select(m => TensorPrimitives.SumOfSquares(testSet.Input(m)))];
        var output = new TwoLayerInitialOutput(Activation.Create(spec.Model.Activation), init.Kappa, init.HiddenStd, init.OutputStd, testSet.Dimension, norms);
        return [.. groupWidths.Select(w => output.MeanSquaredOutput(w[0], w[1], point.Gamma[0], point.Gamma[1]))];
    }
}
