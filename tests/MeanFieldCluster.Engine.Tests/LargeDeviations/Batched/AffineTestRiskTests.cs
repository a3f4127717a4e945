using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.Batched;

/// <summary>
/// The test-set risk of an affine network as a quadratic form (docs/large-deviations.md, "The functional without
/// a test-set pass"): equal to the pass over the test set to rounding, and, for the linear student of a linear
/// teacher on Gaussian inputs, within the test set's statistical error of the exact population risk
/// |θ* − v|² + σ_n².
/// </summary>
public sealed class AffineTestRiskTests
{
    [Theory]
    [InlineData(1, 0.0)]
    [InlineData(3, 0.4)]
    public void The_form_is_the_pass_and_the_population_risk_within_its_error(int d, double noise)
    {
        var teacherRng = new Xoshiro256(5);
        double[] u = [.. Enumerable.Range(0, d).Select(_ => teacherRng.NextGaussian())];
        var data = new TeacherStudentData(d, u, [1.0], Activation.Create(new ActivationSpec(ActivationKinds.Identity)), noise);
        TestSet testSet = TestSet.Draw(data, 2000, 17);
        AffineTestRisk form = AffineTestRisk.For(testSet)!;
        double[] theta = data.LinearCoefficients!;
        SweepSpec spec = SpecLoader.Parse(
            "name: affine\nseed: 1\nmodel: {preset: linear, init: {kappa: 1.0}}\ndata: {kind: isotropic-gaussian, d: 1}\ntraining: {steps: 1}\ngrid: {width: [8], step_size: [0.1]}\n",
            SpecFormat.Yaml);
        int misses = 0;
        for (int trial = 0; trial < 20; trial++)
        {
            // The linear preset's student: ŷ = (1/N) Σ_i <w_i, x>, so v = mean of the rows.
            var init = new Xoshiro256((ulong)(100 + trial));
            MeanFieldNetwork network = MeanFieldNetwork.Initialize(spec.Model, d, [8], [1.0], ref init);
            foreach (ref double w in network.FirstLayer)
            {
                w *= 0.3 * (trial + 1);
            }

            RiskEstimate pass = testSet.Risk(network);
            double cheap = form.Risk(network);
            Assert.Equal(pass.Risk, cheap, 1e-12 * Math.Max(1, pass.Risk));

            double[] v = new double[d];
            for (int i = 0; i < 8; i++)
            {
                for (int k = 0; k < d; k++)
                {
                    v[k] += network.FirstLayer[(i * d) + k] / 8;
                }
            }

            double population = (noise * noise) + Enumerable.Range(0, d).Sum(k => (theta[k] - v[k]) * (theta[k] - v[k]));
            misses += Math.Abs(cheap - population) > 3 * pass.StdErr ? 1 : 0;
        }

        // 3 standard errors: a miss has probability about 0.3 % each; allow one in 20.
        Assert.True(misses <= 1, $"{misses} of 20 trials differ from the population risk by more than 3 standard errors");
    }

    [Fact]
    public void The_form_equals_a_hand_computed_risk()
    {
        // Three samples in d = 1: x = (1, 2, 4), y = (1, 1, 3). For ŷ = a + v x with a = 0.5, v = 0.25:
        // residuals 0.25, 0, 1.5, risk (0.0625 + 0 + 2.25) / 3.
        var testSet = new TestSet([1, 2, 4], [1, 1, 3], 1);
        AffineTestRisk form = AffineTestRisk.For(testSet)!;
        Assert.Equal((0.0625 + 2.25) / 3, form.Risk(0.5, [0.25]), 1e-14);
        Assert.Null(AffineTestRisk.For(new TestSet([2, 2, 2], [1, 1, 3], 1)));
    }
}
