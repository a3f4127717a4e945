using System.Globalization;

namespace MeanFieldCluster.Client.Tests;

public sealed class LargeDeviationsTests
{
    private const string Cramer = """
        name: ld-tiny
        seed: 2
        task: large-deviations
        model: {preset: mmn-relu, activation: relu, init: {output_mean: 0.2, output_std: 1.0}}
        data: {kind: isotropic-gaussian, d: 2}
        training: {horizon: 0}
        grid: {width: [10], step_size: [0.01]}
        large_deviations:
          functional: mean-output-weight
          replicas: 9000
          batch_size: 1000
          modes: [annealed]
          x_grid: {from: -0.6, to: 1.0, step: 0.1}
          k_grid: {from: -3, to: 3, step: 0.1}
          bootstrap: 50
        """;

    [Fact]
    public async Task TheMergedSampleDoesNotDependOnTheBatchSize()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Cramer);

        var small = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "a"), "--sweep-id", "ld-batches");
        var large = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "b"), "--set", "large_deviations.batch_size=7919", "--sweep-id", "ld-batches");

        Assert.True(small.ExitCode == 0, small.Output + small.Error);
        Assert.True(large.ExitCode == 0, large.Output + large.Error);
        Assert.Equal(9001, File.ReadLines(Path.Combine(dir, "a", "ld_samples.csv")).Count());
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", "ld_samples.csv")), File.ReadAllBytes(Path.Combine(dir, "b", "ld_samples.csv")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", "rate_functions.csv")), File.ReadAllBytes(Path.Combine(dir, "b", "rate_functions.csv")));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task TheCramerExampleRecoversTheGaussianRateFunctionWithinItsIntervals()
    {
        var (code, output, error, outDir) = await SharedRuns.Example("ld-cramer.yaml");

        Assert.True(code == 0, output + error);
        string[][] rows = RateRows(outDir);
        string[][] gartnerEllis = [.. rows.Where(r => r[3] == "gartner-ellis" && r[1] != "inf" && r[5].Length > 0 && r[6].Length > 0)];
        Assert.True(gartnerEllis.Length >= 20, $"only {gartnerEllis.Length} reliable Gärtner–Ellis rows");
        foreach (string[] r in gartnerEllis)
        {
            double x = D(r[2]), value = D(r[4]), lo = D(r[5]), hi = D(r[6]);
            double exact = (x - 0.2) * (x - 0.2) / 2;

            // Within the bootstrap interval widened by half its length on each side (the same sample serves every x).
            double slack = (hi - lo) / 2;
            Assert.True(exact >= lo - slack && exact <= hi + slack, $"N = {r[1]}, x = {x}: estimate {value} [{lo}, {hi}], exact {exact}");
        }

        Assert.Contains(rows, r => r[3] == "tail" && r[1] == "40");
        Assert.Contains(rows, r => r[1] == "inf");
    }

    [Theory]
    [InlineData(10)]
    [InlineData(40)]
    public async Task RademacherOutputWeightsAtTimeZeroGiveTheBinaryEntropyRateFunction(int width)
    {
        // c = ±1 with probability 1/2: I(x) = ((1+x)/2) ln(1+x) + ((1-x)/2) ln(1-x) at every N (Cramér).
        string spec = CliHarness.WriteSpec(CliHarness.TempDirectory(), Cramer
            .Replace("init: {output_mean: 0.2, output_std: 1.0}", "init: {output_mean: 0.0, output_std: 1.0, output_law: rademacher}", StringComparison.Ordinal)
            .Replace("width: [10]", $"width: [{width}]", StringComparison.Ordinal)
            .Replace("replicas: 9000", "replicas: 100000", StringComparison.Ordinal)
            .Replace("batch_size: 1000", "batch_size: 25000", StringComparison.Ordinal)
            .Replace("bootstrap: 50", "bootstrap: 200", StringComparison.Ordinal));
        string outDir = Path.Combine(CliHarness.TempDirectory(), "out");

        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir);

        Assert.True(code == 0, output + error);
        string[][] rows = [.. RateRows(outDir)
            .Where(r => r[3] == "gartner-ellis" && r[5].Length > 0 && r[6].Length > 0)];
        Assert.True(rows.Length >= 8, $"only {rows.Length} reliable rows");
        foreach (string[] r in rows)
        {
            double x = D(r[2]), lo = D(r[5]), hi = D(r[6]);
            double exact = (((1 + x) / 2) * Math.Log(1 + x)) + (((1 - x) / 2) * Math.Log(1 - x));
            double slack = (hi - lo) / 2;
            Assert.True(exact >= lo - slack && exact <= hi + slack, $"N = {width}, x = {x}: [{lo}, {hi}], exact {exact}");
        }
    }

    [Theory]
    [InlineData("large_deviations.replicas=50", "large_deviations.replicas")]
    [InlineData("large_deviations.x_grid=[]", "large_deviations.x_grid")]
    [InlineData("large_deviations.k_grid=[1,2]", "large_deviations.k_grid")]
    [InlineData("large_deviations.ess_min=1", "large_deviations.ess_min")]
    [InlineData("large_deviations.functional=entropy", "large_deviations.functional")]
    [InlineData("training.horizon=-1", "training.horizon")]
    [InlineData("training.horizon=1", "grid.step_size[0]: 0.01 is not allowed for task large-deviations with T > 0")]
    [InlineData("large_deviations.modes=[tempered]", "large_deviations.modes")]
    public async Task BadLargeDeviationSettingsAreRejectedWithExitCode2NamingTheField(string change, string field)
    {
        string spec = CliHarness.WriteSpec(CliHarness.TempDirectory(), Cramer);

        var (code, _, error) = await CliHarness.Run("validate", spec, "--set", change);

        Assert.Equal(2, code);
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    // rate_functions.csv rows as mode, width (inf for the extrapolation), x, estimator, value, lo, hi, censored.
    private static string[][] RateRows(string outDir) =>
        [.. File.ReadLines(Path.Combine(outDir, "rate_functions.csv")).Skip(1).Select(l => l.Split(','))
            .Select(r => (string[])[r[1], r[3] == "true" ? "inf" : r[2], r[4], r[5], r[6], r[7], r[8], r[9]])];
}
