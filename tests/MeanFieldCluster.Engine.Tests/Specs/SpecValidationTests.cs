using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class SpecValidationTests
{
    [Fact]
    public void A_negative_width_is_reported_with_its_index_and_the_allowed_range()
    {
        SpecError error = ErrorsWith("grid.width=[100, -5]").At("grid.width[1]");

        Assert.Equal("grid.width[1]: -5 is not allowed; expected an integer >= 1 and <= 10000000", error.ToString());
    }

    [Fact]
    public void An_unknown_activation_lists_the_known_ones()
    {
        SpecError error = ErrorsWith("model.activation=relu2").At("model.activation");

        Assert.Equal("unknown activation 'relu2'; expected one of ramp, relu, tanh, sigmoid, erf, identity", error.Message);
    }

    [Fact]
    public void An_unknown_activation_kind_in_a_mapping_is_reported_at_the_kind()
    {
        ErrorsWith("model.activation={kind: relu2}").At("model.activation.kind");
    }

    [Fact]
    public void An_empty_width_list_must_not_be_empty()
    {
        SpecError error = ErrorsWith("grid.width=[]").At("grid.width");

        Assert.Contains("must not be empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_data_kind_names_the_allowed_kinds()
    {
        SpecError error = Errors(MinimalYaml.Replace("kind: isotropic-gaussian, ", "", StringComparison.Ordinal)).At("data.kind");

        Assert.Equal("required field is missing; expected one of isotropic-gaussian, anisotropic-gaussian, teacher-student, csv", error.Message);
    }

    [Fact]
    public void A_dimension_of_zero_is_rejected()
    {
        Assert.Contains("0 is not allowed", ErrorsWith("data.d=0").At("data.d").Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-0.001")]
    [InlineData("10.5")]
    [InlineData(".nan")]
    [InlineData(".inf")]
    public void Step_sizes_outside_zero_to_ten_are_rejected(string value)
    {
        SpecError error = ErrorsWith($"grid.step_size=[0.001, {value}]").At("grid.step_size[1]");

        Assert.EndsWith("expected a finite number > 0 and <= 10", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_yaml_syntax_error_is_reported_with_line_and_column()
    {
        IReadOnlyList<SpecError> errors = Errors("grid:\n  width: [100, 200\nseed: 1\n");

        SpecError error = Assert.Single(errors);
        Assert.Equal("(yaml)", error.Path);
        Assert.Matches(@"^line \d+, column \d+: ", error.Message);
    }

    [Fact]
    public void A_json_syntax_error_is_reported_with_line_and_column()
    {
        SpecError error = Assert.Single(Errors("{\"seed\": 1,\n \"grid\": [1,}", SpecFormat.Json));

        Assert.Equal("(json)", error.Path);
        Assert.StartsWith("line 2, column 13: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_yaml_key_is_named()
    {
        SpecError error = Assert.Single(Errors(MinimalYaml + "\nmodel: {preset: mmn-relu, activation: relu}\n"));

        Assert.Equal("(yaml)", error.Path);
        Assert.Contains("duplicate key 'model'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_duplicate_json_key_is_reported_at_its_path()
    {
        string json = SpecSamples.FullJson.Replace("\"d\": 40,", "\"d\": 40, \"d\": 41,", StringComparison.Ordinal);

        Assert.Contains("duplicate key 'd'", Errors(json, SpecFormat.Json).At("data.d").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Anchors_and_aliases_are_rejected()
    {
        const string yaml = """
            model: {preset: mmn-isotropic, activation: ramp}
            data:
              kind: isotropic-gaussian
              d: &dim 40
              delta: *dim
            training: {horizon: 20}
            grid: {width: 100, step_size: 0.001}
            """;

        Assert.Contains("not supported", Errors(yaml).At("data.d").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Several_yaml_documents_are_rejected()
    {
        Assert.Equal("(yaml)", Assert.Single(Errors(MinimalYaml + "\n---\n" + MinimalYaml)).Path);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \n")]
    [InlineData("# only a comment\n")]
    [InlineData("~")]
    public void An_empty_document_is_an_error_at_the_root(string text)
    {
        SpecError error = Assert.Single(Errors(text));

        Assert.Equal("(root)", error.Path);
        Assert.Contains("empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_document_that_is_not_a_mapping_is_an_error_at_the_root()
    {
        Assert.Equal("(root)", Assert.Single(Errors("[1, 2]")).Path);
    }

    [Fact]
    public void An_unknown_top_level_field_lists_the_allowed_fields()
    {
        SpecError error = Errors(MinimalYaml + "\ncolour: red\n").At("colour");

        Assert.Equal("unknown field 'colour'; allowed fields: name, seed, task, model, data, training, observe, grid, large_deviations, tags, notes", error.Message);
    }

    [Fact]
    public void An_unknown_nested_field_lists_the_allowed_fields()
    {
        SpecError error = ErrorsWith("data.foo=1").At("data.foo");

        Assert.Equal("unknown field 'foo'; allowed fields: kind, d, delta", error.Message);
    }

    [Fact]
    public void Missing_required_sections_are_each_reported()
    {
        IReadOnlyList<SpecError> errors = Errors("name: x\n");

        Assert.Equal(["model", "data", "training", "grid"], errors.Paths());
        Assert.All(errors, e => Assert.StartsWith("required field is missing", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public void Both_horizon_and_steps_is_an_error_at_training()
    {
        SpecError error = ErrorsWith("training.steps=1000").At("training");

        Assert.Contains("exactly one", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Neither_horizon_nor_steps_is_an_error_at_training()
    {
        ErrorsWith("training.horizon=null").At("training");
    }

    [Fact]
    public void Horizon_and_its_alias_together_are_an_error()
    {
        string yaml = MinimalYaml.Replace("{horizon: 20}", "{horizon: 20, T: 20}", StringComparison.Ordinal);

        Errors(yaml).At("training.T");
    }

    [Theory]
    [InlineData("1.5")]
    [InlineData("1.0")]
    public void A_ramp_needs_t2_above_t1(string t2)
    {
        SpecError error = ErrorsWith($"model.activation={{kind: ramp, t1: 1.5, t2: {t2}}}").At("model.activation.t2");

        Assert.Contains("> t1 = 1.5", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ramp_parameters_are_rejected_for_other_activations()
    {
        ErrorsWith("model.activation={kind: tanh, t1: 0.2}").At("model.activation.t1");
    }

    [Theory]
    [InlineData("mmn-isotropic")]
    [InlineData("mmn-relu")]
    [InlineData("linear")]
    public void One_hidden_layer_presets_reject_more_layers(string preset)
    {
        SpecError error = ErrorsWith($"model.preset={preset}", "model.activation=identity", "grid.layers=[1, 2]").At("grid.layers[1]");

        Assert.Contains("one-hidden-layer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_number_is_a_string_not_a_number()
    {
        string yaml = MinimalYaml.Replace("d: 40", "d: \"40\"", StringComparison.Ordinal);

        SpecError error = Errors(yaml).At("data.d");

        Assert.StartsWith("the string '40' is not allowed; expected an integer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_quoted_number_in_json_is_a_string_not_a_number()
    {
        string json = SpecSamples.FullJson.Replace("\"delta\": 0.8", "\"delta\": \"0.8\"", StringComparison.Ordinal);

        Errors(json, SpecFormat.Json).At("data.delta");
    }

    [Fact]
    public void A_fraction_is_not_an_integer()
    {
        SpecError error = ErrorsWith("data.d=2.5").At("data.d");

        Assert.StartsWith("2.5 is not allowed; expected an integer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_in_a_document_is_reported_together()
    {
        const string yaml = """
            model: {preset: mmn-isotropic, activation: relu2}
            data: {kind: isotropic-gaussian, d: 0}
            training: {horizon: 20}
            grid: {width: [-5], step_size: 0.001}
            """;

        IReadOnlyList<SpecError> errors = Errors(yaml);

        Assert.Equal(["model.activation", "data.d", "grid.width[0]"], errors.Paths());
    }

    [Fact]
    public void Repeated_grid_values_are_rejected()
    {
        SpecError error = ErrorsWith("grid.width=[100, 200, 100]").At("grid.width[2]");

        Assert.Contains("repeats grid.width[0]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repeated_seeds_are_rejected()
    {
        ErrorsWith("grid.seeds=[1, 1]").At("grid.seeds[1]");
    }

    [Fact]
    public void A_grid_of_more_than_a_million_points_is_rejected()
    {
        SpecError error = ErrorsWith("grid.width=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", "grid.seeds=100000").At("grid");

        Assert.Contains("1100000 points", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("data.delta=1", "data.delta")]
    [InlineData("data.delta=-0.1", "data.delta")]
    [InlineData("data.d=100001", "data.d")]
    [InlineData("model.init.kappa=0", "model.init.kappa")]
    [InlineData("model.init.output_std=-1", "model.init.output_std")]
    [InlineData("model.init.bias_mean=.nan", "model.init.bias_mean")]
    [InlineData("model.activation={kind: ramp, s2: -.inf}", "model.activation.s2")]
    [InlineData("model.preset=mmn-deep", "model.preset")]
    [InlineData("training.horizon=0", "training.horizon")]
    [InlineData("training.xi=linear", "training.xi")]
    [InlineData("training.batch_size=0", "training.batch_size")]
    [InlineData("observe.test_samples=9", "observe.test_samples")]
    [InlineData("observe.quantiles=1", "observe.quantiles")]
    [InlineData("observe.risk_times=[]", "observe.risk_times")]
    [InlineData("observe.risk_times=[0, -1]", "observe.risk_times[1]")]
    [InlineData("observe.risk_times={count: 1}", "observe.risk_times.count")]
    [InlineData("observe.snapshot_times={count: 5, spacing: cubic}", "observe.snapshot_times.spacing")]
    [InlineData("observe.snapshot_times=5", "observe.snapshot_times")]
    [InlineData("grid.layers=[0]", "grid.layers[0]")]
    [InlineData("grid.layers=65", "grid.layers")]
    [InlineData("grid.seeds=0", "grid.seeds")]
    [InlineData("grid.seeds=[-1]", "grid.seeds[0]")]
    [InlineData("grid.width=[true]", "grid.width[0]")]
    [InlineData("grid.width={a: 1}", "grid.width")]
    [InlineData("name=''", "name")]
    [InlineData("name=has space", "name")]
    [InlineData("name=2024", "name")]
    [InlineData("seed=-1", "seed")]
    [InlineData("model=5", "model")]
    public void Out_of_range_and_mistyped_values_are_reported_at_their_path(string setting, string path)
    {
        ErrorsWith(setting).At(path);
    }

    [Fact]
    public void Every_error_message_names_the_value_or_what_is_allowed()
    {
        IReadOnlyList<SpecError> errors = ErrorsWith("data.d=0", "grid.width=[]", "data.bar=1", "model.activation=nope");

        Assert.All(errors, e => Assert.Matches("expected|allowed", e.Message));
    }
}
