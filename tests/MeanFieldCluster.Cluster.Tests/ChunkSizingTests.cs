using MeanFieldCluster.Silo.Grains;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>Chunk sizing on an injected clock, and the test hooks' settings.</summary>
public sealed class ChunkSizingTests
{
    [Fact]
    public void ChunksScaleToOneSecondGrowAtMostFourfoldAndTheFirstChunkOfAShapeUsesItsLastSpeed()
    {
        var time = new FakeTimeProvider();
        var sizer = new AdaptiveChunkSizer(time);

        // Before any measurement: 5·10^7 multiply-adds.
        Assert.Equal(50_000, sizer.FirstSteps("a", 1000));

        // 1000 steps in 0.5 s: the next chunk is 2000 steps (one second); in 0.1 s: 4000 (fourfold at most).
        long start = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.Equal(2000, sizer.NextSteps("a", 1000, 1000, start));
        start = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(4000, sizer.NextSteps("a", 1000, 1000, start));

        // 4 s for 1000 steps: a quarter of it next.
        start = time.GetTimestamp();
        time.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(250, sizer.NextSteps("a", 1000, 1000, start));

        // The shape's first chunk is half a second at the last measured speed (4 ms a step); other shapes are unaffected.
        Assert.Equal(125, sizer.FirstSteps("a", 1000));
        Assert.Equal(50_000, sizer.FirstSteps("b", 1000));

        // Replicas: one first, then by the same rule.
        Assert.Equal(1, sizer.FirstReplicas());
        start = time.GetTimestamp();
        time.Advance(TimeSpan.FromMilliseconds(200));
        Assert.Equal(4, sizer.NextReplicas(1, start));
    }

    [Fact]
    public void ALastChunkTakesInWhatIsLeftWhenThatIsUnderHalfAChunk()
    {
        var sizer = new AdaptiveChunkSizer(new FakeTimeProvider());

        // 1000 planned: with 1499 left the point ends in this chunk; with 1500 left, 500 stay for a chunk of their own.
        Assert.Equal(1499, sizer.Fit(1000, 1499));
        Assert.Equal(1000, sizer.Fit(1000, 1500));
        Assert.Equal(1000, sizer.Fit(1000, 10_000));

        // Fewer left than planned: the chunk is as planned (the run stops at its end).
        Assert.Equal(1000, sizer.Fit(1000, 300));
    }

    [Fact]
    public void TheFixedSizerIgnoresTime()
    {
        var sizer = new FixedChunkSizer(7);
        Assert.Equal(7, sizer.FirstSteps("a", 1e9));
        Assert.Equal(7, sizer.NextSteps("a", 7, 7, 0));
        Assert.Equal(7, sizer.Fit(7, 8));
        Assert.Equal(1, sizer.NextReplicas(5, 0));
    }

    [Fact]
    public void HooksAreReadFromTheEnvironmentAndBadValuesNameTheVariable()
    {
        var set = new Dictionary<string, string> { [TestHooks.ChunkStepsVariable] = "25", [TestHooks.ChunkDelayVariable] = "200", [TestHooks.GateVariable] = "/tmp/gate" };
        TestHooks hooks = TestHooks.From(k => set.GetValueOrDefault(k));
        Assert.Equal(25, hooks.ChunkSteps);
        Assert.Equal(TimeSpan.FromMilliseconds(200), hooks.ChunkDelay);
        Assert.Equal("/tmp/gate", hooks.GateDirectory);
        Assert.False(TestHooks.From(_ => null).Any);

        var error = Assert.Throws<InvalidOperationException>(() => TestHooks.From(k => k == TestHooks.ChunkStepsVariable ? "0" : null));
        Assert.Contains(TestHooks.ChunkStepsVariable, error.Message, StringComparison.Ordinal);
    }
}
