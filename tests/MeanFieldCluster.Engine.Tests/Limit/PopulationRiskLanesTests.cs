using MeanFieldCluster.Engine.Limit;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>
/// The fast pair loop of the population risk (the feasibility shortcut and the series of several pairs in
/// vector lanes, PopulationRisk.Lanes.cs) gives the same bits as the scalar loop that tests every pair.
/// </summary>
public sealed class PopulationRiskLanesTests
{
    private static readonly RampParameters Mmn = RampParameters.Mmn;

    /// <summary>
    /// Random weights at widths that leave every remainder of the lane count, in d = 40 (short series) and
    /// d = 3 (correlations near ±1: long series and exact pairs), with a repeated row (c = 1), a negated row
    /// (c = −1), a nearly parallel row and a zero row added.
    /// </summary>
    [Theory]
    [InlineData(1, 40)]
    [InlineData(2, 40)]
    [InlineData(7, 40)]
    [InlineData(13, 40)]
    [InlineData(37, 40)]
    [InlineData(21, 3)]
    [InlineData(34, 3)]
    public void TheLaneLoopGivesTheBitsOfTheScalarLoop(int width, int d)
    {
        double[] w = Special(PopulationRiskTests.RandomWeights(width, d, (ulong)(1000 + (width * 7) + d)), width, d);
        int n = width + (width >= 3 ? 4 : 0);
        PopulationRiskEstimate scalar = PopulationRisk.Compute(w, n, d, 0.8, Mmn, PopulationRisk.DefaultPairTolerance, PopulationRisk.DefaultMaxOrder, shortcut: false);
        PopulationRiskEstimate lanes = PopulationRisk.Compute(w, n, d, 0.8, Mmn, PopulationRisk.DefaultPairTolerance, PopulationRisk.DefaultMaxOrder, shortcut: true);
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalar.Risk), BitConverter.DoubleToInt64Bits(lanes.Risk));
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalar.TruncationBound), BitConverter.DoubleToInt64Bits(lanes.TruncationBound));
        Assert.Equal((scalar.MaxOrder, scalar.SeriesPairs, scalar.ExactPairs), (lanes.MaxOrder, lanes.SeriesPairs, lanes.ExactPairs));
        if (d == 3)
        {
            Assert.True(scalar.ExactPairs > 0, "the special rows should send pairs to the exact formula");
        }
    }

    /// <summary>
    /// The anisotropic risk (s0 &lt; d, a correlation per class) in the row loop against the scalar loop that
    /// tests every pair, with the special rows (exact pairs) and at widths that leave several lane remainders.
    /// </summary>
    [Theory]
    [InlineData(23, 6, 2)]
    [InlineData(10, 40, 5)]
    [InlineData(3, 40, 39)]
    [InlineData(32, 3, 1)]
    public void TheAnisotropicRiskKeepsItsBitsWithTheShortcut(int width, int d, int informative)
    {
        double[] w = Special(PopulationRiskTests.RandomWeights(width, d, (ulong)(77 + width)), width, d);
        PopulationRiskEstimate scalar = PopulationRisk.Compute(w, width + 4, d, informative, 0.8, Mmn, PopulationRisk.DefaultPairTolerance, shortcut: false);
        PopulationRiskEstimate fast = PopulationRisk.Compute(w, width + 4, d, informative, 0.8, Mmn, PopulationRisk.DefaultPairTolerance, shortcut: true);
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalar.Risk), BitConverter.DoubleToInt64Bits(fast.Risk));
        Assert.Equal(BitConverter.DoubleToInt64Bits(scalar.TruncationBound), BitConverter.DoubleToInt64Bits(fast.TruncationBound));
        Assert.Equal((scalar.MaxOrder, scalar.SeriesPairs, scalar.ExactPairs), (fast.MaxOrder, fast.SeriesPairs, fast.ExactPairs));
    }

    /// <summary>
    /// The tables' arrays are kept per thread and reused: a wide evaluation, then a narrower one (whose padding
    /// lanes sit where the wide one's neurons were), then the wide one again, each with the scalar loop's bits.
    /// </summary>
    [Fact]
    public void ReusedTablesGiveTheBitsOfTheScalarLoopAfterAWiderAndANarrowerEvaluation()
    {
        foreach ((int width, ulong seed) in new[] { (45, 5UL), (9, 6UL), (45, 7UL), (6, 8UL) })
        {
            double[] w = PopulationRiskTests.RandomWeights(width, 40, seed);
            PopulationRiskEstimate lanes = PopulationRisk.Compute(w, width, 40, 0.8, Mmn);
            PopulationRiskEstimate scalar = PopulationRisk.Compute(w, width, 40, 0.8, Mmn, PopulationRisk.DefaultPairTolerance, PopulationRisk.DefaultMaxOrder, shortcut: false);
            Assert.Equal(BitConverter.DoubleToInt64Bits(scalar.Risk), BitConverter.DoubleToInt64Bits(lanes.Risk));
            Assert.Equal(BitConverter.DoubleToInt64Bits(scalar.TruncationBound), BitConverter.DoubleToInt64Bits(lanes.TruncationBound));
            Assert.Equal((scalar.MaxOrder, scalar.SeriesPairs, scalar.ExactPairs), (lanes.MaxOrder, lanes.SeriesPairs, lanes.ExactPairs));
        }
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
