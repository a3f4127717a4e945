using MeanFieldCluster.Engine.Limit;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>Solutions of the MMN figure 1 setting (Δ = 0.8, d = 40, κ = 0.8, ramp(0.5, 1.5, -2.5, 7.5), T = 20) shared by the tests.</summary>
public sealed class MmnFigureOneRuns
{
    private readonly Lazy<RadialPdeSolution> _reference = new(() => RadialPdeSolver.Solve(Setting));
    private readonly Lazy<RadialPdeSolution> _coarse = new(() => RadialPdeSolver.Solve(Setting with { StepSize = 0.02 }));

    /// <summary>The setting with outputs every 0.5.</summary>
    public static RadialPdeSettings Setting { get; } = RadialPdeSettings.MmnFigure1 with { OutputTimes = [.. Enumerable.Range(0, 41).Select(k => k * 0.5)] };

    /// <summary>M = 2000, h = 0.01.</summary>
    public RadialPdeSolution Reference => _reference.Value;

    /// <summary>M = 2000, h = 0.02.</summary>
    public RadialPdeSolution Coarse => _coarse.Value;

    /// <summary>The largest |R_a(t) - R_b(t)| over the output times.</summary>
    public static double MaxRiskGap(RadialPdeSolution a, RadialPdeSolution b) => a.Risks.Zip(b.Risks, (x, y) => Math.Abs(x - y)).Max();
}

/// <summary>Known answers of the reduced radial equation (MATH section 4.1), part 1: the reference run.</summary>
public sealed class RadialPdeSolverTests(MmnFigureOneRuns runs) : IClassFixture<MmnFigureOneRuns>
{
    [Fact]
    public void TheRiskIsNonIncreasingUnderConstantXi()
    {
        double[] risk = runs.Reference.Risks;

        Assert.All(risk.Zip(risk.Skip(1)), pair => Assert.True(pair.Second <= pair.First + 1e-12, $"{pair.Second} after {pair.First}"));
        Assert.True(risk[^1] < 0.1, $"R(20) = {risk[^1]}: the MMN limit goes below 0.1");
    }

    [Fact]
    public void HalvingTheStepChangesTheRiskByLessThanOneInAMillion()
    {
        // h = 0.02 against h = 0.01 (RK4 is fourth order, so h = 0.01 against 0.005 is 16 times closer still).
        Assert.True(MmnFigureOneRuns.MaxRiskGap(runs.Coarse, runs.Reference) < 1e-6);
    }

    [Fact]
    public void TheSeriesConvergedAtEveryOutputTime()
    {
        Assert.All(runs.Reference.Snapshots, s => Assert.True(s.HermiteConverged && s.HermiteOrder is > 2 and < 64, $"t = {s.Time}: order {s.HermiteOrder}"));
    }

    [Fact]
    public void TheInfiniteDimensionalEquationIsAboutThirtyPercentBelowTheFiniteDimensionalOneAtTwenty()
    {
        // The n = 0 (d = ∞) equation from the same χ_40 initial law, as in MATH section 4.1's measurement.
        RadialPdeSolution infinite = RadialPdeSolver.Solve(runs.Coarse.Settings with { MaxHermiteOrder = 0 });

        double ratio = infinite.Risks[^1] / runs.Coarse.Risks[^1];
        Assert.InRange(ratio, 0.55, 0.85);
    }

    [Fact]
    public void OrdersFourAndSixChangeTheFiniteDimensionalRiskByLessThanOneInAThousand()
    {
        RadialPdeSolution second = RadialPdeSolver.Solve(runs.Coarse.Settings with { MaxHermiteOrder = 2 });

        Assert.True(MmnFigureOneRuns.MaxRiskGap(second, runs.Coarse) < 1e-3);
    }

    [Fact]
    public void TheInitialSnapshotHoldsTheChiQuantilesAndTheRadiiMoveOutward()
    {
        RadialPdeSnapshot first = runs.Reference.Snapshots[0], last = runs.Reference.Snapshots[^1];
        double[] radii = RadialInitialLaw.Particles(40, 0.8, 2000);

        Assert.Equal(radii, first.Radii);
        Assert.Equal(radii[(int)Math.Ceiling(0.5 / 256 * 2000) - 1], first.Quantiles[0]);
        Assert.Equal(radii[(int)Math.Ceiling(255.5 / 256 * 2000) - 1], first.Quantiles[^1]);
        Assert.True(last.Quantiles[128] > 4.0, $"median radius at t = 20: {last.Quantiles[128]}");
        Assert.Equal(Distances(first.Radii, last.Radii), first.W1([.. last.Radii]), 1e-12);
    }

    // W1 between two equally weighted laws of the same size: the mean gap of the sorted samples.
    private static double Distances(IReadOnlyList<double> a, IReadOnlyList<double> b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
}

/// <summary>Known answers of the reduced radial equation (MATH section 4.1), part 2: independent runs.</summary>
public sealed class RadialPdeConvergenceTests
{
    [Fact]
    public void TwoThousandAndEightThousandParticlesAgreeToOneInTenThousand()
    {
        // Equal steps (h = 0.04, so that the test stays fast) isolate the particle discretization.
        RadialPdeSettings setting = MmnFigureOneRuns.Setting with { StepSize = 0.04 };

        RadialPdeSolution few = RadialPdeSolver.Solve(setting);
        RadialPdeSolution many = RadialPdeSolver.Solve(setting with { Particles = 8000 });

        Assert.True(MmnFigureOneRuns.MaxRiskGap(few, many) < 1e-4);
    }

