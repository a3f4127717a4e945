using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MeanFieldCluster.Client;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>Real processes: silos killed with SIGKILL, Redis restarted, the client killed mid-run.</summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class FaultTests
{
    // 24 points of about half a second each on one core.
    internal const string Spec = """
        name: fault
        seed: 21
        model: {preset: mmn-relu, activation: tanh, init: {output_std: 1.0, bias_std: 0.3}}
        data: {kind: isotropic-gaussian, d: 20, delta: 0.5}
        training: {horizon: 4}
        observe: {test_samples: 500, risk_times: {count: 9, spacing: linear}, snapshot_times: [0, 2, 4], quantiles: 32, sliced_directions: 2}
        grid: {width: [64, 128, 192, 256], step_size: [0.0002], seeds: 6}
        """;

    internal static readonly string[] Tables = ["points.csv", "curves.csv", "measures.csv", "histograms.csv", "aggregate.json"];

    [Fact]
    public async Task KillingASiloMidSweepLosesNothingAndTheResultsEqualTheEmbeddedRunByteForByte()
    {
        string dir = Env.TempDirectory();
        string spec = Write(dir, Spec);
        using var redis = new RedisServer();
        string clusterId = $"fault-{Guid.NewGuid():N}";

        // Every silo's points hold at their first chunk boundary (checkpoint stored) until released.
        var gate = new Gate(Path.Combine(dir, "gate"));
        using SiloProcess a = await SiloProcess.StartAsync(redis.Connection, clusterId, environment: gate.Environment(chunkSteps: 5000));
        using SiloProcess b = await SiloProcess.StartAsync(redis.Connection, clusterId, environment: gate.Environment(chunkSteps: 5000));
        using SiloProcess c = await SiloProcess.StartAsync(redis.Connection, clusterId, environment: gate.Environment(chunkSteps: 5000));
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];

        var submit = await Mfc(["submit", spec, "--sweep-id", "fault-1", .. connection]);
        Assert.True(submit.Code == 0, submit.Error);

        // A point holding at the gate holds its silo's only worker slot, mid-run: kill that silo (where
        // placement put the point; it may host the coordinator too), then let every point go on.
        SiloProcess[] silos = [a, b, c];
        (int lost, int pid) = (await gate.WaitUntil(h => h.Count > 0, TimeSpan.FromSeconds(90), () => a.Output + b.Output + c.Output)).First();
        silos.Single(s => s.ProcessId == pid).Kill();
        gate.ReleaseAll();

        var watch = await Mfc(["watch", "fault-1", .. connection]);
        Assert.True(watch.Code == 0, watch.Output + watch.Error);
        var results = await Mfc(["results", "fault-1", "--out", Path.Combine(dir, "cluster"), .. connection]);
        Assert.True(results.Code == 0, results.Output + results.Error);

        string[] rows = [.. File.ReadLines(Path.Combine(dir, "cluster", "points.csv")).Skip(1)];
        Assert.Equal(24, rows.Length);
        Assert.Equal(Enumerable.Range(0, 24), rows.Select(r => int.Parse(r.Split(',')[0], CultureInfo.InvariantCulture)));
        Assert.All(rows, r => Assert.Contains(",completed,", r, StringComparison.Ordinal));
        using (var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "cluster", "summary.json"))))
        {
            Assert.Equal(2, summary.RootElement.GetProperty("points")[lost].GetProperty("attempts").GetInt32());

            // A restart counts a point whose activation was lost with the silo and started again (the held one, and
            // points queued there for its worker slot, which had not started computing: no extra attempt for them);
            // every restart answered one of the watchdog's requests.
            JsonElement coordinator = summary.RootElement.GetProperty("coordinator");
            long restarts = coordinator.GetProperty("watchdog_restarts").GetInt64();
            Assert.InRange(restarts, 0, 24);
            Assert.True(coordinator.GetProperty("watchdog_requests").GetInt64() >= restarts);
        }

        var embedded = await Mfc(["run", spec, "--out", Path.Combine(dir, "embedded"), "--sweep-id", "fault-1"]);
        Assert.True(embedded.Code == 0, embedded.Output + embedded.Error);
        foreach (string table in Tables)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(dir, "cluster", table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "embedded", table))),
                $"{table} differs between the cluster run (a silo killed) and the embedded run");
        }
    }

    [Fact]
    public async Task RestartingRedisMidSweepLosesNothing()
    {
        string dir = Env.TempDirectory();
        string spec = Write(dir, Spec.Replace("seeds: 6", "seeds: 3", StringComparison.Ordinal));
        using var redis = new RedisServer();
        string clusterId = $"redis-{Guid.NewGuid():N}";
        var gate = new Gate(Path.Combine(dir, "gate"));
        using SiloProcess a = await SiloProcess.StartAsync(redis.Connection, clusterId, environment: gate.Environment(chunkSteps: 5000));
        using SiloProcess b = await SiloProcess.StartAsync(redis.Connection, clusterId, environment: gate.Environment(chunkSteps: 5000));
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];
        Assert.Equal(0, (await Mfc(["submit", spec, "--sweep-id", "redis-1", .. connection])).Code);

        // A point holds mid-run; Redis goes down; released, the next checkpoint writes fail and are retried:
        // Redis comes back once a silo has logged such a retry.
        await gate.WaitUntil(h => h.Count > 0, TimeSpan.FromSeconds(60), () => a.Output + b.Output);
        redis.Stop();
        gate.ReleaseAll();
        await WaitUntil(() => Task.FromResult((a.Output + b.Output).Contains("retrying in", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        redis.Start();

        var watch = await Mfc(["watch", "redis-1", .. connection]);
        Assert.True(watch.Code == 0, watch.Output + watch.Error + a.Output + b.Output);
        var results = await Mfc(["results", "redis-1", "--out", Path.Combine(dir, "cluster"), .. connection]);
        Assert.True(results.Code == 0, results.Output + results.Error);
        string[] rows = [.. File.ReadLines(Path.Combine(dir, "cluster", "points.csv")).Skip(1)];
        Assert.Equal(12, rows.Length);
        Assert.All(rows, r => Assert.Contains(",completed,", r, StringComparison.Ordinal));
        var embedded = await Mfc(["run", spec, "--out", Path.Combine(dir, "embedded"), "--sweep-id", "redis-1"]);
        Assert.Equal(0, embedded.Code);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "embedded", "curves.csv")), File.ReadAllBytes(Path.Combine(dir, "cluster", "curves.csv")));
    }

    [Fact]
    public async Task AKilledEmbeddedRunResumesWithoutRecomputingFinishedPointsAndEndsIdenticalToAnUninterruptedRun()
    {
        string dir = Env.TempDirectory();
        string spec = Write(dir, Spec.Replace("seeds: 6", "seeds: 2", StringComparison.Ordinal));
        string outDir = Path.Combine(dir, "killed");

        // Points of 4 chunks behind the gate, one worker slot: a point holding at a boundary has its
        // checkpoint stored and holds the only slot. Release points one by one until three have finished,
        // then kill the run, as a machine would die, while the next one provably holds mid-run.
        var gate = new Gate(Path.Combine(dir, "gate"));
        var released = new List<int>();
        int inFlight;
        using (var run = new ChildProcess("dotnet", [Env.Executable("client", "mfc.dll"), "run", spec, "--out", outDir, "--workers", "1", "--sweep-id", "killed-1"], environment: gate.Environment(chunkSteps: 5000)))
        {
            while (true)
            {
                inFlight = (await gate.WaitUntil(held => held.Keys.Any(i => !released.Contains(i)), TimeSpan.FromSeconds(120), () => run.Output)).Keys.First(i => !released.Contains(i));
                if (released.Count == 3)
                {
                    break;
                }

                gate.Release(inFlight);
                released.Add(inFlight);
            }

            // The released points finished (they gave up the only slot) and were reported: kill now.
            await run.WaitForOutput(" completed after ", TimeSpan.FromSeconds(120), occurrences: 3);
            run.Kill();
        }

        var refused = await Mfc(["run", spec, "--out", outDir]);
        Assert.Equal(2, refused.Code);
        Assert.Contains("--resume", refused.Error, StringComparison.Ordinal);

        var resumed = await Mfc(["run", spec, "--out", outDir, "--resume", "--workers", "1"]);
        Assert.True(resumed.Code == 0, resumed.Output + resumed.Error);

        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        int[] attempts = [.. summary.RootElement.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("attempts").GetInt32())];
        Assert.True(released.All(i => attempts[i] == 1) && attempts[inFlight] == 2, $"attempts per point: {string.Join(',', attempts)}; finished before the kill: {string.Join(',', released)}; in flight: {inFlight}");
        Assert.False(Directory.Exists(Path.Combine(outDir, ".mfc-state")));

        var straight = await Mfc(["run", spec, "--out", Path.Combine(dir, "straight"), "--sweep-id", "killed-1"]);
        Assert.Equal(0, straight.Code);
        foreach (string table in Tables)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(outDir, table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "straight", table))), $"{table} differs after resume");
        }
    }

    private static string Write(string dir, string text)
    {
        string path = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(path, text);
        return path;
    }

    internal static async Task<(int Code, string Output, string Error)> Mfc(string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = await Cli.RunAsync(args, output, error, interactive: false);
        return (code, output.ToString(), error.ToString());
    }

    internal static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"condition not met within {timeout}");
            await Task.Delay(200);
        }
    }
}

[CollectionDefinition(nameof(ProcessCollection), DisableParallelization = true)]
public sealed class ProcessCollection;
