using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class LargeDeviationsSpecTests
{
    private const string Yaml = """
        name: ld
        task: large-deviations
        model: {preset: mmn-relu, activation: tanh, init: {output_std: 1.0}}
        data: {kind: isotropic-gaussian, d: 3}
        training: {horizon: 0}
        grid: {width: [8, 16], step_size: ["0.5/N"]}
        large_deviations:
          functional: mean-output-weight
          replicas: 250
          batch_size: 100
          modes: [quenched, annealed]
          quenched_draws: 2
          x_grid: [0.5, -0.5, 0]
          k_grid: {from: -1, to: 1, step: 0.5}
        """;

    [Fact]
    public void ALargeDeviationsSpecRoundTripsThroughCanonicalJson()
    {
        SweepSpec spec = SpecLoader.Parse(Yaml, SpecFormat.Yaml);
        string json = SpecWriter.ToJson(spec);

        Assert.Equal(json, SpecWriter.ToJson(SpecLoader.Parse(json, SpecFormat.Json)));
        LargeDeviationsSpec ld = spec.LargeDeviations!;
        Assert.Equal([-0.5, 0, 0.5], ld.XGrid);
        Assert.Equal([-1, -0.5, 0, 0.5, 1], ld.KGrid);
        Assert.Equal(2, ld.QuenchedDraws);
    }

    [Fact]
    public void ThePlannerSplitsReplicasIntoBatchesPerModeDrawAndWidth()
    {
        IReadOnlyList<PointSpec> points = SweepPlanner.Expand(SpecLoader.Parse(Yaml, SpecFormat.Yaml));

        // quenched: 2 draws x 2 widths x 3 batches; annealed: 2 widths x 3 batches.
        Assert.Equal(18, points.Count);
        Assert.Equal(Enumerable.Range(0, 18), points.Select(p => p.Index));
        Assert.All(points, p => Assert.Equal(0, p.Steps));
        Assert.Equal([100, 100, 50], points.Take(3).Select(p => p.ReplicaCount));
        Assert.Equal([0, 100, 200], points.Take(3).Select(p => p.ReplicaStart));
        Assert.Equal(0.5 / 16, points.First(p => p.Width == 16).StepSize);
        Assert.Equal(12, points.Count(p => p.Mode == LdModes.Quenched));
        Assert.Equal([0, 1], points.Where(p => p.Mode == LdModes.Quenched).Select(p => p.Draw).Distinct());
    }

    [Fact]
    public void AFixedStepWithTrainingIsRefusedNamingTheFieldTheReasonAndTheAlphaOverNForm()
    {
        string yaml = Yaml.Replace("horizon: 0", "horizon: 1", StringComparison.Ordinal).Replace("\"0.5/N\"", "0.02", StringComparison.Ordinal);

        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(yaml, SpecFormat.Yaml));

        SpecError error = Assert.Single(ex.Errors);
        Assert.Equal("grid.step_size[0]", error.Path);
        Assert.Contains("no principle at speed N", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"0.16/N\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("allow_fixed_step: true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheFixedStepOptInIsAcceptedAndRoundTrips()
    {
        string yaml = Yaml.Replace("horizon: 0", "horizon: 1", StringComparison.Ordinal).Replace("\"0.5/N\"", "0.02", StringComparison.Ordinal)
            .Replace("quenched_draws: 2", "quenched_draws: 2\n  allow_fixed_step: true", StringComparison.Ordinal);

        SweepSpec spec = SpecLoader.Parse(yaml, SpecFormat.Yaml);

        Assert.True(spec.LargeDeviations!.AllowFixedStep);
        Assert.True(SpecLoader.Parse(SpecWriter.ToJson(spec), SpecFormat.Json).LargeDeviations!.AllowFixedStep);
        Assert.False(SpecLoader.Parse(Yaml, SpecFormat.Yaml).LargeDeviations!.AllowFixedStep);
    }

    [Fact]
    public void AlphaOverNWithAHorizonIsAcceptedAndAFixedStepCountIsRefused()
    {
        SweepSpec spec = SpecLoader.Parse(Yaml.Replace("horizon: 0", "horizon: 1", StringComparison.Ordinal), SpecFormat.Yaml);
        Assert.Equal([16, 32], SweepPlanner.Expand(spec).Select(p => p.Steps).Distinct().Order());

        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(Yaml.Replace("horizon: 0", "steps: 40", StringComparison.Ordinal), SpecFormat.Yaml));
        Assert.Contains(ex.Errors, e => e.Path == "training.steps" && e.Message.Contains("horizon", StringComparison.Ordinal));
    }

    [Fact]
    public void LargeDeviationSettingsWithoutTheTaskAreRejected()
    {
        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(Yaml.Replace("task: large-deviations\n", "", StringComparison.Ordinal), SpecFormat.Yaml));

        Assert.Contains(ex.Errors, e => e.Path == "large_deviations");
    }

    [Fact]
    public void AHorizonOfZeroIsOnlyAllowedForLargeDeviations()
    {
        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(
            Yaml.Replace("task: large-deviations\n", "", StringComparison.Ordinal).Split("large_deviations:")[0],
            SpecFormat.Yaml));

        Assert.Contains(ex.Errors, e => e.Path == "training.horizon");
    }

    [Fact]
    public void NestedInitializationIsRefusedForLargeDeviationsNamingTheField()
    {
        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(Yaml.Replace("init: {output_std: 1.0}", "init: {output_std: 1.0, nested: true}", StringComparison.Ordinal), SpecFormat.Yaml));

        SpecError error = Assert.Single(ex.Errors);
        Assert.Equal("model.init.nested", error.Path);
        Assert.Contains("not allowed for task large-deviations", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestedWithStratifiedSamplingIsRefusedForATrainingSweepNamingBothFields()
    {
        string training = Yaml.Replace("task: large-deviations\n", "", StringComparison.Ordinal).Split("large_deviations:")[0]
            .Replace("horizon: 0", "horizon: 1", StringComparison.Ordinal)
            .Replace("init: {output_std: 1.0}", "init: {output_std: 1.0, sampling: stratified, nested: true}", StringComparison.Ordinal);

        var ex = Assert.Throws<SpecException>(() => SpecLoader.Parse(training, SpecFormat.Yaml));

        SpecError error = Assert.Single(ex.Errors);
        Assert.Equal("model.init.nested", error.Path);
        Assert.Contains("model.init.sampling: 'stratified'", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected nested: false, or sampling: 'iid'", error.Message, StringComparison.Ordinal);
        Assert.Equal("stratified", InitSamplingsOf(training.Replace(", nested: true", "", StringComparison.Ordinal)));
    }

    private static string InitSamplingsOf(string yaml) => SpecLoader.Parse(yaml, SpecFormat.Yaml).Model.Init.Sampling;
}
