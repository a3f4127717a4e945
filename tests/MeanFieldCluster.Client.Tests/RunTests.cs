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
        observe: {test_samples: 200, risk_times: {count: 6, spacing: log}, snapshot_times: [0, 1, 2], quantiles: 16}
        grid: {width: [8, 16], step_size: [0.01], seeds: 2}
        """;

    [Fact]
    public async Task RunningTheSameSpecTwiceWritesByteIdenticalTables()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Tiny);

        var first = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "a"));
        var second = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "b"), "--workers", "1");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(0, second.ExitCode);
        foreach (string file in new[] { "points.csv", "curves.csv", "measures.csv" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", file)), File.ReadAllBytes(Path.Combine(dir, "b", file)));
        }
    }

    [Fact]
    public async Task RunWritesTheFourFilesWithTheDocumentedColumnsAndSaysWhereTheyAre()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Tiny);
        string outDir = Path.Combine(dir, "out");

        var (code, output, _) = await CliHarness.Run("run", spec, "--out", outDir);

        Assert.Equal(0, code);
        Assert.Contains($"results: {outDir}", output, StringComparison.Ordinal);
        Assert.Equal("point,width,step_size,layers,seed,status,steps,planned_steps,final_time,initial_risk,final_risk,final_risk_stderr", File.ReadLines(Path.Combine(outDir, "points.csv")).First());
        Assert.Equal("point,step,t,risk,risk_stderr", File.ReadLines(Path.Combine(outDir, "curves.csv")).First());
        Assert.Equal("point,step,t,feature,level,value", File.ReadLines(Path.Combine(outDir, "measures.csv")).First());
        Assert.Equal(5, File.ReadLines(Path.Combine(outDir, "points.csv")).Count());
        Assert.All(File.ReadLines(Path.Combine(outDir, "points.csv")).Skip(1), line => Assert.Contains(",completed,", line, StringComparison.Ordinal));

        // 4 points x 3 snapshots x 3 features (w_norm, a, b) x 16 levels.
        Assert.Equal(1 + (4 * 3 * 3 * 16), File.ReadLines(Path.Combine(outDir, "measures.csv")).Count());
        using var summary = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")));
        Assert.Equal("completed", summary.RootElement.GetProperty("status").GetString());
        Assert.Equal(4, summary.RootElement.GetProperty("points").GetArrayLength());
        Assert.Equal("tiny-run", summary.RootElement.GetProperty("spec").GetProperty("name").GetString());
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
    public async Task TheMmnFigureOneExampleLowersTheMeanRiskOverSeedsAtEveryWidth()
    {
        string spec = Path.Combine(CliHarness.RepositoryRoot(), "examples", "mmn-fig1-small.yaml");
        string outDir = Path.Combine(CliHarness.TempDirectory(), "mmn");

        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir);

        Assert.True(code == 0, output + error);
        string[] header = File.ReadLines(Path.Combine(outDir, "points.csv")).First().Split(',');
        int width = Array.IndexOf(header, "width"), initial = Array.IndexOf(header, "initial_risk"), final = Array.IndexOf(header, "final_risk");
        var byWidth = File.ReadLines(Path.Combine(outDir, "points.csv")).Skip(1)
            .Select(line => line.Split(','))
            .GroupBy(f => f[width])
            .ToList();
        Assert.Equal(3, byWidth.Count);
        foreach (var group in byWidth)
        {
            double meanInitial = group.Average(f => double.Parse(f[initial], CultureInfo.InvariantCulture));
            double meanFinal = group.Average(f => double.Parse(f[final], CultureInfo.InvariantCulture));
            Assert.True(meanFinal < meanInitial, $"width {group.Key}: final {meanFinal} is not below initial {meanInitial}");
        }
    }
}
