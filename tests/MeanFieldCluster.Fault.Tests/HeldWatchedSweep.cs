using MeanFieldCluster.Client;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// The four-point sweep (<see cref="FourPointSweep"/>) on one silo with its own Redis, every point held at its
/// first chunk boundary (checkpoint stored), and an <c>mfc watch</c> already following it: the starting point
/// of the tests that break something under a running watch.
/// </summary>
internal sealed class HeldWatchedSweep(string directory, string spec, string sweepId, RedisServer redis, string clusterId, Gate gate, SiloProcess silo) : IDisposable
{
    public string Directory => directory;

    public string Spec => spec;

    public string SweepId => sweepId;

    public RedisServer Redis => redis;

    public string ClusterId => clusterId;

    /// <summary>The client's options that reach the cluster.</summary>
    public string[] Connection { get; } = ["--redis", redis.Connection, "--cluster-id", clusterId];

    public Gate Gate => gate;

    public SiloProcess Silo => silo;

    public LiveCommand.Writer Output { get; } = new();

    public LiveCommand.Writer Error { get; } = new();

    /// <summary>The watch's exit code, once it ends.</summary>
    public Task<int> Watching { get; private set; } = Task.FromResult(-1);

    public static async Task<HeldWatchedSweep> StartAsync(string sweepId, int seed)
    {
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "spec.yaml");
        await File.WriteAllTextAsync(spec, FourPointSweep.Spec(sweepId, seed));
        var redis = new RedisServer();
        string clusterId = $"{sweepId}-{Guid.NewGuid():N}";
        var gate = new Gate(Path.Combine(dir, "gate"));
        SiloProcess silo = await SiloProcess.StartAsync(redis.Connection, clusterId, workers: 4, environment: gate.Environment(chunkSteps: 5000));
        var sweep = new HeldWatchedSweep(dir, spec, sweepId, redis, clusterId, gate, silo);
        var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", sweepId, .. sweep.Connection]);
        Assert.True(submit.Code == 0, submit.Error);
        await gate.WaitUntil(h => h.Count == 4, TimeSpan.FromSeconds(120), () => silo.Output);

        // The plain view prints a total at its first message: from then on the watch follows the stream.
        sweep.Watching = Cli.RunAsync(["watch", sweepId, .. sweep.Connection], sweep.Output, sweep.Error, interactive: false);
        await FaultTests.WaitUntil(() => Task.FromResult(sweep.Output.Text.Contains("progress: ", StringComparison.Ordinal) || sweep.Watching.IsCompleted), TimeSpan.FromSeconds(120));
        Assert.False(sweep.Watching.IsCompleted, sweep.Output.Text + sweep.Error.Text);
        return sweep;
    }

    /// <summary>Tables of the cluster's results and of an embedded run of the same spec and sweep id, in <see cref="Directory"/>.</summary>
    public async Task<(string Cluster, string Embedded)> ResultsAndEmbeddedRun()
    {
        string cluster = Path.Combine(Directory, "cluster"), embedded = Path.Combine(Directory, "embedded");
        var results = await FaultTests.Mfc(["results", SweepId, "--out", cluster, .. Connection]);
        Assert.True(results.Code == 0, results.Output + results.Error);
        var run = await FaultTests.Mfc(["run", Spec, "--out", embedded, "--sweep-id", SweepId]);
        Assert.True(run.Code == 0, run.Error);
        return (cluster, embedded);
    }

    public void Dispose()
    {
        Silo.Dispose();
        Redis.Dispose();
    }
}
