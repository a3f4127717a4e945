using MeanFieldCluster.Engine.LargeDeviations;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

public sealed class GartnerEllisTests
{
    [Fact]
    public void TheScgfStaysFiniteForHugeTiltsAndTurnsLinearInTheExtremeSample()
    {
        double[] samples = CramerSamples.CachedGaussian(40);
        double max = samples.Max(), min = samples.Min();

        double up = GartnerEllis.Scgf(samples, 40, 1e3);
        double down = GartnerEllis.Scgf(samples, 40, -1e3);

        // exp(N k F) overflows for N k F > 709; λ̂ stays finite and within (ln R)/N of its linear asymptote k F_ext.
        Assert.True(double.IsFinite(up) && double.IsFinite(down));
        Assert.InRange(up - (1e3 * max), (-Math.Log(samples.Length) / 40) - 1e-9, 0);
        Assert.InRange(down - (-1e3 * min), (-Math.Log(samples.Length) / 40) - 1e-9, 0);
        Assert.Equal(DirectLogSumExp(samples, 40, 1e3), up, 1e-9);
        Assert.Equal(DirectLogSumExp(samples, 40, -1e3), down, 1e-9);
    }

    /// <summary>λ̂(k) by a plain loop around the largest exponent, independent of the vectorized code.</summary>
    private static double DirectLogSumExp(double[] samples, int width, double k)
    {
        double top = samples.Max(f => width * k * f);
        double sum = samples.Sum(f => Math.Exp((width * k * f) - top));
        return (top + Math.Log(sum) - Math.Log(samples.Length)) / width;
    }

    [Fact]
    public void AtZeroTiltTheScgfIsZeroTheEssIsRAndTheTiltedMeanIsTheSampleMean()
    {
        double[] samples = CramerSamples.Gaussian(10, 0.2, 1, seed: 5, replicas: 1000);
        ScgfCurve curve = GartnerEllis.Curve(samples, 10, [-1, 0, 1]);
        ScgfPoint zero = curve.Points[1];

        Assert.Equal(0.0, zero.Lambda, 14);
        Assert.Equal(1000, zero.Ess, 9);
        Assert.Equal(samples.Average(), zero.TiltedMean, 12);
        Assert.True(zero.Reliable);
    }

    [Fact]
    public void AnExactlyBinomialSampleGivesTheRademacherScgfAndRateFunction()
    {
        double[] samples = CramerSamples.ExactBinomial(10, 100);
        ScgfCurve curve = GartnerEllis.Curve(samples, 10, TestGrids.K);

        foreach (ScgfPoint p in curve.Points)
        {
            Assert.Equal(Math.Log(Math.Cosh(p.K)), p.Lambda, 1e-10);
            Assert.Equal(Math.Tanh(p.K), p.TiltedMean, 1e-10);
        }

        int defined = 0;
        foreach (double x in LdSettings.Grid(-0.99, 0.99, 0.01))
        {
            if (curve.Rate(x) is double rate)
            {
                defined++;
                Assert.Equal(CramerSamples.RademacherRate(x), rate, 2e-5);
            }
        }

        // ESS(k) = R (cosh² k / cosh 2k)^10 decreases towards R / 2^10 = 100 copies: the whole grid is reliable,
        // and Î is defined up to |x| = tanh 3 = 0.995: at every one of the 199 points.
        Assert.Equal(3.0, curve.KMax!.Value, 12);
        Assert.Equal(-3.0, curve.KMin!.Value, 12);
        Assert.Equal(199, defined);
    }

    [Fact]
    public void AStratifiedGaussianSampleGivesTheQuadraticRateFunctionOnTheReliableRange()
    {
        double[] samples = CramerSamples.GaussianQuantiles(40, CramerSamples.Mu, CramerSamples.S);
        ScgfCurve curve = GartnerEllis.Curve(samples, 40, TestGrids.K);

        // Even without sampling noise the sample has no mass beyond its extremes (±4.4 σ here), so at the edge of
        // the reliable range λ̂ falls short and Î overshoots: by 0.4–0.6% at ESS = 100, far less inside.
        foreach (double x in LdSettings.Grid(-0.5, 0.9, 0.01).Where(x => curve.Rate(x) is not null))
        {
            double exact = CramerSamples.GaussianRate(x, CramerSamples.Mu, CramerSamples.S);
            Assert.True(Math.Abs(curve.Rate(x)!.Value - exact) <= (1e-2 * exact) + 1e-6, $"x = {x}: {curve.Rate(x)} vs {exact}");
            Assert.True(Math.Abs(x - CramerSamples.Mu) > 0.3 || Math.Abs(curve.Rate(x)!.Value - exact) <= (1e-3 * exact) + 1e-6, $"x = {x}: {curve.Rate(x)} vs {exact}");
        }

        Assert.True(curve.XMax - curve.XMin > 0.6);
    }