    [Fact]
    public void TheRiskIsNonIncreasingUnderAPowerXi()
    {
        RadialPdeSolution power = RadialPdeSolver.Solve(MmnFigureOneRuns.Setting with { Xi = XiSchedule.Power(1.0, 0.5), StepSize = 0.02, Particles = 1000 });

        double[] risk = power.Risks;
        Assert.All(risk.Zip(risk.Skip(1)), pair => Assert.True(pair.Second <= pair.First + 1e-12, $"{pair.Second} after {pair.First}"));
        Assert.True(risk[^1] < 0.5 * risk[0]);
    }

    [Fact]
    public void TwoMoreEvenOrdersChangeTheRiskByLessThanTheTolerance()
    {
        RadialPdeSettings setting = MmnFigureOneRuns.Setting with { StepSize = 0.02, Particles = 500 };
        RadialPdeSolution adaptive = RadialPdeSolver.Solve(setting);
        int order = adaptive.Snapshots.Max(s => s.HermiteOrder);

        RadialPdeSolution fixedOrder = RadialPdeSolver.Solve(setting with { HermiteTolerance = 0, MaxHermiteOrder = order });
        RadialPdeSolution twoMore = RadialPdeSolver.Solve(setting with { HermiteTolerance = 0, MaxHermiteOrder = order + 4 });

        Assert.True(MmnFigureOneRuns.MaxRiskGap(fixedOrder, twoMore) < setting.HermiteTolerance);
        Assert.True(MmnFigureOneRuns.MaxRiskGap(adaptive, twoMore) < setting.HermiteTolerance);
    }

    [Fact]
    public void OutputTimesOffTheStepGridAreHitExactly()
    {
        RadialPdeSettings setting = RadialPdeSettings.MmnFigure1 with { Particles = 200, Horizon = 2.0, OutputTimes = [0.013, 0.5, 1.2345] };

        RadialPdeSolution solution = RadialPdeSolver.Solve(setting);
        RadialPdeSolution fine = RadialPdeSolver.Solve(setting with { StepSize = 0.0005 });

        // The fine step puts every output time on its grid. A time missed by one step would move R by about
        // |dR/dt| h ≈ 5e-3; the RK4 error at h = 0.01 is far below 1e-7.
        Assert.Equal([0.013, 0.5, 1.2345], solution.Times);
        double gap = MmnFigureOneRuns.MaxRiskGap(solution, fine);
        Assert.True(gap < 1e-7, $"gap {gap}");
    }

    [Fact]
    public void TheDInfinityProblemKeepsAllParticlesAtOneRadiusAndUsesOrderZero()
    {
        RadialPdeSolution solution = RadialPdeSolver.Solve(RadialPdeSettings.MmnFigure1 with { Dimension = null, Particles = 10, Horizon = 5.0, OutputTimes = [0.0, 5.0] });

        RadialPdeSnapshot last = solution.Snapshots[^1];
        Assert.All(last.Radii, r => Assert.Equal(last.Radii[0], r));
        Assert.True(last.Radii[0] > 0.8);
        Assert.Equal(0, last.HermiteOrder);
        Assert.True(last.HermiteConverged);
    }

    [Fact]
    public void CosineMomentsOfAUniformDirectionAreOneOverDAndInThreeDimensionsOneOverTwoKPlusOne()
    {
        double[] mu40 = RadialField.CosineMoments(40, 6);
        double[] mu3 = RadialField.CosineMoments(3, 20);

        double[] expected = [1.0, 0.0, 1.0 / 40, 0.0, 3.0 / (40 * 42), 0.0, 15.0 / (40 * 42 * 44)];
        Assert.All(expected.Zip(mu40), pair => Assert.Equal(pair.First, pair.Second, 15));

        // In R^3 the cosine is uniform on [-1, 1] (Archimedes), so E[c^{2k}] = 1/(2k + 1).
        for (int k = 0; k <= 10; k++)
        {
            Assert.Equal(1.0 / ((2 * k) + 1), mu3[2 * k], 15);
        }

        Assert.Equal([1.0, 0.0, 0.0, 0.0, 0.0], RadialField.CosineMoments(null, 4));
    }

    [Fact]
    public void EmpiricalW1IsTheAreaBetweenTheDistributionFunctions()
    {
        // A shift by 0.5 moves every atom by 0.5.
        Assert.Equal(0.5, RadialPdeSnapshot.EmpiricalW1([1.0, 2.0], [1.5, 2.5]), 15);

        // a = {0, 1, 2}, b = {1}: |F_a - F_b| = 1/3 on [0, 1) and on [1, 2), so W1 = 2/3.
        Assert.Equal(2.0 / 3.0, RadialPdeSnapshot.EmpiricalW1([0.0, 1.0, 2.0], [1.0]), 15);
    }
}
