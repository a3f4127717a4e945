using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>Misconfigurations end with a clear message and exit code 2 within a stated time, never a hang.</summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class ErrorTests
{
    // The stated times are the product's own bounds (the client gives up after ClusterConnection's 20 s connect
    // timeout; a silo bounds its start at 60 s). This limit only tells an exit from a hang: it is far above them,
    // so that a loaded machine's slow process start cannot fail a test whose product behaved.
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task AClientPointedAtAWrongRedisAddressExitsWith2()
    {
        var clock = Stopwatch.StartNew();
        var (code, _, error) = await FaultTests.Mfc(["status", "x", "--redis", $"127.0.0.1:{Env.FreePort()}"]);

        Assert.Equal(2, code);
        Assert.Contains("--redis", error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < Limit, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AClientWithRedisButNoSiloExitsWith2()
    {
        using var redis = new RedisServer();
        var clock = Stopwatch.StartNew();
        var (code, _, error) = await FaultTests.Mfc(["list", "--redis", redis.Connection, "--cluster-id", "nobody-here", "--connect-timeout", "20"]);

        Assert.Equal(2, code);
        Assert.Contains("cannot reach", error, StringComparison.Ordinal);
        Assert.Contains("no answer within 20 s (--connect-timeout)", error, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < Limit, $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task AnUnknownSweepIdExitsWith2()
    {
        using var redis = new RedisServer();
        string clusterId = $"unknown-{Guid.NewGuid():N}";
        using SiloProcess silo = await SiloProcess.StartAsync(redis.Connection, clusterId);

        var (code, _, error) = await FaultTests.Mfc(["watch", "no-such-sweep", "--redis", redis.Connection, "--cluster-id", clusterId]);

        Assert.Equal(2, code);
        Assert.Contains("no-such-sweep", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiloWhosePortIsInUseExitsWith2NamingThePort()
    {
        using var redis = new RedisServer();
        using var occupied = new TcpListener(IPAddress.Loopback, 0);
        occupied.Start();
        int port = ((IPEndPoint)occupied.LocalEndpoint).Port;

        using var silo = new ChildProcess("dotnet", [Env.Executable("silo", "mfc-silo.dll"), "--redis", redis.Connection, "--silo-port", $"{port}", "--gateway-port", $"{Env.FreePort()}", "--http-port", $"{Env.FreePort()}"]);
        int code = await silo.WaitForExit(Limit);

        Assert.Equal(2, code);
        Assert.Contains($"--silo-port: cannot listen on 127.0.0.1:{port}", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASiloWithoutRedisOrWithAnUnreachableRedisExitsWith2()
    {
        using var none = new ChildProcess("dotnet", [Env.Executable("silo", "mfc-silo.dll"), "--silo-port", $"{Env.FreePort()}", "--gateway-port", $"{Env.FreePort()}", "--http-port", $"{Env.FreePort()}"]);
        Assert.Equal(2, await none.WaitForExit(Limit));
        Assert.Contains("--redis: required", none.Output, StringComparison.Ordinal);

        using var unreachable = new ChildProcess("dotnet", [Env.Executable("silo", "mfc-silo.dll"), "--redis", $"127.0.0.1:{Env.FreePort()}", "--silo-port", $"{Env.FreePort()}", "--gateway-port", $"{Env.FreePort()}", "--http-port", $"{Env.FreePort()}"]);
        Assert.Equal(2, await unreachable.WaitForExit(Limit));
        Assert.Contains("could not start", unreachable.Output, StringComparison.Ordinal);
    }
}
