namespace MeanFieldCluster.Client.Tests;

/// <summary>
/// Values on the command line: the integer options that must be at least 1 (--workers, --threads-per-wide-point,
/// --max-points) and sweep ids. A value below 1, not an integer, or too large is an error naming the option and the
/// value, exit 2, never a crash (the library's conversion used to throw from the validators and abort the process);
/// a sweep id no sweep can have is named before any connection to a cluster is tried.
/// </summary>
public sealed class CommandLineValueTests
{
    [Theory]
    [InlineData("--workers", "abc", "error: --workers: 'abc' is not allowed; expected an integer from 1 to 2147483647.")]
    [InlineData("--workers", "99999999999", "error: --workers: '99999999999' is not allowed; expected an integer from 1 to 2147483647.")]
    [InlineData("--workers", "0", "error: --workers: 0 is not allowed; expected an integer >= 1.")]
    [InlineData("--threads-per-wide-point", "two", "error: --threads-per-wide-point: 'two' is not allowed; expected an integer from 1 to 2147483647.")]
    [InlineData("--max-points", "lots", "error: --max-points: 'lots' is not allowed; expected an integer from 1 to 9223372036854775807")]
    [InlineData("--max-points", "-5", "error: --max-points: -5 is not allowed; expected an integer >= 1")]
    public async Task ABadValueIsAnErrorNamingTheOptionAndTheValue(string option, string value, string expected)
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, """
            name: options
            model: {preset: mmn-relu, activation: relu}
            data: {kind: isotropic-gaussian, d: 4}
            training: {horizon: 1}
            grid: {width: 6, step_size: 0.1}
            """, "a.yaml");

        var (code, output, error) = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "out"), option, value);

        Assert.True(code == 2, output + error);
        Assert.Equal(expected, error.Split('\n')[0].TrimEnd());
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("watch")]
    [InlineData("status")]
    [InlineData("cancel")]
    [InlineData("results")]
    public async Task ASweepIdNoSweepCanHaveIsNamedBeforeAnyConnection(string command)
    {
        // Port 1 on loopback answers nothing: the error must come from the id, not from the connection.
        var (code, output, error) = await CliHarness.Run(command, "bad id", "--redis", "127.0.0.1:1", "--connect-timeout", "60");

        Assert.True(code == 2, output + error);
        Assert.Equal("error: sweep id 'bad id' is not allowed; expected 1 to 100 characters from A-Z, a-z, 0-9, '.', '_', '-' ('mfc list' shows the sweeps).", error.Trim());
    }
}
