using MathNet.Numerics.Integration;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Limit;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>The anisotropic (r1, r2) reduction of MMN example 2 (docs/limit.md, "The anisotropic reduction").</summary>
public sealed class AnisotropicPdeTests
{
    private const double Delta = 0.8, Kappa = 0.8;
    private static readonly RampParameters Mmn = RampParameters.Mmn;

    // Three particles (r1, r2) with masses, away from the axes.
    private static readonly double[] R1 = [0.9, 0.4, 1.0], R2 = [0.5, 1.1, 0.6], Masses = [0.2, 0.3, 0.5];

    private static AnisotropicPdeSettings Settings(int d, int s0, double horizon = 1.0) =>
        new() { Delta = Delta, Dimension = d, InformativeDimensions = s0, Kappa = Kappa, Horizon = horizon };

    [Fact]
    public void WithEveryCoordinateInformativeTheSolverIsTheRadialOne()
    {
        // s0 = d: r2 ≡ 0, c = 1, and C_{m,m} = μ_{2m}: the radial equation, particle for particle.
        var anisotropic = Settings(10, 10, 2.0) with { ParticlesPerAxis = 200, EqualMassQuantiles = true, HermiteTolerance = 1e-10, StepSize = 0.02 };
        var radial = new RadialPdeSettings { Delta = Delta, Dimension = 10, Kappa = Kappa, Horizon = 2.0, Particles = 200, StepSize = 0.02 };

        double[] a = AnisotropicPdeSolver.Solve(anisotropic).Risks, r = RadialPdeSolver.Solve(radial).Risks;

        Assert.Equal(r.Length, a.Length);
        for (int k = 0; k < r.Length; k++)
        {
            Assert.Equal(r[k], a[k], 1e-9);
        }
    }

    [Fact]
    public void TheRiskOfAParticleLawEqualsQuadratureOverDirectionsOfTheExactPairMoment()
    {
        // d = 9, s0 = 4: a direction in R^k has first coordinate cos θ with θ ∝ sin^{k-2} θ on [0, π]. The pair
        // moment E σ(a G1) σ(a' G2) is the exact bivariate formula (not a series) at ρ = c c' cos θ1 + s s' cos θ2.
        const int d = 9, s0 = 4;
        var settings = Settings(d, s0) with { HermiteTolerance = 1e-14, MaxHermiteOrder = 400 };
        var field = new AnisotropicField(settings, Masses);
        double risk = field.Evaluate(R1, R2, new double[3], new double[3]).Risk;

        var gauss = new RampGaussian(Mmn);
        (double[] c1, double[] w1) = CosineRule(s0);
        (double[] c2, double[] w2) = CosineRule(d - s0);
        double expected = 1.0;
        foreach ((double tau, double sign) in new[] { (1 + Delta, 1.0), (1 - Delta, -1.0) })
        {
            double[] a = [.. R1.Zip(R2, (x, y) => Math.Sqrt((tau * tau * x * x) + (y * y)))];
            for (int j = 0; j < 3; j++)
            {
                expected += 2 * Masses[j] * (-0.5 * sign * gauss.Mean(a[j]));
                for (int k = 0; k < 3; k++)
                {
                    double cc = tau * R1[j] * tau * R1[k] / (a[j] * a[k]), ss = R2[j] * R2[k] / (a[j] * a[k]);
                    double pair = 0;
                    for (int u = 0; u < c1.Length; u++)
                    {
                        for (int v = 0; v < c2.Length; v++)
                        {
                            pair += w1[u] * w2[v] * gauss.ProductMoment(a[j], a[k], Math.Clamp((cc * c1[u]) + (ss * c2[v]), -1, 1));
                        }
                    }

                    expected += 0.5 * Masses[j] * Masses[k] * pair;
                }
            }
        }

        Assert.Equal(expected, risk, 1e-9);
    }

    [Fact]
    public void TheVelocityIsTheDerivativeOfTheRiskPerUnitMass()
    {
        // R(ρ) = 1 + 2∫v dρ + ∬U dρ dρ, so moving particle j changes R at the rate 2 p_j ∂ψ/∂r (ψ = v + ∫U dρ):
        // central differences of the risk, at a fixed Hermite order (tolerance 0) so that R is one smooth function.
        var settings = Settings(9, 4) with { HermiteTolerance = 0, MaxHermiteOrder = 40, Ridge = 0 };
        var field = new AnisotropicField(settings, Masses);
        double[] g1 = new double[3], g2 = new double[3];
        field.Evaluate(R1, R2, g1, g2);
        const double h = 1e-6;
        for (int j = 0; j < 3; j++)
        {
            foreach ((double[] r, double[] g) in new[] { (R1, g1), (R2, g2) })
            {
                double[] up = [.. r], down = [.. r];
                up[j] += h;
                down[j] -= h;
                double Risk(double[] moved) => ReferenceEquals(r, R1)
                    ? field.Evaluate(moved, R2, new double[3], new double[3]).Risk
                    : field.Evaluate(R1, moved, new double[3], new double[3]).Risk;
                double numeric = (Risk(up) - Risk(down)) / (2 * h);
                Assert.Equal(2 * Masses[j] * g[j], numeric, 1e-6 * Math.Max(1.0, Math.Abs(numeric)));
            }
        }
    }

