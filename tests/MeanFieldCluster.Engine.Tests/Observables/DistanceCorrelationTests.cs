using CsCheck;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Observables;

public sealed class DistanceCorrelationTests
{
    /// <summary>
    /// Székely and Rizzo (2014), written out independently of the engine's U-centred matrices: with
    /// a_ij = |x_i − x_j|, row sums a_i. and total a_.., the unbiased squared distance covariance is
    /// [Σ_{i≠j} a_ij b_ij − (2/(n−2)) Σ_i a_i. b_i. + a_.. b_.. / ((n−1)(n−2))] / (n(n−3)), and
    /// R*_n = dCov²_U(x, y) / sqrt(dCov²_U(x, x) dCov²_U(y, y)).
    /// </summary>
    private static double ByRowSums(double[] x, int dx, double[] y, int dy)
    {
        int n = x.Length / dx;
        double[,] a = Distances(x, dx, n), b = Distances(y, dy, n);
        double U(double[,] p, double[,] q)
        {
            double cross = 0, rows = 0, totalP = 0, totalQ = 0;
            for (int i = 0; i < n; i++)
            {
                double rowP = 0, rowQ = 0;
                for (int j = 0; j < n; j++)
                {
                    cross += p[i, j] * q[i, j];
                    rowP += p[i, j];
                    rowQ += q[i, j];
                }

                rows += rowP * rowQ;
                totalP += rowP;
                totalQ += rowQ;
            }

            return (cross - (2.0 * rows / (n - 2)) + (totalP * totalQ / ((n - 1.0) * (n - 2.0)))) / (n * (n - 3.0));
        }

        return U(a, b) / Math.Sqrt(U(a, a) * U(b, b));
    }

    private static double[,] Distances(double[] v, int d, int n)
    {
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int c = 0; c < d; c++)
                {
                    s += (v[(i * d) + c] - v[(j * d) + c]) * (v[(i * d) + c] - v[(j * d) + c]);
                }

