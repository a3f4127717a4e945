using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>The model section: presets, activations, γ, biases, trained blocks, layer counts.</summary>
public sealed class SpecModelTests
{
    [Theory]
    [InlineData("mmn-isotropic", true, false, false, false, false, 1)]
    [InlineData("mmn-relu", true, false, true, true, true, 1)]
    [InlineData("linear", true, false, false, false, false, 1)]
    [InlineData("three-layer", true, true, true, true, false, 2)]
    [InlineData("deep-fixed-ends", false, true, false, true, false, 2)]
    [InlineData("normalized", true, true, true, true, false, 1)]
    public void Each_preset_has_its_documented_defaults(string preset, bool first, bool hidden, bool output, bool trainBias, bool bias, int layers)
    {
        SweepSpec spec = Yaml(MinimalFor(preset, preset == Presets.Linear ? "identity" : "relu"));

        Assert.Equal(preset, spec.Model.Preset);
        Assert.Equal(new TrainSpec(first, hidden, output, trainBias), spec.Model.Train);
        Assert.Equal(bias, spec.Model.Bias);
        Assert.Equal([layers], spec.Grid.Layers);
        Assert.Equal([1.0], spec.Model.Gamma);
        Assert.True(spec.Model.MeanFieldScaling);
        Assert.Equal(1e6, spec.Model.DivergenceBound);
    }

    [Fact]
    public void Given_train_fields_override_the_preset_defaults_one_by_one()
    {
        SweepSpec spec = Yaml(MinimalFor("mmn-relu"), "model.train={output: false}");

        Assert.Equal(new TrainSpec(First: true, Hidden: false, Output: false, Bias: true), spec.Model.Train);
    }

    [Fact]
    public void Bias_can_be_switched_on_for_any_preset()
    {
        Assert.True(Yaml(MinimalFor("normalized"), "model.bias=true").Model.Bias);
        Assert.False(Yaml(MinimalFor("mmn-relu"), "model.bias=false").Model.Bias);
    }

    [Fact]
    public void Mean_field_scaling_and_the_divergence_bound_can_be_set()
    {
        SweepSpec spec = Yaml(MinimalYaml, "model.mean_field_scaling=false", "model.divergence_bound=1e3");

        Assert.False(spec.Model.MeanFieldScaling);
        Assert.Equal(1e3, spec.Model.DivergenceBound);
    }

