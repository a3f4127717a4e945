using MeanFieldCluster.Engine.LargeDeviations;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

public sealed class TailEstimatorTests
{
    [Fact]
    public void HandCountedTailsGiveMinusLogOfTheFractionOverN()
    {
        double[] samples = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        TailPoint[] points = TailEstimator.Estimate(samples, 5, [7, 2, 4.5]);

        // Mean 4.5: x = 7 counts {7, 8, 9}; x = 2 counts {0, 1, 2}; x = 4.5 (the mean) counts the upper tail {5..9}.
        Assert.Equal(new TailPoint(7, Math.Log(10.0 / 3) / 5, false, TailSide.Upper, 3), points[0]);
        Assert.Equal(new TailPoint(2, Math.Log(10.0 / 3) / 5, false, TailSide.Lower, 3), points[1]);
        Assert.Equal(TailSide.Upper, points[2].Side);
        Assert.Equal(5, points[2].Hits);
    }

    [Fact]
    public void PointsBeyondAllSamplesAreCensoredAtTheBoundLogROverN()
    {
        double[] samples = CramerSamples.Gaussian(40, 0, 1, seed: 3, replicas: 1000);
        TailPoint[] points = TailEstimator.Estimate(samples, 40, [10, -10]);

        Assert.All(points, p => Assert.True(p.Censored));
        Assert.All(points, p => Assert.Equal(Math.Log(1000) / 40, p.Value, 15));
        Assert.Equal([TailSide.Upper, TailSide.Lower], points.Select(p => p.Side));
        Assert.All(points, p => Assert.Equal(0, p.Hits));
    }

    [Fact]
    public void AnExactlyBinomialSampleGivesTheExactBinomialTailRate()
    {
        double[] samples = CramerSamples.ExactBinomial(10, 100);
        double[] xs = TestGrids.RademacherX;
        TailPoint[] points = TailEstimator.Estimate(samples, 10, xs);

        for (int i = 0; i < xs.Length; i++)
        {
            Assert.Equal(CramerSamples.RademacherTailRate(xs[i], 10, points[i].Side), points[i].Value, 12);
        }
    }

    [Fact]
    public void TinyTailFractionsStayAccurateBecauseTheLogarithmIsTakenOfTheCounts()
    {
        // One hit in 10^5 at N = 1: ln(10^5) exactly, not the log of a rounded probability.
        double[] samples = [.. Enumerable.Repeat(0.0, 99_999), 1.0];
        TailPoint point = TailEstimator.Estimate(samples, 1, [0.5])[0];

        Assert.Equal(Math.Log(100_000), point.Value, 12);
        Assert.Equal(1, point.Hits);
    }

    [Fact]
    public void EmptyOrNonFiniteSamplesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => TailEstimator.Estimate([], 10, [0]));
        Assert.Throws<ArgumentException>(() => TailEstimator.Estimate([0, double.NaN], 10, [0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => TailEstimator.Estimate([0, 1], 0, [0]));
    }
}
