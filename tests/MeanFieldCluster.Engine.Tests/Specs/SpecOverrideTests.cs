using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class SpecOverrideTests
{
    [Fact]
    public void A_list_override_replaces_the_list()
    {
        Assert.Equal([[100], [200]], Yaml(FullYaml, "grid.width=[100,200]").Grid.Width);
    }

    [Fact]
    public void A_number_override_replaces_the_number()
    {
        Assert.Equal(0.5, Yaml(FullYaml, "data.delta=0.5").Data.Delta);
    }

    [Fact]
    public void A_string_override_replaces_a_mapping()
    {
        Assert.Equal(new ActivationSpec("relu"), Yaml(FullYaml, "model.activation=relu").Model.Activation);
    }

    [Fact]
    public void A_mapping_override_replaces_a_string()
    {
        SweepSpec spec = Yaml(MinimalYaml, "model.activation={kind: ramp, t1: 0.2}");

        Assert.Equal(new ActivationSpec("ramp", T1: 0.2), spec.Model.Activation);
    }

    [Fact]
    public void An_override_creates_missing_sections()
    {
        Assert.Equal(64, Yaml(MinimalYaml, "observe.quantiles=64").Observe.QuantileLevels);
    }

    [Fact]
    public void An_override_reaches_inside_an_inline_mapping()
    {
        Assert.Equal(0.1, Yaml(FullYaml, "model.activation.t1=0.1").Model.Activation.T1);
    }

    [Fact]
    public void Later_overrides_win()
    {
        Assert.Equal(3UL, Yaml(MinimalYaml, "seed=2", "seed=3").Seed);
    }

    [Fact]
    public void A_null_override_removes_a_field()
    {
        SweepSpec spec = Yaml(MinimalYaml, "training.horizon=null", "training.steps=500");

        Assert.Equal(new TrainingSpec(null, 500, new XiSpec(), 1), spec.Training);
    }

    [Fact]
    public void Setting_horizon_replaces_its_alias()
    {
        string yaml = MinimalYaml.Replace("{horizon: 20}", "{T: 20}", StringComparison.Ordinal);

        Assert.Equal(30.0, Yaml(yaml, "training.horizon=30").Training.Horizon);
    }

    [Fact]
    public void A_quoted_override_value_is_a_string()
    {
        ErrorsWith("data.d='40'").At("data.d");
    }

    [Theory]
    [InlineData("grid.width")]
    [InlineData("=5")]
    [InlineData(" =5")]
    [InlineData("grid..width=5")]
    [InlineData("grid.width.=5")]
    public void A_malformed_override_is_reported_with_its_text(string text)
    {
        SpecError error = Assert.Single(ErrorsWith(text));

        Assert.Equal("(override)", error.Path);
        Assert.Contains($"'{text}' is malformed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_override_value_that_is_not_yaml_is_reported()
    {
        SpecError error = Assert.Single(ErrorsWith("grid.width=[100,"));

        Assert.Equal("(override)", error.Path);
        Assert.Contains("'grid.width=[100,'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Setting_inside_a_non_mapping_is_reported()
    {
        SpecError error = Assert.Single(Errors(FullYaml, SpecFormat.Yaml, "grid.width.first=5"));

        Assert.Equal("(override)", error.Path);
        Assert.Contains("grid.width is a list, not a mapping", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Override_errors_are_reported_with_the_spec_errors()
    {
        IReadOnlyList<SpecError> errors = ErrorsWith("oops", "data.d=0");

        Assert.Equal(["(override)", "data.d"], errors.Paths());
    }
}
