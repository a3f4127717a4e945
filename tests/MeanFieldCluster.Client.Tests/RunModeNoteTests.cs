using System.Globalization;
using MeanFieldCluster.Client.Commands;

namespace MeanFieldCluster.Client.Tests;

/// <summary>
/// mfc run always runs embedded: with a cluster's Redis in the environment (MFC_REDIS, which mfc submit uses) it
/// says so on stderr, names the command that runs on the cluster, and runs as without it.
/// </summary>
public sealed class RunModeNoteTests
{
    private const string Note = "note: MFC_REDIS is set, but mfc run always runs on an embedded silo in this process; to run on that cluster, use mfc submit SPEC, then mfc watch and mfc results";

    [Theory]
    [InlineData("localhost:6379", true)]
    [InlineData(null, false)]
    [InlineData(" ", false)]
    public async Task WithARedisInTheEnvironmentTheRunSaysItRunsEmbedded(string? redis, bool noted)
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, OutputFolderTests.Spec);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        var settings = new RunSettings(spec, [], Path.Combine(dir, "out"), Force: false, Resume: false, Workers: 1) { ClusterRedis = redis };

        int code = await RunCommand.ExecuteAsync(settings, output, error, interactive: false, CancellationToken.None);

        Assert.True(code == 0, output.ToString() + error);
        Assert.Equal(noted, error.ToString().Contains(Note, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(dir, "out", "summary.json")));
    }
}
