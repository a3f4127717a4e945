using MeanFieldCluster.Client;

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
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "spec.yaml");
        await File.WriteAllTextAsync(spec, FourPointSweep.Spec("gateway-loss", 19));
        using var redis = new RedisServer();
        string clusterId = $"gateway-{Guid.NewGuid():N}";
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];
        var gate = new Gate(Path.Combine(dir, "gate"));

        // Silo A alone: the coordinator, every point and the watch's only gateway are on it.
        using SiloProcess a = await SiloProcess.StartAsync(redis.Connection, clusterId, workers: 4, environment: gate.Environment(chunkSteps: 5000));
        var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", "gw", .. connection]);
        Assert.True(submit.Code == 0, submit.Error);
        await gate.WaitUntil(h => h.Count == 4, TimeSpan.FromSeconds(120), () => a.Output);
        var output = new LiveCommand.Writer();
        var error = new LiveCommand.Writer();
        Task<int> watching = Cli.RunAsync(["watch", "gw", .. connection], output, error, interactive: false);
        await LiveCommand.Until(() => output.Text.Contains("progress: ", StringComparison.Ordinal) || watching.IsCompleted, TimeSpan.FromSeconds(120));
        Assert.False(watching.IsCompleted, output.Text + error.Text);

        // Silo B joins; A dies with the stream open; the points go on on B.
        using SiloProcess b = await SiloProcess.StartAsync(redis.Connection, clusterId, workers: 4, environment: gate.Environment(chunkSteps: 5000));
        a.Kill();
        gate.ReleaseAll();

        int code = await watching.WaitAsync(TimeSpan.FromMinutes(8));
        Assert.True(code == 0, $"exit {code}\n{output.Text}\n{error.Text}\n{b.Output}");
        Assert.Contains("gw: completed, 100.0% of steps; points: 4 completed", output.Text, StringComparison.Ordinal);
        var results = await FaultTests.Mfc(["results", "gw", "--out", Path.Combine(dir, "cluster"), .. connection]);
        Assert.True(results.Code == 0, results.Output + results.Error);
        var embedded = await FaultTests.Mfc(["run", spec, "--out", Path.Combine(dir, "embedded"), "--sweep-id", "gw"]);
        Assert.True(embedded.Code == 0, embedded.Error);
        Assert.True(File.ReadAllBytes(Path.Combine(dir, "cluster", "curves.csv")).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "embedded", "curves.csv"))), "curves.csv differs from the embedded run");
    }
}
