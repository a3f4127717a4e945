using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>Any field is an axis (docs/spec.md, "Any field is an axis"): grid paths, --sweep, coordinates, bad input.</summary>
public sealed class GridAxesTests
{
    private const string Base = """
        model: {preset: mmn-relu, activation: relu}
        data: {kind: isotropic-gaussian, d: 10}
        training: {horizon: 1}
        grid:
          width: [100, 200]
          step_size: [0.01, 1/N]
          seeds: 2
          model.init.kappa: [0.5, 0.8]
          data.delta: [0.2, 0.5, 0.7]
        """;

    [Fact]
    public void Field_axes_are_outermost_and_seeds_innermost()
    {
        SweepSpec spec = Yaml(Base);
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(spec);

        Assert.Equal(2 * 3 * 2 * 2 * 2, points.Count);
        Assert.Equal(points.Count, SweepPlanner.Count(spec));
        Assert.Equal(Enumerable.Range(0, points.Count), points.Select(p => p.Index));
        Assert.Equal(["model.init.kappa", "data.delta", "layers", "width", "step_size", "seed"], SweepPlanner.Axes(spec).Select(a => a.Path));
        Assert.Equal(["model.init.kappa", "data.delta", "layers", "width", "step_size", "seed"], points[0].Coordinates.Select(c => c.Axis));
        Assert.Equal([0L, 1L], points.Take(2).Select(p => p.CoordinateOf("seed")!.Value));
        Assert.Equal(0.5, points[0].CoordinateOf("model.init.kappa")!.Number);
        Assert.Equal(0.8, points[^1].CoordinateOf("model.init.kappa")!.Number);
        Assert.Equal("1/N", points[3].CoordinateOf("step_size")!.Value);
        Assert.Equal(0.7, points[^1].CoordinateOf("data.delta")!.Number);
    }

    [Fact]
    public void A_point_runs_the_spec_with_its_field_values()
    {
        SweepSpec spec = Yaml(Base);
        PointSpec last = SweepPlanner.Expand(spec)[^1];

        SweepSpec at = spec.ForPoint(last);

        Assert.Equal(0.8, at.Model.Init.Kappa);
        Assert.Equal(0.7, at.Data.Delta);
        Assert.Empty(at.Grid.Axes);
        Assert.Equal(0.5, spec.Model.Init.Kappa);
    }

    [Fact]
    public void The_axes_survive_the_canonical_json()
    {
        SweepSpec spec = Yaml(Base);
        SweepSpec again = SpecLoader.Parse(SpecWriter.ToJson(spec), SpecFormat.Json);

        Assert.Equal(SpecWriter.ToJson(spec), SpecWriter.ToJson(again));
        Assert.Equal(SweepPlanner.Expand(spec).Select(p => p.Coordinates.Count), SweepPlanner.Expand(again).Select(p => p.Coordinates.Count));
    }

    [Fact]
    public void A_kind_axis_drops_the_parameters_of_the_other_kind()
    {
        SweepSpec spec = Yaml(MinimalFor("mmn-relu", "{kind: ramp, t1: 0.2}"), "grid.model.activation.kind=[ramp, tanh]");

        Assert.Equal([ActivationKinds.Ramp, ActivationKinds.Tanh], SweepPlanner.Expand(spec).Select(p => spec.ForPoint(p).Model.Activation.Kind));
        Assert.Equal(0.2, spec.ForPoint(SweepPlanner.Expand(spec)[0]).Model.Activation.T1);
    }

    [Theory]
    [InlineData("data.delta=0.2,0.5", "grid.data.delta=[0.2, 0.5]")]
    [InlineData("width=100,200", "grid.width=[100, 200]")]
    [InlineData("grid.step_size=0.1,0.5/N", "grid.step_size=[0.1, 0.5/N]")]
    [InlineData("grid.width=[10,10],[20,20]", "grid.width=[[10,10], [20,20]]")]
    [InlineData("model.activation={kind: ramp, t1: 0.2},relu", "grid.model.activation=[{kind: ramp, t1: 0.2}, relu]")]
    public void A_sweep_item_is_a_grid_override(string sweep, string expected)
    {
        Assert.Equal(expected, SpecAxes.ToOverride(sweep, out string? error));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("data.delta=0.1,,0.2", "value 2 of 3")]
    [InlineData("data.delta=0.1,", "value 2 of 2")]
    [InlineData("width=,100", "value 1 of 2")]
    public void A_sweep_item_with_an_empty_value_is_refused_naming_it(string sweep, string which)
    {
        Assert.Null(SpecAxes.ToOverride(sweep, out string? error));
        Assert.Equal($"--sweep: '{sweep}' has an empty value ({which}); expected path=v1,v2,... with a value between every two commas, e.g. --sweep data.delta=0.2,0.5", error);
    }

    [Fact]
    public void A_sweep_over_training_beta_gives_one_point_per_value()
    {
        SweepSpec spec = Yaml(MinimalYaml, SpecAxes.ToOverride("training.beta=10,100", out _)!);

        Assert.Equal([10.0, 100.0], SweepPlanner.Expand(spec).Select(p => spec.ForPoint(p).Training.Beta!.Value));
    }

    [Fact]
    public void A_horizon_axis_replaces_a_horizon_written_as_T()
    {
        SweepSpec spec = Yaml(MinimalYaml.Replace("horizon: 20", "T: 20", StringComparison.Ordinal), "grid.training.T=[1, 2]");

        Assert.Equal([1000L, 2000L], SweepPlanner.Expand(spec).Select(p => p.Steps));
    }

