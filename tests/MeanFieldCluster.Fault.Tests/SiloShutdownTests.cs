using System.Diagnostics;
using System.Globalization;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// A real mfc-silo asked to stop (SIGTERM): with its Redis up it leaves at once with exit 0; with its Redis gone,
/// Orleans' stop would wait about two minutes for the membership table, and the shutdown watchdog ends the
/// process after --shutdown-timeout seconds instead, with exit 1 and one message saying why. The timeout is
/// the watchdog's own clock; the test only bounds the wait far above it and far below the two minutes.
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class SiloShutdownTests
{
    [Fact]
    public async Task WithRedisUpASiloStopsCleanlyOnSigterm()
    {
        using var redis = new RedisServer();
        using SiloProcess silo = await SiloProcess.StartAsync(redis.Connection, $"stop-{Guid.NewGuid():N}", extraArguments: ["--shutdown-timeout", "60"]);
        Terminate(silo.ProcessId);
        int code = await silo.WaitForExit(TimeSpan.FromSeconds(60));
        Assert.True(code == 0, $"exit {code}, expected 0\n{silo.Output}");
        Assert.DoesNotContain("did not stop within", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithRedisGoneTheWatchdogEndsTheStopAfterTheShutdownTimeout()
    {
        using var redis = new RedisServer();
        using SiloProcess silo = await SiloProcess.StartAsync(redis.Connection, $"stop-{Guid.NewGuid():N}", extraArguments: ["--shutdown-timeout", "3"]);
        redis.Stop();
        Terminate(silo.ProcessId);
        int code = await silo.WaitForExit(TimeSpan.FromSeconds(90));
        Assert.True(code == 1, $"exit {code}, expected 1\n{silo.Output}");
        Assert.Contains("error: the silo did not stop within 3 s of the stop request (--shutdown-timeout); ending it now.", silo.Output, StringComparison.Ordinal);
    }

    private static void Terminate(int processId)
    {
        using var kill = Process.Start("kill", ["-TERM", processId.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