    [Theory]
    [InlineData("model.divergence_bound=0")]
    [InlineData("model.divergence_bound=-1")]
    [InlineData("model.divergence_bound=.inf")]
    public void The_divergence_bound_must_be_finite_and_positive(string setting)
    {
        SpecError error = ErrorsWith(setting).At("model.divergence_bound");

        Assert.EndsWith("expected a finite number > 0", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model.bias=1", "model.bias")]
    [InlineData("model.bias='true'", "model.bias")]
    [InlineData("model.mean_field_scaling=yes", "model.mean_field_scaling")]
    [InlineData("model.train={first: 0}", "model.train.first")]
    [InlineData("model.train={middle: true}", "model.train.middle")]
    [InlineData("model.train=[true]", "model.train")]
    public void Booleans_must_be_true_or_false(string setting, string path)
    {
        Assert.Matches("true or false|allowed fields: first, hidden, output, bias|expected a mapping", ErrorsWith(setting).At(path).Message);
    }

    [Fact]
    public void The_new_init_fields_have_defaults_and_can_be_set()
    {
        Assert.Equal(new InitSpec(HiddenMean: 0.0, HiddenStd: 1.0), Yaml(MinimalYaml).Model.Init);
        Assert.Equal(new InitSpec(HiddenMean: -0.5, HiddenStd: 0.0), Yaml(MinimalYaml, "model.init={hidden_mean: -0.5, hidden_std: 0}").Model.Init);
    }

    [Theory]
    [InlineData("model.init.hidden_std=-1", "model.init.hidden_std")]
    [InlineData("model.init.hidden_mean=.nan", "model.init.hidden_mean")]
    public void Bad_init_values_are_reported(string setting, string path)
    {
        ErrorsWith(setting).At(path);
    }

    [Theory]
    [InlineData("sigmoid")]
    [InlineData("erf")]
    public void The_new_activations_are_accepted(string kind)
    {
        Assert.Equal(new ActivationSpec(kind), Yaml(MinimalYaml, $"model.activation={kind}").Model.Activation);
        Assert.Equal(new ActivationSpec(kind), Yaml(MinimalYaml, $"model.activation={{kind: {kind}}}").Model.Activation);
    }

    [Fact]
    public void The_linear_preset_defaults_to_the_identity_activation()
    {
        const string yaml = """
            model: {preset: linear}
            data: {kind: isotropic-gaussian, d: 10}
            training: {horizon: 1}
            grid: {width: 100, step_size: 0.01}
            """;

        Assert.Equal(new ActivationSpec(ActivationKinds.Identity), Yaml(yaml).Model.Activation);
        Assert.Equal(new ActivationSpec(ActivationKinds.Identity), Yaml(yaml, "model.activation={kind: identity}").Model.Activation);
    }

    [Theory]
    [InlineData("relu", "model.activation")]
    [InlineData("{kind: tanh}", "model.activation.kind")]
    public void The_linear_preset_rejects_other_activations(string activation, string path)
    {
        SpecError error = ErrorsOf(MinimalFor("linear", activation)).At(path);

        Assert.Contains("preset linear is the linear neuron; activation must be identity", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_presets_still_require_an_activation()
    {
        const string yaml = """
            model: {preset: normalized}
            data: {kind: isotropic-gaussian, d: 10}
            training: {horizon: 1}
            grid: {width: 100, step_size: 0.01}
            """;

        Assert.StartsWith("required field is missing", ErrorsOf(yaml).At("model.activation").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gamma_is_a_number_or_a_list_for_the_normalized_preset()
    {
        Assert.Equal([0.5], Yaml(MinimalFor("normalized"), "model.gamma=0.5").Model.Gamma);
        Assert.Equal([1.0, 0.75], Yaml(MinimalFor("normalized"), "model.gamma=[1, 0.75]", "grid.layers=2").Model.Gamma);
        Assert.Equal([0.5, 0.5], Yaml(MinimalFor("normalized"), "model.gamma=[0.5, 0.5]", "grid.layers=2").Model.Gamma);
    }

    [Theory]
    [InlineData("0", "model.gamma")]
    [InlineData("1.6", "model.gamma")]
    [InlineData("0.4", "model.gamma")]
    [InlineData("1.25", "model.gamma")]
    [InlineData("-0.5", "model.gamma")]
    [InlineData(".nan", "model.gamma")]
    [InlineData("[1, 0]", "model.gamma[1]")]
    [InlineData("[]", "model.gamma")]
    [InlineData("'1'", "model.gamma")]
    public void Gamma_outside_one_half_to_one_is_rejected(string gamma, string path)
    {
        SpecError error = ErrorsOf(MinimalFor("normalized"), $"model.gamma={gamma}", "grid.layers=2").At(path);

        Assert.Contains(">= 0.5 and <= 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("three-layer", "model.gamma=0.5", "model.gamma")]
    [InlineData("mmn-relu", "model.gamma=[1, 0.5]", "model.gamma[1]")]
    [InlineData("deep-fixed-ends", "model.gamma=[0.5]", "model.gamma[0]")]
    public void Gamma_other_than_one_needs_the_normalized_preset(string preset, string setting, string path)
    {
        SpecError error = ErrorsOf(MinimalFor(preset), setting).At(path);

        Assert.Contains($"preset {preset} fixes gamma = 1; use preset normalized for other values", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Gamma_equal_to_one_is_fine_for_every_preset()
    {
        Assert.Equal([1.0], Yaml(MinimalFor("three-layer"), "model.gamma=1").Model.Gamma);
    }

    [Fact]
    public void A_gamma_list_must_have_one_value_per_layer_for_every_layer_count()
    {
        SpecError error = ErrorsOf(MinimalFor("normalized"), "model.gamma=[0.5, 1]", "grid.layers=[2, 3]").At("model.gamma");

        Assert.Contains("a list of 2 values is not allowed with L = 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_gamma_list_of_one_value_fits_every_layer_count()
    {
        Assert.Equal([0.75], Yaml(MinimalFor("normalized"), "model.gamma=[0.75]", "grid.layers=[1, 2, 5]").Model.Gamma);
    }

    [Fact]
    public void Every_block_frozen_is_an_error_at_train()
    {
        SpecError error = ErrorsOf(MinimalFor("deep-fixed-ends"), "model.train={hidden: false}").At("model.train");

        Assert.Contains("nothing is trained with L = 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("first = false", error.Message, StringComparison.Ordinal);
        Assert.Contains("bias = true has no effect without biases", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected at least one trained block: switch on first, output, hidden or bias (with model.bias: true)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_only_hidden_layers_is_frozen_when_some_layer_count_is_one()
    {
        SpecError error = ErrorsOf(
            MinimalFor("normalized"), "model.train={first: false, hidden: true, output: false, bias: false}", "grid.layers=[2, 1]").At("model.train");

        Assert.Contains("L = 1", error.Message, StringComparison.Ordinal);
        Assert.Contains("hidden = true has no effect with one hidden layer", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Training_only_biases_counts_when_the_model_has_biases()
    {
        SweepSpec spec = Yaml(MinimalFor("normalized"), "model.bias=true", "model.train={first: false, hidden: false, output: false, bias: true}");

        Assert.Equal(new TrainSpec(false, false, false, true), spec.Model.Train);
        ErrorsOf(MinimalFor("normalized"), "model.train={first: false, hidden: false, output: false, bias: true}").At("model.train");
    }

    [Theory]
    [InlineData("three-layer", "3", "grid.layers", "exactly 2 hidden layers")]
    [InlineData("three-layer", "[2, 1]", "grid.layers[1]", "exactly 2 hidden layers")]
    [InlineData("deep-fixed-ends", "[1, 4]", "grid.layers[0]", "at least 2 hidden layers")]
    [InlineData("linear", "2", "grid.layers", "one-hidden-layer")]
    public void Layer_counts_must_fit_the_preset(string preset, string layers, string path, string reason)
    {
        string activation = preset == Presets.Linear ? "identity" : "relu";
        SpecError error = ErrorsOf(MinimalFor(preset, activation), $"grid.layers={layers}").At(path);

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_and_normalized_presets_accept_up_to_64_layers()
    {
        Assert.Equal([2, 64], Yaml(MinimalFor("deep-fixed-ends"), "grid.layers=[2, 64]").Grid.Layers);
        Assert.Equal([1, 7, 64], Yaml(MinimalFor("normalized"), "grid.layers=[1, 7, 64]").Grid.Layers);
    }

    [Fact]
    public void An_unknown_preset_lists_every_preset()
    {
        SpecError error = ErrorsWith("model.preset=deep").At("model.preset");

        Assert.Equal("unknown preset 'deep'; expected one of mmn-isotropic, mmn-relu, linear, three-layer, deep-fixed-ends, normalized", error.Message);
    }

    [Fact]
    public void An_unknown_model_field_lists_the_new_fields()
    {
        SpecError error = ErrorsWith("model.gammas=1").At("model.gammas");

        Assert.Equal("unknown field 'gammas'; allowed fields: preset, activation, init, gamma, bias, train, mean_field_scaling, divergence_bound", error.Message);
    }
}
