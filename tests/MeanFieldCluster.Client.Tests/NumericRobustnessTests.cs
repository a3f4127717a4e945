using System.Globalization;

namespace MeanFieldCluster.Client.Tests;

/// <summary>Degenerate but legal inputs give correct results; illegal ones clear errors (never NaN results or crashes).</summary>
public sealed class NumericRobustnessTests
{
    private const string Tiny = """
        name: tiny
        seed: 2
        model: {preset: mmn-isotropic, activation: ramp, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 1, delta: 0.5}
        training: {horizon: 1}
        observe: {test_samples: 200, quantiles: 4, risk_times: {count: 5}, snapshot_times: [0, 1]}
        grid: {width: [1, 2], step_size: [0.05], seeds: 2}
        """;

    [Fact]
    public async Task OneNeuronInOneDimensionTrainsAndReportsFiniteResults()
    {
        string dir = CliHarness.TempDirectory();
        string outDir = Path.Combine(dir, "out");

        var (code, output, error) = await CliHarness.Run("run", CliHarness.WriteSpec(dir, Tiny), "--out", outDir, "--workers", "1");

        Assert.True(code == 0, output + error);
        List<Dictionary<string, string>> points = ReadCsv(Path.Combine(outDir, "points.csv"));
        Assert.Equal(4, points.Count);
        Assert.All(points, p =>
        {
            Assert.Equal("completed", p["status"]);
            Assert.True(double.IsFinite(Number(p["final_risk"])) && Number(p["final_risk"]) >= 0, p["final_risk"]);
        });
        List<Dictionary<string, string>> measures = ReadCsv(Path.Combine(outDir, "measures.csv"));
        Assert.NotEmpty(measures);
        Assert.All(measures.Where(m => m.ContainsKey("value")), m => Assert.True(double.IsFinite(Number(m["value"]))));
    }

    [Fact]
    public async Task ConstantLabelsStandardizeWithoutDividingByZeroAndAreLearned()
    {
        string dir = CliHarness.TempDirectory();
        var random = new Random(3);
        File.WriteAllLines(Path.Combine(dir, "constant.csv"), ["a,b,y", .. Enumerable.Range(0, 200).Select(_ => string.Create(CultureInfo.InvariantCulture, $"{random.NextDouble() - 0.5},{random.NextDouble() - 0.5},1.5"))]);
        string spec = """
            name: constant-labels
            seed: 1
            model: {preset: mmn-relu, activation: relu}
            data: {kind: csv, csv: {path: constant.csv, label: y, standardize_label: STANDARDIZE}}
            training: {horizon: 4}
            observe: {test_samples: 20, quantiles: 4}
            grid: {width: [8], step_size: [0.05], seeds: 1}
            """;
        foreach (string standardize in new[] { "true", "false" })
        {
            string outDir = Path.Combine(dir, standardize);
            var (code, output, error) = await CliHarness.Run("run", CliHarness.WriteSpec(dir, spec.Replace("STANDARDIZE", standardize, StringComparison.Ordinal)), "--out", outDir, "--workers", "1");

            Assert.True(code == 0, output + error);
            Dictionary<string, string> point = Assert.Single(ReadCsv(Path.Combine(outDir, "points.csv")));
            double initial = Number(point["initial_risk"]), final = Number(point["final_risk"]);
            Assert.True(double.IsFinite(final), $"standardize {standardize}: final risk {final}");
            // Standardized, the constant label is 0 (centered, sd 0 is not divided by); raw it is 1.5: either way SGD reduces the risk.
            Assert.True(final < initial, $"standardize {standardize}: {initial} -> {final}");
        }
    }

    [Fact]
    public async Task ZeroHorizonIsAClearErrorForTrainingAndAllowedForLargeDeviations()
    {
        string dir = CliHarness.TempDirectory();

        var (code, _, error) = await CliHarness.Run("validate", CliHarness.WriteSpec(dir, Tiny), "--set", "training.horizon=0");

        Assert.Equal(2, code);
        Assert.Contains("error: training.horizon: 0 is not allowed; expected a finite number > 0", error, StringComparison.Ordinal);
        string ld = Path.Combine(CliHarness.RepositoryRoot(), "examples", "ld-cramer.yaml");
        Assert.Equal(0, (await CliHarness.Run("validate", ld)).ExitCode);
    }

    [Fact]
    public async Task AConstantFunctionalHasRateZeroAtItsValueAndCensoredBoundsElsewhere()
    {
        string dir = CliHarness.TempDirectory();
        string ld = Path.Combine(CliHarness.RepositoryRoot(), "examples", "ld-cramer.yaml");

        var (code, output, error) = await CliHarness.Run(
            "run", ld, "--out", dir, "--force", "--workers", "1",
            "--set", "grid.width=[1,3]", "--set", "model.init.output_std=0", "--set", "large_deviations.replicas=1000",
            "--set", "large_deviations.batch_size=500", "--set", "large_deviations.bootstrap=10");

        Assert.True(code == 0, output + error);
        List<Dictionary<string, string>> rows = ReadCsv(Path.Combine(dir, "rate_functions.csv"));
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(double.IsFinite(Number(r["value"])), r["value"]));
        foreach (string width in new[] { "1", "3" })
        {
            // Every replica equals 0.2: I(0.2) = 0, and away from it only the censoring bound ln(R)/N is known.
            var atValue = rows.Where(r => r["width"] == width && r["x"] == "0.2" && r["estimator"] == "tail").ToList();
            Assert.Equal(0.0, Number(Assert.Single(atValue)["value"]), 12);
            var away = rows.Where(r => r["width"] == width && r["x"] == "1" && r["estimator"] == "tail").ToList();
            Assert.Equal("true", Assert.Single(away)["censored"]);
            Assert.Equal(Math.Log(1000) / int.Parse(width, CultureInfo.InvariantCulture), Number(away[0]["value"]), 9);
        }
    }

    private static double Number(string text) => text.Length == 0 ? double.NaN : double.Parse(text, CultureInfo.InvariantCulture);

    private static List<Dictionary<string, string>> ReadCsv(string path) => CliHarness.ReadCsv(path);
}
