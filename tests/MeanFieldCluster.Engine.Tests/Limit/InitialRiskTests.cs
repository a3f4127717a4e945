using MathNet.Numerics;
using MathNet.Numerics.Integration;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Limit;

/// <summary>The exact mean initial risk E R_N(W_0) = R(ρ_0) + C/N (MATH section 7).</summary>
public sealed class InitialRiskTests
{
    private const double Delta = 0.8, Kappa = 0.8;
    private static readonly RampParameters Mmn = RampParameters.Mmn;

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(40)]
    public void TheChiExpectationIntegratesTheDensityAndTheSecondMomentExactly(int d)
    {
        Assert.Equal(1.0, InitialRisk.ChiExpectation(d, _ => 1.0), 1e-12);
        Assert.Equal(d, InitialRisk.ChiExpectation(d, chi => chi * chi), 1e-10 * d);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(40)]
    public void TheInteractionEqualsTheMehlerSeriesOverTheCosineMoments(int d)
    {
        // ∬U = (1/2) Σ_± Σ_{n even} μ_n (m_n^±)² with m_n^± = E α_n(τ_± r), r ~ (κ/√d) χ_d: an independent
        // route through Mehler's formula and the uniform-direction moments (MATH section 4.1).
        InitialRiskPrediction p = InitialRisk.Compute(d, Kappa, Delta, Mmn);
        var gauss = new RampGaussian(Mmn);
        const int order = 100;
        double[] mu = RadialField.CosineMoments(d, order);

        // m_n^± by a 2 × 160-node Gauss–Legendre rule over χ (split at the mode), all orders at each node.
        double centre = Math.Sqrt(d), mode = Math.Sqrt(d - 1);
        var nodes = new List<(double Chi, double Weight)>();
        foreach ((double a, double b) in new[] { (Math.Max(0, centre - 15), mode), (mode, centre + 15) })
        {
            var rule = new GaussLegendreRule(a, b, 160);
            for (int k = 0; k < rule.Order; k++)
            {
                double chi = rule.Abscissas[k];
                double density = Math.Exp(((d - 1) * Math.Log(chi)) - (0.5 * chi * chi) - ((((d / 2.0) - 1) * Math.Log(2)) + SpecialFunctions.GammaLn(d / 2.0)));
                nodes.Add((chi, rule.Weights[k] * density));
            }
        }

        double series = 0, linear = 0;
        var alpha = new double[order + 1];
        foreach ((double tau, double sign) in new[] { (1 + Delta, 1.0), (1 - Delta, -1.0) })
        {
            var m = new double[order + 1];
            foreach ((double chi, double weight) in nodes)
            {
                gauss.Coefficients(tau * Kappa / Math.Sqrt(d) * chi, alpha, []);
                for (int n = 0; n <= order; n++)
                {
                    m[n] += weight * alpha[n];
                }
            }

            for (int n = 0; n <= order; n += 2)
            {
                series += 0.5 * mu[n] * m[n] * m[n];
            }

            linear += -0.5 * sign * m[0];
        }

        Assert.Equal(series, p.Interaction, 1e-9);
        Assert.Equal(1 + (2 * linear) + series, p.LimitRisk, 1e-9);
        Assert.True(p.Correction > 0);
    }

    [Fact]
    public void TheLimitRiskEqualsThePdeSolversInitialRisk()
    {
        InitialRiskPrediction p = InitialRisk.Compute(40, Kappa, Delta, Mmn);
        RadialPdeSolution pde = RadialPdeSolver.Solve(RadialPdeSettings.MmnFigure1 with { Horizon = 0.01, OutputTimes = [0.0], Particles = 8000 });

        // The solver's particles sit at quantiles of χ_d: a midpoint rule of error O(1/M²) in the interior.
        Assert.Equal(p.LimitRisk, pde.Risks[0], 1e-5);
    }

    [Fact]
    public void TheMeanExactRiskOfSmallNetworksAtInitializationIsTheLimitPlusCOverN()
    {
        // N = 4, d = 10: C/N is about 40 standard errors of the mean over 4000 draws, so both claims have power.
        const int width = 4, d = 10, draws = 4000;
        InitialRiskPrediction p = InitialRisk.Compute(d, Kappa, Delta, Mmn);
        var rng = new Xoshiro256(2026);
        var w = new double[width * d];
        double sum = 0, sumSquares = 0;
        for (int k = 0; k < draws; k++)
        {
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = Kappa / Math.Sqrt(d) * rng.NextGaussian();
            }

            double risk = PopulationRisk.Compute(w, width, d, Delta, Mmn).Risk;
            sum += risk;
            sumSquares += risk * risk;
        }

        double mean = sum / draws;
        double stdErr = Math.Sqrt(((sumSquares / draws) - (mean * mean)) / (draws - 1));
        double predicted = p.ExpectedRisk(width);

        Assert.True(p.Correction / width > 10 * 3 * stdErr, $"C/N = {p.Correction / width} against 3 SE = {3 * stdErr}: no power");
        Assert.True(Math.Abs(mean - predicted) < 3 * stdErr, $"measured {mean} ± {stdErr}, predicted R(ρ0) + C/N = {predicted}");
        Assert.True(Math.Abs(mean - p.LimitRisk) > 10 * stdErr, $"R(ρ0) = {p.LimitRisk} alone is not rejected by {mean} ± {stdErr}");
    }
}
