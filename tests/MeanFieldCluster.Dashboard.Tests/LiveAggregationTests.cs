using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Web;

namespace MeanFieldCluster.Dashboard.Tests;

public sealed class LiveAggregationTests
{
    // Two widths x two seeds, risk recorded at steps 0, 10, 20 with eps = 0.1 (t = 0, 1, 2), snapshots at steps 0 and 20.
    private static PointSpec Point(int index, int width, int seed, double eps = 0.1) =>
        new(index, [width], eps, 1, [1.0], seed, 20, [0, 10, 20], [0, 20], []);

    private static readonly PointSpec[] Points = [Point(0, 10, 0), Point(1, 10, 1), Point(2, 20, 0), Point(3, 20, 1)];

    private static PointRecord Record(int index, params (long Step, double Risk)[] risk) =>
        new(index, risk.Length == 0 ? 0 : risk[^1].Step, false, [.. risk.Select(r => new RiskRow(r.Step, r.Step * 0.1, r.Risk, 0.01))], [], []);

    private static Dictionary<int, PointState> States(params PointState[] states) =>
        states.Select((s, i) => (s, i)).ToDictionary(x => x.i, x => x.s);

    [Fact]
    public void PointsThatDifferOnlyInTheSeedFormOneGroupLabelledByWidth()
    {
        IReadOnlyList<LiveAggregation.Group> groups = LiveAggregation.Groups(Points);

        Assert.Equal(["N = 10", "N = 20"], groups.Select(g => g.Label));
        Assert.Equal([0, 1], groups[0].Points.Select(p => p.Index));
        Assert.Equal([2, 3], groups[1].Points.Select(p => p.Index));
    }

    [Fact]
    public void LabelsNameEveryCoordinateThatVaries()
    {
        PointSpec[] points = [Point(0, 10, 0, 1e-4), Point(1, 10, 0, 3e-5), Point(2, 20, 0, 1e-4), Point(3, 20, 0, 3e-5)];

        Assert.Equal(["N = 10, ε = 3e-5", "N = 10, ε = 1e-4", "N = 20, ε = 3e-5", "N = 20, ε = 1e-4"], LiveAggregation.Groups(points).Select(g => g.Label));
    }

    [Fact]
    public void TheRiskOfAGroupIsTheMeanOverTheSeedsThatRecordedEachTime()
    {
        var records = new Dictionary<int, PointRecord>
        {
            [0] = Record(0, (0, 1.0), (10, 0.6), (20, 0.2)),
            [1] = Record(1, (0, 3.0), (10, 0.8)),
        };
        double[] times = LiveAggregation.RiskTimes(Points);

        SeriesView series = LiveAggregation.RiskSeries(LiveAggregation.Groups(Points)[0], times, records, States(PointState.Completed, PointState.Running));

        Assert.Equal([0.0, 1.0, 2.0], times);
        Assert.Equal(2.0, series.Values[0]!.Value, 12);
        Assert.Equal(0.7, series.Values[1]!.Value, 12);
        Assert.Equal(0.2, series.Values[2]!.Value, 12);

        // Standard error over seeds: sample sd / sqrt(2) = |a - b| / 2 for two seeds; none with one seed.
        Assert.Equal(1.0, series.StdErr[0]!.Value, 12);
        Assert.Equal(0.1, series.StdErr[1]!.Value, 12);
        Assert.Null(series.StdErr[2]);
        Assert.Equal(2, series.SeedsReporting);
    }

    [Fact]
    public void DivergedAndFailedPointsAreLeftOutOfTheMeanAsInTheAggregate()
    {
        var records = new Dictionary<int, PointRecord>
        {
            [0] = Record(0, (0, 1.0), (10, 0.6)),
            [1] = Record(1, (0, 3.0), (10, 1e6)),
        };

        SeriesView series = LiveAggregation.RiskSeries(LiveAggregation.Groups(Points)[0], LiveAggregation.RiskTimes(Points), records, States(PointState.Running, PointState.Diverged));

        Assert.Equal(1.0, series.Values[0]);
        Assert.Equal(0.6, series.Values[1]);
        Assert.Equal(1, series.SeedsReporting);
    }