    [Fact]
    public void An_unknown_path_names_the_nearest_valid_ones()
    {
        SpecError error = ErrorsWith("grid.model.init.kapa=[0.5, 0.8]").At("grid.model.init.kapa");

        Assert.StartsWith("unknown field 'model.init.kapa'; allowed fields: width, step_size, layers, gamma, seeds, or the path of a spec field", error.Message);
        Assert.Contains("nearest: model.init.kappa", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("grid.seed=[1, 2]", "grid.seed", "seed cannot vary per point: the sweep seed is one per sweep")]
    [InlineData("grid.model.preset=[mmn-relu, normalized]", "grid.model.preset", "the preset fixes the architecture")]
    [InlineData("grid.observe.test_samples=[100, 200]", "grid.observe.test_samples", "shared by the whole sweep")]
    [InlineData("grid.model.gamma=[0.5, 1]", "grid.model.gamma", "use grid.gamma")]
    public void A_field_that_cannot_vary_per_point_is_refused_with_the_reason(string axis, string path, string reason)
    {
        SpecError error = ErrorsWith(axis).At(path);

        Assert.Contains("is not allowed", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_is_reported_at_its_place_on_the_axis()
    {
        SpecError error = ErrorsWith("grid.model.init.kappa=[0.5, -1]").At("grid.model.init.kappa[1]");

        Assert.StartsWith("with model.init.kappa = -1: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("-1 is not allowed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_first_value_is_reported_at_its_place_on_the_axis()
    {
        SpecError error = ErrorsWith("grid.data.delta=[1.5, 0.5]").At("grid.data.delta[0]");

        Assert.StartsWith("with data.delta = 1.5: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_values_are_refused()
    {
        Assert.Contains("repeats grid.data.delta[0]", ErrorsWith("grid.data.delta=[0.5, 0.5]").At("grid.data.delta[1]").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void More_than_a_million_points_with_field_axes_are_refused_with_the_count()
    {
        SpecError error = ErrorsWith("grid.seeds=100000", "grid.data.delta=[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99]").At("grid");

        Assert.StartsWith("the grid has 1100000 points", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Field_axes_are_refused_for_large_deviations()
    {
        IReadOnlyList<SpecError> errors = ErrorsOf("""
            task: large-deviations
            model: {preset: mmn-relu, activation: tanh}
            data: {kind: isotropic-gaussian, d: 3}
            training: {horizon: 0}
            grid: {width: [8, 16], step_size: 0.1}
            large_deviations: {functional: mean-output-weight, replicas: 100, modes: [annealed], x_grid: [0.5], k_grid: [0, 1]}
            """, "grid.model.init.kappa=[0.5, 0.8]");

        Assert.Contains("task large-deviations", errors.At("grid.model.init.kappa").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Adding_a_value_to_an_axis_leaves_the_other_points_numbers_unchanged()
    {
        const string small = """
            model: {preset: mmn-relu, activation: tanh}
            data: {kind: isotropic-gaussian, d: 4}
            training: {horizon: 0.2}
            observe: {test_samples: 50, quantiles: 8}
            grid: {width: [8, 16], step_size: 0.05, seeds: 2}
            """;
        SweepSpec one = Yaml(small, "grid.data.delta=[0.5]");
        SweepSpec two = Yaml(small, "grid.data.delta=[0.2, 0.5]", "grid.model.init.kappa=[0.8, 1.2]");
        PointSpec[] before = [.. SweepPlanner.Expand(one)];
        PointSpec[] after = [.. SweepPlanner.Expand(two).Where(p => p.CoordinateOf("data.delta")!.Number == 0.5 && p.CoordinateOf("model.init.kappa")!.Number == 0.8)];

        Assert.Equal(before.Length, after.Length);
        for (int i = 0; i < before.Length; i++)
        {
            Assert.NotEqual(before[i].Index, after[i].Index);
            Assert.Equal(Risks(one, before[i]), Risks(two, after[i]));
        }

        static double[] Risks(SweepSpec spec, PointSpec point)
        {
            SgdRun run = TestSpecs.Run(spec.ForPoint(point), point);
            run.Advance(long.MaxValue);
            return [.. run.Risk.Select(r => r.Risk)];
        }
    }

    [Fact]
    public void Aggregation_groups_curves_and_fits_within_each_field_combination()
    {
        SweepSpec spec = Yaml(MinimalFor("mmn-relu"), "grid.width=[100, 200]", "grid.seeds=2", "grid.data.delta=[0.2, 0.5]");
        List<PointOutcome> outcomes = [.. SweepPlanner.Expand(spec).Select(p => new PointOutcome(
            p,
            RunStatus.Completed,
            p.Steps,
            [new RiskPoint(0, 0, 1 + p.CoordinateOf("data.delta")!.Number!.Value + p.Seed, 0.1), new RiskPoint(p.Steps, 1, 1, 0.1)],
            [new MeasureSnapshot(p.Steps, 1, FeatureNames.WeightNorm, [0.1 * p.Seed, 1, 2 + (1.0 / p.Width)])],
            null))];

        AggregateReport report = SweepAggregator.Aggregate(spec, outcomes);

        Assert.Equal(4, report.RiskCurves.Count);
        Assert.Equal([0.2, 0.2, 0.5, 0.5], report.RiskCurves.Select(g => g.Axes!.Single().Value.Number!.Value));
        Assert.All(report.RiskCurves, g => Assert.Equal([0, 1], g.Seeds));
        Assert.Equal(1.5 + 0.2, report.RiskCurves[0].Curve[0].Mean, 12);
        Assert.Equal(1.5 + 0.5, report.RiskCurves[2].Curve[0].Mean, 12);
        Assert.Equal(2, report.MeasureConvergence.Count);
        Assert.All(report.MeasureConvergence, f => Assert.Equal(2, f.Widths.Count));
    }
}
