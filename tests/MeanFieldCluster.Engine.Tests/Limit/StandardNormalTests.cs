using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Limit;

namespace MeanFieldCluster.Engine.Tests.Limit;

public sealed class StandardNormalTests
{
    [Fact]
    public void TheTabulatedUpperTailMatchesMathNetsErfcToRoundingInBothTails()
    {
        for (double u = -12; u <= 12; u += 0.001)
        {
            double expected = 0.5 * SpecialFunctions.Erfc(u / Math.Sqrt(2));
            double actual = StandardNormal.UpperTail(u);
            Assert.True(Math.Abs(actual - expected) <= 3e-16 + (2e-15 * expected), $"u = {u}: {actual} vs {expected}");
        }

        Assert.Equal(0.0, StandardNormal.UpperTail(double.PositiveInfinity));
        Assert.Equal(1.0, StandardNormal.UpperTail(double.NegativeInfinity));
    }

    [Theory]
    [InlineData(0.3, -0.2, 0.2)]
    [InlineData(-1.1, 0.7, -0.25)]
    [InlineData(0.5, 1.5, 0.5)]
    [InlineData(-0.4, -2.0, -0.6)]
    [InlineData(1.2, 0.3, 0.9)]
    [InlineData(0.3, 0.2, -0.93)]
    [InlineData(-0.5, 0.8, 0.97)]
    [InlineData(0.9, -0.1, -0.999)]
    [InlineData(2.0, 2.1, 0.9999)]
    [InlineData(-3.0, 1.0, -0.95)]
    public void BivariateOrthantProbabilitiesMatchQuadratureOfTheConditionalTail(double h, double k, double rho)
    {
        // P(X > h, Y > k) = ∫_h^∞ φ(x) Φ̄((k - ρ x)/s) dx.
        double s = Math.Sqrt(1 - (rho * rho));
        double expected = GaussianQuadrature.Expect(x => x > h ? 1.0 - Normal.CDF(0, 1, (k - (rho * x)) / s) : 0.0, h, (k / rho) - 1, k / rho, (k / rho) + 1);

        Assert.Equal(expected, BivariateNormal.UpperOrthant(h, k, rho), 1e-13);
    }

    [Fact]
    public void BivariateOrthantProbabilitiesHaveTheRightLimits()
    {
        Assert.Equal(StandardNormal.UpperTail(0.3) * StandardNormal.UpperTail(-0.4), BivariateNormal.UpperOrthant(0.3, -0.4, 0.0), 15);
        Assert.Equal(StandardNormal.UpperTail(0.7), BivariateNormal.UpperOrthant(0.7, -0.2, 1.0), 15);
        Assert.Equal(StandardNormal.Cdf(0.2) - StandardNormal.Cdf(-0.7), BivariateNormal.UpperOrthant(-0.7, -0.2, -1.0), 15);
        Assert.Equal(0.25 + (Math.Asin(0.6) / (2 * Math.PI)), BivariateNormal.UpperOrthant(0, 0, 0.6), 15);
        Assert.Equal(0.25 + (Math.Asin(-0.95) / (2 * Math.PI)), BivariateNormal.UpperOrthant(0, 0, -0.95), 15);
    }
}
