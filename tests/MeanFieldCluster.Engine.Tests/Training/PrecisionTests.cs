using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

public sealed class PrecisionTests
{
    /// <summary>The tolerance docs/spec.md states for float32 against float64 risk curves (absolute, at every recorded time).</summary>
    private const double RiskTolerance = 1e-4;

    [Fact]
    public void Float32AndFloat64RiskCurvesOfTheMmnExampleAgreeWithinTheStatedTolerance()
    {
        // MMN figure 1 setting (examples/mmn-fig1-small.yaml) at N = 200 with a larger step, so the curve falls a lot.
        SweepSpec spec64 = SpecLoader.Parse(
            """
            name: precision
            seed: 1
            model:
              preset: mmn-isotropic
              activation: {kind: ramp, t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5}
              init: {kappa: 0.8}
            data: {kind: isotropic-gaussian, d: 40, delta: 0.8}
            training: {horizon: 8}
            observe: {test_samples: 2000, risk_times: {count: 9, spacing: linear}, snapshot_times: [0, 8], quantiles: 16}
            grid: {width: [200], step_size: [0.002]}
            """,
            SpecFormat.Yaml);
        SweepSpec spec32 = spec64 with { Training = spec64.Training with { Precision = Precisions.Float32 } };
        PointSpec point = SweepPlanner.Expand(spec64)[0];

        SgdRun run64 = TestSpecs.Run(spec64, point);
        SgdRun run32 = TestSpecs.Run(spec32, point);
        run64.Advance(long.MaxValue);
        run32.Advance(long.MaxValue);

        Assert.Equal(Precisions.Float32, run32.Precision);
        Assert.True(run64.Risk[0].Risk - run64.Risk[^1].Risk > 0.2, "the risk must fall for the comparison to mean anything");
        double worst = run64.Risk.Zip(run32.Risk, (a, b) => Math.Abs(a.Risk - b.Risk)).Max();
        Assert.True(worst <= RiskTolerance, $"float32 and float64 risk curves differ by {worst:G3} at some time (tolerance {RiskTolerance})");
        Assert.NotEqual(run64.Network.Theta, run32.Network.Theta);
        Assert.All(run32.Network.Theta, v => Assert.Equal(v, (double)(float)v));
    }

    [Fact]
    public void AnUnknownPrecisionIsRejectedNamingTheFieldAndTheAllowedValues()
    {
        var error = Assert.Throws<SpecException>(() => SpecLoader.Parse(
            """
            model: {preset: mmn-isotropic, activation: ramp}
            data: {kind: isotropic-gaussian, d: 4}
            training: {horizon: 1, precision: half}
            grid: {width: [10], step_size: [0.1]}
            """,
            SpecFormat.Yaml));

        Assert.Contains("training.precision", error.Message, StringComparison.Ordinal);
        Assert.Contains("'half'", error.Message, StringComparison.Ordinal);
        Assert.Contains("float64", error.Message, StringComparison.Ordinal);
        Assert.Contains("float32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PrecisionDefaultsToFloat64AndFloat32IsRead()
    {
        const string Spec = """
            model: {preset: mmn-isotropic, activation: ramp}
            data: {kind: isotropic-gaussian, d: 4}
            training: {horizon: 1}
            grid: {width: [10], step_size: [0.1]}
            """;

        Assert.Equal(Precisions.Float64, SpecLoader.Parse(Spec, SpecFormat.Yaml).Training.Precision);
        Assert.Equal(Precisions.Float32, SpecLoader.Parse(Spec, SpecFormat.Yaml, ["training.precision=float32"]).Training.Precision);
    }
}
