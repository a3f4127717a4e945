using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

/// <summary>The known answers of MATH section 7 that concern noisy SGD and the time scale.</summary>
public sealed class KnownAnswerTests
{
    [Fact]
    public void NoisySgdOfTheLinearNeuronReachesTheGibbsLawWithMeanThetaStarOverOnePlusLambdaAndVarianceOneOverBetaLambda()
    {
        const int d = 3, width = 500, seeds = 8;
        const double lambda = 1.0, beta = 10.0, stepSize = 0.002, horizon = 6.0;
        var teacher = new TeacherSpec(1, new ActivationSpec(ActivationKinds.Identity), Seed: 4);
        SweepSpec spec = TestSpecs.Small(
            model: TestSpecs.Model(Presets.Linear, ActivationKinds.Identity, init: new InitSpec(Kappa: 1.0)),
            data: new DataSpec(DataKinds.TeacherStudent, d, Teacher: teacher),
            horizon: horizon,
            ridge: lambda,
            beta: beta);
        (DataModel data, TestSet testSet) = TestSpecs.DataOf(spec);
        double[] thetaStar = ((TeacherStudentData)data).LinearCoefficients!;

        var means = new double[seeds, d];
        var variances = new double[seeds];
        for (int s = 0; s < seeds; s++)
        {
            var run = new SgdRun(spec, TestSpecs.Point(spec, width, stepSize, seed: s), data, testSet);
            run.Advance(long.MaxValue);
            ReadOnlySpan<double> w = run.Network.FirstLayer;
            for (int k = 0; k < d; k++)
            {
                double mean = 0, sq = 0;
                for (int i = 0; i < width; i++)
                {
                    mean += w[(i * d) + k] / width;
                }

                for (int i = 0; i < width; i++)
                {
                    sq += Math.Pow(w[(i * d) + k] - mean, 2) / (width - 1);
                }

                means[s, k] = mean;
                variances[s] += sq / d;
            }
        }

        for (int k = 0; k < d; k++)
        {
            double[] perSeed = [.. Enumerable.Range(0, seeds).Select(s => means[s, k])];
            AssertWithin3StdErr(perSeed, thetaStar[k] / (1 + lambda), $"mean of coordinate {k}");
        }

        AssertWithin3StdErr(variances, 1.0 / (beta * lambda), "per-coordinate variance");
    }

    [Fact]
    public void DoublingEveryWidthOfTheThreeLayerNetworkLeavesTheMeanRiskCurveWithinTheSeedSpread()
    {
        SweepSpec spec = ThreeLayerSpec();
        (double[] meanNarrow, double[] sdNarrow) = RiskCurve(spec, 24);
        (double[] meanWide, double[] sdWide) = RiskCurve(spec, 48);

        // The curve must actually move, or the comparison would say nothing.
        Assert.True(meanNarrow[^1] < 0.8 * meanNarrow[0], $"risk moved from {meanNarrow[0]} to {meanNarrow[^1]} only");
        for (int t = 1; t < meanNarrow.Length; t++)
        {
            double spread = Math.Max(sdNarrow[t], sdWide[t]);
            Assert.True(Math.Abs(meanNarrow[t] - meanWide[t]) < spread, $"time index {t}: N = 24 gives {meanNarrow[t]}, N = 48 gives {meanWide[t]}, seed spread {spread}");
        }
    }

    [Fact]
    public void WithoutTheMeanFieldMultipliersTheThreeLayerCurveDependsOnTheWidth()
    {
        // The same comparison as above, scaling off: the wider network learns visibly slower, so the
        // width-independence test above is able to fail.
        SweepSpec spec = ThreeLayerSpec() is var s ? s with { Model = s.Model with { MeanFieldScaling = false } } : null!;
        spec = spec with { Training = spec.Training with { Horizon = 40.0 } };
        (double[] meanNarrow, double[] sdNarrow) = RiskCurve(spec, 24, stepSize: 0.2);
        (double[] meanWide, double[] sdWide) = RiskCurve(spec, 48, stepSize: 0.2);

        double gap = Enumerable.Range(1, meanNarrow.Length - 1).Max(t => Math.Abs(meanNarrow[t] - meanWide[t]) / Math.Max(sdNarrow[t], sdWide[t]));
        Assert.True(gap > 1.0, $"largest gap in seed-spread units: {gap}");
    }

    private static SweepSpec ThreeLayerSpec()
    {
        var teacher = new TeacherSpec(4, new ActivationSpec(ActivationKinds.Tanh), Seed: 2);
        return TestSpecs.Small(
            model: TestSpecs.Model(Presets.ThreeLayer, ActivationKinds.Tanh, init: new InitSpec(Kappa: 1.0, OutputMean: 0.0, OutputStd: 1.0, HiddenMean: 0.0, HiddenStd: 1.0)),
            data: new DataSpec(DataKinds.TeacherStudent, 4, Teacher: teacher, Noise: 0.0),
            horizon: 2.0,
            testSamples: 2000);
    }

    private static (double[] Mean, double[] Sd) RiskCurve(SweepSpec spec, int width, double stepSize = 0.005)
    {
        const int seeds = 8;
        (DataModel data, TestSet testSet) = TestSpecs.DataOf(spec);
        var curves = new List<double[]>();
        for (int s = 0; s < seeds; s++)
        {
            var run = new SgdRun(spec, TestSpecs.Point(spec, width, stepSize, seed: s, layers: 2), data, testSet);
            run.Advance(long.MaxValue);
            curves.Add([.. run.Risk.Select(r => r.Risk)]);
        }

        int n = curves[0].Length;
        double[] mean = [.. Enumerable.Range(0, n).Select(t => curves.Average(c => c[t]))];
        double[] sd = [.. Enumerable.Range(0, n).Select(t => Math.Sqrt(curves.Sum(c => Math.Pow(c[t] - mean[t], 2)) / (seeds - 1)))];
        return (mean, sd);
    }

    private static void AssertWithin3StdErr(double[] samples, double expected, string what)
    {
        double mean = samples.Average();
        double se = Math.Sqrt(samples.Sum(v => Math.Pow(v - mean, 2)) / (samples.Length - 1) / samples.Length);
        Assert.True(Math.Abs(mean - expected) <= 3 * se, $"{what}: {mean} ± {se} (standard error), expected {expected}");
    }
}
