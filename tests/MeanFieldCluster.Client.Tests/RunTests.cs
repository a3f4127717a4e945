using System.Globalization;

namespace MeanFieldCluster.Client.Tests;

public sealed class RunTests
{
    private const string Tiny = """
        name: tiny-run
        seed: 5
        model: {preset: mmn-relu, activation: relu, init: {output_std: 0.5, bias_std: 0.2}}
        data: {kind: isotropic-gaussian, d: 5, delta: 0.5}
        training: {horizon: 2}
        observe: {test_samples: 200, risk_times: {count: 6, spacing: log}, snapshot_times: [0, 1, 2], quantiles: 16, sliced_directions: 2, histogram_bins: 4, raw_times: [2]}
        grid: {width: [8, 16], step_size: [0.01], seeds: 2}
        """;

    [Fact]
    public async Task RunningTheSameSpecTwiceWritesByteIdenticalTables()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Tiny);

        var first = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "a"), "--sweep-id", "twice");
        var second = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "b"), "--workers", "1", "--sweep-id", "twice");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        foreach (string file in new[] { "points.csv", "curves.csv", "measures.csv", "histograms.csv", "aggregate.json", "raw/point-0.csv", "points.parquet", "curves.parquet", "measures.parquet", "histograms.parquet", "raw/point-0.parquet" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", file)), File.ReadAllBytes(Path.Combine(dir, "b", file)));
        }
    }

    [Fact]
    public async Task RunWritesTheResultsFolderWithTheDocumentedColumnsAndSaysWhereItIs()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Tiny);
        string outDir = Path.Combine(dir, "out");

        var (code, output, _) = await CliHarness.Run("run", spec, "--out", outDir);

        Assert.Equal(0, code);
        Assert.Contains($"results: {outDir}", output, StringComparison.Ordinal);
        const string key = "point,sweep_id,layers,width_1,step_size,step_size_value,step_size_per_width,gamma_1,seed";
        Assert.Equal(key + ",status,steps,planned_steps,final_time,initial_risk,final_risk,final_risk_stderr,edge_rank1_share,edge_feature_share", File.ReadLines(Path.Combine(outDir, "points.csv")).First());
        Assert.Equal(key + ",step,t,risk,risk_stderr", File.ReadLines(Path.Combine(outDir, "curves.csv")).First());
        Assert.Equal(key + ",step,t,feature,level,value", File.ReadLines(Path.Combine(outDir, "measures.csv")).First());
        Assert.Equal(key + ",step,t,feature,bin,low,high,count", File.ReadLines(Path.Combine(outDir, "histograms.csv")).First());
        Assert.Equal(key + ",step,t,block,index,value", File.ReadLines(Path.Combine(outDir, "raw", "point-3.csv")).First());
        Assert.Equal(5, File.ReadLines(Path.Combine(outDir, "points.csv")).Count());
        Assert.All(File.ReadLines(Path.Combine(outDir, "points.csv")).Skip(1), line => Assert.Contains(",completed,", line, StringComparison.Ordinal));

        // 4 points x 3 snapshots x (5 features (w_norm, w_proj0, w_proj1, b1, c) x 16 levels + 2 probe features
        // (probe_output, probe_spread_u1) x 16 probe inputs); histograms with 4 bins (none for probes).
        Assert.Equal(1 + (4 * 3 * ((5 * 16) + (2 * 16))), File.ReadLines(Path.Combine(outDir, "measures.csv")).Count());
        Assert.Equal(1 + (4 * 3 * 5 * 4), File.ReadLines(Path.Combine(outDir, "histograms.csv")).Count());

        // Raw dumps of w (8 or 16 x 5), b1 and c at t = 2.
        Assert.Equal(1 + (16 * 5) + 16 + 16, File.ReadLines(Path.Combine(outDir, "raw", "point-3.csv")).Count());
        using var aggregate = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "aggregate.json")));
        Assert.Equal(4, aggregate.RootElement.GetProperty("points").GetInt32());
        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(4, summary.RootElement.GetProperty("points").GetArrayLength());
        Assert.Equal("tiny-run", summary.RootElement.GetProperty("spec").GetProperty("name").GetString());
    }

    [Fact]
    public async Task ARunSweepingAFieldRunsEachPointAtItsValueAndAggregatesPerValue()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Tiny);
        string outDir = Path.Combine(dir, "out");

        var (code, _, error) = await CliHarness.Run("run", spec, "--out", outDir, "--set", "grid.width=8", "--set", "grid.seeds=1", "--set", "observe.raw_times=null", "--sweep", "model.init.kappa=0.5,2");

        Assert.True(code == 0, error);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "aggregate.json")));
        var curves = doc.RootElement.GetProperty("risk_curves").EnumerateArray().ToList();
        Assert.Equal(2, curves.Count);
        Assert.Equal([0.5, 2.0], curves.Select(c => c.GetProperty("axes")[0].GetProperty("value").GetDouble()));
        Assert.All(curves, c => Assert.Equal("model.init.kappa", c.GetProperty("axes")[0].GetProperty("axis").GetString()));

        // Same streams, different κ: the initial risks differ (the weights are scaled by κ).
        Assert.NotEqual(curves[0].GetProperty("curve")[0].GetProperty("mean").GetDouble(), curves[1].GetProperty("curve")[0].GetProperty("mean").GetDouble());

        // Every per-point and aggregate table has a typed column for the axis, named by its path, so rows of the
        // two values are told apart without a join; the Parquet files hold the same.
        List<Dictionary<string, string>> points = CliHarness.ReadCsv(Path.Combine(outDir, "points.csv"));
        Assert.Equal(["0.5", "2"], points.Select(p => p["model.init.kappa"]));
        List<Dictionary<string, string>> curveRows = CliHarness.ReadCsv(Path.Combine(outDir, "curves.csv"));
        Assert.All(curveRows, r => Assert.Equal(points.Single(p => p["point"] == r["point"])["model.init.kappa"], r["model.init.kappa"]));
        List<Dictionary<string, string>> aggregateRows = CliHarness.ReadCsv(Path.Combine(outDir, "agg_risk_curves.csv"));
        Assert.Equal(["0.5", "2"], aggregateRows.Select(r => r["model.init.kappa"]).Distinct());
        Assert.Equal(
            curves[1].GetProperty("curve")[0].GetProperty("mean").GetDouble().ToString("R", System.Globalization.CultureInfo.InvariantCulture),
            aggregateRows.First(r => r["model.init.kappa"] == "2")["risk_mean"]);
        foreach (string table in new[] { "points", "curves", "measures", "agg_risk_curves" })
        {
            ParquetTests.AssertParquetEqualsCsv(Path.Combine(outDir, table));
        }
    }

    [Fact]
    public async Task RunRefusesToOverwriteResultsWithoutForce()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Tiny);
        string outDir = Path.Combine(dir, "out");
        Assert.Equal(0, (await CliHarness.Run("run", spec, "--out", outDir, "--set", "grid.width=8", "--set", "grid.seeds=1")).ExitCode);

        var again = await CliHarness.Run("run", spec, "--out", outDir);
        var forced = await CliHarness.Run("run", spec, "--out", outDir, "--force", "--set", "grid.width=8", "--set", "grid.seeds=1");

        Assert.Equal(2, again.ExitCode);
        Assert.Contains("--force", again.Error, StringComparison.Ordinal);
        Assert.Equal(0, forced.ExitCode);
    }

    [Fact]
    public async Task ADivergingPointEndsDivergedAndTheRestOfTheSweepCompletes()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Tiny);
        string outDir = Path.Combine(dir, "out");

        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir, "--set", "grid.step_size=[0.01,8]", "--set", "grid.seeds=1", "--set", "training.horizon=400", "--set", "observe.raw_times=null");

        Assert.True(code == 0, output + error);
        string[] lines = [.. File.ReadLines(Path.Combine(outDir, "points.csv")).Skip(1)];
        Assert.Equal(4, lines.Length);
        Assert.Equal(2, lines.Count(l => l.Contains(",diverged,", StringComparison.Ordinal)));
        Assert.Equal(2, lines.Count(l => l.Contains(",completed,", StringComparison.Ordinal)));
        Assert.True(File.Exists(Path.Combine(outDir, "aggregate.json")));
        Assert.Contains("2 diverged", output, StringComparison.Ordinal);
    }
}
