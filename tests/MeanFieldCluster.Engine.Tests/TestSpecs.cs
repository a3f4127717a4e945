using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests;

/// <summary>Small specs built directly from the records, for tests that do not exercise the loader.</summary>
internal static class TestSpecs
{
    public static ModelSpec Model(string preset, string activation = ActivationKinds.Tanh, bool? bias = null, TrainSpec? train = null, InitSpec? init = null, double[]? gamma = null)
    {
        (TrainSpec defaultTrain, bool defaultBias) = Presets.Defaults(preset);
        return new ModelSpec(
            preset,
            new ActivationSpec(activation),
            init ?? new InitSpec(Kappa: 1.5, OutputMean: 0.4, OutputStd: 1.0, BiasMean: 0.1, BiasStd: 0.5, HiddenMean: 0.3, HiddenStd: 1.0),
            gamma ?? [1.0],
            bias ?? defaultBias,
            train ?? defaultTrain);
    }

    public static SweepSpec Small(string preset = Presets.MmnIsotropic, string activation = ActivationKinds.Ramp, int d = 5, double horizon = 1.0, int batch = 1, int testSamples = 200, ModelSpec? model = null, DataSpec? data = null, double ridge = 0, double? beta = null) =>
        new(
            Name: "test",
            Seed: 7,
            Model: model ?? Model(preset, activation, init: new InitSpec(Kappa: 0.8, OutputMean: 1.0, OutputStd: 0.5, BiasMean: 0.1, BiasStd: 0.3)),
            Data: data ?? new DataSpec(DataKinds.IsotropicGaussian, d, 0.5),
            Training: new TrainingSpec(horizon, null, new XiSpec(), batch, ridge, beta),
            Observe: new ObserveSpec(testSamples, new TimeGrid(null, 5, "linear"), new TimeGrid(null, 3, "linear"), 16, HistogramBins: 8, SlicedDirections: 4, Dependence: new DependenceSpec(Permutations: 49)),
            Grid: new GridSpec([[10]], [new StepSizeSpec(0.01)], [1], [0]));

    public static PointSpec Point(SweepSpec spec, int width, double stepSize, int seed = 0, int layers = 1, double horizon = double.NaN) =>
        Point(spec, [.. Enumerable.Repeat(width, layers)], stepSize, seed, horizon);

    public static PointSpec Point(SweepSpec spec, int[] widths, double stepSize, int seed = 0, double horizon = double.NaN)
    {
        double t = double.IsNaN(horizon) ? spec.Training.Horizon!.Value : horizon;
        long steps = (long)Math.Round(t / stepSize);
        long[] risk = [.. Enumerable.Range(0, 5).Select(j => steps * j / 4).Distinct()];
        long[] snaps = [0, steps / 2, steps];
        double[] gamma = spec.Model.Gamma.Count == widths.Length ? [.. spec.Model.Gamma] : [.. Enumerable.Repeat(spec.Model.Gamma[0], widths.Length)];
        return new PointSpec(0, widths, stepSize, widths.Length, gamma, seed, steps, risk, snaps, [steps / 2]);
    }

    public static (DataModel Data, TestSet TestSet) DataOf(SweepSpec spec)
    {
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        return (data, TestSet.For(data, spec.Observe.TestSamples, spec.Seed));
    }

    public static SgdRun Run(SweepSpec spec, PointSpec point)
    {
        (DataModel data, TestSet testSet) = DataOf(spec);
        return new SgdRun(spec, point, data, testSet);
    }
}
