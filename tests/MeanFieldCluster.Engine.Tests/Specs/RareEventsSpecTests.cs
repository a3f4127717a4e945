using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>The <c>large_deviations.rare_events</c> section: defaults, round trip, and the rules that refuse a misfit estimator with exit 2.</summary>
public sealed class RareEventsSpecTests
{
    private const string Cramer = """
        name: ld
        task: large-deviations
        model: {preset: mmn-relu, activation: tanh, init: {output_std: 1.0}}
        data: {kind: isotropic-gaussian, d: 3}
        training: {horizon: 0}
        grid: {width: [8, 16], step_size: ["0.5/N"]}
        large_deviations:
          functional: mean-output-weight
          replicas: 250
          modes: [annealed]
          x_grid: [0.5, -0.5, 0]
          k_grid: {from: -1, to: 1, step: 0.5}
          rare_events: {estimator: importance-sampling, levels: [2.0, 1.5]}
        """;

    [Fact]
    public void DefaultsFillInAndTheSectionRoundTripsThroughCanonicalJson()
    {
        SweepSpec spec = SpecLoader.Parse(Cramer, SpecFormat.Yaml);
        string json = SpecWriter.ToJson(spec);
        Assert.Equal(json, SpecWriter.ToJson(SpecLoader.Parse(json, SpecFormat.Json)));
        RareEventsSpec rare = spec.LargeDeviations!.RareEvents!;
        Assert.Equal(new RareEventsSpec("importance-sampling", rare.Levels), rare);
        Assert.Equal([1.5, 2.0], rare.Levels);
    }

    [Theory]
    [InlineData("modes: [annealed]", "modes: [quenched, annealed]", "large_deviations.modes")]
    [InlineData("training: {horizon: 0}", "training: {horizon: 1}", "large_deviations.rare_events.estimator")]
    [InlineData("estimator: importance-sampling", "estimator: splitting", "large_deviations.rare_events.estimator")]
    [InlineData("levels: [2.0, 1.5]}", "levels: [2.0], kill_fraction: 1.0}", "large_deviations.rare_events.kill_fraction")]
    [InlineData("levels: [2.0, 1.5]}", "levels: [2.0], replicas: 5000, max_replicas: 1000}", "large_deviations.rare_events.max_replicas")]
    [InlineData("estimator: importance-sampling, levels: [2.0, 1.5]", "estimator: importance-sampling", "large_deviations.rare_events.levels")]
    public void AMisfitIsRefusedNamingTheField(string from, string to, string path)
    {
        var e = Assert.Throws<SpecException>(() => SpecLoader.Parse(Cramer.Replace(from, to, StringComparison.Ordinal), SpecFormat.Yaml));
        Assert.Contains(e.Errors, err => err.Path == path);
    }
}