    [Theory]
    [InlineData(40, 10, 1e-8)]
    [InlineData(5, 1, 5e-6)]
    [InlineData(12, 11, 5e-6)]
    public void AtTimeZeroTheSolverHasTheExactRiskOfTheInitialLaw(int d, int s0, double tolerance)
    {
        // R(ρ_0) by a product Gauss rule over (χ1, χ2) of E_x (y − q(κ‖x‖/√d))² (InitialRisk), independent of the
        // Hermite series. With blocks of ≥ 2 coordinates the solver's Gauss rule per axis is exponentially accurate
        // (1e-10 at d = 40). A block of one coordinate has cosine ±1, so two weights' pre-activations reach
        // correlation ±1, where the pair moment of the ramp is not smooth (its Mehler series converges slowly):
        // the particle rule then converges algebraically, measured 1.7e-6 (d = 5) and 2.8e-7 (d = 12) at m = 32.
        var settings = Settings(d, s0) with { HermiteTolerance = 1e-11, MaxHermiteOrder = 256, OutputTimes = [0] };

        double solver = AnisotropicPdeSolver.Solve(settings).Risks[0];

        Assert.Equal(InitialRisk.Compute(d, s0, Kappa, Delta, Mmn).LimitRisk, solver, tolerance);
    }

    [Fact]
    public void TheRiskOfTheExampleFallsMonotonicallyAndTheSeriesConverges()
    {
        var settings = Settings(40, 10, 10.0) with { ParticlesPerAxis = 16, OutputTimes = [.. Enumerable.Range(0, 41).Select(k => k * 0.25)] };

        AnisotropicPdeSolution solution = AnisotropicPdeSolver.Solve(settings);

        double[] risks = solution.Risks;
        for (int k = 1; k < risks.Length; k++)
        {
            Assert.True(risks[k] <= risks[k - 1] + 1e-9, $"risk rises from {risks[k - 1]} to {risks[k]} at t = {solution.Times[k]}");
        }

        Assert.InRange(risks[0], 1.9, 2.0);
        Assert.InRange(risks[^1], 0.0, 0.07);
        Assert.All(solution.Snapshots, s => Assert.True(s.HermiteConverged));

        // Learning moves weight into the informative block: the mean of r1 grows past that of r2.
        Assert.True(solution.Snapshots[0].MeanR1 < solution.Snapshots[0].MeanR2);
        Assert.True(solution.Snapshots[^1].MeanR1 > solution.Snapshots[^1].MeanR2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(41)]
    public void AnInformativeDimensionOutsideOneToDIsRefused(int s0)
    {
        var error = Assert.Throws<ArgumentException>(() => AnisotropicPdeSolver.Solve(Settings(40, s0)));

        Assert.Contains("s0", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ThePopulationRiskOnAnisotropicDataAgreesWithAMillionSampleMonteCarloEstimate()
    {
        const int width = 12, d = 5, s0 = 2, samples = 1_000_000;
        double[] w = PopulationRiskTests.RandomWeights(width, d, 31);
        (double mean, double stdErr) = PopulationRiskTests.MonteCarloRisk(w, width, d, new AnisotropicGaussianData(d, Delta, s0), samples, 32);
        PopulationRiskEstimate exact = PopulationRisk.Compute(w, width, d, s0, Delta, Mmn);

        Assert.True(Math.Abs(exact.Risk - mean) < 3 * stdErr, $"exact {exact.Risk}, Monte Carlo {mean} ± {stdErr}");

        // With s0 = d the anisotropic overload is the isotropic risk itself.
        Assert.Equal(PopulationRisk.Compute(w, width, d, Delta, Mmn).Risk, PopulationRisk.Compute(w, width, d, d, Delta, Mmn).Risk);
    }

    [Fact]
    public void TheMeanInitialRiskOfAnisotropicNetworksIsTheLimitPlusCOverN()
    {
        // E R_N(W_0) = R(ρ_0) + C/N (MATH section 7) with the double χ integrals of the anisotropic case; at N = 4
        // C/N is many standard errors of 4000 draws, so R(ρ_0) alone is rejected.
        const int width = 4, d = 10, s0 = 3, draws = 4000;
        InitialRiskPrediction p = InitialRisk.Compute(d, s0, Kappa, Delta, Mmn);
        double sum = 0, sumSquares = 0;
        for (int k = 0; k < draws; k++)
        {
            double risk = PopulationRisk.Compute(PopulationRiskTests.RandomWeights(width, d, 1000 + (ulong)k), width, d, s0, Delta, Mmn).Risk;
            sum += risk;
            sumSquares += risk * risk;
        }

        double mean = sum / draws, stdErr = Math.Sqrt(((sumSquares / draws) - (mean * mean)) / (draws - 1));

        Assert.True(p.Correction > 0);
        Assert.True(Math.Abs(mean - p.ExpectedRisk(width)) < 3 * stdErr, $"mean {mean} ± {stdErr}, predicted {p.ExpectedRisk(width)}");
        Assert.True(Math.Abs(mean - p.LimitRisk) > 10 * stdErr, $"R(ρ_0) = {p.LimitRisk} is not rejected: mean {mean} ± {stdErr}");
    }

    // Nodes cos θ_q and normalized weights for the first coordinate of a uniform direction in R^k (k ≥ 2):
    // θ ∝ sin^{k-2} θ on [0, π], by a 96-node Gauss–Legendre rule in θ.
    private static (double[] Cosines, double[] Weights) CosineRule(int k)
    {
        var rule = new GaussLegendreRule(0, Math.PI, 96);
        double[] weights = [.. rule.Abscissas.Select((theta, q) => rule.Weights[q] * Math.Pow(Math.Sin(theta), k - 2))];
        double total = weights.Sum();
        return ([.. rule.Abscissas.Select(Math.Cos)], [.. weights.Select(v => v / total)]);
    }
}
