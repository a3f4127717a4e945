using System.Globalization;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.Quenched;

/// <summary>
/// The spread over quenched draws of each width's centre (median of F over the replicas), after training, for
/// i.i.d. and stratified initial draws (docs/large-deviations.md, quenched initial measures). The replicas of
/// every draw share their data streams, so the spread is that of the initial measures.
/// </summary>
public sealed class CentreSpreadTests(ITestOutputHelper output)
{
    // The linear neuron of the known answer (y = θ* x, d = 1) with κ = 1: F = C (θ* − m_0)² r², and the replicas of
    // every draw share their data, so a draw's centre moves only with its initial mean m_0.
    private static SweepSpec Spec(string sampling) => LinearNeuronSpecs.Parse(
        LinearNeuronSpecs.KnownAnswer,
        $"model.init={{kappa: 1.0, sampling: {sampling}}}",
        "grid.width=[16, 32, 64, 128, 256, 512]",
        "large_deviations.replicas=100",
        "large_deviations.batch_size=100",
        "large_deviations.quenched_draws=24");

    // The centre of a draw is the median over these replicas; they share their data streams across draws (and
    // here F is the draw's initial risk times a function of the data), so a few replicas suffice.
    private const int Replicas = 20;

    [Theory]
    [InlineData("iid", false)]
    [InlineData("stratified", true)]
    public void TheCentresSpreadOverDrawsLikeAPowerOfTheWidth(string sampling, bool fasterThanIid)
    {
        SweepSpec spec = Spec(sampling);
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        var draws = new List<SortedDictionary<int, double[]>>();
        foreach (var byDraw in SweepPlanner.Expand(spec).GroupBy(p => p.Draw).OrderBy(g => g.Key))
        {
            var byWidth = new SortedDictionary<int, double[]>();
            foreach (PointSpec point in byDraw)
            {
                var runner = new ReplicaRunner(spec, point, data, TestSet.For(data, spec.Observe.TestSamples, spec.Seed), null);
                byWidth[point.Width] = [.. Enumerable.Range(0, Replicas).Select(runner.Run)];
            }

            draws.Add(byWidth);
        }

        CentreSummary centres = CentreSummary.Of(draws);
        foreach (var (width, mean, spread, _) in centres.PerWidth())
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sampling} N={width}: centre {mean:F5}, spread over draws {spread:E3}"));
        }

        PowerLawFitResult fit = centres.SpreadFit()!;
        (double lo, double hi) = fit.ExponentInterval95()!.Value;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{sampling}: exponent {fit.Exponent:F3} [{lo:F3}, {hi:F3}]"));
        if (fasterThanIid)
        {
            // Faster than N^{-1/2}: the whole 95% interval of the exponent lies above 1/2 (measured ≈ 1).
            Assert.True(lo > 0.5, $"exponent {fit.Exponent} [{lo}, {hi}]");
        }
        else
        {
            // i.i.d. draws: the initial mean's N^{-1/2} (the interval holds 1/2).
            Assert.True(lo <= 0.5 && 0.5 <= hi, $"exponent {fit.Exponent} [{lo}, {hi}]");
        }
    }
}
