using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// deploy/slurm/mfc.sbatch on a real single-node SLURM: a 2-task job cancelled mid-sweep (scancel), then
/// resubmitted, ends byte-identical to an embedded run without recomputing finished points
/// (docs/cluster.md, "SLURM").
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed partial class SlurmTests(ITestOutputHelper log)
{
    // FaultTests' sweep with 3 seeds: 12 points of 20,000 steps (about half a second each on one core).
    private static readonly string Spec = FaultTests.Spec.Replace("seeds: 6", "seeds: 3", StringComparison.Ordinal);

    private static readonly string[] Tables = FaultTests.Tables;

    [SlurmFact]
    public async Task ACancelledJobResubmittedFinishesTheSweepByteIdenticalWithoutRecomputingFinishedPoints()
    {
        var clock = Stopwatch.StartNew();
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(spec, Spec);
        using SlurmCluster slurm = await SlurmCluster.StartAsync(Path.Combine(dir, "slurm"));
        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: SLURM up");

        string password = Guid.NewGuid().ToString("N");
        int redisPort = Env.FreePort();
        var gate = new Gate(Path.Combine(dir, "gate"));
        var environment = new Dictionary<string, string>(gate.Environment(chunkSteps: 5000))
        {
            ["MFC_REPO"] = Env.RepositoryRoot(),
            ["MFC_STATE_DIR"] = Path.Combine(dir, "state"),
            ["MFC_OUT"] = Path.Combine(dir, "results"),
            ["MFC_SWEEP_ID"] = "slurm-1",
            ["MFC_REDIS_HOST"] = "127.0.0.1",
            ["MFC_REDIS_PORT"] = $"{redisPort}",
            ["MFC_REDIS_PASSWORD"] = password,
            ["MFC_SILO_PORT"] = $"{Env.FreePort()}",
            ["MFC_GATEWAY_PORT"] = $"{Env.FreePort()}",
            ["MFC_HTTP_PORT"] = "0",
            ["MFC_TLS"] = "1",
        };
        string script = Path.Combine(Env.RepositoryRoot(), "deploy", "slurm", "mfc.sbatch");
        string[] options = ["--ntasks=2", "--cpus-per-task=1", $"--output={dir}/job-%j.out"];
        string JobLog(string id) => File.Exists(Path.Combine(dir, $"job-{id}.out")) ? File.ReadAllText(Path.Combine(dir, $"job-{id}.out")) : "(no job output yet)";
        string SiloLogs() => string.Join("\n", Directory.Exists(Path.Combine(dir, "state", "logs")) ? Directory.GetFiles(Path.Combine(dir, "state", "logs"), "silo-*.log", SearchOption.AllDirectories).Select(f => $"--- {f}\n{File.ReadAllText(f)}") : []);

        // Job 1: release held points one at a time until three have completed (the coordinator has their
        // results, stored first by the points), then cancel it while unfinished points hold mid-run.
        string first = slurm.Submit(script, options, [spec], environment);
        // Mutual TLS (docs/security.md): the job made a demo CA and the client's certificate in the state folder, kept for job 2.
        string tls = Path.Combine(dir, "state", "tls");
        string[] connection = ["--redis", $"127.0.0.1:{redisPort},password={password}", "--cluster-id", $"mfc-{first}", "--tls-cert", Path.Combine(tls, "client.pem"), "--tls-key", Path.Combine(tls, "client.key"), "--tls-ca", Path.Combine(tls, "ca.pem")];
        var released = new List<int>();
        while (released.Count < 3)
        {
            int next = (await gate.WaitUntil(h => h.Keys.Any(i => !released.Contains(i)), TimeSpan.FromMinutes(3), () => JobLog(first) + SiloLogs())).Keys.First(i => !released.Contains(i));
            gate.Release(next);
            released.Add(next);
            await FaultTests.WaitUntil(async () => Completed((await FaultTests.Mfc(["status", "slurm-1", .. connection])).Output) >= released.Count, TimeSpan.FromMinutes(3));
        }

        // Points are placed where Orleans decides (often all on the coordinator's silo): at least one slot
        // now holds an unfinished point mid-run.
        int[] inFlight = [.. (await gate.WaitUntil(h => h.Keys.Any(i => !released.Contains(i)), TimeSpan.FromMinutes(3), () => JobLog(first))).Keys.Where(i => !released.Contains(i))];
        Assert.Equal(3, Completed((await FaultTests.Mfc(["status", "slurm-1", .. connection])).Output));
        Assert.Equal(0, slurm.Command("scancel", first).Code);
        await slurm.WaitUntilIdle(TimeSpan.FromMinutes(3), () => JobLog(first));
        Assert.Equal("CANCELLED", slurm.Job(first).State);
        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: job {first} cancelled with points {string.Join(',', released)} completed and {string.Join(',', inFlight)} mid-run");

        // Job 2: the same script, spec and state folder; nothing holds any more.
        gate.ReleaseAll();
        string second = slurm.Submit(script, options, [spec], environment);
        await slurm.WaitUntilIdle(TimeSpan.FromMinutes(10), () => JobLog(second) + SiloLogs());
        var (state, exitCode) = slurm.Job(second);
        Assert.True(state == "COMPLETED" && exitCode == "0:0", $"job {second}: {state} {exitCode}\n{JobLog(second)}\n{SiloLogs()}");
        Assert.Contains("already submitted with this spec", JobLog(second), StringComparison.Ordinal);
        Assert.Contains($"TLS on ({tls})", JobLog(first) + JobLog(second), StringComparison.Ordinal);
        Assert.Contains("TLS on (cert ", SiloLogs(), StringComparison.Ordinal);
        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: job {second} completed the sweep");

        string results = Path.Combine(dir, "results");
        using (var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(results, "summary.json"))))
        {
            int[] attempts = [.. summary.RootElement.GetProperty("points").EnumerateArray().Select(p => p.GetProperty("attempts").GetInt32())];
            Assert.True(
                released.All(i => attempts[i] == 1) && inFlight.All(i => attempts[i] == 2),
                $"attempts per point: {string.Join(',', attempts)}; completed before the cancel: {string.Join(',', released)}; mid-run: {string.Join(',', inFlight)}");
        }

        var embedded = await FaultTests.Mfc(["run", spec, "--out", Path.Combine(dir, "embedded"), "--sweep-id", "slurm-1"]);
        Assert.True(embedded.Code == 0, embedded.Output + embedded.Error);
        foreach (string table in Tables)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(results, table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "embedded", table))),
                $"{table} differs between the SLURM jobs (one cancelled) and the embedded run");
        }

        Assert.DoesNotContain(password, JobLog(first) + JobLog(second) + SiloLogs(), StringComparison.Ordinal);
        log.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: results byte-identical to the embedded run");
    }

    private static int Completed(string status)
    {
        Match m = CompletedPoints().Match(status);
        return m.Success ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
    }

    [GeneratedRegex(@"(\d+) completed")]
    private static partial Regex CompletedPoints();
}
