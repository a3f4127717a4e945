using MeanFieldCluster.Engine.Limit;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>The closed forms of MATH section 4.1 against adaptive quadrature split at the kinks t_i/a.</summary>
public sealed class RampGaussianTests
{
    private static readonly RampParameters Mmn = RampParameters.Mmn;
    private static readonly RampGaussian Gauss = new(Mmn);

    public static TheoryData<double> Scales() => [0.03, 0.3, 0.8, 1.44, 2.7, 10.0];

    private static double Sigma(double z) => GaussianQuadrature.Ramp(Mmn.T1, Mmn.T2, Mmn.S1, Mmn.S2, z);

    private static double[] Kinks(double a) => [Mmn.T1 / a, Mmn.T2 / a];

    [Theory]
    [MemberData(nameof(Scales))]
    public void TheMeanAndItsDerivativeEqualQuadrature(double a)
    {
        double mean = GaussianQuadrature.Expect(g => Sigma(a * g), Kinks(a));

        // dq/da = E[G σ'(aG)] = c ∫_{u1}^{u2} g φ(g) dg.
        double derivative = GaussianQuadrature.Expect(g => g * (a * g > Mmn.T1 && a * g < Mmn.T2 ? Mmn.Slope : 0.0), Kinks(a));

        Assert.Equal(mean, Gauss.Mean(a), 1e-9);
        Assert.Equal(derivative, Gauss.MeanDerivative(a), 1e-9);
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void HermiteMomentsOfOrdersZeroToTwelveEqualQuadrature(double a)
    {
        // Compared in the orthonormal scale α_n = E[σ(aG) He_n(G)] / √(n!) (E[σ He_12] is of order √(12!) ≈ 2e4).
        for (int n = 0; n <= 12; n++)
        {
            double expected = GaussianQuadrature.Expect(g => Sigma(a * g) * GaussianQuadrature.Hermite(n, g), Kinks(a));
            double scale = Math.Sqrt(MathNet.Numerics.SpecialFunctions.Factorial(n));
            Assert.True(Math.Abs(expected - Gauss.HermiteMoment(n, a)) / scale < 1e-9, $"n = {n}, a = {a}: {Gauss.HermiteMoment(n, a)} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void HermiteMomentDerivativesEqualQuadratureOfGTimesSigmaPrime(double a)
    {
        // d/da E[σ(aG) He_n(G)] = E[G σ'(aG) He_n(G)], compared in the orthonormal scale (divided by √(n!)).
        for (int n = 0; n <= 12; n++)
        {
            double expected = GaussianQuadrature.Expect(g => g * (a * g > Mmn.T1 && a * g < Mmn.T2 ? Mmn.Slope : 0.0) * GaussianQuadrature.Hermite(n, g), Kinks(a));
            double scale = Math.Sqrt(MathNet.Numerics.SpecialFunctions.Factorial(n));
            Assert.True(Math.Abs(expected - Gauss.HermiteMomentDerivative(n, a)) / scale < 1e-9, $"n = {n}, a = {a}: {Gauss.HermiteMomentDerivative(n, a)} vs {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Scales))]
    public void TheSecondMomentEqualsQuadrature(double a)
    {
        double expected = GaussianQuadrature.Expect(g => Sigma(a * g) * Sigma(a * g), Kinks(a));

        Assert.Equal(expected, Gauss.SecondMoment(a), 1e-9);
    }

    [Fact]
    public void NormalizedCoefficientsAreTheMomentsOverRootFactorialAndCarryTauAsFunctionsOfR()
    {
        const double r = 0.9, tau = 1.8;
        var alpha = new double[21];
        var alphaPrime = new double[21];
        Gauss.RadialCoefficients(r, tau, alpha, alphaPrime);

        double factorial = 1;
        for (int n = 0; n <= 20; n++)
        {
            factorial *= Math.Max(n, 1);
            Assert.Equal(Gauss.HermiteMoment(n, tau * r) / Math.Sqrt(factorial), alpha[n], 1e-13);
            Assert.Equal(tau * Gauss.HermiteMomentDerivative(n, tau * r) / Math.Sqrt(factorial), alphaPrime[n], 1e-12);
        }
    }

    [Fact]
    public void TheVectorizedEvenOrderBatchMatchesTheFullRecurrence()
    {
        const double tau = 1.8;
        double[] radii = [0.0, 1e-9, 0.05, 0.4, 0.8, 1.3, 2.2, 5.0, -0.7];
        var batch = new EvenCoefficientBatch(Mmn, radii.Length, 21);
        batch.Compute(radii, tau, 21);
        var alpha = new double[41];
        var alphaPrime = new double[41];
        var sums = new double[21];
        for (int j = 0; j < radii.Length; j++)
        {
            Gauss.RadialCoefficients(radii[j], tau, alpha, alphaPrime);
            Assert.Equal(alpha[0], batch.Mean0[j], 1e-14);
            for (int k = 0; k <= 20; k++)
            {
                Assert.Equal(alphaPrime[2 * k], batch.Slope(k, radii.Length)[j], 1e-12);
                sums[k] += alpha[2 * k];
            }
        }

        for (int k = 0; k <= 20; k++)
        {
            Assert.Equal(sums[k], batch.Sums[k], 1e-12);
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1e-320)]
    [InlineData(1e-300)]
    [InlineData(1e-12)]
    [InlineData(-1e-12)]
    public void AtZeroAndTinyScalesSigmaOfAGIsTheConstantSigmaOfZeroWithoutNaN(double a)
    {
        foreach (RampParameters ramp in new[] { Mmn, new RampParameters(0.0, 1.0, -1.0, 1.0), new RampParameters(-1.0, 0.0, 2.0, 3.0) })
        {
            var gauss = new RampGaussian(ramp);
            double sigma0 = ramp.Value(0.0);
            var alpha = new double[40];
            var alphaPrime = new double[40];
            gauss.Coefficients(a, alpha, alphaPrime);

            Assert.All(alpha.Concat(alphaPrime), v => Assert.True(double.IsFinite(v)));
            Assert.Equal(sigma0, gauss.Mean(a), 1e-10);
            Assert.Equal(sigma0, alpha[0], 1e-10);
            Assert.All(alpha.Skip(1), v => Assert.True(Math.Abs(v) < 1e-10));
            Assert.Equal(sigma0 * sigma0, gauss.SecondMoment(a), 1e-10);
            Assert.Equal(sigma0 * gauss.Mean(0.8), gauss.ProductMoment(a, 0.8, 0.6), 1e-10);
            Assert.True(double.IsFinite(gauss.MeanDerivative(a)));
        }
    }

    [Fact]
    public void ANegativeScaleReflectsTheGaussian()
    {
        var plus = new double[12];
        var plusPrime = new double[12];
        var minus = new double[12];
        var minusPrime = new double[12];
        Gauss.Coefficients(0.7, plus, plusPrime);
        Gauss.Coefficients(-0.7, minus, minusPrime);

        for (int n = 0; n < 12; n++)
        {
            double sign = n % 2 == 0 ? 1 : -1;
            Assert.Equal(sign * plus[n], minus[n], 1e-15);
            Assert.Equal(-sign * plusPrime[n], minusPrime[n], 1e-15);
        }

        Assert.Equal(Gauss.ProductMoment(0.7, 1.1, 0.4), Gauss.ProductMoment(-0.7, 1.1, -0.4), 1e-14);
    }

    [Theory]
    [InlineData(0.8, 1.3, 0.3)]
    [InlineData(1.44, 0.16, -0.5)]
    [InlineData(2.5, 3.1, 0.6)]
    [InlineData(0.05, 1.0, 0.45)]
    public void TheExactProductMomentEqualsTheMehlerSeriesAtModerateCorrelation(double a, double b, double c)
    {
        var alphaA = new double[400];
        var alphaB = new double[400];
        Gauss.Coefficients(a, alphaA, []);
        Gauss.Coefficients(b, alphaB, []);
        double series = 0, power = 1;
        for (int n = 0; n < 400; n++)
        {
            series += power * alphaA[n] * alphaB[n];
            power *= c;
        }

        Assert.Equal(series, Gauss.ProductMoment(a, b, c), 1e-11);
    }

    [Theory]
    [InlineData(0.8, 1.3, 0.95)]
    [InlineData(1.44, 1.2, 0.999)]
    [InlineData(0.9, 2.0, -0.97)]
    [InlineData(1.0, 0.6, 0.2)]
    public void TheExactProductMomentEqualsNestedQuadratureNearPerfectCorrelation(double a, double b, double c)
    {
        // G2 = c G1 + s Z: E[σ(b G2) | G1 = g] = s1 + slope [E(bcg + bsZ - t1)_+ - E(bcg + bsZ - t2)_+].
        double s = Math.Sqrt(1 - (c * c));
        double Inner(double g) => Mmn.S1 + (Mmn.Slope * (GaussianQuadrature.ShiftedHinge(b * c * g, b * s, Mmn.T1) - GaussianQuadrature.ShiftedHinge(b * c * g, b * s, Mmn.T2)));
        double[] breaks = [.. Kinks(a), .. new[] { Mmn.T1, Mmn.T2 }.SelectMany(t => new[] { -4, -2, -1, 0, 1, 2, 4 }.Select(k => (t + (k * b * s)) / (b * c)))];

        double expected = GaussianQuadrature.Expect(g => Sigma(a * g) * Inner(g), breaks);

        Assert.Equal(expected, Gauss.ProductMoment(a, b, c), 1e-9);
    }

    [Fact]
    public void AtCorrelationOneTheProductMomentIsContinuousAndMatchesTheDiagonal()
    {
        Assert.Equal(Gauss.SecondMoment(1.3), Gauss.ProductMoment(1.3, 1.3, 1.0), 1e-14);
        foreach ((double a, double b) in new[] { (0.8, 1.3), (2.0, 0.4) })
        {
            // |d/dc E[σσ]| = a b E[σ'σ'] ≤ a b slope², so moving c by 1e-9 moves the moment by at most 1e-6.
            Assert.Equal(Gauss.ProductMoment(a, b, 1.0), Gauss.ProductMoment(a, b, 1.0 - 1e-9), 1e-6);
            Assert.Equal(Gauss.ProductMoment(a, b, -1.0), Gauss.ProductMoment(a, b, -1.0 + 1e-9), 1e-6);
            double expected = GaussianQuadrature.Expect(g => Sigma(a * g) * Sigma(-b * g), [.. Kinks(a), -Mmn.T1 / b, -Mmn.T2 / b]);
            Assert.Equal(expected, Gauss.ProductMoment(a, b, -1.0), 1e-9);
        }
    }
}
