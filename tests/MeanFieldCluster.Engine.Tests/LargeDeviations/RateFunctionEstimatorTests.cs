using MeanFieldCluster.Engine.LargeDeviations;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

public sealed class RateFunctionEstimatorTests
{
    private static readonly Dictionary<int, double[]> Gaussian = new()
    {
        [40] = CramerSamples.CachedGaussian(40),
        [10] = CramerSamples.CachedGaussian(10),
    };

    private static readonly Lazy<RateFunctionReport> Report = new(() => RateFunctionEstimator.Estimate(Gaussian, TestGrids.Settings(TestGrids.GaussianX)));

    private static double I(double x) => CramerSamples.GaussianRate(x, CramerSamples.Mu, CramerSamples.S);

    [Fact]
    public void RowsComeByWidthThenInfinityThenEstimatorThenX()
    {
        IReadOnlyList<RateFunctionRow> rows = Report.Value.Rows;
        string[] blocks = [.. rows.Select(r => $"{r.WidthLabel}/{r.Estimator}").Distinct()];

        Assert.Equal(["10/tail", "10/gartner-ellis", "40/tail", "40/gartner-ellis", "inf/tail", "inf/gartner-ellis"], blocks);
        Assert.Equal(TestGrids.GaussianX.Length, rows.Count(r => r.Width == 10 && r.Estimator == RateEstimators.Tail));
        foreach (var block in rows.GroupBy(r => (r.Width, r.Estimator)))
        {
            Assert.Equal(block.Select(r => r.X).Order(), block.Select(r => r.X));
        }
    }

    [Fact]
    public void TheReliableTiltRangeIsReportedPerWidthAndShrinksWithWidth()
    {
        IReadOnlyList<ReliableKRange> ranges = Report.Value.ReliableK;

        Assert.Equal([10, 40], ranges.Select(r => r.Width));
        Assert.All(ranges, r => Assert.True(r.KMin < 0 && r.KMax > 0 && r.XMin < CramerSamples.Mu && r.XMax > CramerSamples.Mu));
        Assert.True(ranges[1].KMax < ranges[0].KMax && ranges[1].XMax < ranges[0].XMax);
        Assert.All(ranges, r => Assert.Equal(CramerSamples.Replicas, r.Samples));
    }

    [Fact]
    public void CensoredRowsCarryTheBoundAndNoInterval()
    {
        RateFunctionRow[] censored = [.. Report.Value.Rows.Where(r => r.Censored)];

        Assert.NotEmpty(censored);
        Assert.All(censored, r => Assert.Equal(RateEstimators.Tail, r.Estimator));
        Assert.All(censored, r => Assert.Equal(Math.Log(CramerSamples.Replicas) / r.Width!.Value, r.Value, 14));
        Assert.All(censored, r => Assert.True(r.Low is null && r.High is null));
    }

    [Fact]
    public void TheExtrapolatedGartnerEllisRateRecoversTheCramerRateFunction()
    {
        RateFunctionRow[] inf = [.. Report.Value.Rows.Where(r => r.Width is null && r.Estimator == RateEstimators.GartnerEllis && r.Low is not null)];

        Assert.True(inf.Length >= 5);
        Assert.All(inf, r => Assert.True(TestGrids.WithinWidened(I(r.X), r.Low!.Value, r.High!.Value), $"x = {r.X}: {r.Value} [{r.Low}, {r.High}] vs {I(r.X)}"));
    }

    [Fact]
    public void TheExtrapolatedTailRateMatchesTheExtrapolationOfTheExactFiniteWidthTails()
    {
        // The estimator's job: reproduce what the same correction and fit give on the exact tails. (Their residual
        // model error against I(x), from the O(1/(N² z²)) terms at small N, is what the next test bounds.)
        RateFunctionRow[] inf = [.. Report.Value.Rows.Where(r => r.Width is null && r.Estimator == RateEstimators.Tail && r.Low is not null)];

        Assert.True(inf.Length >= 5);
        foreach (RateFunctionRow r in inf)
        {
            double target = ExactTailExtrapolation(r.X, correct: true);
            Assert.True(TestGrids.WithinWidened(target, r.Low!.Value, r.High!.Value), $"x = {r.X}: {r.Value} [{r.Low}, {r.High}] vs {target}");
        }
    }

    [Fact]
    public void SubtractingTheBahadurRaoTermBringsTheTailExtrapolationCloserToTheRateFunctionAwayFromTheMean()
    {
        foreach (double x in new[] { -0.53, -0.33, 0.67, 0.87, 1.07 })
        {
            double corrected = Math.Abs(ExactTailExtrapolation(x, correct: true) - I(x));
            double raw = Math.Abs(ExactTailExtrapolation(x, correct: false) - I(x));
            Assert.True(corrected < raw / 2, $"x = {x}: corrected error {corrected}, uncorrected {raw}");
        }
    }

    [Fact]
    public void TheReportDependsOnlyOnTheMultisetOfSamplesNotOnTheirOrderOrBatching()
    {
        double[] small = CramerSamples.Gaussian(10, 0.2, 1, seed: 9, replicas: 5000);
        double[] batched = [.. small.Skip(3000), .. small.Take(3000).Reverse()];
        LdSettings settings = TestGrids.Settings([-0.33, 0.27, 0.77]) with { Bootstrap = 50 };

        RateFunctionReport a = RateFunctionEstimator.Estimate(new Dictionary<int, double[]> { [10] = small }, settings);
        RateFunctionReport b = RateFunctionEstimator.Estimate(new Dictionary<int, double[]> { [10] = batched }, settings);

        Assert.Equal(a.Rows, b.Rows);
        Assert.Equal(a.ReliableK, b.ReliableK);
    }

    [Fact]
    public void ASingleWidthHasNoInfinityRowsAndInvalidInputsAreRejected()
    {
        LdSettings settings = TestGrids.Settings([0.3]) with { Bootstrap = 0 };
        RateFunctionReport report = RateFunctionEstimator.Estimate(new Dictionary<int, double[]> { [10] = [0.1, 0.2, 0.4] }, settings);

        Assert.DoesNotContain(report.Rows, r => r.Width is null);
        Assert.Throws<ArgumentException>(() => RateFunctionEstimator.Estimate(new Dictionary<int, double[]>(), settings));
        Assert.Throws<ArgumentException>(() => RateFunctionEstimator.Estimate(new Dictionary<int, double[]> { [10] = [] }, settings));
        Assert.Throws<ArgumentOutOfRangeException>(() => RateFunctionEstimator.Estimate(new Dictionary<int, double[]> { [0] = [1.0] }, settings));
    }

    /// <summary>The two-width fit (N = 10, 40) of the exact tail rates, with or without the ln(N)/(2N) correction.</summary>
    private static double ExactTailExtrapolation(double x, bool correct)
    {
        TailSide side = x >= CramerSamples.Mu ? TailSide.Upper : TailSide.Lower;
        double At(int n) => CramerSamples.GaussianTailRate(x, n, CramerSamples.Mu, CramerSamples.S, side) - (correct ? Math.Log(n) / (2.0 * n) : 0);
        return ((40 * At(40)) - (10 * At(10))) / 30;
    }
}
