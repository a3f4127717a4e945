using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class SweepPlannerTests
{
    private static SweepSpec WithGrid(GridSpec grid) => Yaml(MinimalYaml) with { Grid = grid };

    [Fact]
    public void Points_run_layers_outermost_then_width_then_step_size_then_seed()
    {
        SweepSpec spec = WithGrid(new GridSpec([10, 20], [0.5, 0.25], [1, 2], [0, 7]));

        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(spec);

        var expected = new List<(int L, int N, double Eps, int Seed)>();
        foreach (int l in new[] { 1, 2 })
        {
            foreach (int n in new[] { 10, 20 })
            {
                foreach (double eps in new[] { 0.5, 0.25 })
                {
                    foreach (int seed in new[] { 0, 7 })
                    {
                        expected.Add((l, n, eps, seed));
                    }
                }
            }
        }

        Assert.Equal(expected, points.Select(p => (p.Layers, p.Width, p.StepSize, p.Seed)).ToList());
        Assert.Equal(Enumerable.Range(0, 16), points.Select(p => p.Index));
    }

    [Fact]
    public void Steps_are_the_horizon_divided_by_the_step_size()
    {
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(Yaml(MinimalYaml, "grid.step_size=[1e-3, 0.007]"));

        Assert.Equal([20_000L, 2857L], points.Select(p => p.Steps));
    }

    [Fact]
    public void Given_steps_are_used_for_every_step_size()
    {
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(
            Yaml(MinimalYaml, "training.horizon=null", "training.steps=300", "grid.step_size=[0.1, 0.2]"));

        Assert.All(points, p => Assert.Equal(300L, p.Steps));
    }

    [Fact]
    public void Explicit_times_map_to_rounded_steps_with_zero_and_the_final_step_added()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(Yaml(MinimalYaml, "observe.risk_times=[5, 1, 5.004]", "grid.step_size=0.01")));

        Assert.Equal(2000L, point.Steps);
        Assert.Equal([0L, 100L, 500L, 2000L], point.RiskSteps);
    }

    [Fact]
    public void A_time_equal_to_the_horizon_is_the_final_step_even_when_the_step_size_does_not_divide_it()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(Yaml(MinimalYaml, "observe.risk_times=[0, 20]", "grid.step_size=0.007")));

        Assert.Equal([0L, 2857L], point.RiskSteps);
    }

    [Fact]
    public void Linear_grids_are_evenly_spaced_from_zero_to_the_final_step()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(Yaml(MinimalYaml, "observe.risk_times={count: 5}", "grid.step_size=0.01")));

        Assert.Equal([0L, 500L, 1000L, 1500L, 2000L], point.RiskSteps);
    }

    [Fact]
    public void Default_snapshot_times_are_five_linear_times()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(Yaml(MinimalYaml, "grid.step_size=0.01")));

        Assert.Equal([0L, 500L, 1000L, 1500L, 2000L], point.SnapshotSteps);
        Assert.Equal(21, point.RiskSteps.Count);
    }

    [Fact]
    public void Log_grids_start_at_zero_then_run_geometrically_from_a_thousandth_of_the_horizon()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(
            Yaml(MinimalYaml, "training.horizon=10", "observe.snapshot_times={count: 5, spacing: log}", "grid.step_size=0.01")));

        Assert.Equal([0L, 1L, 10L, 100L, 1000L], point.SnapshotSteps);
    }

    [Fact]
    public void Log_grid_steps_that_round_together_are_deduplicated()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(
            Yaml(MinimalYaml, "training.horizon=1", "observe.risk_times={count: 5, spacing: log}", "grid.step_size=0.01")));

        Assert.Equal([0L, 1L, 10L, 100L], point.RiskSteps);
    }

    [Fact]
    public void A_log_grid_of_two_times_is_the_start_and_the_end()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(
            Yaml(MinimalYaml, "observe.risk_times={count: 2, spacing: log}", "grid.step_size=0.01")));

        Assert.Equal([0L, 2000L], point.RiskSteps);
    }

    [Fact]
    public void A_time_beyond_the_horizon_is_an_error_at_its_index()
    {
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Expand(Yaml(MinimalYaml, "observe.risk_times=[0, 20, 20.5]")));

        SpecError error = Assert.Single(e.Errors);
        Assert.Equal("observe.risk_times[2]", error.Path);
        Assert.Contains("20.5 is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_snapshot_time_beyond_the_steps_of_a_point_is_an_error()
    {
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Expand(
            Yaml(MinimalYaml, "training.horizon=null", "training.steps=100", "observe.snapshot_times=[1.5]", "grid.step_size=0.01")));

        Assert.Equal("observe.snapshot_times[0]", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void A_horizon_shorter_than_half_a_step_is_an_error_at_the_horizon()
    {
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Expand(Yaml(MinimalYaml, "training.horizon=0.001", "grid.step_size=[0.001, 0.01]")));

        SpecError error = Assert.Single(e.Errors);
        Assert.Equal("training.horizon", error.Path);
        Assert.Contains("step size 0.01", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_count_expands_to_seeds_zero_to_n_minus_one()
    {
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(Yaml(MinimalYaml, "grid.seeds=4"));

        Assert.Equal([0, 1, 2, 3], points.Select(p => p.Seed));
    }

    [Fact]
    public void Observation_steps_are_ascending_distinct_and_within_the_run()
    {
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(
            Yaml(FullYaml, "observe.risk_times={count: 200, spacing: log}", "grid.step_size=[0.3, 0.03]"));

        Assert.All(points, p =>
        {
            foreach (IReadOnlyList<long> steps in new[] { p.RiskSteps, p.SnapshotSteps })
            {
                Assert.Equal(0L, steps[0]);
                Assert.Equal(p.Steps, steps[^1]);
                Assert.True(steps.Zip(steps.Skip(1)).All(pair => pair.First < pair.Second));
            }
        });
    }
}
