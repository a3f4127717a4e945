using MeanFieldCluster.Engine.LargeDeviations;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

public sealed class BootstrapTests
{
    private static readonly double[] Samples = CramerSamples.Gaussian(20, 0.2, 1, seed: 8, replicas: 20_000);

    private static LdSettings Settings(ulong seed) => TestGrids.Settings([-0.23, -0.03, 0.37, 0.57, 3.0], seed) with { Bootstrap = 100 };

    [Fact]
    public void TheIntervalsAreAFunctionOfTheSeedAlone()
    {
        BootstrapIntervals a = Bootstrap.Intervals(Samples, 20, Settings(42));
        BootstrapIntervals b = Bootstrap.Intervals(Samples, 20, Settings(42));
        BootstrapIntervals c = Bootstrap.Intervals(Samples, 20, Settings(43));

        Assert.Equal(a.Tail, b.Tail);
        Assert.Equal(a.GartnerEllis, b.GartnerEllis);
        Assert.NotEqual(a.Tail, c.Tail);
        Assert.NotEqual(a.GartnerEllis, c.GartnerEllis);
    }

    [Fact]
    public void TheIntervalsDoNotDependOnTheOrderOfTheSamples()
    {
        double[] shuffled = [.. Samples.Reverse()];

        BootstrapIntervals a = Bootstrap.Intervals(Samples, 20, Settings(42));
        BootstrapIntervals b = Bootstrap.Intervals(shuffled, 20, Settings(42));

        Assert.Equal(a.Tail, b.Tail);
        Assert.Equal(a.GartnerEllis, b.GartnerEllis);
    }

    [Fact]
    public void IntervalsContainThePointEstimatesAndCensoredPointsHaveNone()
    {
        LdSettings settings = Settings(42);
        BootstrapIntervals intervals = Bootstrap.Intervals(Samples, 20, settings);
        TailPoint[] tail = TailEstimator.Estimate(Samples, 20, settings.XGrid);
        ScgfCurve curve = GartnerEllis.Curve(Samples, 20, settings.KGrid);

        for (int i = 0; i < 4; i++)
        {
            Assert.InRange(tail[i].Value, intervals.Tail[i]!.Low, intervals.Tail[i]!.High);
            Assert.InRange(curve.Rate(settings.XGrid[i])!.Value, intervals.GartnerEllis[i]!.Low, intervals.GartnerEllis[i]!.High);
        }

        Assert.True(tail[4].Censored);
        Assert.Null(intervals.Tail[4]);
        Assert.Null(intervals.GartnerEllis[4]);
    }

    [Fact]
    public void ZeroResamplesTurnTheIntervalsOff()
    {
        BootstrapIntervals intervals = Bootstrap.Intervals(Samples, 20, Settings(42) with { Bootstrap = 0 });

        Assert.All(intervals.Tail, Assert.Null);
        Assert.All(intervals.GartnerEllis, Assert.Null);
    }

    [Fact]
    public void PercentilesInterpolateLinearlyAndReachInfinityOnlyThroughInfiniteValues()
    {
        double[] values = [1, 2, 3, 4, 5];

        Assert.Equal(1.1, Bootstrap.Percentile(values, 0.025), 12);
        Assert.Equal(4.9, Bootstrap.Percentile(values, 0.975), 12);
        Assert.Equal(3, Bootstrap.Percentile(values, 0.5));
        Assert.Equal(double.PositiveInfinity, Bootstrap.Percentile([1, 2, double.PositiveInfinity], 0.975));
        Assert.Equal(1.05, Bootstrap.Percentile([1, 2, double.PositiveInfinity], 0.025), 12);
    }

    [Fact]
    public void BinningTheTiltedSumsChangesTheIntervalsOnlySlightly()
    {
        LdSettings settings = Settings(42);
        BootstrapIntervals fine = Bootstrap.Intervals(Samples, 20, settings with { BootstrapBins = 65_536 });
        BootstrapIntervals usual = Bootstrap.Intervals(Samples, 20, settings);

        for (int i = 0; i < 4; i++)
        {
            double width = fine.GartnerEllis[i]!.High - fine.GartnerEllis[i]!.Low;
            Assert.Equal(fine.GartnerEllis[i]!.Low, usual.GartnerEllis[i]!.Low, width * 0.02);
            Assert.Equal(fine.GartnerEllis[i]!.High, usual.GartnerEllis[i]!.High, width * 0.02);
        }

        Assert.Equal(fine.Tail, usual.Tail);
    }
}
