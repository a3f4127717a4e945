using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Aggregation;

/// <summary>Bias and fluctuation fitted apart across widths and step sizes (MATH section 7).</summary>
public sealed class TwoTermFitTests
{
    private static readonly double[] Widths = [100, 200, 400, 800, 1600];
    private static readonly double[] Steps = [3e-5, 6e-5, 1.2e-4];

    private static (double[] N, double[] Eps) Grid() =>
        ([.. Steps.SelectMany(_ => Widths)], [.. Steps.SelectMany(e => Widths.Select(_ => e))]);

    [Fact]
    public void NoiselessDataGiveBackTheCoefficientsAndTheExponent()
    {
        (double[] n, double[] eps) = Grid();
        double[] y = [.. n.Zip(eps, (N, e) => (2.0 * Math.Pow(N, -0.8)) + (150 * e))];
        double[] sigma = [.. y.Select(_ => 1e-3)];

        FixedExponentFit? fixedFit = TwoTermFit.Fixed(n, eps, [.. n.Zip(eps, (N, e) => (0.5 / N) + (150 * e))], sigma, 1.0);
        FreeExponentFit? free = TwoTermFit.Free(n, eps, y, sigma);

        Assert.NotNull(fixedFit);
        Assert.Equal(0.5, fixedFit.B, 1e-9);
        Assert.Equal(150, fixedFit.C, 1e-6);
        Assert.NotNull(free);
        Assert.Equal(0.8, free.Exponent, 1e-5);
        Assert.Equal(2.0, free.B, 1e-4);
        Assert.True(free.IntervalContains(0.8) && !free.IntervalContains(0.7) && !free.IntervalContains(0.9));
    }

    [Fact]
    public void SeedStatisticsOfASimulatedGridRecoverBiasExponentOneAndSdExponentOneHalf()
    {
        // Gaps with mean b/N + c ε and variance s²/N + q ε, 8 seeds per cell: the fits see what an SGD sweep gives them.
        const double b = 2.0, c = 300, s2 = 0.05, q = 20;
        const int seeds = 8;
        var rng = new Xoshiro256(77);
        var (n, eps) = Grid();
        var cells = new List<(double Mean, double Se, double Var)>();
        for (int k = 0; k < n.Length; k++)
        {
            double mean = (b / n[k]) + (c * eps[k]), sd = Math.Sqrt((s2 / n[k]) + (q * eps[k]));
            double[] draws = [.. Enumerable.Range(0, seeds).Select(_ => mean + (sd * rng.NextGaussian()))];
            double m = draws.Average(), v = draws.Sum(x => (x - m) * (x - m)) / (seeds - 1);
            cells.Add((m, Math.Sqrt(v / seeds), v));
        }

        FixedExponentFit? bias = TwoTermFit.Fixed(n, eps, [.. cells.Select(x => x.Mean)], [.. cells.Select(x => x.Se)], 1.0);
        FreeExponentFit? biasFree = TwoTermFit.Free(n, eps, [.. cells.Select(x => x.Mean)], [.. cells.Select(x => x.Se)]);
        FixedExponentFit? spread = TwoTermFit.FixedVariance(n, eps, [.. cells.Select(x => x.Var)], [.. n.Select(_ => seeds)], 1.0);
        FreeExponentFit? spreadFree = TwoTermFit.FreeVariance(n, eps, [.. cells.Select(x => x.Var)], [.. n.Select(_ => seeds)]);

        Assert.NotNull(bias);
        Assert.InRange(b, bias.B - (3 * bias.BStdErr), bias.B + (3 * bias.BStdErr));
        Assert.InRange(c, bias.C - (3 * bias.CStdErr), bias.C + (3 * bias.CStdErr));
        Assert.NotNull(biasFree);
        Assert.True(biasFree.IntervalContains(1.0), $"bias exponent {biasFree.Exponent} [{biasFree.ExponentLow95}, {biasFree.ExponentHigh95}]");
        Assert.NotNull(spread);
        Assert.InRange(s2, spread.B - (3 * spread.BStdErr), spread.B + (3 * spread.BStdErr));
        Assert.InRange(q, spread.C - (3 * spread.CStdErr), spread.C + (3 * spread.CStdErr));
        Assert.NotNull(spreadFree);
        Assert.True(spreadFree.IntervalContains(1.0), $"variance exponent {spreadFree.Exponent} [{spreadFree.ExponentLow95}, {spreadFree.ExponentHigh95}]");
    }

    [Fact]
    public void TooFewPointsGiveNoFit()
    {
        Assert.Null(TwoTermFit.Fixed([100, 200], [1e-4, 1e-4], [0.1, 0.05], [0.01, 0.01], 1.0));
        Assert.Null(TwoTermFit.Free([100, 200, 400], [1e-4, 2e-4, 1e-4], [0.1, 0.05, 0.02], [0.01, 0.01, 0.01]));
    }
}
