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
}
