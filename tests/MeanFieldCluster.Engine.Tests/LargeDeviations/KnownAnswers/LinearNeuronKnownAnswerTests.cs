using System.Globalization;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.LargeDeviations.KnownAnswers;
using MeanFieldCluster.Engine.Specs;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.KnownAnswers;

/// <summary>
/// The known answer after training (docs/large-deviations.md): engine replicas of the linear neuron at
/// N = 16, 32, 64, quenched, with the risk divided by the draw's initial risk (conditioning on the initial
/// measure), against <see cref="LinearNeuronRate"/>. Both estimators' N = ∞ curves must hold the exact I.
/// </summary>
public sealed class LinearNeuronKnownAnswerTests(ITestOutputHelper output)
{
    private static readonly Lazy<Dictionary<int, double[]>> Ratios = new(RunAll);

    [Fact]
    public void TheBulkIsTheCramerContractionAndJumpsOnlyLowerIt()
    {
        var rate = new LinearNeuronRate(LinearNeuronSpecs.Alpha, LinearNeuronSpecs.Horizon);
        double typical = rate.TypicalContraction * rate.TypicalContraction;

        Assert.Equal(0, rate.RiskRate(typical, 1), 9);
        foreach (double g in new[] { 0.03, 0.08, 0.2, 0.4 })
        {
            // Near the centre the bulk is optimal; far below, a jump is cheaper (the rate stays below 1/(4α)).
            double s = Math.Log(1 / Math.Sqrt(g)) / (2 * LinearNeuronSpecs.Horizon);
            Assert.Equal(LinearNeuronSpecs.Horizon / LinearNeuronSpecs.Alpha * (s - 1 - Math.Log(s)) / 2, rate.BulkRiskRate(g, 1), 12);
            Assert.True(rate.RiskRate(g, 1) <= rate.BulkRiskRate(g, 1) + 1e-12);
            Assert.Equal(rate.BulkRiskRate(g, 1), rate.RiskRate(g, 1), 9);
        }

        Assert.True(rate.RiskRate(1e-8, 1) < 1 / (4 * LinearNeuronSpecs.Alpha));
        Assert.True(rate.BulkRiskRate(1e-8, 1) > 1 / (4 * LinearNeuronSpecs.Alpha));
        Assert.Equal(1 / (4 * LinearNeuronSpecs.Alpha), rate.ContractionRate(0), 12);
    }

    [Fact]
    public void BothEstimatorsExtrapolateToTheExactRateFunctionAfterTraining()
    {
        var rate = new LinearNeuronRate(LinearNeuronSpecs.Alpha, LinearNeuronSpecs.Horizon);
        double[] xs = LdSettings.Grid(0.06, 0.3, 0.02);
        var settings = new LdSettings { XGrid = xs, KGrid = LdSettings.Grid(-40, 40, 0.25), BootstrapSeed = 5 };
        RateFunctionReport report = RateFunctionEstimator.Estimate(Ratios.Value, settings);

        foreach (string estimator in new[] { RateEstimators.Tail, RateEstimators.GartnerEllis })
        {
            RateFunctionRow[] rows = [.. report.Rows.Where(r => r.Width is null && r.Estimator == estimator && r.Low is not null && r.High is not null)];
            foreach (RateFunctionRow row in rows)
            {
                double exact = rate.RiskRate(row.X, 1);
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{estimator} x={row.X:F2}: I_inf = {row.Value:F4} [{row.Low:F4}, {row.High:F4}], exact {exact:F4}"));
            }

            Assert.True(rows.Length >= 5, $"{estimator}: only {rows.Length} extrapolated points");

            // Each row's interval is a 95% interval, so some of the 13 may miss by chance. This test once asked all
            // of them to hold the exact value, which held for one realization of the replicas' random numbers and
            // not for others: over the spec seeds 3-10 it held for 4 of 8 with the old Xoshiro streams and for 2 of 8
            // with the lane Gaussian streams (docs/large-deviations.md, "The replicas' random numbers"), most
            // failures being one row. With 13 rows at 95%, 3 or more misses have probability ≈ 2.5% (binomial),
            // so at most 2 may miss.
            string[] misses = [.. rows.Where(r => !(r.Low <= rate.RiskRate(r.X, 1) && rate.RiskRate(r.X, 1) <= r.High))
                .Select(r => $"{estimator} x = {r.X}: {r.Value} [{r.Low}, {r.High}] vs {rate.RiskRate(r.X, 1)}")];
            Assert.True(misses.Length <= 2, string.Join("; ", misses));
        }
    }

    private static Dictionary<int, double[]> RunAll()
    {
        SweepSpec spec = LinearNeuronSpecs.Parse(LinearNeuronSpecs.KnownAnswer);
        var byWidth = new Dictionary<int, double[]>();
        foreach (PointSpec point in SweepPlanner.Expand(spec))
        {
            (double[] samples, double initial) = LinearNeuronRuns.Run(spec, point);
            byWidth[point.Width] = [.. samples.Select(f => f / initial)];
        }

        return byWidth;
    }
}
