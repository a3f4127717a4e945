using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.LargeDeviations.Limit;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using Xunit.Abstractions;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.RareEvents;

/// <summary>
/// The aggregate of a linear-neuron sweep at T &gt; 0 with splitting: plain replicas and splitting estimates in one
/// rate_functions table (the <c>estimator</c> column tells them apart), and <c>ld_comparison</c> against the solver.
/// Splitting must agree with plain sampling where plain sampling has hits, reach N·I ≥ 20 where it has none, and its
/// extrapolation to N = ∞ must hold the solver's limit.
/// </summary>
public sealed class RareEventsAggregateTests(ITestOutputHelper output)
{
    // The noisy linear neuron (LinearNeuronSpecs.Noisy), annealed, at N = 16 and 32 with 2000 plain replicas.
    private static SweepSpec Spec() => LinearNeuronSpecs.Parse(
        LinearNeuronSpecs.Noisy,
        "grid.width=[16, 32]",
        "large_deviations.replicas=2000",
        "large_deviations.batch_size=2000",
        "large_deviations.modes=[annealed]",
        "large_deviations.x_grid={from: 0.3, to: 1.5, step: 0.1}",
        "large_deviations.bootstrap=50",
        "large_deviations.rare_events={estimator: splitting, levels: [0.6, 1.3], replicas: 100, runs: 10, kill_fraction: 0.02, checkpoints: 16}");

    [Fact]
    public void SplittingRowsSitBesideThePlainEstimatesAndTheComparisonHasTheSolversRate()
    {
        SweepSpec spec = Spec();
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
        var batches = SweepPlanner.Expand(spec).Select(p =>
        {
            var runner = new ReplicaRunner(spec, p, data, testSet, null);
            return (p, (double[]?)[.. Enumerable.Range(p.ReplicaStart, p.ReplicaCount).Select(runner.Run)]);
        }).ToList();
        JsonNode root = JsonNode.Parse(LargeDeviationsAggregate.ToJson(spec, batches))!;
        JsonArray rows = root["large_deviations"]!["modes"]![0]!["rate_functions"]!["rows"]!.AsArray();
        foreach (JsonNode? r in rows.Where(r => r!["estimator"]!.GetValue<string>() == "splitting" || r["x"]!.GetValue<double>() == 0.6))
        {
            output.WriteLine(r!.ToJsonString());
        }

        output.WriteLine(root["ld_comparison"]!["modes"]![0]!["agreement"]!.ToJsonString());
        foreach (JsonNode? p in root["ld_comparison"]!["modes"]![0]!["points"]!.AsArray().Where(p => p!["x"]!.GetValue<double>() is 0.6 or 1.3))
        {
            output.WriteLine($"x = {p!["x"]}: limit I = {p["limit"]}");
        }
        JsonNode[] splitting = [.. rows.Where(r => r!["estimator"]!.GetValue<string>() == "splitting").Select(r => r!)];
        Assert.Equal(6, splitting.Length);
        Assert.All(splitting, r => Assert.False(r["censored"]!.GetValue<bool>(), r.ToJsonString()));

        // Where plain sampling has hits (N = 16, x = 0.6), splitting and the tail estimator agree within their intervals.
        JsonNode s = splitting.First(r => r["width"]!.GetValue<string>() == "16" && r["x"]!.GetValue<double>() == 0.6);
        JsonNode t = rows.First(r => r!["estimator"]!.GetValue<string>() == "tail" && r["width"]!.GetValue<string>() == "16" && r["x"]!.GetValue<double>() == 0.6)!;
        Assert.True(s["lo"]!.GetValue<double>() <= t["hi"]!.GetValue<double>() && t["lo"]!.GetValue<double>() <= s["hi"]!.GetValue<double>(), $"splitting {s.ToJsonString()} vs tail {t.ToJsonString()}");

        // At N = 32 the 2000 plain replicas have no hit at x = 0.6 (a censored tail row); splitting gives a number.
        Assert.True(rows.First(r => r!["estimator"]!.GetValue<string>() == "tail" && r["width"]!.GetValue<string>() == "32" && r["x"]!.GetValue<double>() == 0.6)!["censored"]!.GetValue<bool>());

        // At x = 1.3 plain sampling has no hits at N = 32, and splitting reaches N·I ≥ 20.
        JsonNode deep = splitting.First(r => r["width"]!.GetValue<string>() == "32" && r["x"]!.GetValue<double>() == 1.3);
        Assert.True(32 * deep["value"]!.GetValue<double>() >= 20, deep.ToJsonString());
        Assert.True(root["ld_comparison"]!["available"]!.GetValue<bool>());

        // The splitting rows extrapolated to N = ∞ hold the solver's limit at both levels (no jump wins here: the
        // comparison has the limit itself, not a censored bound).
        foreach (JsonNode? p in root["ld_comparison"]!["modes"]![0]!["points"]!.AsArray().Where(p => p!["x"]!.GetValue<double>() is 0.6 or 1.3))
        {
            Assert.Equal("continuous path", p!["mechanism"]!.GetValue<string>());
            JsonNode inf = p["estimates"]!.AsArray().First(e => e!["width"]!.GetValue<string>() == "inf" && e["estimator"]!.GetValue<string>() == "splitting")!;
            Assert.True(inf["limit_within"]!.GetValue<bool>(), $"x = {p["x"]}: limit {p["limit"]} outside {inf.ToJsonString()}");
        }
    }
}
