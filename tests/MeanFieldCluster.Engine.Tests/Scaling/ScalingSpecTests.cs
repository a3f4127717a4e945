using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Scaling;

/// <summary>The spec side of the γ scaling: the allowed range, the warnings, and the new init and observe fields.</summary>
public sealed class ScalingSpecTests
{
    private const string Normalized = """
        name: g
        model: {preset: normalized, activation: tanh, init: {output_mean: 0, output_std: 1}}
        data: {kind: teacher-student, d: 3, teacher: {width: 2, activation: tanh, seed: 1}}
        training: {horizon: 1}
        grid: {width: [8], step_size: [0.1], seeds: 1}
        """;

    private static SweepSpec Yaml(params string[] overrides) => SpecLoader.Parse(Normalized, SpecFormat.Yaml, overrides);

    [Fact]
    public void AGammaBelowOneHalfIsRefusedWithTheFieldTheValueAndTheRange()
    {
        SpecException error = Assert.Throws<SpecException>(() => Yaml("grid.gamma=[0.4, 1]"));
        SpecError e = Assert.Single(error.Errors);
        Assert.Equal("grid.gamma[0]", e.Path);
        Assert.Contains("0.4", e.Message, StringComparison.Ordinal);
        Assert.Contains(">= 0.5 and <= 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANonzeroOutputMeanWithGammaBelowOneIsWarnedAbout()
    {
        string warning = Assert.Single(SpecWarnings.Of(Yaml("model.init.output_mean=0.5", "grid.gamma=[0.5, 1]")));
        Assert.Contains("model.init.output_mean: 0.5 with gamma = 0.5 < 1", warning, StringComparison.Ordinal);
        Assert.Contains("N^(1-gamma)", warning, StringComparison.Ordinal);
        Assert.Empty(SpecWarnings.Of(Yaml("grid.gamma=[0.5, 1]")));
        Assert.Empty(SpecWarnings.Of(Yaml("model.init.output_mean=0.5")));
    }

    [Fact]
    public void ANonzeroInnerMeanWithGammaBelowOneIsWarnedAbout()
    {
        string warning = Assert.Single(SpecWarnings.Of(Yaml("model.init.hidden_mean=0.5", "model.gamma=0.75", "grid.layers=2")));
        Assert.Contains("model.init.hidden_mean", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void TheStructureNestingAndProbeFieldsBindAndRoundTrip()
    {
        SweepSpec spec = Yaml("model.init.hidden_structure=2", "model.init.nested=true", "observe.probe_inputs=4", "grid.layers=2");
        Assert.Equal(2.0, spec.Model.Init.HiddenStructure);
        Assert.True(spec.Model.Init.Nested);
        Assert.Equal(4, spec.Observe.ProbeInputs);
        SweepSpec again = SpecLoader.Parse(SpecWriter.ToJson(spec), SpecFormat.Json);
        Assert.Equal(spec.Model.Init, again.Model.Init);
        Assert.Equal(4, again.Observe.ProbeInputs);

        SweepSpec defaults = Yaml();
        Assert.Equal(0.0, defaults.Model.Init.HiddenStructure);
        Assert.False(defaults.Model.Init.Nested);
        Assert.Equal(16, defaults.Observe.ProbeInputs);
        Assert.Equal("model.init.hidden_structure", Assert.Single(Assert.Throws<SpecException>(() => Yaml("model.init.hidden_structure=-1")).Errors).Path);
    }
}
