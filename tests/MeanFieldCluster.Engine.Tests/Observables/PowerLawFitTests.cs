using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Observables;

public sealed class PowerLawFitTests
{
    [Fact]
    public void ExactPowerLawDataGiveBackTheExponentAndPrefactor()
    {
        double[] n = [10, 100, 1000, 10000];
        double[] dist = [.. n.Select(x => 3.0 * Math.Pow(x, -0.5))];

        PowerLawFitResult fit = PowerLawFit.Fit(n, dist)!;

        Assert.Equal(0.5, fit.Exponent, 12);
        Assert.Equal(3.0, fit.Prefactor, 10);
        Assert.Equal(4, fit.Points);
        Assert.Equal(0.0, fit.ExponentStdErr!.Value, 10);
        Assert.Equal(1.0, fit.RSquared!.Value, 12);
    }

    [Fact]
    public void AHandComputedThreePointFitHasTheExpectedStandardErrorAndInterval()
    {
        // log n = 0, 1, 2 and log dist = 0, -1, -1: slope -1/2, intercept -1/6, residuals 1/6, -1/3, 1/6,
        // s² = (1/6)/1, SE = sqrt(s²/Sxx) = sqrt(1/12), R² = 1 - (1/6)/(2/3) = 3/4; t(1 dof, 0.975) = 12.7062.
        double[] n = [1, Math.E, Math.E * Math.E];
        double[] dist = [1, Math.Exp(-1), Math.Exp(-1)];

        PowerLawFitResult fit = PowerLawFit.Fit(n, dist)!;

        Assert.Equal(0.5, fit.Exponent, 12);
        Assert.Equal(Math.Exp(-1.0 / 6), fit.Prefactor, 12);
        Assert.Equal(Math.Sqrt(1.0 / 12), fit.ExponentStdErr!.Value, 12);
        Assert.Equal(0.75, fit.RSquared!.Value, 12);
        (double low, double high) = fit.ExponentInterval95()!.Value;
        Assert.Equal(0.5 - (12.706204736 * Math.Sqrt(1.0 / 12)), low, 6);
        Assert.Equal(0.5 + (12.706204736 * Math.Sqrt(1.0 / 12)), high, 6);
    }

    [Fact]
    public void TwoPointsGiveAnExponentWithoutStandardErrorOrInterval()
    {
        PowerLawFitResult fit = PowerLawFit.Fit([100, 400], [0.2, 0.1])!;

        Assert.Equal(0.5, fit.Exponent, 12);
        Assert.Equal(2.0, fit.Prefactor, 10);
        Assert.Null(fit.ExponentStdErr);
        Assert.Null(fit.ExponentInterval95());
    }

    [Fact]
    public void NonPositiveAndNonFinitePointsAreDropped()
    {
        PowerLawFitResult fit = PowerLawFit.Fit([10, 20, 40, 80, 160, -5], [0.1, 0, double.NaN, 0.1 / 8, double.PositiveInfinity, 1])!;

        Assert.Equal(2, fit.Points);
        Assert.Equal(1.0, fit.Exponent, 12);
    }

    [Fact]
    public void FewerThanTwoUsablePointsOrASingleWidthGiveNoFit()
    {
        Assert.Null(PowerLawFit.Fit([10, 20], [0.1, 0]));
        Assert.Null(PowerLawFit.Fit([], []));
        Assert.Null(PowerLawFit.Fit([10, 10, 10], [0.1, 0.2, 0.3]));
        Assert.Throws<ArgumentException>(() => PowerLawFit.Fit([10], [0.1, 0.2]));
    }

    [Fact]
    public void TheNinetyFivePercentIntervalCoversTheTrueExponentAboutNinetyFivePercentOfTheTime()
    {
        // dist = 0.8 N^{-1/2} e^{0.2 g}: the log-log regression model holds exactly, so the Student
        // interval has coverage 0.95; over 400 data sets the observed rate has sd 0.011.
        double[] n = [50, 100, 200, 400, 800];
        var rng = new Xoshiro256(21);
        int covered = 0;
        const int repetitions = 400;
        for (int r = 0; r < repetitions; r++)
        {
            double[] dist = [.. n.Select(x => 0.8 * Math.Pow(x, -0.5) * Math.Exp(0.2 * rng.NextGaussian()))];
            (double low, double high) = PowerLawFit.Fit(n, dist)!.ExponentInterval95()!.Value;
            covered += low <= 0.5 && 0.5 <= high ? 1 : 0;

            if (r == 0)
            {
                Assert.InRange(0.5, low, high);
            }
        }

        Assert.InRange(covered / (double)repetitions, 0.91, 0.985);
    }
}
