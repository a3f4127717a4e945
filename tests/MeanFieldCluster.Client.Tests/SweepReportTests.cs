using MeanFieldCluster.Client.Results;
using MeanFieldCluster.Client.Sweeps;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Tests;

/// <summary>The end-of-run report and exit code of <c>mfc run</c> and <c>mfc results</c> (<see cref="SweepSession.ReportAsync"/>).</summary>
public sealed class SweepReportTests
{
    private const string Spec = """
        name: report
        model: {preset: mmn-isotropic, activation: relu}
        data: {kind: isotropic-gaussian, d: 3}
        training: {horizon: 1}
        grid: {width: [10], step_size: [0.01], seeds: 3}
        """;

    [Fact]
    public async Task A_sweep_that_ended_with_points_lacking_a_result_is_an_error()
    {
        // Every point of an ended sweep is final; one without a report lost its stored state (a results folder removed
        // mid-run), so its rows are missing and the run must not exit 0.
        (int code, string output, string error) = await Report([PointState.Completed, PointState.Pending, PointState.Completed], interrupted: false);
        Assert.Equal(1, code);
        Assert.Contains("2 completed, 0 diverged, 0 failed, 0 cancelled, 1 not finished", output, StringComparison.Ordinal);
        Assert.Contains("error: 1 of 3 points ended without a result although the sweep ended", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interrupted_run_reports_its_unfinished_points_without_an_error()
    {
        (int code, _, string error) = await Report([PointState.Completed, PointState.Pending, PointState.Running], interrupted: true);
        Assert.Equal(130, code);
        Assert.Equal("", error);
    }

    [Fact]
    public async Task Final_states_only_end_with_zero_unless_a_point_failed()
    {
        Assert.Equal(0, (await Report([PointState.Completed, PointState.Diverged, PointState.Cancelled], interrupted: false)).Code);
        Assert.Equal(1, (await Report([PointState.Completed, PointState.Failed, PointState.Completed], interrupted: false)).Code);
    }

    private static async Task<(int Code, string Output, string Error)> Report(PointState[] states, bool interrupted)
    {
        SweepSpec spec = SpecLoader.Parse(Spec, SpecFormat.Yaml);
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(spec);
        var export = new SweepExport("report-1", SpecWriter.ToJson(spec), spec, points, SweepState.Completed, DateTime.UnixEpoch, DateTime.UnixEpoch, null, null);
        var outcome = new SweepOutcome(export, [.. states.Select(s => new PointLine(s, 0, null, 1, s == PointState.Failed ? "boom" : null))]);
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = await SweepSession.ReportAsync(outcome, "/tmp/report", interrupted, output, error);
        return (code, output.ToString(), error.ToString());
    }
}
