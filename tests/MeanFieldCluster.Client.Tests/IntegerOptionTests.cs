namespace MeanFieldCluster.Client.Tests;

/// <summary>
/// The integer options that must be at least 1 (--workers, --threads-per-wide-point, --max-points): a value below 1,
/// not an integer, or too large is an error naming the option and the value, exit 2, never a crash (the library's
/// conversion used to throw from the validators and abort the process).
/// </summary>
public sealed class IntegerOptionTests
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
}
