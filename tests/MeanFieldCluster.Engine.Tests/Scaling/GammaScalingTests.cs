using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Scaling;

/// <summary>
/// The learning-rate multipliers of MATH section 3 (docs/models.md, "Learning-rate multipliers for every γ"):
/// closed forms, one SGD step moving the output by O(ε) at every width and γ, and the initial output's
/// variance scaling with the width as derived.
/// </summary>
public sealed class GammaScalingTests
{
    /// <summary>i.i.d. mean-zero inner and output weights, κ = 1 (the degenerate-limit setting of MATH section 7).</summary>
    internal static readonly InitSpec MeanZero = new(Kappa: 1.0, OutputMean: 0.0, OutputStd: 1.0, HiddenMean: 0.0, HiddenStd: 1.0);

    private static MeanFieldNetwork Network(int[] widths, double gamma, InitSpec init, ulong seed)
    {
        double[] gammas = [.. widths.Select(_ => gamma)];
        ModelSpec model = TestSpecs.Model(Presets.Normalized, bias: false, init: init, gamma: gammas);
        var rng = new Xoshiro256(seed);
        return MeanFieldNetwork.Initialize(model, 4, widths, gammas, ref rng);
    }

    private static double M(MeanFieldNetwork net, string block) => net.Blocks.Single(b => b.Name == block).Multiplier;

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void OneHiddenLayerMultipliersAreNToTheTwoGammaMinusOneForEveryBlock(double gamma)
    {
        MeanFieldNetwork net = Network([256], gamma, MeanZero, 1);
        double expected = Math.Pow(256, (2 * gamma) - 1);
        Assert.Equal(expected, M(net, "w"), 9);
        Assert.Equal(expected, M(net, "c"), 9);
    }

    [Theory]
    [InlineData(0.5, 0.0, 0.0, 0.0)]            // NTK: every multiplier 1
    [InlineData(0.6, 0.4, 0.4, 0.2)]            // γ < 3/4: w gets N^{4γ−2} < N (the incoherent sum dominates)
    [InlineData(0.75, 1.0, 1.0, 0.5)]           // both rules agree at γ = 3/4: N
    [InlineData(1.0, 1.0, 2.0, 1.0)]            // mean field: N_1 for w (coherent sum), N_1 N_2 for W, N_2 for c
    public void TwoHiddenLayerMultipliersFollowTheCoherentOrIncoherentBackwardSum(double gamma, double first, double hidden, double output)
    {
        MeanFieldNetwork net = Network([16, 16], gamma, MeanZero, 1);
        Assert.Equal(Math.Pow(16, first), M(net, "w"), 9);
        Assert.Equal(Math.Pow(16, hidden), M(net, "W1"), 9);
        Assert.Equal(Math.Pow(16, output), M(net, "c"), 9);
    }

    /// <summary>K(x, x) = Δŷ(x) / (2ε) after one SGD step on (x, ŷ(x) + 1): the tangent kernel with the multipliers.</summary>
    private static double OneStepKernel(MeanFieldNetwork net, ulong seed)
    {
        var rng = new Xoshiro256(seed);
        double total = 0;
        const int inputs = 4;
        const double eps = 1e-5;
        double[] saved = (double[])net.Theta.Clone();
        for (int k = 0; k < inputs; k++)
        {
            var x = new double[net.Dimension];
            rng.FillGaussian(x);
            double before = net.Predict(x);
            var noise = new Xoshiro256(0);
            net.SgdStep(x, [before + 1.0], eps, 0, double.PositiveInfinity, ref noise);
            total += (net.Predict(x) - before) / (2 * eps);
            saved.CopyTo(net.Theta, 0);
        }

        return total / inputs;
    }

