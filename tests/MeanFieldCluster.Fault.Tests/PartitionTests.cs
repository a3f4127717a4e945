using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// Several hosts: Redis and three silos each in its own network namespace at its own address, a client
/// in a fifth; mid-sweep one silo's link is cut (a partition, not a kill). docs/cluster.md, "Several hosts".
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class PartitionTests(ITestOutputHelper log)
{
    // FaultTests' sweep with 3 seeds: 12 points of 20,000 steps (about half a second each on one core).
    private static readonly string Spec = FaultTests.Spec.Replace("seeds: 6", "seeds: 3", StringComparison.Ordinal);

    private static readonly string[] Tables = FaultTests.Tables;

    [NamespaceFact]
    public async Task SilosOnDistinctAddressesFinishASweepThroughAPartitionByteIdenticalToAnEmbeddedRun()
    {
        var clock = Stopwatch.StartNew();
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(spec, Spec);
        string clusterId = $"netns-{Guid.NewGuid():N}";
        string password = Guid.NewGuid().ToString("N");
        var gate = new Gate(Path.Combine(dir, "gate"));
        var processes = new List<ChildProcess>();
        using var lab = new NetworkLab();
        try
        {
            string redisAddress = lab.AddHost("redis", 2);
            string[] silos = ["s0", "s1", "s2"];
            for (int i = 0; i < silos.Length; i++)
            {
                lab.AddHost(silos[i], 10 + i);
            }

            lab.AddHost("client", 20);

            // Redis with a password, reachable only on the bridge; the password travels in the environment.
            ChildProcess redis = lab.Start("redis", "redis-server", ["--port", "6379", "--bind", redisAddress, "--requirepass", password, "--dir", dir, "--appendonly", "yes", "--appendfsync", "always", "--save", ""]);
            processes.Add(redis);
            await redis.WaitForOutput("Ready to accept connections", TimeSpan.FromSeconds(30));
            string connection = $"{redisAddress}:6379,password={password}";

            // Every silo uses the same ports on its own address (as on separate machines), behind the gate.
            var siloProcesses = new Dictionary<string, ChildProcess>();
            foreach (string name in silos)
            {
                var environment = gate.Environment(chunkSteps: 5000);
                environment["MFC_Silo__Redis"] = connection;
                ChildProcess silo = lab.Start(name, "dotnet", [Env.Executable("silo", "mfc-silo.dll"), "--cluster-id", clusterId, "--advertised-address", lab.Address(name), "--workers", "1", "--fast-failure-detection", "true", "--http-port", "0"], environment);
                processes.Add(silo);
                siloProcesses[name] = silo;
            }

            foreach (var (name, silo) in siloProcesses)
            {
                await silo.WaitForOutput("mfc-silo: cluster", TimeSpan.FromMinutes(2));
                Assert.Contains($"silo {lab.Address(name)}:11111", silo.Output, StringComparison.Ordinal);
                Assert.DoesNotContain(password, silo.Output, StringComparison.Ordinal);
            }

            var client = new Dictionary<string, string> { ["MFC_REDIS"] = connection };
            string Outputs() => string.Join("\n", siloProcesses.Select(s => $"--- {s.Key}\n{s.Value.Output}"));
            async Task<ChildProcess> Mfc(params string[] args)
            {
                var run = lab.Start("client", "dotnet", [Env.Executable("client", "mfc.dll"), .. args, "--cluster-id", clusterId], client);
                processes.Add(run);
                int code = await run.WaitForExit(TimeSpan.FromMinutes(10));
                Assert.True(code == 0, $"mfc {string.Join(' ', args)}: exit {code}\n{run.Output}\n{Outputs()}");
                return run;
            }

            await Mfc("submit", spec, "--sweep-id", "netns-1");

            // A point holds at a chunk boundary (checkpoint stored) on some silo: cut that silo's link.
            (int point, int pid) = (await gate.WaitUntil(h => h.Count > 0, TimeSpan.FromMinutes(2), Outputs)).First();
            string cut = siloProcesses.Single(s => s.Value.ProcessId == pid).Key;
            lab.Cut(cut);
            log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: cut {cut} ({lab.Address(cut)}) while point {point} held there");
            gate.ReleaseAll();

            await Mfc("watch", "netns-1");
            await Mfc("results", "netns-1", "--out", Path.Combine(dir, "cluster"));
            log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: sweep complete across the partition");

            string[] rows = [.. File.ReadLines(Path.Combine(dir, "cluster", "points.csv")).Skip(1)];
            Assert.Equal(12, rows.Length);
            Assert.All(rows, r => Assert.Contains(",completed,", r, StringComparison.Ordinal));
            var embedded = await FaultTests.Mfc(["run", spec, "--out", Path.Combine(dir, "embedded"), "--sweep-id", "netns-1"]);
            Assert.True(embedded.Code == 0, embedded.Output + embedded.Error);
            foreach (string table in Tables)
            {
                Assert.True(
                    File.ReadAllBytes(Path.Combine(dir, "cluster", table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "embedded", table))),
                    $"{table} differs between the partitioned cluster run and the embedded run");
            }

            // What membership decided: the cut silo's row in the table (Redis), then the link mended.
            string? Status() => Membership(lab, redisAddress, password, lab.Address(cut));
            // Membership gets two minutes to declare the cut silo dead (a few seconds with fast failure detection).
            var deciding = Stopwatch.StartNew();
            string? during;
            while ((during = Status()) != "Dead" && deciding.Elapsed < TimeSpan.FromMinutes(2))
            {
                await Task.Delay(500);
            }

            Assert.True(during is "Dead" or "Active", $"the cut silo's membership row: {during ?? "(none found)"}");
            lab.Mend(cut);
            ChildProcess cutSilo = siloProcesses[cut];
            var mended = Stopwatch.StartNew();
            await FaultTests.WaitUntil(() => Task.FromResult(cutSilo.HasExited || (during == "Active" && mended.Elapsed > TimeSpan.FromSeconds(30))), TimeSpan.FromMinutes(3));
            string decision = during == "Dead"
                ? $"declared dead while cut; after the link was mended it {(cutSilo.HasExited ? $"stopped itself (exit code {cutSilo.ExitCode})" : "kept running")}"
                : $"kept Active through the cut (no quorum of votes against it); after mending it {(cutSilo.HasExited ? $"exited ({cutSilo.ExitCode})" : "carried on as a member")}";
            log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: membership: {cut} {decision}");
            log.WriteLine($"{cut} said:\n{string.Join('\n', cutSilo.Output.Split('\n').Where(l => l.Contains("dead", StringComparison.OrdinalIgnoreCase)).Take(4))}");
            Assert.DoesNotContain(password, Outputs(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (ChildProcess process in Enumerable.Reverse(processes))
            {
                process.Dispose();
            }
        }
    }

    // The status (Active, Dead, ...) of the membership row of the silo at address:11111, read with redis-cli
    // inside Redis's namespace; null when none is found.
    private static string? Membership(NetworkLab lab, string redisAddress, string password, string siloAddress)
    {
        var environment = new Dictionary<string, string> { ["REDISCLI_AUTH"] = password };
        using var keys = lab.Start("redis", "redis-cli", ["-h", redisAddress, "--raw", "KEYS", "*members*"], environment);
        keys.WaitForExit(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
        foreach (string key in keys.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            using var entries = lab.Start("redis", "redis-cli", ["-h", redisAddress, "--raw", "HGETALL", key], environment);
            entries.WaitForExit(TimeSpan.FromSeconds(30)).GetAwaiter().GetResult();
            string? row = entries.Output.Split('\n').LastOrDefault(l => l.Contains(siloAddress, StringComparison.Ordinal) && l.Contains("Status", StringComparison.Ordinal));
            if (row is null)
            {
                continue;
            }

            foreach (string status in new[] { "Dead", "Active", "ShuttingDown", "Stopping", "Joining", "Created" })
            {
                if (row.Contains($"\"Status\":\"{status}\"", StringComparison.Ordinal) || row.Contains($"\"Status\":{StatusNumber(status)}", StringComparison.Ordinal))
                {
                    return status;
                }
            }
        }

        return null;
    }

    private static string StatusNumber(string status) => status switch
    {
        "Created" => "0",
        "Joining" => "1",
        "Active" => "3",
        "ShuttingDown" => "4",
        "Stopping" => "5",
        "Dead" => "6",
        _ => "-1",
    };
}
