using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Aggregation;

/// <summary>Synthetic sweep specs and point outcomes built directly from the records.</summary>
internal static class AggregationSamples
{
    public const int Levels = 32;

    public static SweepSpec Spec(IReadOnlyList<int> widths, IReadOnlyList<StepSizeSpec> stepSizes, int seeds = 2) =>
        new(
            Name: "aggregation-test",
            Seed: 11,
            Model: new ModelSpec(Presets.MmnIsotropic, new ActivationSpec(ActivationKinds.Ramp), new InitSpec(), [1.0], false, new TrainSpec(true, false, false, false)),
            Data: new DataSpec(DataKinds.IsotropicGaussian, 5),
            Training: new TrainingSpec(1.0, null, new XiSpec()),
            Observe: new ObserveSpec(100, new TimeGrid(null, 3), new TimeGrid(null, 2), Levels),
            Grid: new GridSpec([.. widths.Select(w => (IReadOnlyList<int>)[w])], stepSizes, [1], [.. Enumerable.Range(0, seeds)]));

    /// <summary>
    /// A point of a one-layer grid with one step size: index = width index × seeds + seed; its step_size
    /// coordinate is <paramref name="entry"/> (default: the constant ε <paramref name="stepSize"/>).
    /// </summary>
    public static PointSpec Point(int widthIndex, int width, double stepSize, int seed, int seeds = 2, int stepSizeIndex = 0, int stepSizeCount = 1, StepSizeSpec? entry = null)
    {
        entry ??= new StepSizeSpec(stepSize);
        AxisValue step = AxisValue.Of(entry.DividedByWidth ? System.Text.Json.Nodes.JsonValue.Create($"{entry.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)}/N") : System.Text.Json.Nodes.JsonValue.Create(entry.Value));
        long steps = (long)Math.Round(1.0 / stepSize);
        return new PointSpec(
            Index: (((widthIndex * stepSizeCount) + stepSizeIndex) * seeds) + seed,
            Widths: [width],
            StepSize: stepSize,
            Layers: 1,
            Gamma: [1.0],
            Seed: seed,
            Steps: steps,
            RiskSteps: [0, steps / 2, steps],
            SnapshotSteps: [0, steps],
            RawSteps: [])
        {
            Coordinates = [new(GridAxisNames.Layers, new AxisValue("1")), new(GridAxisNames.Width, new AxisValue($"{width}")), new(GridAxisNames.StepSize, step), new(GridAxisNames.Seed, new AxisValue($"{seed}"))],
        };
    }

    /// <summary>Seed-specific base quantiles: those of 200 Gaussians drawn from (tag, seed).</summary>
    public static double[] BaseLaw(int tag, int seed)
    {
        var rng = new Xoshiro256((ulong)((tag * 1000) + seed + 1));
        var values = new double[200];
        rng.FillGaussian(values);
        return Quantiles.Empirical(values, Levels);
    }

    public static double[] Shift(IReadOnlyList<double> values, double by) => [.. values.Select(v => v + by)];

    public static PointOutcome Outcome(PointSpec point, IReadOnlyList<MeasureSnapshot>? snapshots = null, IReadOnlyList<double>? risks = null, DependenceResult? dependence = null, RunStatus status = RunStatus.Completed)
    {
        risks ??= [1.0, 0.5, 0.25];
        List<RiskPoint> risk = [.. point.RiskSteps.Select((s, i) => new RiskPoint(s, s * point.StepSize, risks[i], 0.01))];
        return new PointOutcome(point, status, point.Steps, risk, snapshots ?? [], dependence);
    }
}
