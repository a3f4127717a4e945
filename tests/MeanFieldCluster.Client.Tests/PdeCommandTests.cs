using System.Globalization;

namespace MeanFieldCluster.Client.Tests;

public sealed class PdeCommandTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task PdeSolvesTheMmnExampleAndWritesRiskAndRadialQuantilesAtEveryRecordedTime()
    {
        string spec = Path.Combine(CliHarness.RepositoryRoot(), "examples", "mmn-fig1-small.yaml");
        string outDir = Path.Combine(CliHarness.TempDirectory(), "pde");

        var (code, output, error) = await CliHarness.Run("pde", spec, "--out", outDir);

        Assert.True(code == 0, output + error);
        string[] lines = [.. File.ReadLines(Path.Combine(outDir, "pde.csv"))];
        Assert.Equal("t,risk,level,radius", lines[0]);
        double[][] rows = [.. lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
        double[] times = [.. rows.Select(r => r[0]).Distinct()];
        Assert.Equal(0.0, times[0]);
        Assert.Equal(20.0, times[^1], 9);
        Assert.Equal(times.Length * 256, rows.Length);

        // The limit learns: from about 1.7 at t = 0 to below 0.1 at t = 20 (MMN figure 1 setting).
        double first = rows[0][1], last = rows[^1][1];
        Assert.InRange(first, 1.6, 1.8);
        Assert.InRange(last, 0.0, 0.1);
    }

    [Theory]
    [InlineData("model.preset=mmn-relu")]
    [InlineData("model.activation=tanh")]
    [InlineData("training.beta=10")]
    public async Task PdeRefusesAModelWithoutTheRadialReductionWithExitCode2(string change)
    {
        string spec = Path.Combine(CliHarness.RepositoryRoot(), "examples", "mmn-fig1-small.yaml");

        var (code, _, error) = await CliHarness.Run("pde", spec, "--set", change, "--out", CliHarness.TempDirectory());

        Assert.Equal(2, code);
        Assert.Contains("radial PDE does not apply", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data.delta=1.2", "data.delta")]
    [InlineData("model.init.kappa=0", "model.init.kappa")]
    public async Task PdeRefusesOutOfRangeParametersNamingTheField(string change, string field)
    {
        string spec = Path.Combine(CliHarness.RepositoryRoot(), "examples", "mmn-fig1-small.yaml");

        var (code, _, error) = await CliHarness.Run("pde", spec, "--set", change, "--out", CliHarness.TempDirectory());

        Assert.Equal(2, code);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }
}
