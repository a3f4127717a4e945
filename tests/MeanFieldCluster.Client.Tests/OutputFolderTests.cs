namespace MeanFieldCluster.Client.Tests;

/// <summary>
/// An --out that cannot be a results folder (a file, a path under a file, a place where nothing can be written) is
/// refused before any work, naming the path and what is allowed, with exit 2 and no stack trace.
/// </summary>
public sealed class OutputFolderTests
{
    /// <summary>A spec of one tiny point, for tests of what happens around a run.</summary>
    internal const string Spec = """
        name: out-check
        model: {preset: mmn-isotropic, activation: {kind: ramp, t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5}, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 4, delta: 0.5}
        training: {horizon: 1}
        grid: {width: 6, step_size: 0.1}
        """;

    [Theory]
    [InlineData("run")]
    [InlineData("pde")]
    public async Task AnOutThatIsAFileIsRefusedNamingIt(string command)
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Spec, "a.yaml");
        string file = Path.Combine(dir, "a-file");
        File.WriteAllText(file, "");

        var (code, output, error) = await CliHarness.Run(command, spec, "--out", file);
        var under = await CliHarness.Run(command, spec, "--out", Path.Combine(file, "sub"));

        Assert.True(code == 2, output + error);
        Assert.Equal($"error: --out: '{file}' is a file; expected a folder (created when missing).", error.Trim());
        Assert.True(under.ExitCode == 2, under.Output + under.Error);
        Assert.Equal($"error: --out: '{Path.Combine(file, "sub")}' cannot be created: '{file}' is a file; expected a folder path.", under.Error.Trim());
    }

    [Fact]
    public async Task AnOutWhereNothingCanBeWrittenIsRefusedNamingIt()
    {
        if (!Directory.Exists("/proc/self"))
        {
            return; // procfs (where no file can be created, even by root) is Linux's
        }

        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Spec, "a.yaml");

        var (code, output, error) = await CliHarness.Run("run", spec, "--out", "/proc/mfc-results");

        Assert.True(code == 2, output + error);
        Assert.StartsWith("error: --out: '/proc/mfc-results' cannot be written: no file can be created in '/proc' (", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALogFileThatCannotBeWrittenIsRefusedBeforeTheRun()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Spec, "a.yaml");
        string output = Path.Combine(dir, "out");

        var (code, said, error) = await CliHarness.Run("run", spec, "--out", output, "--log-file", dir);

        Assert.True(code == 2, said + error);
        Assert.Equal($"error: --log-file: '{dir}' is a folder; expected a file path.", error.Trim());
        Assert.False(Directory.Exists(output));
    }
}
