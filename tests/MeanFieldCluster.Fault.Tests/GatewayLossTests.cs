namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// A streamed <c>mfc watch</c> survives the loss of its gateway silo mid-stream: it fails over to another
/// gateway, opens the stream again and follows the sweep to its end.
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class GatewayLossTests
{
    [Fact]
    public async Task AWatchWhoseGatewaySiloIsKilledMidStreamFollowsTheSweepToItsEnd()
    {
        // Silo A alone: the coordinator, every point and the watch's only gateway are on it.
        using HeldWatchedSweep held = await HeldWatchedSweep.StartAsync("gw", 19);
        SiloProcess a = held.Silo;

        // Silo B joins; A dies with the stream open; the points go on on B.
        using SiloProcess b = await SiloProcess.StartAsync(held.Redis.Connection, held.ClusterId, workers: 4, environment: held.Gate.Environment(chunkSteps: 5000));
        a.Kill();
        held.Gate.ReleaseAll();

        int code = await held.Watching.WaitAsync(TimeSpan.FromMinutes(8));
        Assert.True(code == 0, $"exit {code}\n{held.Output.Text}\n{held.Error.Text}\n{b.Output}");
        Assert.Contains("gw: completed, 100.0% of steps; points: 4 completed", held.Output.Text, StringComparison.Ordinal);
        (string cluster, string embedded) = await held.ResultsAndEmbeddedRun();
        Assert.True(File.ReadAllBytes(Path.Combine(cluster, "curves.csv")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(embedded, "curves.csv"))), "curves.csv differs from the embedded run");
    }
}
