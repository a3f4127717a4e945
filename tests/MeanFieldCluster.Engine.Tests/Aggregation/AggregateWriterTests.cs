using System.Text.Json;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using static MeanFieldCluster.Engine.Tests.Aggregation.AggregationSamples;

namespace MeanFieldCluster.Engine.Tests.Aggregation;

public sealed class AggregateWriterTests
{
    private static readonly int[] Widths = [100, 400, 1600];

    private static AggregateReport Report()
    {
        List<PointOutcome> outcomes = SweepAggregatorTests.ShiftedLawOutcomes();
        outcomes.Add(Outcome(Point(0, 100, 0.01, 1), risks: [1, double.NaN, double.PositiveInfinity], status: RunStatus.Diverged));
        return SweepAggregator.Aggregate(Spec(Widths, [new StepSizeSpec(0.01)]), outcomes);
    }

    private static string[] Keys(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name)];

    [Fact]
    public void TheJsonHasTheDocumentedSnakeCaseKeysInOrder()
    {
        using JsonDocument doc = JsonDocument.Parse(AggregateWriter.ToJson(Report()));
        JsonElement root = doc.RootElement;

        Assert.Equal(["sweep", "points", "counts", "risk_curves", "measure_convergence", "cross_layer_dependence", "pde_comparison", "scaling"], Keys(root));
        Assert.Equal("aggregation-test", root.GetProperty("sweep").GetString());
        Assert.Equal(7, root.GetProperty("points").GetInt32());
        Assert.Equal(["completed", "diverged", "running"], Keys(root.GetProperty("counts")));
        Assert.Equal(6, root.GetProperty("counts").GetProperty("completed").GetInt32());
        Assert.Equal(1, root.GetProperty("counts").GetProperty("diverged").GetInt32());

        JsonElement curve = root.GetProperty("risk_curves")[0];
        Assert.Equal(["widths", "step_size", "layers", "gamma", "seeds", "curve"], Keys(curve));
        Assert.Equal(JsonValueKind.Array, curve.GetProperty("widths").ValueKind);
        Assert.Equal(100, curve.GetProperty("widths")[0].GetInt32());
        Assert.Equal(0.01, curve.GetProperty("step_size").GetDouble());
        Assert.Equal(["step", "time", "mean", "std_err", "seed_count"], Keys(curve.GetProperty("curve")[0]));

        JsonElement family = root.GetProperty("measure_convergence")[0];
        Assert.Equal(["step_size", "step_size_divided_by_width", "layers", "gamma", "reference", "reference_width", "widths", "features", "sliced_w2"], Keys(family));
        Assert.Equal("largest width of the sweep", family.GetProperty("reference").GetString());
        Assert.Equal(1600, family.GetProperty("reference_width")[0].GetInt32());
        JsonElement atOne = family.GetProperty("features")[1].GetProperty("times")[1];
        Assert.Equal(["time", "widths", "w1_fit", "w2_fit"], Keys(atOne));
        Assert.Equal(["widths", "seed_count", "w1", "w2", "pooled_quantiles"], Keys(atOne.GetProperty("widths")[0]));
        Assert.Equal(Levels, atOne.GetProperty("widths")[0].GetProperty("pooled_quantiles").GetArrayLength());
        Assert.Equal(["exponent", "exponent_std_err", "exponent_ci95", "prefactor", "points", "r_squared"], Keys(atOne.GetProperty("w1_fit")));
        Assert.Equal(JsonValueKind.Null, atOne.GetProperty("w1_fit").GetProperty("exponent_std_err").ValueKind);
        Assert.Equal(["time", "directions", "widths", "fit"], Keys(family.GetProperty("sliced_w2")[1]));
        Assert.Equal(["widths", "seed_count", "sliced_w2"], Keys(family.GetProperty("sliced_w2")[1].GetProperty("widths")[0]));

        JsonElement dependence = root.GetProperty("cross_layer_dependence");
        Assert.Equal(["groups", "families"], Keys(dependence));
        JsonElement group = dependence.GetProperty("groups")[0];
        Assert.Equal(["widths", "step_size", "layers", "gamma", "step", "seeds", "chaos_initial", "chaos_final", "chaos_change", "edges", "axes"], Keys(group));
        Assert.Equal(["seed_count", "rank_one_share", "feature_share", "left_alignment", "right_alignment", "relative_change"], Keys(group.GetProperty("edges")));
        Assert.Equal(["mean", "std_err"], Keys(group.GetProperty("edges").GetProperty("rank_one_share")));
        Assert.Equal(
            ["step_size", "step_size_divided_by_width", "layers", "gamma", "widths", "chaos_fit", "change_fit", "rank_one_share_fit", "feature_share_fit", "axes"],
            Keys(dependence.GetProperty("families")[0]));
        Assert.Equal(
            ["widths", "seed_count", "dcor_squared", "dcor_squared_null_sd", "p_value", "change", "change_null_sd", "change_p_value", "rank_one_share", "feature_share"],
            Keys(dependence.GetProperty("families")[0].GetProperty("widths")[0]));
        Assert.Equal(JsonValueKind.Array, dependence.GetProperty("families")[0].GetProperty("rank_one_share_fit").GetProperty("exponent_ci95").ValueKind);
    }

    [Fact]
    public void TheSameReportAlwaysGivesTheSameText()
    {
        string first = AggregateWriter.ToJson(Report());
        string second = AggregateWriter.ToJson(Report());

        Assert.Equal(first, second);
        Assert.DoesNotContain("\r", first);
    }

    [Fact]
    public void NumbersAreShortestRoundTripAndNonFiniteValuesAreNull()
    {
        SweepSpec spec = Spec([100], [new StepSizeSpec(0.01)], seeds: 1);
        PointOutcome outcome = Outcome(Point(0, 100, 0.01, 0, seeds: 1), risks: [0.1, double.NaN, double.NegativeInfinity]);

        string json = AggregateWriter.ToJson(SweepAggregator.Aggregate(spec, [outcome]));

        Assert.Contains("\"step_size\": 0.01,", json);
        Assert.Contains("\"mean\": 0.1,", json);
        Assert.Contains("\"widths\": [100],", json);
        Assert.Contains("\"widths\": [[100], [400], [1600]],", AggregateWriter.ToJson(Report()));
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement curve = doc.RootElement.GetProperty("risk_curves")[0].GetProperty("curve");
        Assert.Equal(JsonValueKind.Null, curve[1].GetProperty("mean").ValueKind);
        Assert.Equal(JsonValueKind.Null, curve[2].GetProperty("mean").ValueKind);
        Assert.Equal(JsonValueKind.Null, curve[0].GetProperty("std_err").ValueKind);
    }
}
