using System.Text.Json;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// Stored states damaged between a killed run and its --resume (truncated, zeroed, random bytes) are
/// reported once each, naming the file; the points restart and the tables equal an undamaged run's.
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class DamagedStateTests
{
    private static readonly string Spec = FourPointSweep.Spec("damaged", 13);

    private static readonly string[] Tables = FourPointSweep.Tables;

    [Fact]
    public async Task DamagedCheckpointsAndCoordinatorStateAreReportedOnceAndTheResumedRunEqualsAnUndamagedOne()
    {
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "spec.yaml");
        await File.WriteAllTextAsync(spec, Spec);
        string killed = Path.Combine(dir, "killed");

        // One point finished, the next holding mid-run with its checkpoint stored: kill.
        var gate = new Gate(Path.Combine(dir, "gate"));
        int finished;
        using (var run = new ChildProcess("dotnet", [Env.Executable("client", "mfc.dll"), "run", spec, "--out", killed, "--workers", "1", "--sweep-id", "damaged-1"], environment: gate.Environment(chunkSteps: 5000)))
        {
            finished = (await gate.WaitUntil(h => h.Count > 0, TimeSpan.FromSeconds(120), () => run.Output)).Keys.Single();
            gate.Release(finished);
            await gate.WaitUntil(h => h.Count > 1, TimeSpan.FromSeconds(120), () => run.Output);
            await run.WaitForOutput(" completed after ", TimeSpan.FromSeconds(120));
            run.Kill();
        }

        var straight = await FaultTests.Mfc(["run", spec, "--out", Path.Combine(dir, "straight"), "--sweep-id", "damaged-1"]);
        Assert.True(straight.Code == 0, straight.Error);

        string state = Path.Combine(killed, ".mfc-state");
        string[] stored = [.. Directory.GetFiles(state, "point__*.bin").Concat(Directory.GetFiles(state, "sweep__*.bin"))];
        Assert.True(stored.Length >= 3, $"stored states: {string.Join(", ", stored.Select(Path.GetFileName))}");
        var random = new Random(5);
        foreach ((string mode, Func<byte[], byte[]> damage) in new (string, Func<byte[], byte[]>)[]
        {
            ("truncated", b => b[..(b.Length / 2)]),
            ("zeroed", b => new byte[b.Length]),
            ("random", b => { byte[] r = new byte[b.Length]; random.NextBytes(r); return r; }),
        })
        {
            string copy = Path.Combine(dir, mode);
            CopyDirectory(killed, copy);
            foreach (string file in stored)
            {
                string target = Path.Combine(copy, ".mfc-state", Path.GetFileName(file));
                await File.WriteAllBytesAsync(target, damage(await File.ReadAllBytesAsync(target)));
            }

            // In a process of its own: what the embedded silo logs goes to the console.
            using var resumed = new ChildProcess("dotnet", [Env.Executable("client", "mfc.dll"), "run", spec, "--out", copy, "--resume", "--workers", "1"]);
            int code = await resumed.WaitForExit(TimeSpan.FromSeconds(300));
            string said = resumed.Output;
            Assert.True(code == 0, $"{mode}: exit {code}\n{said}");
            foreach (string file in stored)
            {
                int reports = CountOf(said, Path.GetFileName(file));
                Assert.True(reports == 1, $"{mode}: {Path.GetFileName(file)} reported {reports} times:\n{said}");
            }

            Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
            foreach (string table in Tables)
            {
                Assert.True(File.ReadAllBytes(Path.Combine(copy, table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "straight", table))), $"{mode}: {table} differs from the undamaged run");
            }

            using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(copy, "summary.json")));
            Assert.All(summary.RootElement.GetProperty("points").EnumerateArray(), p => Assert.Equal("completed", p.GetProperty("status").GetString()));
        }
    }

    private static int CountOf(string text, string what)
    {
        int count = 0;
        for (int at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (string path in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(path.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (string path in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(path, path.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
