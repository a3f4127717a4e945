using MeanFieldCluster.Engine.LargeDeviations;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

public sealed class WidthExtrapolationTests
{
    private static RatePoint P(double x, double? value, double? low = null, double? high = null, bool censored = false) => new(x, value, low, high, censored);

    [Fact]
    public void RatesOfTheFormIPlusBOverNGiveBackIAndBExactly()
    {
        int[] widths = [10, 20, 40, 80];
        double[] xs = [-0.5, 0.1, 0.7];
        static double I(double x) => x * x / 2;
        static double B(double x) => 0.3 + x;
        IReadOnlyList<RatePoint>[] points = [.. widths.Select(n => (IReadOnlyList<RatePoint>)[.. xs.Select(x => P(x, I(x) + (B(x) / n)))])];

        IReadOnlyList<ExtrapolatedRate> fits = WidthExtrapolation.Fit(widths, points);

        Assert.Equal(3, fits.Count);
        foreach (ExtrapolatedRate f in fits)
        {
            Assert.Equal(I(f.X), f.Value, 12);
            Assert.Equal(B(f.X), f.Slope, 10);
            Assert.Equal(I(f.X), f.Low!.Value, 10);
            Assert.Equal(I(f.X), f.High!.Value, 10);
            Assert.Equal(4, f.Widths);
            Assert.Equal(ExtrapolationIntervals.Regression, f.IntervalMethod);
        }
    }

    [Fact]
    public void ThreeNoisyWidthsGiveTheStudentTIntervalOfTheIntercept()
    {
        // u = 1/N = 0.1, 0.05, 0.025; y = 1, 0.5, 0.4. Hand computation of the OLS intercept and its SE.
        int[] widths = [10, 20, 40];
        double[] u = [0.1, 0.05, 0.025], y = [1, 0.5, 0.4];
        double mu = u.Average(), my = y.Average();
        double suu = u.Sum(v => (v - mu) * (v - mu)), suy = u.Zip(y).Sum(p => (p.First - mu) * (p.Second - my));
        double slope = suy / suu, intercept = my - (slope * mu);
        double ssr = u.Zip(y).Sum(p => Math.Pow(p.Second - intercept - (slope * p.First), 2));
        double se = Math.Sqrt(ssr / 1 * ((1.0 / 3) + (mu * mu / suu)));

        ExtrapolatedRate f = WidthExtrapolation.Fit(widths, [.. y.Select(v => (IReadOnlyList<RatePoint>)[P(0, v)])])[0];

        Assert.Equal(intercept, f.Value, 12);
        Assert.Equal(slope, f.Slope, 10);
        Assert.Equal(intercept - (12.706204736 * se), f.Low!.Value, 6);
        Assert.Equal(intercept + (12.706204736 * se), f.High!.Value, 6);
    }

    [Fact]
    public void TwoWidthsPropagateTheirBootstrapIntervalsThroughTheExactLine()
    {
        // I_∞ = (40 y40 - 10 y10) / 30 = (4/3) y40 - (1/3) y10; σ = interval length / (2 z).
        const double z = WidthExtrapolation.Z975;
        IReadOnlyList<RatePoint>[] points = [[P(0.5, 0.30, 0.30 - (0.03 * z), 0.30 + (0.03 * z))], [P(0.5, 0.21, 0.21 - (0.01 * z), 0.21 + (0.01 * z))]];

        ExtrapolatedRate f = WidthExtrapolation.Fit([10, 40], points)[0];

        double sigma = Math.Sqrt(Math.Pow(4.0 / 3 * 0.01, 2) + Math.Pow(1.0 / 3 * 0.03, 2));
        Assert.Equal((4.0 / 3 * 0.21) - (1.0 / 3 * 0.30), f.Value, 12);
        Assert.Equal((0.30 - 0.21) / (0.1 - 0.025), f.Slope, 10);
        Assert.Equal(f.Value - (z * sigma), f.Low!.Value, 12);
        Assert.Equal(f.Value + (z * sigma), f.High!.Value, 12);
        Assert.Equal(ExtrapolationIntervals.BootstrapPropagation, f.IntervalMethod);
    }

    [Fact]
    public void CensoredAndMissingValuesAreSkippedAndPointsWithFewerThanTwoWidthsDropped()
    {
        int[] widths = [10, 20, 40];
        IReadOnlyList<RatePoint>[] points =
        [
            [P(0, 0.2), P(1, 0.5), P(2, null)],
            [P(0, 0.15), P(1, 0.4, censored: true), P(2, 0.3)],
            [P(0, 0.125), P(1, null), P(2, null)],
        ];

        IReadOnlyList<ExtrapolatedRate> fits = WidthExtrapolation.Fit(widths, points);

        ExtrapolatedRate only = Assert.Single(fits);
        Assert.Equal(0.1, only.Value, 12);
        Assert.Equal(1.0, only.Slope, 10);
    }

    [Fact]
    public void TwoWidthsWithoutIntervalsGiveAValueWithoutInterval()
    {
        ExtrapolatedRate f = WidthExtrapolation.Fit([10, 40], [[P(0, 0.3)], [P(0, 0.21)]])[0];

        Assert.Null(f.Low);
        Assert.Null(f.High);
        Assert.Equal(ExtrapolationIntervals.None, f.IntervalMethod);
    }

    [Fact]
    public void WidthsWithDifferentXGridsOrRepeatedWidthsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => WidthExtrapolation.Fit([10, 40], [[P(0, 0.3)], [P(0.1, 0.2)]]));
        Assert.Throws<ArgumentException>(() => WidthExtrapolation.Fit([10, 10], [[P(0, 0.3)], [P(0, 0.2)]]));
        Assert.Throws<ArgumentException>(() => WidthExtrapolation.Fit([10], [[P(0, 0.3)], [P(0, 0.2)]]));
    }
}
