using System.Diagnostics;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// Runs stopped from outside: SIGTERM stops a run as Ctrl+C does; a full disk or a folder turned read-only
/// ends it within a minute with exit 1 and one message naming the path, stack traces only in the log
/// file. In every case what was stored stays, and --resume ends with the tables of an uninterrupted run.
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class StoppingTests
{
    private static readonly string Spec = FourPointSweep.Spec("stopping", 17);

    private const string SweepId = "stopping-1";

    private static readonly string[] Tables = FourPointSweep.Tables;

    private static readonly Lazy<Task<string>> Straight = new(async () =>
    {
        string dir = Env.TempDirectory();
        string spec = await SpecFile(dir);
        var run = await FaultTests.Mfc(["run", spec, "--out", Path.Combine(dir, "straight"), "--sweep-id", SweepId]);
        Assert.True(run.Code == 0, run.Error);
        return Path.Combine(dir, "straight");
    });

    [Fact]
    public async Task SigtermStopsARunAsCtrlCDoesAndTheResumedRunEqualsAnUninterruptedOne()
    {
        string dir = Env.TempDirectory();
        string spec = await SpecFile(dir);
        string output = Path.Combine(dir, "out");
        var gate = new Gate(Path.Combine(dir, "gate"));
        using (var run = Start(spec, output, gate, Path.Combine(dir, "mfc.log")))
        {
            await gate.WaitUntil(h => h.Count > 0, TimeSpan.FromSeconds(120), () => run.Output);
            Signal("TERM", run.ProcessId);
            int code = await run.WaitForExit(TimeSpan.FromSeconds(120));
            Assert.True(code == 130, $"exit {code}, expected 130 as for Ctrl+C\n{run.Output}");
            Assert.Contains("interrupted: finished points are saved", run.Output, StringComparison.Ordinal);
        }

        await ResumeAndCompare(spec, output);
    }

    [MountFact]
    public async Task AFullDiskEndsTheRunWithOneMessageAndResumeFinishesItOnceThereIsSpace() =>
        await StorageFailure("full", "No space left on device", mountPoint => FillUp(mountPoint), mountPoint => File.Delete(Path.Combine(mountPoint, "filler")));

    [MountFact]
    public async Task AFolderTurnedReadOnlyEndsTheRunWithOneMessageAndResumeFinishesItOnceWritable() =>
        await StorageFailure("read-only", "Read-only file system", mountPoint => Mount("-o", "remount,ro", mountPoint), mountPoint => Mount("-o", "remount,rw", mountPoint));

    private static async Task StorageFailure(string mode, string reason, Action<string> damage, Action<string> repair)
    {
        string dir = Env.TempDirectory();
        string spec = await SpecFile(dir);
        string mountPoint = Path.Combine(dir, "small");
        Directory.CreateDirectory(mountPoint);
        Mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", mountPoint);
        try
        {
            string output = Path.Combine(mountPoint, "out");
            string log = Path.Combine(dir, "mfc.log");
            var gate = new Gate(Path.Combine(dir, "gate"));
            using (var run = Start(spec, output, gate, log))
            {
                await gate.WaitUntil(h => h.Count > 0, TimeSpan.FromSeconds(120), () => run.Output);
                damage(mountPoint);
                var clock = Stopwatch.StartNew();
                gate.ReleaseAll();
                int code = await run.WaitForExit(TimeSpan.FromSeconds(120));
                string said = run.Output;
                Assert.True(code == 1, $"{mode}: exit {code}, expected 1\n{said}");
                Assert.True(clock.Elapsed < TimeSpan.FromMinutes(1), $"{mode}: the run took {clock.Elapsed} to end after the failure");
                string[] errors = [.. said.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal))];
                Assert.True(errors.Length == 1, $"{mode}: expected one error line\n{said}");
                Assert.Contains($"error: storage: cannot write {Path.Combine(output, ".mfc-state")}: {reason}", errors[0], StringComparison.Ordinal);
                Assert.Contains("--resume", said, StringComparison.Ordinal);
                Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
                Assert.Contains("   at ", await File.ReadAllTextAsync(log), StringComparison.Ordinal);
            }

            repair(mountPoint);
            await ResumeAndCompare(spec, output);
        }
        finally
        {
            Run("umount", ["-l", mountPoint]);
        }
    }

    private static ChildProcess Start(string spec, string output, Gate gate, string log) =>
        new("dotnet", [Env.Executable("client", "mfc.dll"), "run", spec, "--out", output, "--workers", "1", "--sweep-id", SweepId, "--log-file", log], environment: gate.Environment(chunkSteps: 5000));

    private static async Task ResumeAndCompare(string spec, string output)
    {
        var resumed = await FaultTests.Mfc(["run", spec, "--out", output, "--resume"]);
        Assert.True(resumed.Code == 0, $"resume: exit {resumed.Code}\n{resumed.Output}\n{resumed.Error}");
        string straight = await Straight.Value;
        foreach (string table in Tables)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(output, table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(straight, table))), $"{table} differs from the uninterrupted run");
        }
    }

    private static async Task<string> SpecFile(string dir)
    {
        string path = Path.Combine(dir, "spec.yaml");
        await File.WriteAllTextAsync(path, Spec);
        return path;
    }

    // Writes a file until the filesystem is full.
    private static void FillUp(string mountPoint)
    {
        byte[] block = new byte[64 * 1024];
        using var filler = new FileStream(Path.Combine(mountPoint, "filler"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.WriteThrough);
        try
        {
            while (true)
            {
                filler.Write(block);
            }
        }
        catch (IOException)
        {
            // Full: the last partial block stays.
        }

        try
        {
            for (int i = 0; ; i++)
            {
                filler.WriteByte(0);
            }
        }
        catch (IOException)
        {
            // Not a byte left.
        }
    }

    private static void Signal(string signal, int processId) => Run("kill", ["-" + signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture)]);

    private static void Mount(params string[] arguments) => Run("mount", arguments);

    private static void Run(string command, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(command, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{command} {string.Join(' ', arguments)}: exit {process.ExitCode}: {error}");
    }
}

/// <summary>A test that mounts a small tmpfs: skipped, with the reason, where this process may not mount one.</summary>
public sealed class MountFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> Reason = new(Probe);

    /// <summary>Skips the test when mounting is not allowed here.</summary>
    public MountFactAttribute()
    {
        if (Reason.Value is { } reason)
        {
            Skip = reason;
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux (mounts a tmpfs)";
        }

        string point = Path.Combine(Path.GetTempPath(), $"mfc-mount-probe-{Environment.ProcessId}");
        Directory.CreateDirectory(point);
        try
        {
            using var mount = Process.Start(new ProcessStartInfo("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", point]) { RedirectStandardError = true })!;
            string error = mount.StandardError.ReadToEnd();
            mount.WaitForExit();
            if (mount.ExitCode != 0)
            {
                return $"cannot mount a tmpfs here (needs root or CAP_SYS_ADMIN): {error.Trim()}";
            }

            using var umount = Process.Start("umount", [point])!;
            umount.WaitForExit();
            return null;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return $"cannot run mount: {ex.Message}";
        }
        finally
        {
            Directory.Delete(point);
        }
    }
}
