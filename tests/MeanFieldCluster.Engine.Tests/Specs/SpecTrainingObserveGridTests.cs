using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>The new fields of training (ξ, ridge, β) and observe.</summary>
public sealed class SpecTrainingObserveTests
{
    [Fact]
    public void Xi_defaults_to_the_constant_schedule()
    {
        Assert.Equal(new XiSpec("constant"), Yaml(MinimalYaml).Training.Xi);
        Assert.Equal(new XiSpec("constant"), Yaml(MinimalYaml, "training.xi={kind: constant}").Training.Xi);
    }

    [Fact]
    public void A_power_schedule_reads_t0_and_alpha_with_defaults()
    {
        Assert.Equal(new XiSpec("power", 1.0, 0.5), Yaml(MinimalYaml, "training.xi=power").Training.Xi);
        Assert.Equal(new XiSpec("power", 1.0, 0.5), Yaml(MinimalYaml, "training.xi={kind: power}").Training.Xi);
        Assert.Equal(new XiSpec("power", 10, 0), Yaml(MinimalYaml, "training.xi={kind: power, t0: 10, alpha: 0}").Training.Xi);
    }

    [Theory]
    [InlineData("training.xi=cosine", "training.xi", "unknown learning-rate schedule 'cosine'; expected one of constant, power")]
    [InlineData("training.xi={kind: cosine}", "training.xi.kind", "unknown learning-rate schedule 'cosine'; expected one of constant, power")]
    [InlineData("training.xi={t0: 1}", "training.xi.kind", "required field is missing; expected one of constant, power")]
    [InlineData("training.xi={kind: constant, t0: 2}", "training.xi.t0", "2 is not allowed; parameter 't0' applies only to xi kind 'power', not 'constant'")]
    [InlineData("training.xi={kind: power, t0: 0}", "training.xi.t0", "0 is not allowed; expected a finite number > 0")]
    [InlineData("training.xi={kind: power, alpha: -1}", "training.xi.alpha", "-1 is not allowed; expected a finite number >= 0")]
    [InlineData("training.xi={kind: power, beta: 1}", "training.xi.beta", "unknown field 'beta'; allowed fields: kind, t0, alpha")]
    [InlineData("training.xi=3", "training.xi", "3 is not allowed; expected one of constant, power")]
    public void Bad_schedules_are_reported(string setting, string path, string message)
    {
        Assert.Equal(message, ErrorsWith(setting).At(path).Message);
    }

    [Fact]
    public void Ridge_defaults_to_zero_and_can_be_set()
    {
        Assert.Equal(0.0, Yaml(MinimalYaml).Training.Ridge);
        Assert.Equal(0.125, Yaml(MinimalYaml, "training.ridge=0.125").Training.Ridge);
    }

    [Theory]
    [InlineData("-0.1")]
    [InlineData(".inf")]
    [InlineData("'0'")]
    public void A_negative_or_infinite_ridge_is_rejected(string ridge)
    {
        ErrorsWith($"training.ridge={ridge}").At("training.ridge");
    }

    [Fact]
    public void Beta_defaults_to_infinity_and_can_be_finite()
    {
        Assert.Null(Yaml(MinimalYaml).Training.Beta);
        Assert.Equal(250.0, Yaml(MinimalYaml, "training.beta=250").Training.Beta);
        Assert.Equal(1e-3, Yaml(MinimalYaml, "training.beta=1e-3").Training.Beta);
    }

    [Theory]
    [InlineData(".inf")]
    [InlineData("inf")]
    [InlineData("infinity")]
    [InlineData("'INF'")]
    [InlineData("null")]
    public void Beta_infinity_is_stored_as_null(string beta)
    {
        Assert.Null(Yaml(MinimalYaml, $"training.beta={beta}").Training.Beta);
    }

