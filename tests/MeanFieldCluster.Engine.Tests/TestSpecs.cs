using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests;

/// <summary>Small specs built directly from the records, for tests that do not exercise the loader.</summary>
internal static class TestSpecs
{
    public static SweepSpec Small(string preset = Presets.MmnIsotropic, string activation = ActivationKinds.Ramp, int d = 5, double horizon = 1.0, int batch = 1, int testSamples = 200) =>
        new(
            Name: "test",
            Seed: 7,
            Model: new ModelSpec(preset, new ActivationSpec(activation), new InitSpec(Kappa: 0.8, OutputMean: 1.0, OutputStd: 0.5, BiasMean: 0.1, BiasStd: 0.3)),
            Data: new DataSpec(DataKinds.IsotropicGaussian, d, 0.5),
            Training: new TrainingSpec(horizon, null, "constant", batch),
            Observe: new ObserveSpec(testSamples, new TimeGrid(null, 5, "linear"), new TimeGrid(null, 3, "linear"), 16),
            Grid: new GridSpec([10], [0.01], [1], [0]));

    public static PointSpec Point(SweepSpec spec, int width, double stepSize, int seed = 0)
    {
        long steps = (long)Math.Round(spec.Training.Horizon!.Value / stepSize);
        long[] risk = [.. Enumerable.Range(0, 5).Select(j => steps * j / 4).Distinct()];
        long[] snaps = [0, steps / 2, steps];
        return new PointSpec(0, width, stepSize, 1, seed, steps, risk, snaps);
    }
}
