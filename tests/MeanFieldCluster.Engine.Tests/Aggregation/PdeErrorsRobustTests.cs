using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Aggregation;

/// <summary>
/// The width exponent with free per-step-size offsets, and the bootstrap over seeds that keeps a seed's runs at
/// every step size together (docs/limit.md, "Bias, step size and fluctuation fitted apart").
/// </summary>
public sealed class PdeErrorsRobustTests
{
    private static readonly int[] Widths = [100, 200, 400, 800, 1600];
    private static readonly double[] Steps = [3e-5, 6e-5, 1.2e-4];

    [Fact]
    public void OffsetsAbsorbAStepSizeErrorThatIsNotLinearInEpsilon()
    {
        // bias = 3/N + g(ε) with g far from linear (−0.004, −0.016, −0.028, as measured at t = 4.85 on mmn-fig1):
        // the linear-in-ε fit is biased, the offset fit recovers the exponent and the offsets exactly.
        double[] g = [-0.004, -0.016, -0.028];
        double[] n = [.. Steps.SelectMany(_ => Widths.Select(w => (double)w))];
        double[] eps = [.. Steps.SelectMany(e => Widths.Select(_ => e))];
        double[] y = [.. n.Zip(eps, (N, e) => (3.0 / N) + g[Array.IndexOf(Steps, e)])];
        double[] se = [.. y.Select(_ => 1e-4)];

        StepOffsetExponentFit fit = PdeErrorsRobust.StepOffsets(n, eps, y, se)!;
        Assert.Equal(1.0, fit.Exponent, 6);
        Assert.Equal(3.0, fit.B, 4);
        Assert.Equal(g, fit.Offsets.Select(o => Math.Round(o, 6)));
        Assert.Equal(15 - 5, fit.DegreesOfFreedom);
        Assert.True(fit.ExponentLow95 <= 1 && 1 <= fit.ExponentHigh95);

        // The linear-in-ε fit puts the curvature into the width term (its Birge-scaled interval is then wide).
        FreeExponentFit linear = TwoTermFit.Free(n, eps, y, se)!;
        Assert.True(Math.Abs(linear.Exponent - 1) > 0.05, $"the linear-in-ε fit found {linear.Exponent}");
    }

    [Fact]
    public void TheSeedBootstrapCoversTheExponentsWhenTheStepSizesShareTheirInitialDraw()
    {
        // Per seed and width one shared initial deviation u (sd √(s²/N)) at every step size, plus an independent
        // data-noise part (sd √(q ε)): bias exponent 1, SD exponent 1/2, cells correlated across ε as in a sweep.
        const double b = 2.0, c = -250, s2 = 0.05, q = 5;
        var rng = new Xoshiro256(31);
        int coveredBias = 0, coveredSd = 0;
        const int trials = 4;
        for (int trial = 0; trial < trials; trial++)
        {
            var gaps = new List<(int N, double Eps, int Seed, double Gap)>();
            foreach (int n in Widths)
            {
                for (int seed = 0; seed < 8; seed++)
                {
                    double u = Math.Sqrt(s2 / n) * rng.NextGaussian();
                    foreach (double e in Steps)
                    {
                        gaps.Add((n, e, seed, (b / n) + (c * e) + u + (Math.Sqrt(q * e) * rng.NextGaussian())));
                    }
                }
            }

            // 60 resamples keep the test fast; the aggregate uses 200.
            SeedBootstrapIntervals boot = PdeErrorsRobust.Bootstrap(5, trial, gaps, 60)!;
            Assert.Equal(60, boot.Resamples);
            coveredBias += boot.BiasExponent95![0] <= 1 && 1 <= boot.BiasExponent95[1] ? 1 : 0;
            coveredSd += boot.SdExponent95![0] <= 0.5 && 0.5 <= boot.SdExponent95[1] ? 1 : 0;
            if (trial == 0)
            {
                SeedBootstrapIntervals again = PdeErrorsRobust.Bootstrap(5, trial, gaps, 60)!;
                Assert.Equal(boot.BiasExponent95, again.BiasExponent95);
                Assert.Equal(boot.SdExponent95, again.SdExponent95);
            }
        }

        // 95% intervals (a percentile bootstrap from 8 seeds undercovers a little): at least 3 of 4 cover.
        Assert.True(coveredBias >= 3, $"bias exponent covered in {coveredBias} of {trials}");
        Assert.True(coveredSd >= 3, $"SD exponent covered in {coveredSd} of {trials}");
    }

    [Fact]
    public void OneStepSizeHasNoBootstrap()
    {
        Assert.Null(PdeErrorsRobust.Bootstrap(1, 1.0, [(100, 1e-4, 0, 0.1), (200, 1e-4, 0, 0.05), (400, 1e-4, 1, 0.02)]));
    }
}
