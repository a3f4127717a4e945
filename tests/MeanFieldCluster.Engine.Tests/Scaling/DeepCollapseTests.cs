using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Scaling;

/// <summary>
/// Deep collapse (MATH section 7, docs/models.md "Deep collapse"): with i.i.d. mean-zero inner weights the
/// spread over neurons of the inner pre-activations falls like N^{−1/2}; the structured initialization
/// W_ji = s a_j a_i + noise keeps it O(1).
/// </summary>
public sealed class DeepCollapseTests
{
    private static readonly InitSpec MeanZero = GammaScalingTests.MeanZero;

    private static MeanFieldNetwork Deep(int width, InitSpec init, ulong seed)
    {
        ModelSpec model = TestSpecs.Model(Presets.DeepFixedEnds, bias: false, init: init);
        var rng = new Xoshiro256(seed);
        return MeanFieldNetwork.Initialize(model, 6, [width, width, width], [1.0, 1.0, 1.0], ref rng);
    }

    private static TestSet Probes()
    {
        var rng = new Xoshiro256(3);
        var x = new double[8 * 6];
        rng.FillGaussian(x);
        return new TestSet(x, new double[8], 6);
    }

    /// <summary>Mean over seeds and probe inputs of SD_j(u_{ℓ,j}) for ℓ = 2, 3, per width.</summary>
    private static double[][] Spreads(int[] widths, InitSpec init)
    {
        var probes = new ProbeObservations(Probes(), 8);
        const int seeds = 2;
        return [.. widths.Select(n =>
        {
            var sum = new double[2];
            for (ulong s = 0; s < seeds; s++)
            {
                var measured = probes.Measure(Deep(n, init, 10 + s)).ToDictionary(p => p.Feature, p => p.Values);
                sum[0] += measured[FeatureNames.Spread(2)].Average() / seeds;
                sum[1] += measured[FeatureNames.Spread(3)].Average() / seeds;
            }

            return sum;
        })];
    }

    private static double Slope(int[] widths, double[] values) => -PowerLawFit.Fit([.. widths.Select(n => (double)n)], values)!.Exponent;

    [Fact]
    public void WithMeanZeroIidInnerWeightsTheSecondLayerSpreadFallsLikeNToTheMinusOneHalfAndTheThirdLikeOneOverN()
    {
        // u_2j = N^{-1} Σ_i W_ji h_1i has SD N^{-1/2} |h_1| over j; tanh keeps h_2 of that size, so u_3's SD
        // over j is N^{-1/2} |h_2| = O(N^{-1}) (docs/models.md, "Deep collapse").
        int[] widths = [64, 256, 1024];
        double[][] spreads = Spreads(widths, MeanZero);
        Assert.InRange(Slope(widths, [.. spreads.Select(s => s[0])]), -0.6, -0.4);
        Assert.InRange(Slope(widths, [.. spreads.Select(s => s[1])]), -1.1, -0.9);
    }

    [Fact]
    public void WithMeanZeroIidInnerWeightsTheLearningSeenAtFiniteWidthFadesAsTheWidthGrows()
    {
        // The risk change over a fixed horizon comes from the O(N^{-1/2}) spread; it shrinks about like N^{-1}
        // (measured 2.6e-3, 7e-4, 2e-4 at N = 32, 128, 512 over t = 3), so 16× the width cuts it well below 1/4.
        double small = RiskDrop(16, MeanZero);
        double large = RiskDrop(256, MeanZero);
        Assert.True(small > 0, $"no learning at N = 16 ({small})");
        Assert.True(large < small / 4, $"the risk drop went from {small} (N = 16) to {large} (N = 256)");
    }

    [Fact]
    public void WithTheStructuredInitializationTheRiskDropDoesNotFadeWithTheWidth()
    {
        double small = RiskDrop(16, MeanZero with { HiddenStructure = 2.0 });
        double large = RiskDrop(256, MeanZero with { HiddenStructure = 2.0 });
        Assert.True(large > small / 4, $"the risk drop went from {small} (N = 16) to {large} (N = 256)");
        Assert.True(large > 0.002, $"the risk drop at N = 256 is only {large}");
    }

    /// <summary>R(0) − R(T) of deep-fixed-ends (L = 3), mean over 2 seeds, on teacher-student data, T = 2.</summary>
    private static double RiskDrop(int width, InitSpec init)
    {
        var data = new DataSpec(DataKinds.TeacherStudent, 6, Teacher: new TeacherSpec(3, new ActivationSpec(ActivationKinds.Tanh), 1));
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.DeepFixedEnds, bias: false, init: init), data: data, horizon: 2.0, testSamples: 500);
        double drop = 0;
        for (int seed = 0; seed < 2; seed++)
        {
            SgdRun run = TestSpecs.Run(spec, TestSpecs.Point(spec, width, 0.01, seed, layers: 3));
            run.Advance(long.MaxValue);
            drop += (run.Risk[0].Risk - run.Risk[^1].Risk) / 2;
        }

        return drop;
    }

    [Fact]
    public void TheStructuredInitializationKeepsTheSpreadOrderOne()
    {
        int[] widths = [64, 256, 1024];
        double[][] spreads = Spreads(widths, MeanZero with { HiddenStructure = 2.0 });
        Assert.InRange(Slope(widths, [.. spreads.Select(s => s[0])]), -0.1, 0.1);
        Assert.InRange(Slope(widths, [.. spreads.Select(s => s[1])]), -0.1, 0.1);
        Assert.All(spreads, s => Assert.True(s[0] > 0.2 && s[1] > 0.2, $"spreads {s[0]}, {s[1]} are not O(1)"));
    }

    [Fact]
    public void ThePopulationSdDividesByN()
    {
        Assert.Equal(1.0, ProbeObservations.PopulationSd([1.0, -1.0, 1.0, -1.0]), 15);
        Assert.Equal(0.0, ProbeObservations.PopulationSd([2.5, 2.5]), 15);
    }
}
