using System.Globalization;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>Load from several clients, a silo killed with a checkpoint write in flight, a client killed while exporting.</summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class HardeningTests
{
    // 3 points of about a tenth of a second each.
    private const string SmallSpec = """
        name: load
        seed: SEED
        model: {preset: mmn-relu, activation: tanh, init: {output_std: 1.0}}
        data: {kind: isotropic-gaussian, d: 10, delta: 0.5}
        training: {horizon: 1}
        observe: {test_samples: 200, risk_times: {count: 5}, snapshot_times: [0, 1], quantiles: 16, sliced_directions: 1}
        grid: {width: [16, 32, 48], step_size: [0.002], seeds: 1}
        """;

    // Wide points with checkpoints of several megabytes (6000 steps; in chunks of 1000 behind the gate).
    private const string WideSpec = """
        name: wide
        seed: 4
        model: {preset: mmn-relu, activation: relu, init: {output_std: 1.0}}
        data: {kind: isotropic-gaussian, d: 100, delta: 0.5}
        training: {horizon: 3}
        observe: {test_samples: 200, risk_times: {count: 4}, snapshot_times: [0, 3], quantiles: 16, sliced_directions: 1}
        grid: {width: [4000, 6000], step_size: [0.0005], seeds: 1}
        """;

    [Fact]
    public async Task FiveClientsSubmittingAndWatchingTwentySweepsOnThreeSilosGetEveryPointOnce()
    {
        string dir = Env.TempDirectory();
        using var redis = new RedisServer();
        string clusterId = $"load-{Guid.NewGuid():N}";
        using SiloProcess a = await SiloProcess.StartAsync(redis.Connection, clusterId);
        using SiloProcess b = await SiloProcess.StartAsync(redis.Connection, clusterId);
        using SiloProcess c = await SiloProcess.StartAsync(redis.Connection, clusterId);
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];

        // Client k submits sweeps 4k..4k+3 (each its own seed), then watches and exports them, all clients at once.
        async Task<string[]> Client(int k)
        {
            var ids = new List<string>();
            foreach (int s in Enumerable.Range(4 * k, 4))
            {
                string spec = Path.Combine(dir, $"spec-{s}.yaml");
                await File.WriteAllTextAsync(spec, SmallSpec.Replace("SEED", $"{s + 1}", StringComparison.Ordinal));
                var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", $"load-{s}", .. connection]);
                Assert.True(submit.Code == 0, submit.Output + submit.Error);
                ids.Add(submit.Output.Trim());
            }

            foreach (string id in ids)
            {
                var watch = await FaultTests.Mfc(["watch", id, .. connection]);
                Assert.True(watch.Code == 0, watch.Output + watch.Error);
                var results = await FaultTests.Mfc(["results", id, "--out", Path.Combine(dir, id), .. connection]);
                Assert.True(results.Code == 0, results.Output + results.Error);
            }

            return [.. ids];
        }

        string[][] perClient = await Task.WhenAll(Enumerable.Range(0, 5).Select(k => Task.Run(() => Client(k))));

        string[] all = [.. perClient.SelectMany(ids => ids)];
        Assert.Equal(20, all.Distinct().Count());
        string list = (await FaultTests.Mfc(["list", .. connection])).Output;
        Assert.Equal(20, list.Split('\n').Count(l => l.TrimStart().StartsWith("load-", StringComparison.Ordinal)));
        foreach (string id in all)
        {
            string[] rows = [.. File.ReadLines(Path.Combine(dir, id, "points.csv")).Skip(1)];
            Assert.Equal([0, 1, 2], rows.Select(r => int.Parse(r.Split(',')[0], CultureInfo.InvariantCulture)));
            Assert.All(rows, r => Assert.Contains(",completed,", r, StringComparison.Ordinal));
        }

        // Under load the numbers are those of a quiet embedded run.
        var embedded = await FaultTests.Mfc(["run", Path.Combine(dir, "spec-7.yaml"), "--out", Path.Combine(dir, "embedded-7"), "--sweep-id", "load-7"]);
        Assert.True(embedded.Code == 0, embedded.Error);
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "embedded-7", "curves.csv")), File.ReadAllBytes(Path.Combine(dir, "load-7", "curves.csv")));
    }

    [Fact]
    public async Task ASiloKilledWithACheckpointWriteInFlightLosesNothing()
    {
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "wide.yaml");
        await File.WriteAllTextAsync(spec, WideSpec);
        using var redis = new RedisServer();
        string clusterId = $"ckpt-{Guid.NewGuid():N}";
        var gate = new Gate(Path.Combine(dir, "gate"));
        using SiloProcess a = await SiloProcess.StartAsync(redis.Connection, clusterId, environment: gate.Environment(chunkSteps: 1000));
        using SiloProcess b = await SiloProcess.StartAsync(redis.Connection, clusterId, environment: gate.Environment(chunkSteps: 1000));
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];
        Assert.Equal(0, (await FaultTests.Mfc(["submit", spec, "--sweep-id", "ckpt-1", .. connection])).Code);

        // A point holds at its first boundary. Hold every write in Redis and release it: it computes its next
        // chunk and starts writing that checkpoint, which waits. Kill its silo then, and let Redis go on.
        var (index, (done, pid)) = (await gate.WaitFor("held", h => h.Count > 0, TimeSpan.FromSeconds(60), () => a.Output + b.Output)).First();
        Assert.Equal("+OK", redis.Command("CLIENT", "PAUSE", "60000", "WRITE"));
        gate.ReleaseAll();
        await gate.WaitFor("writing", w => w.TryGetValue(index, out var write) && write.Done > done, TimeSpan.FromSeconds(60), () => a.Output + b.Output);
        (pid == a.ProcessId ? a : b).Kill();
        Assert.Equal("+OK", redis.Command("CLIENT", "UNPAUSE"));

        var watch = await FaultTests.Mfc(["watch", "ckpt-1", .. connection]);
        Assert.True(watch.Code == 0, watch.Output + watch.Error + a.Output);
        var results = await FaultTests.Mfc(["results", "ckpt-1", "--out", Path.Combine(dir, "cluster"), .. connection]);
        Assert.True(results.Code == 0, results.Output + results.Error);
        var embedded = await FaultTests.Mfc(["run", spec, "--out", Path.Combine(dir, "embedded"), "--sweep-id", "ckpt-1"]);
        Assert.True(embedded.Code == 0, embedded.Error);
        foreach (string table in new[] { "points.csv", "curves.csv", "measures.csv" })
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(dir, "cluster", table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "embedded", table))),
                $"{table} differs after a silo was killed mid-checkpoint");
        }
    }

    [Fact]
    public async Task AClientKilledWhileExportingLeavesNoPartialFileLookingCompleteAndARerunCompletesTheFolder()
    {
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "spec.yaml");
        // Many snapshots and quantile levels: a measures.csv of tens of megabytes takes a while to write.
        await File.WriteAllTextAsync(spec, SmallSpec.Replace("SEED", "3", StringComparison.Ordinal)
            .Replace("snapshot_times: [0, 1], quantiles: 16, sliced_directions: 1", "snapshot_times: {count: 10}, quantiles: 500, sliced_directions: 16", StringComparison.Ordinal)
            .Replace("seeds: 1", "seeds: 4", StringComparison.Ordinal));
        using var redis = new RedisServer();
        string clusterId = $"export-{Guid.NewGuid():N}";
        using SiloProcess a = await SiloProcess.StartAsync(redis.Connection, clusterId, workers: 2);
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];
        Assert.Equal(0, (await FaultTests.Mfc(["submit", spec, "--sweep-id", "export-1", .. connection])).Code);
        Assert.Equal(0, (await FaultTests.Mfc(["watch", "export-1", .. connection])).Code);
        string reference = Path.Combine(dir, "reference");
        var complete = await FaultTests.Mfc(["results", "export-1", "--out", reference, .. connection]);
        Assert.True(complete.Code == 0, complete.Output + complete.Error);

        string outDir = Path.Combine(dir, "killed");
        // The tables are streamed together and renamed at the end: kill the exporting client as soon as
        // they are open, and when the large measures table is half written.
        long measuresBytes = new FileInfo(Path.Combine(reference, "measures.csv")).Length;
        foreach ((string moment, long size) in new[] { ("points.csv.partial", 0L), ("measures.csv.partial", measuresBytes / 2) })
        {
            if (Directory.Exists(outDir))
            {
                Directory.Delete(outDir, recursive: true);
            }

            using (var export = new ChildProcess("dotnet", [Env.Executable("client", "mfc.dll"), "results", "export-1", "--out", outDir, "--force", .. connection]))
            {
                string path = Path.Combine(outDir, moment);
                await FaultTests.WaitUntil(() => Task.FromResult((File.Exists(path) && new FileInfo(path).Length >= size) || export.HasExited), TimeSpan.FromSeconds(60));
                export.Kill();
                Assert.False(export.HasExited && export.ExitCode == 0, $"the export finished before the kill at {moment}: the test needs a larger table");
            }

            Assert.False(File.Exists(Path.Combine(outDir, "summary.json")), $"summary.json exists after a kill at {moment}: the folder looks complete");

            // Whatever exists under a final name is complete: byte-identical to the reference.
            foreach (string file in Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories))
            {
                string relative = Path.GetRelativePath(outDir, file);
                if (relative.EndsWith(".partial", StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.True(File.ReadAllBytes(file).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(reference, relative))), $"{relative} exists after a kill at {moment} but differs from the complete file");
            }
        }

        // The folder the last kill left behind, exported again.
        var rerun = await FaultTests.Mfc(["results", "export-1", "--out", outDir, "--force", .. connection]);
        Assert.True(rerun.Code == 0, rerun.Output + rerun.Error);
        string[] expected = [.. Directory.EnumerateFiles(reference, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(reference, f)).Where(f => f != "summary.json").Order()];
        string[] actual = [.. Directory.EnumerateFiles(outDir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(outDir, f)).Where(f => f != "summary.json").Order()];
        Assert.Equal(expected, actual);
        foreach (string relative in expected)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(outDir, relative)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(reference, relative))), relative);
        }
    }

    // 10,000 points of a few SGD steps each, d = 2 and N = 2..11, but with quantile snapshots and histograms of
    // 17 features at two times: about 13 KB of numbers per point, over 100 MB for the sweep (and more than a
    // gigabyte of CSV and Parquet), so neither the silo nor the client could hold all of the results.
    private const string TenThousandSpec = """
        name: ten-thousand
        seed: 7
        model: {preset: mmn-isotropic, activation: {kind: ramp, t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5}, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 2, delta: 0.8}
        training: {steps: 5}
        observe: {test_samples: 50, risk_times: {count: 3, spacing: linear}, snapshot_times: [0, 0.5], quantiles: 16}
        grid: {width: [2, 3, 4, 5, 6, 7, 8, 9, 10, 11], step_size: [0.1], seeds: 1000}
        """;

    // GC heap limits of the two processes: well under what holding the results would take.
    private const long SiloHeapLimit = 256L << 20;
    private const long ClientHeapLimit = 96L << 20;

    [Fact]
    public async Task TenThousandTinyPointsCompleteWithTheCoordinatorAndTheClientInBoundedMemoryAndTheCoordinatorsCostPerPointIsReported()
    {
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "ten-thousand.yaml");
        await File.WriteAllTextAsync(spec, TenThousandSpec);
        using var redis = new RedisServer();
        string clusterId = $"tenk-{Guid.NewGuid():N}";
        using SiloProcess silo = await SiloProcess.StartAsync(
            redis.Connection,
            clusterId,
            workers: 2,
            environment: new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = $"0x{SiloHeapLimit:X}" },
            extraArguments: ["--points-in-flight", "256"]);
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];
        var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", "tenk", .. connection]);
        Assert.True(submit.Code == 0, submit.Output + submit.Error);
        var watch = await FaultTests.Mfc(["watch", "tenk", .. connection]);
        Assert.True(watch.Code == 0, watch.Output + watch.Error + silo.Output);

        // The export runs in its own process with a heap limit far below the size of the results.
        string outDir = Path.Combine(dir, "out");
        using var export = new ChildProcess(
            "dotnet",
            [Env.Executable("client", "mfc.dll"), "results", "tenk", "--out", outDir, .. connection],
            environment: new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = $"0x{ClientHeapLimit:X}" });
        int code = await export.WaitForExit(TimeSpan.FromMinutes(5));
        Assert.True(code == 0, export.Output);

        string[] rows = [.. File.ReadLines(Path.Combine(outDir, "points.csv")).Skip(1)];
        Assert.Equal(10_000, rows.Length);
        Assert.Equal(Enumerable.Range(0, 10_000), rows.Select(r => int.Parse(r.Split(',')[0], CultureInfo.InvariantCulture)));
        Assert.All(rows, r => Assert.Contains(",completed,", r, StringComparison.Ordinal));
        // 2 snapshots x (17 quantile features x 16 levels + 2 probe features (probe_output, probe_spread_u1) x 16 probe inputs).
        Assert.Equal(10_000 * 2 * ((17 * 16) + (2 * 16)), File.ReadLines(Path.Combine(outDir, "measures.csv")).LongCount() - 1);
        Assert.Equal(10_000 * 2 * 17 * 32, File.ReadLines(Path.Combine(outDir, "histograms.csv")).LongCount() - 1);
        long written = Directory.EnumerateFiles(outDir).Sum(f => new FileInfo(f).Length);
        Assert.True(written > 8 * ClientHeapLimit, $"the results ({written} bytes) should dwarf the client's heap limit");

        // The coordinator's cost per point is printed and in summary.json: a few calls per point, and its
        // state written in batches rather than once per point.
        Assert.Matches(@"coordinator: [0-9.]+ ms and [0-9.]+ calls per point \([0-9,]+ calls, [0-9.]+ s in calls, [0-9,]+ state writes for 10,000 points\)", export.Output);
        using var summary = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(outDir, "summary.json")));
        System.Text.Json.JsonElement coordinator = summary.RootElement.GetProperty("coordinator");
        Assert.InRange(coordinator.GetProperty("calls_per_point").GetDouble(), 2, 6);
        Assert.InRange(coordinator.GetProperty("state_writes_per_point").GetDouble(), 0, 0.1);
        Assert.Equal(10_000, coordinator.GetProperty("starts").GetInt64());
        // No silo was lost: however long the 256 points in flight waited for the 2 worker slots (silent, so the
        // watchdog may ask them to start again), none started again.
        Assert.Equal(0, coordinator.GetProperty("watchdog_restarts").GetInt64());
        Assert.True(coordinator.GetProperty("call_ms_per_point").GetDouble() > 0);
    }

    [Fact]
    public async Task ASiloRefusesCsvDataOutsideItsDataRootAndPointsOverItsBudgetWhateverTheClientChecked()
    {
        string dir = Env.TempDirectory();
        string root = Directory.CreateDirectory(Path.Combine(dir, "data")).FullName;
        string csv = "a,b,y\n" + string.Join('\n', Enumerable.Range(0, 40).Select(i => FormattableString.Invariant($"{i * 0.1},{(i % 7) * 0.3},{i % 2}"))) + "\n";
        await File.WriteAllTextAsync(Path.Combine(dir, "outside.csv"), csv);
        await File.WriteAllTextAsync(Path.Combine(root, "inside.csv"), csv);
        string CsvSpec(string path) => $$"""
            name: data-root
            model: {preset: mmn-relu, activation: relu}
            data:
              kind: csv
              csv: {path: '{{path}}', label: y}
            training: {horizon: 0.2}
            observe: {test_samples: 20, quantiles: 4}
            grid: {width: [4], step_size: [0.1]}
            """;
        using var redis = new RedisServer();
        string clusterId = $"policy-{Guid.NewGuid():N}";
        using SiloProcess silo = await SiloProcess.StartAsync(redis.Connection, clusterId, extraArguments: ["--data-root", root, "--max-point-memory", "64MB"]);
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];

        string outside = Path.Combine(dir, "outside.yaml");
        await File.WriteAllTextAsync(outside, CsvSpec(Path.Combine(dir, "outside.csv")));
        var refused = await FaultTests.Mfc(["submit", outside, "--sweep-id", "outside", .. connection]);
        Assert.Equal(2, refused.Code);
        Assert.Contains("the cluster refused sweep 'outside'", refused.Error, StringComparison.Ordinal);
        Assert.True(refused.Error.Contains("error: data.csv.path: '", StringComparison.Ordinal) && refused.Error.Contains($"is outside the data root '{root[..Math.Min(root.Length, 50)]}", StringComparison.Ordinal), refused.Error); // long paths are shortened in messages

        string inside = Path.Combine(dir, "inside.yaml");
        await File.WriteAllTextAsync(inside, CsvSpec(Path.Combine(root, "inside.csv")));
        Assert.Equal(0, (await FaultTests.Mfc(["submit", inside, "--sweep-id", "inside", .. connection])).Code);
        Assert.Equal(0, (await FaultTests.Mfc(["watch", "inside", .. connection])).Code);

        // The client's own budget lets it through; the silo's (64 MB per point) does not.
        string wide = Path.Combine(dir, "wide.yaml");
        await File.WriteAllTextAsync(wide, CsvSpec(Path.Combine(root, "inside.csv")).Replace("width: [4]", "width: [4, 2000000]", StringComparison.Ordinal));
        var tooBig = await FaultTests.Mfc(["submit", wide, "--sweep-id", "wide", "--max-point-memory", "1TB", .. connection]);
        Assert.Equal(2, tooBig.Code);
        Assert.Contains("error: grid: point 1 (N=2000000, step_size=0.1): needs about ", tooBig.Error, StringComparison.Ordinal);
        Assert.Contains("over the budget of 64 MiB per point", tooBig.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("wide", (await FaultTests.Mfc(["list", .. connection])).Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NeitherTheRedisPasswordNorTheDashboardTokenAppearsInOutputLogsOrResults()
    {
        const string password = "redis-secret-5b1f0c";
        const string token = "dashboard-secret-9e27d4";
        string dir = Env.TempDirectory();
        using var redis = new RedisServer();
        Assert.Equal("+OK", redis.Command("CONFIG", "SET", "requirepass", password));
        string connectionString = $"{redis.Connection},password={password}";
        string clusterId = $"secret-{Guid.NewGuid():N}";
        using SiloProcess silo = await SiloProcess.StartAsync(
            connectionString,
            clusterId,
            environment: new Dictionary<string, string> { ["MFC_Silo__DashboardToken"] = token, ["Logging__LogLevel__Default"] = "Debug" },
            extraArguments: ["--http-address", "0.0.0.0"]);
        string spec = Path.Combine(dir, "spec.yaml");
        await File.WriteAllTextAsync(spec, SmallSpec.Replace("SEED", "9", StringComparison.Ordinal));
        string[] connection = ["--redis", connectionString, "--cluster-id", clusterId];

        var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", "secret-1", .. connection]);
        var watch = await FaultTests.Mfc(["watch", "secret-1", .. connection]);
        var results = await FaultTests.Mfc(["results", "secret-1", "--out", Path.Combine(dir, "out"), .. connection]);
        var bad = await FaultTests.Mfc(["status", "nope", "--redis", $"127.0.0.1:{Env.FreePort()},password={password}", "--cluster-id", clusterId]);

        Assert.Equal(0, submit.Code);
        Assert.Equal(0, results.Code);
        Assert.Contains("password=***", silo.Output, StringComparison.Ordinal);
        string everything = string.Join('\n', silo.Output, submit.Output, submit.Error, watch.Output, watch.Error, results.Output, results.Error, bad.Output, bad.Error);
        foreach (string file in Directory.EnumerateFiles(Path.Combine(dir, "out"), "*", SearchOption.AllDirectories))
        {
            everything += await File.ReadAllTextAsync(file);
        }

        Assert.DoesNotContain(password, everything, StringComparison.Ordinal);
        Assert.DoesNotContain(token, everything, StringComparison.Ordinal);
    }
}
