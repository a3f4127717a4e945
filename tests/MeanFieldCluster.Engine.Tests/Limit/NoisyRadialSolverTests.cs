using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>The noisy radial limit: Fokker–Planck on a grid, its Gibbs fixed point, and noisy SGD against it (MATH section 7).</summary>
public sealed class NoisyRadialSolverTests(ITestOutputHelper output)
{
    private const double Beta = 10, Ridge = 4;
    private static readonly RadialPdeSettings Noisy = RadialPdeSettings.MmnFigure1 with { Beta = Beta, Ridge = Ridge, Horizon = 4, OutputTimes = [0.05, 4] };

    private const string NoisySpec = """
        name: noisy
        seed: 5
        model: {preset: mmn-isotropic, activation: ramp, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 40, delta: 0.8}
        training: {horizon: 3, ridge: 4, beta: 10, batch_size: 32}
        observe: {risk: population, risk_times: {count: 2, spacing: linear}, snapshot_times: [0, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3], quantiles: 800, sliced_directions: 0}
        grid: {width: [800], step_size: [5e-4, 2.5e-4], seeds: 1}
        """;

    [Fact]
    public void TheBernoulliFunctionIsSmoothThroughZeroAndExactAway()
    {
        Assert.Equal(1.0, NoisyRadialSolver.Bernoulli(0), 15);
        Assert.Equal(1 - 5e-5 + (1e-8 / 12), NoisyRadialSolver.Bernoulli(1e-4), 15);
        Assert.Equal(2.0 / (Math.Exp(2.0) - 1), NoisyRadialSolver.Bernoulli(2.0), 14);
        Assert.Equal(NoisyRadialSolver.Bernoulli(-3.0), NoisyRadialSolver.Bernoulli(3.0) + 3.0, 12);
    }

    [Fact]
    public void TheTimeIntegrationConvergesToTheIndependentFixedPoint()
    {
        NoisyStationaryLaw fixedPoint = NoisyRadialSolver.Stationary(Noisy);
        RadialPdeSolution solution = RadialPdeSolver.Solve(Noisy);
        RadialPdeSnapshot last = solution.Snapshots[^1];

        Assert.True(fixedPoint.Residual < 1e-10 && fixedPoint.EdgeMass < 1e-12 && fixedPoint.HermiteLastTerm < 1e-10);
        Assert.Equal(fixedPoint.Risk, last.Risk, 1e-6);
        Assert.True(RadialPdeSnapshot.EmpiricalW1([.. last.Radii], [.. Enumerable.Range(0, 2000).Select(j => fixedPoint.QuantileAt((j + 0.5) / 2000))]) < 1e-5);

        // t = 0.05 is still far from it: the test compares a law that moved, not the initial one.
        Assert.True(Math.Abs(solution.Snapshots[0].Risk - fixedPoint.Risk) > 0.1);
    }

    [Fact]
    public void ARidgeOfZeroIsRefusedWithTheReason()
    {
        var ex = Assert.Throws<ArgumentException>(() => NoisyRadialSolver.Stationary(Noisy with { Ridge = 0 }));
        Assert.Contains("cannot be normalized", ex.Message, StringComparison.Ordinal);
        SweepSpec spec = SpecLoader.Parse(NoisySpec.Replace("ridge: 4", "ridge: 0", StringComparison.Ordinal), SpecFormat.Yaml);
        Assert.Contains("ridge > 0", RadialReduction.Check(spec), StringComparison.Ordinal);
        Assert.Null(RadialReduction.Check(SpecLoader.Parse(NoisySpec, SpecFormat.Yaml)));
    }

    [Fact]
    public void NoisySgdAtWidth800LandsOnTheFixedPointAndHalvingTheStepChangesLittle()
    {
        NoisyStationaryLaw fixedPoint = NoisyRadialSolver.Stationary(Noisy);
        SweepSpec spec = SpecLoader.Parse(NoisySpec, SpecFormat.Yaml);
        var measured = new List<(double Mean, double Sd)>();
        foreach (PointSpec point in SweepPlanner.Expand(spec))
        {
            measured.Add(StationaryNorms(spec, point, burnIn: 1.0));
        }

        string report = $"fixed point: mean {fixedPoint.MeanNorm:F4}, SD {fixedPoint.SdNorm:F4}; SGD eps = 5e-4: {measured[0].Mean:F4}, {measured[0].Sd:F4}; eps = 2.5e-4: {measured[1].Mean:F4}, {measured[1].Sd:F4}";
        output.WriteLine(report);
        foreach ((double mean, double sd) in measured)
        {
            Assert.True(Math.Abs(mean - fixedPoint.MeanNorm) < 0.015 && Math.Abs(sd - fixedPoint.SdNorm) < 0.015, report);
        }

        Assert.True(Math.Abs(measured[0].Mean - measured[1].Mean) < 0.005 && Math.Abs(measured[0].Sd - measured[1].Sd) < 0.005, report);
    }

    // Mean and SD of ||w_i|| over the neurons, averaged over the snapshots at t ≥ burnIn (with 800 quantile
    // levels (j + 1/2)/800 and N = 800 the snapshot holds every ||w_i||, sorted).
    private static (double Mean, double Sd) StationaryNorms(SweepSpec spec, PointSpec point, double burnIn)
    {
        SgdRun run = TestSpecs.Run(spec, point);
        run.Advance(long.MaxValue);
        var late = run.ToOutcome().Snapshots.Where(s => s.Feature == FeatureNames.WeightNorm && s.Time >= burnIn - 1e-9).ToList();
        Assert.Equal(9, late.Count);
        double meanSum = 0, sdSum = 0;
        foreach (var snapshot in late)
        {
            double[] norms = [.. snapshot.Values];
            Assert.Equal(point.Width, norms.Length);
            double mean = norms.Average();
            meanSum += mean;
            sdSum += Math.Sqrt(norms.Sum(r => (r - mean) * (r - mean)) / norms.Length);
        }

        return (meanSum / late.Count, sdSum / late.Count);
    }
}