    [Fact]
    public void ARaisedEssThresholdShrinksTheReliableRangeExactlyAsPredicted()
    {
        // Exactly binomial sample: ESS(k) = R (cosh² k / cosh 2k)^N, so the last reliable grid tilt is known.
        double[] samples = CramerSamples.ExactBinomial(10, 100);
        double previous = double.PositiveInfinity;
        foreach (double essMin in new[] { 200.0, 1000, 10_000, 50_000 })
        {
            ScgfCurve curve = GartnerEllis.Curve(samples, 10, TestGrids.K, essMin);
            double predicted = TestGrids.K.Where(k => k >= 0).TakeWhile(k => samples.Length * Math.Pow(Math.Cosh(k) * Math.Cosh(k) / Math.Cosh(2 * k), 10) >= essMin).Last();

            Assert.Equal(predicted, curve.KMax!.Value, 12);
            Assert.Equal(-predicted, curve.KMin!.Value, 12);
            Assert.True(curve.KMax < previous);
            previous = curve.KMax.Value;
        }
    }

    [Fact]
    public void ARaisedEssThresholdShrinksTheReliableRangeOfARandomGaussianSample()
    {
        double[] samples = CramerSamples.CachedGaussian(40);
        ScgfCurve loose = GartnerEllis.Curve(samples, 40, TestGrids.K, 10);
        ScgfCurve usual = GartnerEllis.Curve(samples, 40, TestGrids.K, 100);
        ScgfCurve strict = GartnerEllis.Curve(samples, 40, TestGrids.K, 1000);

        Assert.True(loose.KMax > usual.KMax && usual.KMax > strict.KMax);
        Assert.True(loose.KMin < usual.KMin && usual.KMin < strict.KMin);
        Assert.True(loose.XMax > usual.XMax && usual.XMax > strict.XMax);

        // Every reliable tilt passes the threshold and the first tilts beyond fail it.
        IReadOnlyList<ScgfPoint> points = usual.Points;
        Assert.All(points.Where(p => p.Reliable), p => Assert.True(p.Ess >= 100));
        int first = points.ToList().FindIndex(p => p.Reliable), last = points.ToList().FindLastIndex(p => p.Reliable);
        Assert.True(points[first - 1].Ess < 100 && points[last + 1].Ess < 100);
    }

    [Fact]
    public void FewerSamplesThanTheEssThresholdLeaveNoReliableTiltAndNoRate()
    {
        ScgfCurve curve = GartnerEllis.Curve([0.1, 0.2, 0.3], 10, [-1, 0, 1], essMin: 100);

        Assert.False(curve.HasReliableRange);
        Assert.Null(curve.KMin);
        Assert.Null(curve.Rate(0.2));
    }

    [Fact]
    public void TheReliableSetIsTheRunAroundZeroEvenWhenAFarTiltPassesAgain()
    {
        double[] k = [-3, -2, -1, 0, 1, 2, 3];
        double[] ess = [50, 200, 500, 1000, 500, 50, 300];
        double[] lambda = [.. k.Select(t => t * t / 2)];
        var curve = new ScgfCurve(k, lambda, ess, k, anchor: 3, essMin: 100);

        Assert.Equal(-2, curve.KMin);
        Assert.Equal(1, curve.KMax);
        Assert.Equal([false, true, true, true, true, false, false], curve.Points.Select(p => p.Reliable));
    }

    [Fact]
    public void TheLegendreTransformOfAQuadraticScgfIsExactBetweenGridPointsAndNullOutside()
    {
        // λ(k) = μ k + s² k² / 2 on a coarse grid: x(k) = μ + s² k, I(x) = (x - μ)² / (2 s²).
        const double mu = 0.3, s2 = 2.0;
        double[] k = LdSettings.Grid(-1, 1, 0.25);
        var curve = new ScgfCurve(k, [.. k.Select(t => (mu * t) + (s2 * t * t / 2))], [.. k.Select(_ => 1e6)], [.. k.Select(t => mu + (s2 * t))], Array.IndexOf(k, 0.0), 100);

        foreach (double x in LdSettings.Grid(-1.7, 2.3, 0.037))
        {
            Assert.Equal((x - mu) * (x - mu) / (2 * s2), curve.Rate(x)!.Value, 12);
        }

        Assert.Null(curve.Rate(-1.71));
        Assert.Null(curve.Rate(2.31));
    }
}
