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

    [Fact]
    public async Task PdeSolvesTheAnisotropicExampleAndWritesTheBlockNormQuantiles()
    {
        string spec = Path.Combine(CliHarness.RepositoryRoot(), "examples", "mmn-anisotropic.yaml");
        string outDir = Path.Combine(CliHarness.TempDirectory(), "pde-anisotropic");

        var (code, output, error) = await CliHarness.Run("pde", spec, "--out", outDir);

        Assert.True(code == 0, output + error);
        Assert.Contains("anisotropic PDE, d = 40, s0 = 10", output, StringComparison.Ordinal);
        string[] lines = [.. File.ReadLines(Path.Combine(outDir, "pde.csv"))];
        Assert.Equal("t,risk,level,radius,r1,r2", lines[0]);
        double[][] rows = [.. lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
        Assert.Equal(10.0, rows[^1][0], 9);

        // The exact R(rho_0) = 1.95616 (docs/limit.md) at t = 0, 0.0543 at t = 10; the median of r1 = |w_{1..s0}|
        // starts below that of r2 (s0 = 10 of d = 40 coordinates) and ends above it: learning uses the informative block.
        Assert.Equal(1.95616, rows[0][1], 4);
        Assert.InRange(rows[^1][1], 0.050, 0.058);
        double[] firstMedian = rows.First(r => r[0] == 0 && Math.Abs(r[2] - 0.5) < 0.002);
        double[] lastMedian = rows.Last(r => Math.Abs(r[2] - 0.5) < 0.002);
        Assert.True(firstMedian[4] < firstMedian[5] && lastMedian[4] > lastMedian[5], $"medians (r1, r2): ({firstMedian[4]}, {firstMedian[5]}) at t = 0, ({lastMedian[4]}, {lastMedian[5]}) at t = 10");
    }

    [Theory]
    [InlineData("data.s0=0", "data.s0")]
    [InlineData("data.s0=41", "data.s0")]
    [InlineData("data.delta=1", "data.delta")]
    [InlineData("data.delta=-0.1", "data.delta")]
    public async Task PdeRefusesAnisotropicParametersOutOfRangeNamingTheField(string change, string field)
    {
        string spec = Path.Combine(CliHarness.RepositoryRoot(), "examples", "mmn-anisotropic.yaml");

        var (code, _, error) = await CliHarness.Run("pde", spec, "--set", change, "--out", CliHarness.TempDirectory());

        Assert.Equal(2, code);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("training.beta=10", "Langevin noise")]
    [InlineData("model.preset=mmn-relu", "mmn-isotropic")]
    public async Task PdeRefusesAnAnisotropicSpecWithoutTheReductionWithExitCode2(string change, string reason)
    {
        string spec = Path.Combine(CliHarness.RepositoryRoot(), "examples", "mmn-anisotropic.yaml");

        var (code, _, error) = await CliHarness.Run("pde", spec, "--set", change, "--set", "training.ridge=1", "--set", "observe.risk=test", "--out", CliHarness.TempDirectory());

        Assert.Equal(2, code);
        Assert.Contains("anisotropic PDE does not apply", error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
