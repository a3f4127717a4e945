namespace MeanFieldCluster.Client.Tests;

[Trait("Category", "Slow")]
public sealed class WidePointTests
{
    private const string Wide = """
        name: wide-point
        seed: 3
        model: {preset: mmn-isotropic, activation: {kind: ramp}, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 4, delta: 0.5}
        training: {steps: 300}
        observe: {test_samples: 20, risk_times: {count: 3, spacing: linear}, snapshot_times: [0], quantiles: 8, sliced_directions: 2, histogram_bins: 4, raw_times: [0.03]}
        grid: {width: [20000], step_size: [0.0001], seeds: 2}
        """;

    [Fact]
    public async Task AWidePointOnTwoThreadsWritesTheSameTablesAsOnOne()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Wide);

        var serial = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "a"), "--sweep-id", "wide");
        var parallel = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "b"), "--threads-per-wide-point", "2", "--sweep-id", "wide");

        Assert.True(serial.ExitCode == 0, serial.Output + serial.Error);
        Assert.True(parallel.ExitCode == 0, parallel.Output + parallel.Error);
        foreach (string file in new[] { "points.csv", "curves.csv", "measures.csv", "raw/point-0.csv", "raw/point-1.csv" })
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(dir, "a", file)), File.ReadAllBytes(Path.Combine(dir, "b", file)));
        }
    }

    [Fact]
    public async Task AFinishedRunReportsTheShareOfTheWorkersTimeSpentInSgdSteps()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Wide);

        var run = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "out"), "--set", "grid.width=[50]");

        Assert.Equal(0, run.ExitCode);
        // The step time is counted per process, and tests share one with other runs: the share may exceed 100 % here.
        Assert.Matches(@"worker time: SGD steps [0-9.]+ ?%, steps and in-run observations [0-9.]+ ?% of \d+ slot\(s\) x [0-9.]+ s", run.Output);
        Assert.Matches(@"end-of-run diagnostics: final-step dependence [0-9.]+ ?% of worker time, sweep aggregation \(limit solves, fits, distance correlations, permutation tests\) [0-9.]+ s", run.Output);
    }

    [Fact]
    public async Task ThreadsPerWidePointBelowOneIsBadInput()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Wide);

        var run = await CliHarness.Run("run", spec, "--out", Path.Combine(dir, "out"), "--threads-per-wide-point", "0");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--threads-per-wide-point: 0 is not allowed; expected an integer >= 1.", run.Output + run.Error, StringComparison.Ordinal);
    }
}
