using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class ResourceEstimatorTests
{
    [Theory]
    [InlineData(Presets.MmnIsotropic, 1, 10)]
    [InlineData(Presets.MmnIsotropic, 1, 1)]
    [InlineData(Presets.ThreeLayer, 2, 12)]
    [InlineData(Presets.DeepFixedEnds, 4, 7)]
    public void TheParameterCountIsTheNetworksOwn(string preset, int layers, int width)
    {
        SweepSpec spec = TestSpecs.Small(preset: preset, model: TestSpecs.Model(preset, gamma: [.. Enumerable.Repeat(1.0, layers)]), d: 3);
        PointSpec point = TestSpecs.Point(spec, width, 0.01, layers: layers);
        var rng = new Xoshiro256(1);
        MeanFieldNetwork network = MeanFieldNetwork.Initialize(spec.Model, spec.Data.Dimension, point.Widths, point.Gamma, ref rng);

        Assert.Equal(network.ParameterCount, ResourceEstimator.Estimate(spec, point).Parameters);
    }

    [Fact]
    public void MemoryCoversTheNetworkAndItsCheckpointCopiesAndGrowsWithWidth()
    {
        SweepSpec spec = TestSpecs.Small(d: 40);
        ResourceEstimate small = ResourceEstimator.Estimate(spec, TestSpecs.Point(spec, 100, 0.01));
        ResourceEstimate large = ResourceEstimator.Estimate(spec, TestSpecs.Point(spec, 100_000, 0.01));

        Assert.True(small.MemoryBytes >= 4 * 8 * small.Parameters, $"{small.MemoryBytes} < 4 copies of θ");
        Assert.True(large.MemoryBytes >= 4 * 8 * large.Parameters);
        Assert.True(large.MemoryBytes > 100 * small.MemoryBytes, $"{large.MemoryBytes} vs {small.MemoryBytes}");
        Assert.True(large.Seconds > 900 * small.Seconds, $"{large.Seconds} vs {small.Seconds}");
    }

    [Fact]
    public void ComputeTimeIsStepsTimesParametersAtTheStatedRateAtLeast()
    {
        SweepSpec spec = TestSpecs.Small(d: 40, horizon: 10);
        PointSpec point = TestSpecs.Point(spec, 800, 1e-3);
        ResourceEstimate e = ResourceEstimator.Estimate(spec, point);

        Assert.Equal(10_000, point.Steps);
        Assert.True(e.Seconds >= point.Steps * e.Parameters * ResourceEstimator.SecondsPerParameterSample);
        Assert.True(e.Seconds < 2 * ((point.Steps + (point.RiskSteps.Count * spec.Observe.TestSamples)) * e.Parameters * ResourceEstimator.SecondsPerParameterSample));
    }

    [Fact]
    public void PointsOverTheBudgetAreNamedWithWhatTheyNeed()
    {
        SweepSpec spec = TestSpecs.Small(d: 40);
        PointSpec[] points = [TestSpecs.Point(spec, 10, 0.01), TestSpecs.Point(spec, 10_000, 0.01) with { Index = 1 }];
        long between = (ResourceEstimator.Estimate(spec, points[0]).MemoryBytes + ResourceEstimator.Estimate(spec, points[1]).MemoryBytes) / 2;

        string message = Assert.Single(ResourceEstimator.Check(spec, points, new ResourceBudget(between, 1e9)));

        Assert.StartsWith("point 1 (N=10000, step_size=0.01): needs about ", message, StringComparison.Ordinal);
        Assert.Contains("of memory, over the budget of", message, StringComparison.Ordinal);
        Assert.Empty(ResourceEstimator.Check(spec, points, new ResourceBudget(long.MaxValue, 1e9)));
    }

    [Fact]
    public void ManyPointsOverTheBudgetAreSummarized()
    {
        SweepSpec spec = TestSpecs.Small();
        PointSpec[] points = [.. Enumerable.Range(0, 25).Select(i => TestSpecs.Point(spec, 50, 0.01) with { Index = i })];

        IReadOnlyList<string> messages = ResourceEstimator.Check(spec, points, new ResourceBudget(1, 1e9), maxMessages: 10);

        Assert.Equal(11, messages.Count);
        Assert.Equal("... and 15 more point(s) over the budget", messages[^1]);
    }

    [Theory]
    [InlineData("512", 512L)]
    [InlineData("1KB", 1024L)]
    [InlineData("2 MiB", 2L << 20)]
    [InlineData("1.5G", 3L << 29)]
    [InlineData("4gb", 4L << 30)]
    [InlineData("1TB", 1L << 40)]
    public void SizesParseWithBinaryUnits(string text, long bytes)
    {
        Assert.Equal(bytes, ResourceEstimator.ParseBytes(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("GB")]
    [InlineData("-1GB")]
    [InlineData("0")]
    [InlineData("1XB")]
    [InlineData("NaN")]
    [InlineData("1e30TB")]
    public void NonSizesAreRefused(string text)
    {
        Assert.Null(ResourceEstimator.ParseBytes(text));
    }

    [Theory]
    [InlineData(12L, "12 B")]
    [InlineData(1536L, "1.5 KiB")]
    [InlineData(3L << 30, "3 GiB")]
    public void SizesPrintWithBinaryUnits(long bytes, string text)
    {
        Assert.Equal(text, ResourceEstimator.FormatBytes(bytes));
    }
}
