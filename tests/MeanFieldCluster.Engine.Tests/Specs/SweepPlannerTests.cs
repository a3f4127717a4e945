using CsCheck;
using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class SweepPlannerTests
{
    private static SweepSpec WithGrid(GridSpec grid) => Yaml(MinimalYaml) with { Grid = grid };

    [Fact]
    public void Points_run_layers_outermost_then_width_then_step_size_then_seed()
    {
        SweepSpec spec = WithGrid(new GridSpec([[10], [20]], [new StepSizeSpec(0.5), new StepSizeSpec(0.25)], [1, 2], [0, 7]));

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

/// <summary>Planning the new axes: per-layer widths, γ, step sizes c/N, raw times.</summary>
public sealed class SweepPlannerAxisTests
{
    [Fact]
    public void Points_run_layers_then_width_then_gamma_then_step_size_then_seed()
    {
        SweepSpec spec = Yaml(
            MinimalFor("normalized"), "grid.layers=[1, 2]", "grid.width=[10, 20]", "grid.gamma=[0.5, 1]", "grid.step_size=[0.5, 0.25]", "grid.seeds=[0, 7]");

        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(spec);

        var expected = new List<(int L, int N, double Gamma, double Eps, int Seed)>();
        foreach (int l in new[] { 1, 2 })
        {
            foreach (int n in new[] { 10, 20 })
            {
                foreach (double g in new[] { 0.5, 1.0 })
                {
                    foreach (double eps in new[] { 0.5, 0.25 })
                    {
                        foreach (int seed in new[] { 0, 7 })
                        {
                            expected.Add((l, n, g, eps, seed));
                        }
                    }
                }
            }
        }

        Assert.Equal(expected, points.Select(p => (p.Layers, p.Width, p.Gamma[0], p.StepSize, p.Seed)).ToList());
        Assert.Equal(Enumerable.Range(0, 32), points.Select(p => p.Index));
        Assert.All(points, p =>
        {
            Assert.Equal(p.Layers, p.Widths.Count);
            Assert.Equal(p.Layers, p.Gamma.Count);
            Assert.All(p.Widths, w => Assert.Equal(p.Width, w));
            Assert.All(p.Gamma, g => Assert.Equal(p.Gamma[0], g));
        });
    }

    [Fact]
    public void Uniform_widths_are_replicated_and_per_layer_widths_kept()
    {
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(Yaml(MinimalFor("normalized"), "grid.layers=3", "grid.width=[8, [30, 20, 10]]"));

        Assert.Equal([[8, 8, 8], [30, 20, 10]], points.Select(p => p.Widths));
        Assert.Equal([8, 30], points.Select(p => p.Width));
    }

    [Fact]
    public void Model_gamma_is_replicated_when_it_has_one_value_and_kept_per_layer_otherwise()
    {
        PointSpec one = Assert.Single(SweepPlanner.Expand(Yaml(MinimalFor("normalized"), "grid.layers=3", "model.gamma=0.75")));
        PointSpec each = Assert.Single(SweepPlanner.Expand(Yaml(MinimalFor("normalized"), "grid.layers=3", "model.gamma=[0.5, 1, 0.75]")));

        Assert.Equal([0.75, 0.75, 0.75], one.Gamma);
        Assert.Equal([0.5, 1.0, 0.75], each.Gamma);
    }

    [Fact]
    public void The_gamma_axis_overrides_model_gamma()
    {
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(
            Yaml(MinimalFor("normalized"), "grid.layers=2", "model.gamma=[0.5, 1]", "grid.gamma=[0.75, 0.5]"));

        Assert.Equal([[0.75, 0.75], [0.5, 0.5]], points.Select(p => p.Gamma));
    }

    [Fact]
    public void A_step_size_c_over_n_is_resolved_with_the_first_width()
    {
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(
            Yaml(MinimalFor("normalized"), "grid.layers=2", "grid.width=[100, [50, 400]]", "grid.step_size=[0.5/N, 0.01]", "training.horizon=1"));

        Assert.Equal([0.005, 0.01, 0.01, 0.01], points.Select(p => p.StepSize));
        Assert.Equal([200L, 100L, 100L, 100L], points.Select(p => p.Steps));
    }

    [Fact]
    public void A_horizon_too_short_for_a_step_size_c_over_n_names_the_width()
    {
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Expand(Yaml(MinimalYaml, "grid.width=[1, 1000]", "grid.step_size=2/N", "training.horizon=0.5")));

        SpecError error = Assert.Single(e.Errors);
        Assert.Equal("training.horizon", error.Path);
        Assert.Contains("step size 2/N = 2 (N_1 = 1)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_times_map_to_sorted_distinct_steps_without_the_ends()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(Yaml(MinimalYaml, "observe.raw_times=[5, 1, 5.004, 1]", "grid.step_size=0.01")));

        Assert.Equal([100L, 500L], point.RawSteps);
    }

    [Fact]
    public void No_raw_times_give_no_raw_steps()
    {
        Assert.Empty(Assert.Single(SweepPlanner.Expand(Yaml(MinimalYaml))).RawSteps);
    }

    [Fact]
    public void A_raw_time_beyond_the_horizon_is_an_error_at_its_index()
    {
        var e = Assert.Throws<SpecException>(() => SweepPlanner.Expand(Yaml(MinimalYaml, "observe.raw_times=[0, 21]")));

        Assert.Equal("observe.raw_times[1]", Assert.Single(e.Errors).Path);
    }

    [Fact]
    public void Risk_and_snapshot_steps_still_include_zero_and_the_final_step()
    {
        PointSpec point = Assert.Single(SweepPlanner.Expand(Yaml(MinimalYaml, "observe.risk_times=[5]", "observe.snapshot_times=[10]", "grid.step_size=0.01")));

        Assert.Equal([0L, 500L, 2000L], point.RiskSteps);
        Assert.Equal([0L, 1000L, 2000L], point.SnapshotSteps);
    }

    [Fact]
    public void A_record_built_by_hand_with_mismatched_lists_is_rejected_by_the_planner()
    {
        SweepSpec spec = Yaml(MinimalFor("normalized"), "grid.layers=2");
        spec = spec with
        {
            Model = spec.Model with { Gamma = [0.5, 1, 1.5] },
            Grid = spec.Grid with { Width = [[10, 20, 30]] },
        };

        var e = Assert.Throws<SpecException>(() => SweepPlanner.Expand(spec));

        Assert.Equal(["grid.width[0]", "model.gamma"], e.Errors.Paths());
    }

    [Fact]
    public void Every_generated_valid_spec_plans_points_that_match_its_grid_or_fails_cleanly()
    {
        SpecGenerators.Spec.Where(s => (long)s.Grid.Layers.Count * s.Grid.Width.Count * s.Grid.StepSize.Count * s.Grid.Seeds.Count * (s.Grid.Gamma?.Count ?? 1) <= 200)
            .Sample(spec =>
            {
                IReadOnlyList<PointSpec> points;
                try
                {
                    points = SweepPlanner.Expand(spec);
                }
                catch (SpecException)
                {
                    return;
                }

                Assert.Equal(spec.Grid.Layers.Count * spec.Grid.Width.Count * (spec.Grid.Gamma?.Count ?? 1) * spec.Grid.StepSize.Count * spec.Grid.Seeds.Count, points.Count);
                Assert.All(points, p =>
                {
                    Assert.Equal(p.Layers, p.Widths.Count);
                    Assert.Equal(p.Layers, p.Gamma.Count);
                    Assert.True(p.Steps >= 1);
                    Assert.True(p.RawSteps.Zip(p.RawSteps.Skip(1)).All(pair => pair.First < pair.Second));
                });
            }, iter: 200);
    }
}
