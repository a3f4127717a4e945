using MeanFieldCluster.Engine.LargeDeviations.KnownAnswers;
using MeanFieldCluster.Engine.LargeDeviations.Limit;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.Limit;

/// <summary>
/// The path-action solver against the independently derived closed form of the linear neuron (σ_n = 0, β = ∞, λ = 0;
/// <see cref="LinearNeuronRate"/>, derived by helper h19 without this solver): the solver's Mogulskii action is the
/// bulk mechanism, so it must equal the closed form's bulk rate, and the full rate where big jumps do not take over.
/// </summary>
public sealed class KnownAnswerAgreementTests(ITestOutputHelper output)
{
    [Fact]
    public void TheSolverEqualsTheClosedFormBulkRateOfTheLinearNeuron()
    {
        double alpha = 0.25, horizon = 0.5, theta = 0.8;
        var solver = new PathActionSolver(new LinearNeuronIncrements(alpha, theta, 0, 0, double.PositiveInfinity), horizon / alpha, null, 0.0);
        var known = new LinearNeuronRate(alpha, horizon);
        double f0 = theta * theta, typical = f0 * Math.Exp(-4 * horizon);
        foreach (double factor in new[] { 0.3, 0.6, 1.5, 2.5, 4.0 })
        {
            double risk = typical * factor, m = theta - Math.Sqrt(risk);
            double mine = solver.Endpoint(m).Rate;
            output.WriteLine($"F = {risk:F4}: solver {mine:F6}, closed-form bulk {known.BulkRiskRate(risk, f0):F6}, full {known.RiskRate(risk, f0):F6}");
            Assert.Equal(known.BulkRiskRate(risk, f0), mine, 1e-5 * (1 + mine));
        }
    }

    /// <summary>
    /// With the jumps (one data sample with x² of order N) the solver's cheapest path must equal the closed form's full
    /// rate everywhere, including where the bulk is not the answer: deep contractions (G = F/F_0 down to 1e-8, one jump),
    /// crossing θ* (r &lt; 0, one jump) and risks above the initial one (r &gt; 1, two jumps through −1), quenched and annealed.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WithJumpsTheSolverEqualsTheFullClosedFormIncludingTheJumpBranch(bool annealed)
    {
        double alpha = 0.25, horizon = 0.5, theta = 0.8, kappa = 0.5;
        var solver = new PathActionSolver(new LinearNeuronIncrements(alpha, theta, 0, 0, double.PositiveInfinity), horizon / alpha, annealed ? new GaussianInitialLaw(0, kappa) : null, 0.0, steps: 500);
        var known = new LinearNeuronRate(alpha, horizon);
        double f0 = theta * theta;
        var jumps = new List<int>();
        foreach (double g in new[] { 1e-8, 1e-3, 0.05, 0.3, 1.5 })
        {
            double risk = f0 * g;
            EndpointRate near = solver.Cheapest(theta - Math.Sqrt(risk)), far = solver.Cheapest(theta + Math.Sqrt(risk));
            EndpointRate mine = near.Rate <= far.Rate ? near : far;
            double exact = annealed ? known.AnnealedRiskRate(risk, theta, kappa, 1.0) : known.RiskRate(risk, f0);
            output.WriteLine($"{(annealed ? "annealed" : "quenched")} G = {g:G3}: solver {mine.Rate:F6} ({mine.Jumps} jumps), closed form {exact:F6}");
            Assert.Equal(exact, mine.Rate, 2e-5 * (1 + exact));
            jumps.Add(mine.Jumps);
        }

        Assert.Contains(0, jumps);
        Assert.Contains(1, jumps);

        // The risk sees both roots, and crossing θ* in one jump is always cheaper than two jumps through −1; the signed
        // contraction r = (θ* − m(T))/(θ* − m_0) > 1 needs the two jumps.
        foreach (double r in new[] { 1.5 })
        {
            EndpointRate signed = solver.Cheapest(theta - (r * theta));
            double exact = annealed ? AnnealedContraction(known, r, theta, kappa) : known.ContractionRate(r);
            output.WriteLine($"r = {r}: solver {signed.Rate:F6} ({signed.Jumps} jumps), closed form {exact:F6}");
            Assert.Equal(annealed ? 0 : 2, signed.Jumps); // annealed, a start below 0 is cheaper than jumps
            Assert.Equal(exact, signed.Rate, 2e-5 * (1 + exact));
        }
    }

    // Annealed, the signed endpoint m(T) = θ* − (θ* − m_0) r_T: inf over m_0 of m_0²/(2κ²) + I_r((θ* − m(T))/(θ* − m_0)),
    // on a grid and then by ternary search around the best grid point.
    private static double AnnealedContraction(LinearNeuronRate known, double r, double theta, double kappa)
    {
        double end = theta - (r * theta);
        double Total(double m0) => (m0 * m0 / (2 * kappa * kappa)) + known.ContractionRate((theta - end) / (theta - m0));
        const int points = 200;
        double step = 8 * kappa / points, at = 0, best = double.PositiveInfinity;
        for (int i = 1; i < points; i++)
        {
            double m0 = (-4 * kappa) + (i * step), v = Total(m0);
            (at, best) = v < best ? (m0, v) : (at, best);
        }

        double lo = at - step, hi = at + step;
        for (int i = 0; i < 60; i++)
        {
            double a = lo + ((hi - lo) / 3), b = hi - ((hi - lo) / 3);
            (lo, hi) = Total(a) < Total(b) ? (lo, b) : (a, hi);
        }

        return Math.Min(best, Total(0.5 * (lo + hi)));
    }
}
