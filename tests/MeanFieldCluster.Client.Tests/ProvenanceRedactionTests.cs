using MeanFieldCluster.Client.Results;

namespace MeanFieldCluster.Client.Tests;

/// <summary>The command line recorded in summary.json carries no credentials.</summary>
public sealed class ProvenanceRedactionTests
{
    [Theory]
    [InlineData(new[] { "status", "s1", "--redis", "127.0.0.1:6379,password=hunter2" }, new[] { "status", "s1", "--redis", "127.0.0.1:6379,password=***" })]
    [InlineData(new[] { "run", "a.yaml", "--dashboard-token", "hunter2", "--out", "r" }, new[] { "run", "a.yaml", "--dashboard-token", "***", "--out", "r" })]
    [InlineData(new[] { "run", "a.yaml", "--token=hunter2" }, new[] { "run", "a.yaml", "--token=***" })]
    [InlineData(new[] { "run", "a.yaml", "--set", "data.delta=0.5" }, new[] { "run", "a.yaml", "--set", "data.delta=0.5" })]
    public void SecretsAreReplacedAndEverythingElseIsKept(string[] args, string[] expected)
    {
        Assert.Equal(expected, Provenance.Redact(args));
    }
}
