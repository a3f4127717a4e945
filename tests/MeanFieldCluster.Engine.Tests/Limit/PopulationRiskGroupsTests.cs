using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Limit;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>
/// The group loop of the population risk (PopulationRisk.Groups.cs: eight pairs per group, fused multiply-adds,
/// correlations from the transposed weights, row pairs stopped at the first order where their group's bound
/// passes, single rows tested every sixteen orders) against the reference loop (one pair at a time, the
/// truncation tested at every order), within the error bound of docs/limit.md ("The exact finite-N risk": both
/// truncation bounds plus both rounding bounds); and the same bits on every vector width.
/// </summary>
public sealed class PopulationRiskGroupsTests
{
    private const double Delta = 0.8;
    private static readonly RampParameters Mmn = RampParameters.Mmn;

    /// <summary>
    /// Random weights at widths that leave every remainder of the eight lanes, in d = 40 (short series) and
    /// d = 3 (correlations near ±1: long series and exact pairs), with a repeated row (c = 1), a negated row
    /// (c = −1), a nearly parallel row and a zero row added.
    /// </summary>
    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 40)]
    [InlineData(4, 40)]
    [InlineData(5, 40)]
    [InlineData(6, 40)]
    [InlineData(7, 40)]
    [InlineData(9, 40)]
    [InlineData(13, 40)]
    [InlineData(37, 40)]
    [InlineData(21, 3)]
    [InlineData(34, 3)]
    public void TheGroupLoopAgreesWithTheReferenceLoopWithinTheStatedBound(int width, int d)
    {
        double[] w = Special(PopulationRiskTests.RandomWeights(width, d, (ulong)(1000 + (width * 7) + d)), width, d);
        int n = width + (width >= 3 ? 4 : 0);
        PopulationRiskEstimate reference = PopulationRisk.Compute(w, n, d, Delta, Mmn, PopulationRisk.DefaultPairTolerance, PopulationRisk.DefaultMaxOrder, reference: true);
        PopulationRiskEstimate fast = PopulationRisk.Compute(w, n, d, Delta, Mmn);
        AssertWithinBound(w, n, d, d, reference, fast);
        if (d == 3)
        {
            Assert.True(reference.ExactPairs > 0, "the special rows should send pairs to the exact formula");
        }
    }

    /// <summary>
    /// The anisotropic risk (s0 &lt; d, a correlation and a power chain per class) against the reference loop,
    /// with the special rows (exact pairs) and at widths that leave several lane remainders.
    /// </summary>
    [Theory]
    [InlineData(23, 6, 2)]
    [InlineData(10, 40, 5)]
    [InlineData(3, 40, 39)]
    [InlineData(32, 3, 1)]
    public void TheAnisotropicGroupLoopAgreesWithTheReferenceLoopWithinTheStatedBound(int width, int d, int informative)
    {
        double[] w = Special(PopulationRiskTests.RandomWeights(width, d, (ulong)(77 + width)), width, d);
        PopulationRiskEstimate reference = PopulationRisk.Compute(w, width + 4, d, informative, Delta, Mmn, PopulationRisk.DefaultPairTolerance, reference: true);
        PopulationRiskEstimate fast = PopulationRisk.Compute(w, width + 4, d, informative, Delta, Mmn);
        AssertWithinBound(w, width + 4, d, informative, reference, fast);
    }

    /// <summary>
    /// With a loose pair tolerance (10⁻⁶) the series stop early and the truncation error is far above the
    /// rounding: it must still be within the reported truncation bound (against the reference loop summed to
    /// 10⁻¹⁵). A stopping order taken too early, or a group bound that misses a factor, fails here.
    /// </summary>
    [Theory]
    [InlineData(37, 40, 40)]
    [InlineData(45, 6, 6)]
    [InlineData(23, 6, 2)]
    public void WithALooseToleranceTheTruncationErrorIsWithinTheReportedBound(int width, int d, int informative)
    {
        const double loose = 1e-6;
        double[] w = PopulationRiskTests.RandomWeights(width, d, (ulong)(300 + width));
        PopulationRiskEstimate truncated = PopulationRisk.Compute(w, width, d, informative, Delta, Mmn, loose, reference: false);
        PopulationRiskEstimate summed = PopulationRisk.Compute(w, width, d, informative, Delta, Mmn, 1e-15, reference: true);
        double rounding = RoundingBound(w, width, d, informative, truncated.Risk, (2 * truncated.MaxOrder) + 2, width + ((width + 7) / 8) + 7)
            + RoundingBound(w, width, d, informative, summed.Risk, (2 * summed.MaxOrder) + 3, ((long)width * (width - 1)) + 2);
        double error = Math.Abs(truncated.Risk - summed.Risk);
        Assert.True(truncated.TruncationBound > 1000 * (rounding + summed.TruncationBound), $"the truncation bound {truncated.TruncationBound:E3} should dominate the rounding {rounding:E3}");
        Assert.True(error <= truncated.TruncationBound + summed.TruncationBound + rounding, $"truncated {truncated.Risk:R}, summed {summed.Risk:R}: error {error:E3} > bound {truncated.TruncationBound:E3} + {summed.TruncationBound:E3} + rounding {rounding:E3}");
        Assert.True(truncated.TruncationBound <= truncated.SeriesPairs * loose / ((double)width * width));
    }

    /// <summary>
    /// Eight scalars, two 256-bit vectors and one 512-bit vector (those this machine runs) give the same bits,
    /// isotropic and anisotropic, with exact pairs and every lane remainder.
    /// </summary>
    [Theory]
    [InlineData(13, 40, 40)]
    [InlineData(21, 3, 3)]
    [InlineData(34, 3, 3)]
    [InlineData(23, 6, 2)]
    [InlineData(32, 3, 1)]
    public void EveryVectorWidthGivesTheSameBits(int width, int d, int informative)
    {
        double[] w = Special(PopulationRiskTests.RandomWeights(width, d, (ulong)(5 + width)), width, d);
        PopulationRiskEstimate scalar = PopulationRisk.Compute(w, width + 4, d, informative, Delta, Mmn, PopulationRisk.DefaultPairTolerance, reference: false, SimdWidth.Scalar);
        foreach (SimdWidth lanes in Simd.Supported)
        {
            PopulationRiskEstimate other = PopulationRisk.Compute(w, width + 4, d, informative, Delta, Mmn, PopulationRisk.DefaultPairTolerance, reference: false, lanes);
            Assert.Equal(BitConverter.DoubleToInt64Bits(scalar.Risk), BitConverter.DoubleToInt64Bits(other.Risk));
            Assert.Equal(BitConverter.DoubleToInt64Bits(scalar.TruncationBound), BitConverter.DoubleToInt64Bits(other.TruncationBound));
            Assert.Equal((scalar.MaxOrder, scalar.SeriesPairs, scalar.ExactPairs), (other.MaxOrder, other.SeriesPairs, other.ExactPairs));
        }
    }

    /// <summary>
    /// The group loop's arrays come from a pool shared by all threads and are reused: a wide evaluation, then a
    /// narrower one (whose padding lanes sit where the wide one's neurons were), then the wide one again, each
    /// within the bound of the reference loop and with the bits of an evaluation with new arrays, on this thread
    /// and on another one (which may take the arrays this one returned).
    /// </summary>
    [Fact]
    public void ReusedTablesGiveTheBitsOfNewOnesAfterAWiderAndANarrowerEvaluation()
    {
        foreach ((int width, ulong seed) in new[] { (45, 5UL), (9, 6UL), (45, 7UL), (6, 8UL) })
        {
            double[] w = PopulationRiskTests.RandomWeights(width, 40, seed);
            PopulationRiskEstimate reused = PopulationRisk.Compute(w, width, 40, Delta, Mmn);
            PopulationRiskEstimate fresh = PopulationRisk.Compute(w, width, 40, 40, Delta, Mmn, PopulationRisk.DefaultPairTolerance, reference: false, freshWorkspace: true);
            PopulationRiskEstimate? otherThread = null;
            var thread = new Thread(() => otherThread = PopulationRisk.Compute(w, width, 40, Delta, Mmn));
            thread.Start();
            thread.Join();
            Assert.NotNull(otherThread);
            foreach (PopulationRiskEstimate other in new[] { reused, otherThread })
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(fresh.Risk), BitConverter.DoubleToInt64Bits(other.Risk));
                Assert.Equal(BitConverter.DoubleToInt64Bits(fresh.TruncationBound), BitConverter.DoubleToInt64Bits(other.TruncationBound));
            }

            PopulationRiskEstimate reference = PopulationRisk.Compute(w, width, 40, Delta, Mmn, PopulationRisk.DefaultPairTolerance, PopulationRisk.DefaultMaxOrder, reference: true);
            AssertWithinBound(w, width, 40, 40, reference, reused);
        }
    }

    /// <summary>
    /// The group tables' coefficients, eight neurons at a time in vector lanes, have the bits of
    /// <see cref="RampGaussian.Coefficients"/> one neuron at a time (scales 0, tiny, ordinary and large).
    /// </summary>
    [Fact]
    public void EightCoefficientRecurrencesAtOnceGiveTheBitsOfOneAtATime()
    {
        var gauss = new RampGaussian(Mmn);
        double[] scales = [0.0, 1e-300, 0.05, 0.7, 1.3, 2.9, 6.2, 40.0];
        const int count = PopulationRisk.DefaultMaxOrder + 1, step = 16;
        var lanes = new double[count * step];
        gauss.Coefficients8(scales, ref lanes[0], step, count);
        var one = new double[count];
        for (int l = 0; l < scales.Length; l++)
        {
            gauss.Coefficients(scales[l], one, []);
            for (int n = 0; n < count; n++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(one[n]), BitConverter.DoubleToInt64Bits(lanes[(n * step) + l]));
            }
        }
    }

    /// <summary>
    /// The rounding bound of docs/limit.md for a loop that sums each pair's series with
    /// <paramref name="seriesRoundings"/> roundings and passes each pair
    /// value through at most <paramref name="additions"/> additions: with u = 2⁻⁵³, γ_k = k u / (1 - k u),
    /// a_si the class scales, m_si = √E σ(a_si G)² and L the ramp's slope,
    /// ρ = (1/(2N²)) Σ_s [L² δ_c (Σ_i a_si)² + (γ_series + γ_additions) (Σ_i m_si)²] + 8 u (1 + |R|),
    /// δ_c = 1.01 (d + 6) u (the correlation's rounding).
    /// </summary>
    internal static double RoundingBound(double[] w, int width, int d, int informative, double risk, int seriesRoundings, long additions)
    {
        const double u = 1.0 / (1L << 53);
        static double Gamma(double k) => k * u / (1 - (k * u));
        var gauss = new RampGaussian(Mmn);
        double sum = 0;
        foreach (double tau in new[] { 1 + Delta, 1 - Delta })
        {
            double scales = 0, roots = 0;
            for (int i = 0; i < width; i++)
            {
                double inner = 0, outer = 0;
                for (int k = 0; k < d; k++)
                {
                    double x = w[(i * d) + k];
                    (inner, outer) = k < informative ? (inner + (x * x), outer) : (inner, outer + (x * x));
                }

                double a = Math.Sqrt((tau * tau * inner) + outer);
                scales += a;
                roots += Math.Sqrt(gauss.SecondMoment(a));
            }

            sum += (Mmn.Slope * Mmn.Slope * 1.01 * (d + 6) * u * scales * scales) + ((Gamma(seriesRoundings) + Gamma(additions)) * roots * roots);
        }

        return (sum / (2.0 * width * width)) + (8 * u * (1 + Math.Abs(risk)));
    }

    // |fast - reference| within both truncation bounds and both rounding bounds; the same pairs go to the exact
    // formula; every series pair's bound is within the pair tolerance.
    private static void AssertWithinBound(double[] w, int width, int d, int informative, PopulationRiskEstimate reference, PopulationRiskEstimate fast)
    {
        long pairs = (long)width * (width - 1);
        double fastRounding = RoundingBound(w, width, d, informative, fast.Risk, (2 * fast.MaxOrder) + 2, width + ((width + 7) / 8) + 7);
        double referenceRounding = RoundingBound(w, width, d, informative, reference.Risk, (2 * reference.MaxOrder) + 3, pairs + 2);
        double allowed = fast.TruncationBound + reference.TruncationBound + fastRounding + referenceRounding;
        Assert.True(Math.Abs(fast.Risk - reference.Risk) <= allowed, $"group loop {fast.Risk:R}, reference {reference.Risk:R}: |difference| {Math.Abs(fast.Risk - reference.Risk):E3} > {allowed:E3} (truncation {fast.TruncationBound:E3} + {reference.TruncationBound:E3}, rounding {fastRounding:E3} + {referenceRounding:E3}; exact pairs {fast.ExactPairs}, {reference.ExactPairs})");
        Assert.Equal(reference.SeriesPairs + reference.ExactPairs, fast.SeriesPairs + fast.ExactPairs);
        Assert.True(fast.TruncationBound <= fast.SeriesPairs * PopulationRisk.DefaultPairTolerance / ((double)width * width));
    }

    // The rows of w, then (from width 3 on) a copy of row 0, row 1 negated, row 2 slightly turned and a zero row.
    private static double[] Special(double[] w, int width, int d)
    {
        if (width < 3)
        {
            return w;
        }

        var all = new double[(width + 4) * d];
        w.CopyTo(all, 0);
        for (int k = 0; k < d; k++)
        {
            all[(width * d) + k] = w[k];
            all[((width + 1) * d) + k] = -w[d + k];
            all[((width + 2) * d) + k] = w[(2 * d) + k] * (1 + (1e-7 * k));
        }

        return all;
    }
}