    [Fact]
    public void AGroupWithNoRecordYetHasAnEmptyCurve()
    {
        SeriesView series = LiveAggregation.RiskSeries(LiveAggregation.Groups(Points)[1], LiveAggregation.RiskTimes(Points), new Dictionary<int, PointRecord>(), States());

        Assert.All(series.Values, v => Assert.Null(v));
        Assert.Equal(0, series.SeedsReporting);
        Assert.Equal(2, series.Seeds);
    }

    [Fact]
    public void NonFiniteRisksAreNotAveraged()
    {
        var records = new Dictionary<int, PointRecord>
        {
            [0] = Record(0, (0, double.NaN), (10, 0.5)),
            [1] = Record(1, (0, 2.0), (10, double.PositiveInfinity)),
        };

        SeriesView series = LiveAggregation.RiskSeries(LiveAggregation.Groups(Points)[0], LiveAggregation.RiskTimes(Points), records, States(PointState.Running, PointState.Running));

        Assert.Equal(2.0, series.Values[0]);
        Assert.Equal(0.5, series.Values[1]);
    }

    [Fact]
    public void TheLawOfAGroupPoolsItsSeedsQuantileFunctions()
    {
        // Seeds with quantiles [1, 3] and [2, 4] at levels 1/4, 3/4: the pooled law is that of {1, 2, 3, 4},
        // whose quantiles at 1/4 and 3/4 are x_(1) = 1 and x_(3) = 3.
        var records = new Dictionary<int, PointRecord>
        {
            [0] = new(0, 20, true, [], ["w_norm"], [new MeasureRow(0, 0, "w_norm", [0.5, 0.6]), new MeasureRow(20, 2.0, "w_norm", [1, 3])]),
            [1] = new(1, 20, true, [], ["w_norm"], [new MeasureRow(20, 2.0, "w_norm", [2, 4])]),
        };

        SeriesView series = LiveAggregation.QuantileSeries(LiveAggregation.Groups(Points)[0], 2.0, 0.1, 2, records, States(PointState.Completed, PointState.Completed));

        Assert.Equal([1.0, 3.0], series.Values.Select(v => v!.Value));
        Assert.Equal(2, series.SeedsReporting);
    }

    [Fact]
    public void SnapshotTimesThatDifferByLessThanAStepAreMerged()
    {
        // t = 5 with eps = 1e-4 and with eps = 3e-5 rounds to 50000 eps and 166667 eps.
        PointSpec a = new(0, [10], 1e-4, 1, [1.0], 0, 50000, [], [0, 50000], []);
        PointSpec b = new(1, [10], 3e-5, 1, [1.0], 0, 166667, [], [0, 166667], []);

        double[] times = LiveAggregation.SnapshotTimes([a, b]);

        Assert.Equal(2, times.Length);
        Assert.Equal(0.0, times[0]);
        Assert.Equal(5.0, times[1], 4);
    }

    [Fact]
    public void ThinningKeepsTheEndsAndAtMostTheLimit()
    {
        int[] kept = LiveAggregation.Thin(1001, 600);

        Assert.True(kept.Length <= 600);
        Assert.Equal(0, kept[0]);
        Assert.Equal(1000, kept[^1]);
        Assert.Equal(kept.Order(), kept);
        Assert.Equal([0, 1, 2], LiveAggregation.Thin(3, 600));
    }

    [Theory]
    [InlineData(1e-4, "1e-4")]
    [InlineData(3e-5, "3e-5")]
    [InlineData(0.5, "0.5")]
    [InlineData(20, "20")]
    [InlineData(1.23456, "1.235")]
    public void NumbersAreWrittenShortly(double value, string text)
    {
        Assert.Equal(text, LiveAggregation.Number(value));
    }
}