                m[i, j] = Math.Sqrt(s);
            }
        }

        return m;
    }

    [Fact]
    public void FourHandComputedPairsGiveMinusOneHalf()
    {
        // x = (0, 1, 2, 3), y = (0, 1, 0, 1), n = 4: Ã_ij = a_ij − (a_i. + a_j.)/2 + a_../6 off the diagonal.
        // Row sums of a: 6, 4, 4, 6, total 20; of b: 2, 2, 2, 2, total 8.
        // Ã_12 = 1 − 5 + 10/3 = −2/3, Ã_13 = 2 − 5 + 10/3 = 1/3, Ã_14 = 3 − 6 + 10/3 = 1/3, Ã_23 = 1 − 4 + 10/3 = 1/3,
        // Ã_24 = 2 − 5 + 10/3 = 1/3, Ã_34 = 1 − 5 + 10/3 = −2/3 (each row sums to 0); B̃_ij = b_ij − 2/3: B̃_12 = 1/3,
        // B̃_13 = −2/3, B̃_14 = 1/3, B̃_23 = 1/3, B̃_24 = −2/3, B̃_34 = 1/3. Over the 6 unordered pairs:
        // ΣÃB̃ = (−2 − 2 + 1 + 1 − 2 − 2)/9 = −6/9, ΣÃ² = 12/9, ΣB̃² = 12/9, so R* = −1/2: unlike the
        // V-statistic, the bias-corrected statistic can be negative.
        double r = DistanceCorrelation.BiasCorrected([0, 1, 2, 3], 1, [0, 1, 0, 1], 1);

        Assert.Equal(-0.5, r, 12);
        Assert.Equal(ByRowSums([0, 1, 2, 3], 1, [0, 1, 0, 1], 1), r, 12);
    }

    [Fact]
    public void TheEngineAgreesWithTheRowSumFormulaOfThePaperOnSmallSamples()
    {
        for (ulong seed = 1; seed <= 20; seed++)
        {
            int n = 4 + (int)(seed % 9);
            double[] x = TestRandom.Gaussians(seed, n * 3);
            double[] y = [.. TestRandom.Gaussians(seed + 100, n * 2).Select((v, k) => v + (seed % 2 == 0 ? x[k / 2 * 3] : 0))];

            Assert.Equal(ByRowSums(x, 3, y, 2), DistanceCorrelation.BiasCorrected(x, 3, y, 2), 10);
        }
    }

    [Fact]
    public void AVectorIsPerfectlyDistanceCorrelatedWithItself()
    {
        double[] x = TestRandom.Gaussians(1, 100 * 3);

        Assert.Equal(1.0, DistanceCorrelation.BiasCorrected(x, 3, x, 3), 12);
    }

    [Fact]
    public void ALinearImageHasDistanceCorrelationOne()
    {
        double[] x = TestRandom.Gaussians(2, 120);
        double[] y = [.. x.Select(v => (-2 * v) + 3)];

        Assert.Equal(1.0, DistanceCorrelation.BiasCorrected(x, 1, y, 1), 12);
    }

    [Fact]
    public void TheMeanOverIndependentSamplesIsZeroWithinThreeStandardErrors()
    {
        // E R*_n = 0 under independence (the numerator is an unbiased U-statistic of dCov² = 0; its sign
        // is symmetric). The V-statistic's dCor² here would average ≈ 0.035 (dCor ≈ 0.19), 25 SEs away.
        const int repetitions = 400, n = 40;
        var rng = new Xoshiro256(21);
        var values = new double[repetitions];
        for (int r = 0; r < repetitions; r++)
        {
            var x = new double[n * 9];
            var y = new double[n * 2];
            rng.FillGaussian(x);
            rng.FillGaussian(y);
            values[r] = DistanceCorrelation.BiasCorrected(x, 9, y, 2);
        }

        double mean = values.Average();
        double se = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (repetitions - 1) / repetitions);
        Assert.True(Math.Abs(mean) < 3 * se, $"mean {mean}, SE {se}");

        // Its spread is about sqrt(2)/n (Székely–Rizzo 2013: sqrt(n(n−3)/2 − 1) R*_n is about N(0, 1)).
        double sd = se * Math.Sqrt(repetitions);
        Assert.InRange(sd, 0.7 * Math.Sqrt(2.0 / (n * (n - 3))), 1.3 * Math.Sqrt(2.0 / (n * (n - 3))));
    }

    [Fact]
    public void IndependentGaussiansGiveANonSignificantPValueAndANullSpreadNearSqrtTwoOverN()
    {
        const int n = 200;
        double[] x = TestRandom.Gaussians(3, n * 2);
        double[] y = TestRandom.Gaussians(4, n * 3);
        var rng = new Xoshiro256(5);

        DistanceCorrelationTest test = DistanceCorrelation.Test(x, 2, y, 3, 199, ref rng);

        Assert.True(test.PValue > 0.01, $"p = {test.PValue}");
        Assert.NotNull(test.NullSd);
        Assert.InRange(test.NullSd.Value, 0.7 * Math.Sqrt(2.0) / n, 1.3 * Math.Sqrt(2.0) / n);
        Assert.True(Math.Abs(test.Estimate) < 4 * test.NullSd.Value, $"R* = {test.Estimate}");
        Assert.Equal((n, 199), (test.Pairs, test.Permutations));
    }

    [Fact]
    public void ASquareIsUncorrelatedButDetectedAsDependent()
    {
        double[] x = TestRandom.Gaussians(6, 300);
        double[] y = [.. x.Select(v => v * v)];
        var rng = new Xoshiro256(7);

        DistanceCorrelationTest test = DistanceCorrelation.Test(x, 1, y, 1, 199, ref rng);

        Assert.True(test.Estimate > 0.1, $"R* = {test.Estimate}");
        Assert.Equal(1.0 / 200, test.PValue, 15);
    }

    [Fact]
    public void TheStatisticIsInvariantToShiftsRotationsAndScalingsOfEitherSide() =>
        Gen.Select(Gen.Int[5, 40], Gen.ULong, Gen.Double[0, 2 * Math.PI], Gen.Double[0.1, 10], Gen.Double[-5, 5])
            .Sample((n, seed, angle, scale, shift) =>
            {
                double[] x = TestRandom.Gaussians(seed, n * 2);
                double[] y = [.. TestRandom.Gaussians(seed ^ 0x5555, n).Select((v, i) => v + Math.Sin(x[2 * i]))];
                double[] rotated = new double[n * 2];
                for (int i = 0; i < n; i++)
                {
                    rotated[2 * i] = (Math.Cos(angle) * x[2 * i]) - (Math.Sin(angle) * x[(2 * i) + 1]) + shift;
                    rotated[(2 * i) + 1] = (Math.Sin(angle) * x[2 * i]) + (Math.Cos(angle) * x[(2 * i) + 1]) - shift;
                }

                double[] scaled = [.. y.Select(v => (scale * v) + shift)];
                Assert.Equal(DistanceCorrelation.BiasCorrected(x, 2, y, 1), DistanceCorrelation.BiasCorrected(rotated, 2, scaled, 1), 9);
            });

    [Fact]
    public void TheStatisticDoesNotDependOnTheOrderOfThePairs()
    {
        const int n = 80;
        double[] x = TestRandom.Gaussians(8, n * 2);
        double[] y = [.. Enumerable.Range(0, n).Select(i => Math.Sin(x[2 * i]) + (0.5 * x[(2 * i) + 1]))];
        int[] order = [.. Enumerable.Range(0, n).OrderBy(i => (i * 37) % n)];
        double[] xPermuted = [.. order.SelectMany(i => new[] { x[2 * i], x[(2 * i) + 1] })];
        double[] yPermuted = [.. order.Select(i => y[i])];

        Assert.Equal(DistanceCorrelation.BiasCorrected(x, 2, y, 1), DistanceCorrelation.BiasCorrected(xPermuted, 2, yPermuted, 1), 12);
    }

    [Fact]
    public void TheTestReturnsTheSameStatisticAsBiasCorrected()
    {
        double[] x = TestRandom.Gaussians(9, 60);
        double[] y = TestRandom.Gaussians(10, 60);
        var rng = new Xoshiro256(11);

        Assert.Equal(DistanceCorrelation.BiasCorrected(x, 1, y, 1), DistanceCorrelation.Test(x, 1, y, 1, 9, ref rng).Estimate, 15);
    }

    [Fact]
    public void PermutationPValuesAreRoughlyUniformUnderIndependence()
    {
        // 200 independent data sets of 40 pairs, 99 permutations each: p takes values k/100 and
        // P(p ≤ 0.1) = 0.1 and P(p ≤ 0.5) = 0.5 under independence (binomial sds 0.021 and 0.035).
        const int repetitions = 200, n = 40;
        var rng = new Xoshiro256(12);
        int belowTenth = 0, belowHalf = 0;
        for (int r = 0; r < repetitions; r++)
        {
            var x = new double[n];
            var y = new double[n];
            rng.FillGaussian(x);
            rng.FillGaussian(y);
            double p = DistanceCorrelation.Test(x, 1, y, 1, 99, ref rng).PValue;
            Assert.InRange(p, 0.01, 1.0);
            belowTenth += p <= 0.1 ? 1 : 0;
            belowHalf += p <= 0.5 ? 1 : 0;
        }

        Assert.InRange(belowTenth / (double)repetitions, 0.04, 0.17);
        Assert.InRange(belowHalf / (double)repetitions, 0.39, 0.61);
    }

    [Fact]
    public void TheChangeTestSeesDependenceCreatedBetweenTwoObservationsAndCancelsTheSharedPart()
    {
        // x0, y0 independent; x1 = x0 + small noise; y1 = y0 + 0.3 x1: the change carries the dependence.
        const int n = 100;
        double[] v = TestRandom.Gaussians(40, 3 * n);
        double[] x0 = v[..n], y0 = v[n..(2 * n)], e = v[(2 * n)..];
        double[] x1 = [.. x0.Select((v, i) => v + (0.1 * e[i]))];
        double[] y1 = [.. y0.Select((v, i) => v + (0.3 * x1[i]))];
        var rng = new Xoshiro256(43);

        DistanceCorrelationTest change = DistanceCorrelation.TestChange(x0, y0, x1, y1, 1, 1, 199, ref rng);

        Assert.Equal(DistanceCorrelation.BiasCorrected(x1, 1, y1, 1) - DistanceCorrelation.BiasCorrected(x0, 1, y0, 1), change.Estimate, 12);
        Assert.Equal(1.0 / 200, change.PValue, 12);

        // No change at all: every permutation ties with the observed 0, so p = 1.
        DistanceCorrelationTest none = DistanceCorrelation.TestChange(x0, y0, x0, y0, 1, 1, 19, ref rng);
        Assert.Equal((0.0, 1.0), (none.Estimate, none.PValue));
    }

    [Fact]
    public void ChangeTestPValuesAreRoughlyUniformWhenTheTrajectoriesAreIndependent()
    {
        const int repetitions = 200, n = 40;
        var rng = new Xoshiro256(44);
        int belowTenth = 0;
        for (int r = 0; r < repetitions; r++)
        {
            var v = new double[4 * n];
            rng.FillGaussian(v);
            double[] x0 = v[..n], y0 = v[n..(2 * n)];
            double[] x1 = [.. x0.Select((x, i) => x + v[(2 * n) + i])];
            double[] y1 = [.. y0.Select((y, i) => (0.5 * y) + v[(3 * n) + i])];
            belowTenth += DistanceCorrelation.TestChange(x0, y0, x1, y1, 1, 1, 99, ref rng).PValue <= 0.1 ? 1 : 0;
        }

        Assert.InRange(belowTenth / (double)repetitions, 0.04, 0.17);
    }

    [Fact]
    public void AConstantSampleHasZeroDistanceCorrelationAndPValueOne()
    {
        double[] x = [1, 1, 1, 1];
        double[] y = [1, 2, 3, 4];
        var rng = new Xoshiro256(13);

        Assert.Equal(0.0, DistanceCorrelation.BiasCorrected(x, 1, y, 1));
        DistanceCorrelationTest test = DistanceCorrelation.Test(x, 1, y, 1, 19, ref rng);
        Assert.Equal((0.0, 1.0, (double?)null), (test.Estimate, test.PValue, test.NullSd));
    }

    [Fact]
    public void MismatchedOrTooFewRowsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => DistanceCorrelation.BiasCorrected([1, 2, 3, 4], 1, [1, 2, 3], 1));
        Assert.Throws<ArgumentException>(() => DistanceCorrelation.BiasCorrected([1, 2, 3, 4], 2, [1, 2, 3, 4], 2));
        Assert.Throws<ArgumentException>(() => DistanceCorrelation.BiasCorrected([1, 2, 3], 1, [1, 2, 3], 1));
    }
}
