using System.Numerics.Tensors;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// The Gärtner–Ellis estimator (MATH section 6, item 2): λ̂(k) = (1/N) ln((1/R) Σ_r exp(N k F_r)) by
/// log-sum-exp, the effective sample size ESS(k) of the tilted weights, the reliable tilts, and the Legendre
/// transform Î(x) (see <see cref="ScgfCurve"/>). Past the reliable range one sample dominates the sum and λ̂
/// turns linear in k (Rohwer, Angeletti, Touchette 2015).
/// </summary>
public static class GartnerEllis
{
    /// <summary>λ̂(k), finite for any finite k (the largest exponent is factored out).</summary>
    /// <param name="samples">The replica values F_r (finite).</param>
    /// <param name="width">The width N.</param>
    /// <param name="k">The tilt.</param>
    public static double Scgf(ReadOnlySpan<double> samples, int width, double k)
    {
        if (!double.IsFinite(k))
        {
            throw new ArgumentException("The tilt must be finite.", nameof(k));
        }

        var sample = new SortedSample(samples, width);
        return Tilt(sample, k, new double[sample.Count]).Lambda;
    }

    /// <summary>λ̂, ESS and tilted mean on <paramref name="kGrid"/>, with the reliable interval (ESS ≥ <paramref name="essMin"/>).</summary>
    /// <param name="samples">The replica values F_r (finite).</param>
    /// <param name="width">The width N.</param>
    /// <param name="kGrid">Tilts: finite, strictly increasing, containing 0 (as in <see cref="LdSettings.KGrid"/>).</param>
    /// <param name="essMin">The ESS threshold (&gt; 1).</param>
    public static ScgfCurve Curve(ReadOnlySpan<double> samples, int width, double[] kGrid, double essMin = LdSettings.DefaultEssMin)
    {
        var settings = new LdSettings { XGrid = [0.0], KGrid = kGrid, EssMin = essMin };
        return Curve(new SortedSample(samples, width), settings.KGrid, settings.EssMin);
    }

    /// <summary>Î(x) at every point of the settings' x grid: null outside the tilted-mean range of the reliable tilts.</summary>
    /// <param name="samples">The replica values F_r (finite).</param>
    /// <param name="width">The width N.</param>
    /// <param name="settings">Grids and ESS threshold.</param>
    public static double?[] Rate(ReadOnlySpan<double> samples, int width, LdSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ScgfCurve curve = Curve(new SortedSample(samples, width), settings.KGrid, settings.EssMin);
        return [.. settings.XGrid.Select(curve.Rate)];
    }

    internal static ScgfCurve Curve(SortedSample sample, double[] kGrid, double essMin)
    {
        int n = kGrid.Length;
        double[] lambda = new double[n], ess = new double[n], mean = new double[n];
        var scratch = new double[sample.Count];
        for (int i = 0; i < n; i++)
        {
            TiltResult t = Tilt(sample, kGrid[i], scratch);
            (lambda[i], ess[i], mean[i]) = (t.Lambda, t.Ess, t.TiltedMean);
        }

        return new ScgfCurve(kGrid, lambda, ess, mean, Array.IndexOf(kGrid, 0.0), essMin);
    }

    /// <summary>
    /// The shifted weights u_r = exp(N k (F_r - F_ext)) ≤ 1 into <paramref name="weights"/>, where F_ext is the
    /// sample maximum for k ≥ 0 and the minimum for k &lt; 0 (so the largest u is exactly 1). Returns F_ext.
    /// </summary>
    internal static double ShiftedWeights(SortedSample sample, double k, Span<double> weights)
    {
        double extreme = k >= 0 ? sample.Max : sample.Min;
        TensorPrimitives.Subtract(sample.Values, extreme, weights);
        TensorPrimitives.Multiply(weights, sample.Width * k, weights);
        TensorPrimitives.Exp(weights, weights);
        return extreme;
    }

    /// <summary>λ̂, ESS and tilted mean at one tilt, from shifted weights (all sums ≥ 1, no overflow).</summary>
    internal static TiltResult Tilt(SortedSample sample, double k, Span<double> scratch)
    {
        double extreme = ShiftedWeights(sample, k, scratch);
        double s1 = TensorPrimitives.Sum<double>(scratch);
        double s2 = TensorPrimitives.SumOfSquares<double>(scratch);
        double sf = TensorPrimitives.Dot<double>(scratch, sample.Values);
        return TiltResult.From(k, extreme, sample.Width, sample.Count, s1, s2, sf);
    }
}

/// <summary>λ̂, ESS and tilted mean at one tilt.</summary>
/// <param name="Lambda">λ̂(k).</param>
/// <param name="Ess">ESS(k); NaN when the sums vanished (only possible for reweighted samples).</param>
/// <param name="TiltedMean">x(k).</param>
internal readonly record struct TiltResult(double Lambda, double Ess, double TiltedMean)
{
    /// <summary>
    /// From the shifted sums S1 = Σ a_r u_r, S2 = Σ a_r u_r², SF = Σ a_r u_r F_r with u_r = exp(N k (F_r - F_ext))
    /// and multiplicities a_r summing to R: λ̂ = k F_ext + (ln S1 - ln R)/N, ESS = S1²/S2, x = SF/S1.
    /// </summary>
    public static TiltResult From(double k, double extreme, int width, double count, double s1, double s2, double sf)
    {
        if (!(s1 > 0 && s2 > 0))
        {
            return new TiltResult(double.NaN, double.NaN, double.NaN);
        }

        double lambda = (k * extreme) + ((Math.Log(s1) - Math.Log(count)) / width);
        return new TiltResult(lambda, s1 / s2 * s1, sf / s1);
    }
}
