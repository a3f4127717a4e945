namespace MeanFieldCluster.Fault.Tests;

/// <summary>Redis AUTH: a silo or client given the wrong password stops with exit code 2 and says why (docs/security.md).</summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class RedisAuthTests
{
    [Fact]
    public async Task ASiloOrClientWithAWrongRedisPasswordExitsWithCode2AndSaysTheCredentialsWereRefused()
    {
        using var redis = new RedisServer();
        Assert.Equal("+OK", redis.Command("CONFIG", "SET", "requirepass", "the-right-one"));
        const string wrong = "not-the-password";
        var environment = new Dictionary<string, string> { ["MFC_Silo__Redis"] = $"{redis.Connection},password={wrong}" };

        using var silo = new ChildProcess("dotnet", [Env.Executable("silo", "mfc-silo.dll"), "--cluster-id", "auth", "--silo-port", $"{Env.FreePort()}", "--gateway-port", $"{Env.FreePort()}", "--http-port", "0"], environment: environment);
        int code = await silo.WaitForExit(TimeSpan.FromMinutes(2));
        Assert.True(code == 2, $"exit {code}\n{silo.Output}");
        Assert.Contains($"error: --redis ({redis.Connection},password=***): Redis refused the credentials", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, silo.Output, StringComparison.Ordinal);

        var client = await FaultTests.Mfc(["list", "--redis", $"{redis.Connection},password={wrong}"]);
        Assert.Equal(2, client.Code);
        Assert.Contains("password=***", client.Error, StringComparison.Ordinal);
        Assert.Contains("WRONGPASS", client.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(wrong, client.Error, StringComparison.Ordinal);
    }
}
