using MathNet.Numerics.Integration;
using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>
/// E ŷ_0² of a two-hidden-layer network at initialization to next order in the width (docs/models.md, "Control
/// variates of the initial output"): closed forms where g is linear, the Taylor series of tanh, g'' against finite
/// differences of g, and the delta method against an exact integral at N_1 = 2.
/// </summary>
public sealed class TwoLayerInitialOutputTests
{
    private static readonly double[] Norms = [3.0, 8.0, 12.5];

    // Identity: g(v) = v and q̄(x) = a² = κ²‖x‖²/d, so E ŷ_0² = σ_c² N_2^{1−2γ_2} σ_W² N_1^{1−2γ_1} κ² mean‖x‖²/d
    // exactly (the delta term has g'' = 0). Relu: g(v) = v/2 and q̄ = a²/2, so a factor 1/4. A missing σ_W², κ, 1/d or
    // a wrong width power changes the value.
    [Theory]
    [InlineData(ActivationKinds.Identity, 1.0)]
    [InlineData(ActivationKinds.Relu, 0.25)]
    public void WhereGIsLinearTheOutputVarianceIsTheClosedForm(string kind, double factor)
    {
        const double kappa = 1.3, sigmaW = 0.7, sigmaC = 1.6;
        const int d = 5;
        var output = new TwoLayerInitialOutput(Activation.Create(new ActivationSpec(kind)), kappa, sigmaW, sigmaC, d, Norms);
        foreach ((int n1, int n2, double g1, double g2) in new[] { (8, 16, 1.0, 1.0), (32, 4, 0.75, 0.5), (5, 7, 0.6, 0.9) })
        {
            double expected = factor * sigmaC * sigmaC * Math.Pow(n2, 1 - (2 * g2)) * sigmaW * sigmaW * Math.Pow(n1, 1 - (2 * g1)) * kappa * kappa * Norms.Average() / d;
            Assert.Equal(expected, output.MeanSquaredOutput(n1, n2, g1, g2), expected * 1e-10);
        }
    }

    // tanh² y = y² − (2/3) y⁴ + (17/45) y⁶ − (62/315) y⁸ + …, and E z^{2k} = 1, 3, 15, 105: g(v) = v − 2v² + (17/3) v³
    // − (62/3) v⁴ + …, so g''(v) = −4 + 34 v + O(v²).
    [Fact]
    public void ForTanhGFollowsItsTaylorSeriesAtSmallVariance()
    {
        var output = new TwoLayerInitialOutput(new Tanh(), 1.0, 1.0, 1.0, 1, [1.0]);
        foreach (double v in new[] { 1e-3, 3e-3 })
        {
            double series = v - (2 * v * v) + (17.0 / 3 * v * v * v) - (62.0 / 3 * v * v * v * v);
            Assert.Equal(series, output.G(v), 200 * Math.Pow(v, 5));
            Assert.Equal(-4 + (34 * v), output.GSecond(v), 500 * v * v);
        }
    }

    // g'' by the Hermite identity against central second differences of g (error O(h²), h = 10⁻³ v).
    [Theory]
    [InlineData(ActivationKinds.Tanh)]
    [InlineData(ActivationKinds.Erf)]
    public void GSecondIsTheSecondDerivativeOfG(string kind)
    {
        var output = new TwoLayerInitialOutput(Activation.Create(new ActivationSpec(kind)), 1.0, 1.0, 1.0, 1, [1.0]);
        foreach (double v in new[] { 0.05, 0.3, 1.0, 2.5 })
        {
            double h = 1e-3 * v;
            double fd = (output.G(v + h) - (2 * output.G(v)) + output.G(v - h)) / (h * h);
            Assert.Equal(fd, output.GSecond(v), 1e-5 * Math.Max(1, Math.Abs(fd)));
        }
    }

    // At N_1 = 2 the exact E g(s q_2), q_2 = (tanh(a z_1)² + tanh(a z_2)²)/2, is a double integral. The delta method
    // g(s q̄) + ½ g''(s q̄) s² τ²/N_1 leaves a remainder of order s³ (third central moment of q_2): with s = 0.045 it
    // must be under a tenth of the delta term, which itself must stand far above the quadrature's error (a wrong
    // sign, a missing ½ or a τ² in place of τ²/N_1 would miss by the whole term or more).
    [Fact]
    public void TheDeltaTermMatchesTheExactExpectationAtTwoFirstLayerNeurons()
    {
        const double sigmaW = 0.3, a = 1.1;
        var output = new TwoLayerInitialOutput(new Tanh(), a, sigmaW, 1.0, 1, [1.0]);
        double s = sigmaW * sigmaW * Math.Pow(2, 1 - 2.0);
        var rule = new GaussLegendreRule(-10, 10, 160);
        double exact = 0, norm = 0;
        for (int i = 0; i < rule.Order; i++)
        {
            double wi = rule.Weights[i] * Math.Exp(-0.5 * rule.Abscissas[i] * rule.Abscissas[i]);
            double ti = Math.Pow(Math.Tanh(a * rule.Abscissas[i]), 2);
            for (int k = 0; k < rule.Order; k++)
            {
                double wk = rule.Weights[k] * Math.Exp(-0.5 * rule.Abscissas[k] * rule.Abscissas[k]);
                double tk = Math.Pow(Math.Tanh(a * rule.Abscissas[k]), 2);
                exact += wi * wk * output.G(s * (ti + tk) / 2);
                norm += wi * wk;
            }
        }

        exact /= norm;
        double qbar = output.MeanSquare[0];
        double plain = output.G(s * qbar);
        double withDelta = output.MeanSquaredOutput(2, 1, 1.0, 1.0);
        double deltaTerm = withDelta - plain;
        Assert.True(deltaTerm < -1e-7, $"delta term {deltaTerm}");
        Assert.True(Math.Abs(exact - withDelta) < 0.1 * Math.Abs(deltaTerm), $"exact {exact}, delta method {withDelta}, delta term {deltaTerm}");
    }

    [Fact]
    public void BadParametersAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerInitialOutput(new Tanh(), 0, 1, 1, 1, [1.0]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TwoLayerInitialOutput(new Tanh(), 1, 0, 1, 1, [1.0]));
        Assert.Throws<ArgumentException>(() => new TwoLayerInitialOutput(new Tanh(), 1, 1, 1, 1, []));
    }
}