    [Fact]
    public void Beta_infinity_may_be_the_json_string_inf()
    {
        string json = FullJson.Replace("\"batch_size\": 1}", "\"batch_size\": 1, \"beta\": \"inf\"}", StringComparison.Ordinal);

        Assert.Null(SpecLoader.Parse(json, SpecFormat.Json).Training.Beta);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("-.inf")]
    [InlineData(".nan")]
    [InlineData("hot")]
    [InlineData("[1]")]
    public void Beta_zero_negative_or_not_a_number_is_rejected(string beta)
    {
        SpecError error = ErrorsWith($"training.beta={beta}").At("training.beta");

        Assert.EndsWith("expected a finite number > 0, or .inf (also 'inf', 'infinity' or null) for β = ∞", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_training_field_lists_the_new_fields()
    {
        Assert.Equal(
            "unknown field 'lr'; allowed fields: horizon, T, steps, xi, batch_size, ridge, beta, precision",
            ErrorsWith("training.lr=1").At("training.lr").Message);
    }

    [Fact]
    public void Observe_fields_take_their_values()
    {
        SweepSpec spec = Yaml(
            MinimalYaml,
            "observe={histogram_bins: 0, raw_times: [5, 0, 5], sliced_directions: 1024, edge_sample: 1, dependence: {chaos: false, edges: false, permutations: 100000}}");

        Assert.Equal(0, spec.Observe.HistogramBins);
        Assert.Equal([5.0, 0.0, 5.0], spec.Observe.RawTimes!);
        Assert.Equal(1024, spec.Observe.SlicedDirections);
        Assert.Equal(1, spec.Observe.EdgeSample);
        Assert.Equal(new DependenceSpec(false, false, 100_000), spec.Observe.Dependence);
    }

    [Fact]
    public void Dependence_fields_default_one_by_one()
    {
        Assert.Equal(new DependenceSpec(Chaos: false), Yaml(MinimalYaml, "observe.dependence={chaos: false}").Observe.Dependence);
        Assert.Equal(new DependenceSpec(Edges: false), Yaml(MinimalYaml, "observe.dependence={edges: false}").Observe.Dependence);
        Assert.Equal(new DependenceSpec(Permutations: 7), Yaml(MinimalYaml, "observe.dependence={permutations: 7}").Observe.Dependence);
    }

    [Theory]
    [InlineData("observe.histogram_bins=-1", "observe.histogram_bins")]
    [InlineData("observe.histogram_bins=10001", "observe.histogram_bins")]
    [InlineData("observe.raw_times=[]", "observe.raw_times")]
    [InlineData("observe.raw_times=[1, -1]", "observe.raw_times[1]")]
    [InlineData("observe.raw_times={count: 3}", "observe.raw_times")]
    [InlineData("observe.raw_times=5", "observe.raw_times")]
    [InlineData("observe.sliced_directions=1025", "observe.sliced_directions")]
    [InlineData("observe.edge_sample=0", "observe.edge_sample")]
    [InlineData("observe.dependence=5", "observe.dependence")]
    [InlineData("observe.dependence={pairs: 500}", "observe.dependence.pairs")]
    [InlineData("observe.dependence={chaos: 1}", "observe.dependence.chaos")]
    [InlineData("observe.dependence={edges: maybe}", "observe.dependence.edges")]
    [InlineData("observe.dependence={permutations: -1}", "observe.dependence.permutations")]
    [InlineData("observe.dependence={permutations: 100001}", "observe.dependence.permutations")]
    [InlineData("observe.dependence={tests: 1}", "observe.dependence.tests")]
    public void Bad_observe_values_are_reported_at_their_path(string setting, string path)
    {
        ErrorsWith(setting).At(path);
    }
}

/// <summary>The new grid rules: per-layer widths, step sizes c/N, the γ axis, and the point count.</summary>
public sealed class SpecGridTests
{
    [Fact]
    public void Width_entries_are_integers_or_per_layer_lists()
    {
        SweepSpec spec = Yaml(MinimalFor("normalized"), "grid.layers=3", "grid.width=[100, [30, 20, 10], 50]");

        Assert.Equal([[100], [30, 20, 10], [50]], spec.Grid.Width);
    }

    [Fact]
    public void A_single_integer_width_is_one_uniform_entry()
    {
        Assert.Equal([[7]], Yaml(MinimalYaml, "grid.width=7").Grid.Width);
    }

    [Fact]
    public void A_per_layer_list_whose_length_differs_from_the_layer_count_is_an_error_at_its_index()
    {
        SpecError error = ErrorsOf(MinimalFor("normalized"), "grid.layers=3", "grid.width=[100, [30, 20]]").At("grid.width[1]");

        Assert.Contains("a list of 2 widths is not allowed with L = 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_per_layer_list_must_fit_every_layer_count()
    {
        SpecError error = ErrorsOf(MinimalFor("normalized"), "grid.layers=[2, 3]", "grid.width=[[30, 20]]").At("grid.width[0]");

        Assert.Contains("L = 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_per_layer_list_of_one_width_needs_one_hidden_layer()
    {
        ErrorsOf(MinimalFor("three-layer"), "grid.width=[[30]]").At("grid.width[0]");
    }

    [Theory]
    [InlineData("[[30, -1]]", "grid.width[0][1]", "-1 is not allowed; expected an integer >= 1 and <= 10000000")]
    [InlineData("[[]]", "grid.width[0]", "the list must not be empty")]
    [InlineData("[{a: 1}]", "grid.width[0]", "expected an integer >= 1 and <= 10000000 (every hidden layer), or a non-empty list")]
    [InlineData("[[[1, 2]]]", "grid.width[0][0]", "a list is not allowed")]
    [InlineData("[[30, 20], [30, 20]]", "grid.width[1]", "repeats grid.width[0]")]
    [InlineData("[[30, 20], [30, 20.5]]", "grid.width[1][1]", "20.5 is not allowed")]
    public void Bad_width_entries_are_reported_at_their_path(string width, string path, string message)
    {
        SpecError error = ErrorsOf(MinimalFor("normalized"), "grid.layers=2", $"grid.width={width}").At(path);

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_per_layer_list_of_equal_widths_repeats_the_uniform_width()
    {
        SpecError error = ErrorsOf(MinimalFor("normalized"), "grid.layers=2", "grid.width=[5, [5, 5]]").At("grid.width[1]");

        Assert.Equal("a list is not allowed; with L = 2 it gives the same widths (5, 5) as grid.width[0] (entries must be distinct)", error.Message);
    }

    [Theory]
    [InlineData("0.5/N", 0.5)]
    [InlineData("1e-3 / N", 1e-3)]
    [InlineData(" 2/N ", 2.0)]
    [InlineData("+.25/N", 0.25)]
    public void Step_sizes_can_be_c_over_n(string text, double c)
    {
        SweepSpec spec = Yaml(MinimalYaml, $"grid.step_size='{text}'");

        Assert.Equal(new StepSizeSpec(c, DividedByWidth: true), Assert.Single(spec.Grid.StepSize));
    }

    [Fact]
    public void Numbers_and_c_over_n_mix_in_one_list_and_differ()
    {
        SweepSpec spec = Yaml(MinimalYaml, "grid.step_size=[0.5, 0.5/N, 1/N]");

        Assert.Equal([new StepSizeSpec(0.5), new StepSizeSpec(0.5, true), new StepSizeSpec(1, true)], spec.Grid.StepSize);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0/N")]
    [InlineData("-1/N")]
    [InlineData("0.5/n")]
    [InlineData("0.5/M")]
    [InlineData("/N")]
    [InlineData("1/N/N")]
    [InlineData("Infinity/N")]
    [InlineData("0.5")]
    public void Other_step_size_strings_are_rejected_with_both_forms_explained(string text)
    {
        SpecError error = ErrorsWith($"grid.step_size=[0.1, '{text}']").At("grid.step_size[1]");

        Assert.EndsWith("expected a number > 0 and <= 10, or a string 'c/N' with c a finite number > 0 (ε = c / N_1, e.g. '0.5/N')", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_size_c_over_n_must_give_at_most_ten_for_every_width()
    {
        SpecError error = ErrorsWith("grid.width=[5, 1000]", "grid.step_size=[0.1, 60/N]").At("grid.step_size[1]");

        Assert.Contains("N_1 = 5: it gives ε = 12", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_step_size_c_over_n_uses_the_first_width_of_a_per_layer_entry()
    {
        Assert.Single(Yaml(MinimalFor("normalized"), "grid.layers=2", "grid.width=[[5, 1]]", "grid.step_size=50/N").Grid.StepSize);
        ErrorsOf(MinimalFor("normalized"), "grid.layers=2", "grid.width=[[4, 100]]", "grid.step_size=50/N").At("grid.step_size");
    }

    [Fact]
    public void Repeated_step_sizes_are_rejected_in_either_form()
    {
        ErrorsWith("grid.step_size=[0.5/N, 0.5 / N]").At("grid.step_size[1]");
        ErrorsWith("grid.step_size=[0.5, 0.50]").At("grid.step_size[1]");
    }

    [Fact]
    public void The_gamma_axis_is_read_for_the_normalized_preset()
    {
        SweepSpec spec = Yaml(MinimalFor("normalized"), "grid.gamma=[0.5, 0.75, 1]");

        Assert.Equal([0.5, 0.75, 1.0], spec.Grid.Gamma!);
        Assert.Equal([0.75], Yaml(MinimalFor("normalized"), "grid.gamma=0.75").Grid.Gamma!);
    }

    [Theory]
    [InlineData("[0.5, 0]", "grid.gamma[1]")]
    [InlineData("[0.5, 1.6]", "grid.gamma[1]")]
    [InlineData("[-1]", "grid.gamma[0]")]
    [InlineData("[0.5, 0.5]", "grid.gamma[1]")]
    [InlineData("[]", "grid.gamma")]
    public void Bad_gamma_axis_values_are_reported(string gamma, string path)
    {
        ErrorsOf(MinimalFor("normalized"), $"grid.gamma={gamma}").At(path);
    }

    [Theory]
    [InlineData("three-layer")]
    [InlineData("mmn-relu")]
    public void The_gamma_axis_needs_the_normalized_preset(string preset)
    {
        SpecError error = ErrorsOf(MinimalFor(preset), "grid.gamma=[0.5, 1]").At("grid.gamma");

        Assert.Contains("the gamma axis is allowed only for preset normalized", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_gamma_axis_counts_in_the_number_of_points()
    {
        SpecError error = ErrorsOf(
            MinimalFor("normalized"), "grid.width=[1, 2, 3, 4, 5, 6]", "grid.gamma=[0.5, 1]", "grid.seeds=100000").At("grid");

        Assert.Contains("1200000 points", error.Message, StringComparison.Ordinal);
        Assert.Contains("1 × 6 × 2 × 1 × 100000", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_million_points_are_allowed()
    {
        Assert.Equal(100_000, Yaml(MinimalFor("normalized"), "grid.width=[1, 2, 3, 4, 5]", "grid.gamma=[0.5, 1]", "grid.seeds=100000").Grid.Seeds.Count);
    }

    [Fact]
    public void An_unknown_grid_field_lists_the_new_fields()
    {
        // Issue 17: a grid key may also be a spec path (an axis over that field), and the nearest are named.
        string message = ErrorsWith("grid.widths=1").At("grid.widths").Message;
        Assert.StartsWith("unknown field 'widths'; allowed fields: width, step_size, layers, gamma, seeds, or the path of a spec field such as model.init.kappa; nearest: width,", message);
    }
}