    private static double MeanKernel(int[] widths, double gamma, InitSpec init)
    {
        double sum = 0;
        const int seeds = 4;
        for (ulong s = 0; s < seeds; s++)
        {
            sum += OneStepKernel(Network(widths, gamma, init, 100 + s), 7 + s);
        }

        return sum / seeds;
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void OneStepMovesTheOutputByOrderEpsilonAtEveryWidthWithOneHiddenLayer(double gamma)
    {
        // The old rule N^γ made K grow like N^{1−γ}: a factor 4 (γ = 1/2) or 2 (γ = 3/4) between these widths.
        double small = MeanKernel([64], gamma, MeanZero);
        double large = MeanKernel([1024], gamma, MeanZero);
        Assert.InRange(small, 0.05, 20);
        Assert.InRange(large / small, 0.7, 1.4);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void OneStepMovesTheOutputByOrderEpsilonAtEveryWidthWithTwoHiddenLayers(double gamma)
    {
        // The old rule gave W the multiplier N^{2γ}: K grew like N^{2−2γ} (16× between these widths at γ = 1/2).
        double small = MeanKernel([32, 32], gamma, MeanZero);
        double large = MeanKernel([512, 512], gamma, MeanZero);
        Assert.InRange(small, 0.05, 20);
        Assert.InRange(large / small, 0.7, 1.4);
    }

    [Fact]
    public void WithACoherentInnerSumTheFirstLayerMultiplierKeepsTheStepOrderEpsilon()
    {
        // c ≡ 1 and W ≡ 1 + noise: Σ_j c_j σ'(u_2j) W_ji is O(N_2), the case training creates at γ = 1. The
        // product rule N_1 N_2 for w would make K grow like N_2 (16× here); the multiplier N_1 keeps it O(1).
        var coherent = new InitSpec(Kappa: 1.0, OutputMean: 1.0, OutputStd: 0.0, HiddenMean: 1.0, HiddenStd: 0.5);
        double small = MeanKernel([32, 32], 1.0, coherent);
        double large = MeanKernel([512, 512], 1.0, coherent);
        Assert.InRange(small, 0.05, 20);
        Assert.InRange(large / small, 0.7, 1.4);
    }

    /// <summary>Slope in N of Var over initializations of ŷ_0(x) (mean over a few inputs), and its standard error.</summary>
    private static (double Slope, double StdErr) VarianceSlope(int[][] widths, double gamma, int draws)
    {
        var x = new double[4][];
        var rng = new Xoshiro256(99);
        for (int k = 0; k < x.Length; k++)
        {
            x[k] = new double[4];
            rng.FillGaussian(x[k]);
        }

        var n = new List<double>();
        var variance = new List<double>();
        foreach (int[] w in widths)
        {
            double[][] outputs = [.. Enumerable.Range(0, draws).Select(s =>
            {
                MeanFieldNetwork net = Network(w, gamma, MeanZero, 1000 + (ulong)s);
                return x.Select(v => net.Predict(v)).ToArray();
            })];
            n.Add(w[0]);
            variance.Add(Enumerable.Range(0, x.Length).Average(k =>
            {
                double mean = outputs.Average(o => o[k]);
                return outputs.Sum(o => (o[k] - mean) * (o[k] - mean)) / (draws - 1);
            }));
        }

        PowerLawFitResult fit = PowerLawFit.Fit(n, variance)!;
        return (-fit.Exponent, fit.ExponentStdErr!.Value);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void InitialOutputVarianceScalesLikeNToTheOneMinusTwoGammaWithOneHiddenLayer(double gamma)
    {
        // Var ŷ_0 = N^{1−2γ} E[c² σ(u)²]; 400 draws give each variance to about 7% (0.03 in log).
        (double slope, _) = VarianceSlope([[32], [128], [512], [2048]], gamma, 400);
        Assert.InRange(slope, 1 - (2 * gamma) - 0.1, 1 - (2 * gamma) + 0.1);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.75)]
    [InlineData(1.0)]
    public void InitialOutputVarianceScalesLikeNToTwiceOneMinusTwoGammaWithTwoTanhLayers(double gamma)
    {
        // u_2 has variance N^{1−2γ}, tanh(u_2) ≈ u_2, and Var ŷ_0 ≈ N^{1−2γ} E[c²] Var(u_2) = N^{2(1−2γ)}.
        (double slope, _) = VarianceSlope([[16, 16], [64, 64], [256, 256]], gamma, 300);
        double expected = 2 * (1 - (2 * gamma));
        Assert.InRange(slope, expected - 0.15, expected + 0.15);
    }
}
