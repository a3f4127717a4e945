using System.Text.Json;
using MathNet.Numerics.Distributions;
using MeanFieldCluster.Contracts;

namespace MeanFieldCluster.Dashboard.Tests;

/// <summary>A loopback silo that has run a small SGD sweep (the radial PDE applies) and a small large-deviations sweep to the end.</summary>
public sealed class FinishedSweepsFixture : IAsyncLifetime
{
    public const string Sgd = "dash-tiny-sweep";
    public const string Ld = "dash-cramer-sweep";

    internal DashboardHost Host { get; private set; } = null!;

    /// <summary>The coordinator's aggregate.json of each sweep.</summary>
    public JsonElement SgdAggregate { get; private set; }

    public JsonElement LdAggregate { get; private set; }

    public async Task InitializeAsync()
    {
        Host = await DashboardHost.StartAsync();
        await Host.SubmitAsync(Specs.TinyMmn, Sgd);
        await Host.SubmitAsync(Specs.TinyCramer, Ld);
        await Host.WaitFinishedAsync(Sgd, TimeSpan.FromMinutes(3));
        await Host.WaitFinishedAsync(Ld, TimeSpan.FromMinutes(3));
        SgdAggregate = JsonDocument.Parse((await Host.Cluster.Client.GetGrain<ISweepGrain>(Sgd).GetAggregateJson())!).RootElement.Clone();
        LdAggregate = JsonDocument.Parse((await Host.Cluster.Client.GetGrain<ISweepGrain>(Ld).GetAggregateJson())!).RootElement.Clone();
    }

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class DashboardApiTests(FinishedSweepsFixture fixture) : IClassFixture<FinishedSweepsFixture>
{
    private DashboardHost Host => fixture.Host;

    private static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? double.NaN : v.GetDouble())];

    [Fact]
    public async Task TheListNamesEverySweepWithItsStateAndProgress()
    {
        JsonElement list = await Host.GetJsonAsync("/api/sweeps");

        JsonElement[] sweeps = [.. list.GetProperty("sweeps").EnumerateArray()];
        Assert.Equal(2, list.GetProperty("total").GetInt32());
        Assert.True(list.GetProperty("can_cancel").GetBoolean());
        JsonElement sgd = sweeps.Single(s => s.GetProperty("id").GetString() == FinishedSweepsFixture.Sgd);
        Assert.Equal("dash-tiny", sgd.GetProperty("name").GetString());
        Assert.Equal("completed", sgd.GetProperty("state").GetString());
        Assert.Equal(4, sgd.GetProperty("points").GetInt32());
        Assert.Equal(4, sgd.GetProperty("finished_points").GetInt32());
        Assert.Equal(1.0, sgd.GetProperty("fraction").GetDouble());
    }

    [Fact]
    public async Task TheDetailGivesEveryPointItsWidthGroupSeedAndProgress()
    {
        JsonElement detail = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Sgd}");

        Assert.Equal("sgd", detail.GetProperty("task").GetString());
        Assert.Equal(["N = 20", "N = 40"], detail.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(4, detail.GetProperty("counts").GetProperty("completed").GetInt32());
        Assert.Equal(detail.GetProperty("total_work").GetInt64(), detail.GetProperty("done_work").GetInt64());
        Assert.Equal(4 * 1000, detail.GetProperty("total_work").GetInt64());
        JsonElement[] rows = [.. detail.GetProperty("point_rows").EnumerateArray()];
        Assert.Equal([0, 1, 2, 3], rows.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal([0, 1, 0, 1], rows.Select(r => r.GetProperty("seed").GetInt32()));
        Assert.Equal(["N = 20", "N = 20", "N = 40", "N = 40"], rows.Select(r => r.GetProperty("group").GetString()));
        Assert.All(rows, r => Assert.Equal(1000, r.GetProperty("done").GetInt64()));
    }

    [Fact]
    public async Task RiskCurvesAreTheMeanOverSeedsPerWidthAsInTheAggregate()
    {
        JsonElement risk = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Sgd}/risk");

        double[] times = Doubles(risk.GetProperty("times"));
        JsonElement[] series = [.. risk.GetProperty("series").EnumerateArray()];
        JsonElement[] curves = [.. fixture.SgdAggregate.GetProperty("risk_curves").EnumerateArray()];
        Assert.Equal(2, series.Length);
        Assert.Equal(curves.Length, series.Length);
        for (int g = 0; g < curves.Length; g++)
        {
            Assert.Equal(curves[g].GetProperty("widths")[0].GetInt32(), series[g].GetProperty("widths")[0].GetInt32());
            Assert.Equal(2, series[g].GetProperty("seeds_reporting").GetInt32());
            double[] values = Doubles(series[g].GetProperty("values"));
            double[] stderr = Doubles(series[g].GetProperty("std_err"));
            JsonElement[] points = [.. curves[g].GetProperty("curve").EnumerateArray()];
            Assert.Equal(points.Length, times.Length);
            for (int i = 0; i < points.Length; i++)
            {
                Assert.Equal(points[i].GetProperty("time").GetDouble(), times[i], 12);
                Assert.Equal(points[i].GetProperty("mean").GetDouble(), values[i], 12);
                Assert.Equal(points[i].GetProperty("std_err").GetDouble(), stderr[i], 12);
            }
        }
    }

    [Fact]
    public async Task TheLimitCurveIsTheRadialPdeRiskOfTheAggregate()
    {
        JsonElement risk = await Host.PollJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Sgd}/risk", r => r.GetProperty("pde_status").GetString() == "ready", TimeSpan.FromMinutes(1));

        double[] times = Doubles(risk.GetProperty("times"));
        double[] values = Doubles(risk.GetProperty("pde").GetProperty("values"));
        JsonElement pde = fixture.SgdAggregate.GetProperty("pde_comparison");
        double[] pdeTimes = Doubles(pde.GetProperty("times"));
        double[] pdeRisk = Doubles(pde.GetProperty("risk"));
        for (int i = 0; i < times.Length; i++)
        {
            int j = Array.FindIndex(pdeTimes, t => Math.Abs(t - times[i]) <= 1e-12);
            Assert.True(j >= 0, $"the aggregate's PDE has no time {times[i]}");
            Assert.Equal(pdeRisk[j], values[i], 12);
        }

        Assert.Equal("mean-field limit (PDE)", risk.GetProperty("pde").GetProperty("label").GetString());
    }

    [Fact]
    public async Task QuantilesAtASnapshotTimeAreTheSeedPooledLawsOfTheAggregate()
    {
        JsonElement view = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Sgd}/quantiles?feature=w_norm&time=2");

        Assert.Equal("w_norm", view.GetProperty("feature").GetString());
        Assert.Equal(2.0, view.GetProperty("time").GetDouble(), 12);
        Assert.Equal([0.0, 1.0, 2.0], Doubles(view.GetProperty("times")).Select(t => Math.Round(t, 9)));
        Assert.Equal(Enumerable.Range(0, 16).Select(j => (j + 0.5) / 16), Doubles(view.GetProperty("levels")));
        JsonElement atTwo = fixture.SgdAggregate.GetProperty("measure_convergence")[0].GetProperty("features").EnumerateArray()
            .Single(f => f.GetProperty("feature").GetString() == "w_norm").GetProperty("times").EnumerateArray()
            .Single(t => Math.Abs(t.GetProperty("time").GetDouble() - 2.0) < 1e-9);
        JsonElement[] laws = [.. atTwo.GetProperty("widths").EnumerateArray()];
        JsonElement[] series = [.. view.GetProperty("series").EnumerateArray()];
        Assert.Equal(laws.Length, series.Length);
        for (int g = 0; g < laws.Length; g++)
        {
            Assert.Equal(laws[g].GetProperty("widths")[0].GetInt32(), series[g].GetProperty("widths")[0].GetInt32());
            Assert.Equal(Doubles(laws[g].GetProperty("pooled_quantiles")), Doubles(series[g].GetProperty("values")));
        }
    }

    [Fact]
    public async Task TheLimitsRadialLawAtTimeZeroIsTheScaledChiLawOfTheInitialWeights()
    {
        // w_i ~ N(0, kappa^2/d I_d): ||w_i|| ~ (kappa/sqrt d) chi_d, with kappa = 0.8 and d = 10 in the spec.
        JsonElement view = await Host.PollJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Sgd}/quantiles?feature=w_norm&time=0", v => v.GetProperty("pde").ValueKind != JsonValueKind.Null, TimeSpan.FromMinutes(1));

        double[] levels = Doubles(view.GetProperty("levels"));
        double[] limit = Doubles(view.GetProperty("pde").GetProperty("values"));
        for (int j = 0; j < levels.Length; j++)
        {
            double expected = 0.8 / Math.Sqrt(10) * Math.Sqrt(ChiSquared.InvCDF(10, levels[j]));
            Assert.Equal(expected, limit[j], 0.01 * expected);
        }
    }

    [Fact]
    public async Task QuantilesDefaultToTheLatestSnapshotOfTheWeightNorm()
    {
        JsonElement view = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Sgd}/quantiles");

        Assert.Equal("w_norm", view.GetProperty("feature").GetString());
        Assert.Equal(2.0, view.GetProperty("time").GetDouble(), 12);
        Assert.Contains("w_proj0", view.GetProperty("features").EnumerateArray().Select(f => f.GetString()));
    }

    [Theory]
    [InlineData("feature=nope", "feature: 'nope' is not recorded by this sweep")]
    [InlineData("feature=..%2F..%2Fetc", "feature: '../../etc' is not a feature name")]
    [InlineData("time=3", "time: 3 is not a snapshot time of this sweep; expected one of 0, 1, 2")]
    [InlineData("time=abc", "time: 'abc' is not a time")]
    public async Task AnUnknownFeatureOrTimeIsRefusedNamingTheParameter(string query, string message)
    {
        JsonElement error = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Sgd}/quantiles?{query}", 400);

        Assert.StartsWith(message, error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RateFunctionsAreTheAggregatesRowsWithTheirBootstrapIntervals()
    {
        JsonElement view = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Ld}/rates");

        Assert.True(view.GetProperty("applicable").GetBoolean());
        Assert.Equal("final", view.GetProperty("source").GetString());
        Assert.Equal("mean-output-weight", view.GetProperty("functional").GetString());
        Assert.Equal(4, view.GetProperty("batches_used").GetInt32());
        JsonElement mode = view.GetProperty("modes")[0];
        Assert.Equal("annealed", mode.GetProperty("mode").GetString());
        var shown = new Dictionary<(string, string, double), (double?, double?, double?)>();
        foreach (JsonElement curve in mode.GetProperty("curves").EnumerateArray())
        {
            double[] x = Doubles(curve.GetProperty("x"));
            for (int i = 0; i < x.Length; i++)
            {
                shown[(curve.GetProperty("width").GetString()!, curve.GetProperty("estimator").GetString()!, x[i])] =
                    (Nullable(curve.GetProperty("value")[i]), Nullable(curve.GetProperty("low")[i]), Nullable(curve.GetProperty("high")[i]));
            }
        }

        JsonElement[] rows = [.. fixture.LdAggregate.GetProperty("large_deviations").GetProperty("modes")[0].GetProperty("rate_functions").GetProperty("rows").EnumerateArray()];
        Assert.NotEmpty(rows);
        Assert.Equal(rows.Length, shown.Count);
        foreach (JsonElement row in rows)
        {
            (double? value, double? low, double? high) = shown[(row.GetProperty("width").GetString()!, row.GetProperty("estimator").GetString()!, row.GetProperty("x").GetDouble())];
            Assert.Equal(Nullable(row.GetProperty("value")), value);
            Assert.Equal(Nullable(row.GetProperty("lo")), low);
            Assert.Equal(Nullable(row.GetProperty("hi")), high);
        }

        Assert.Contains(rows, r => r.GetProperty("width").GetString() == "inf");
    }

    [Fact]
    public async Task ALargeDeviationsSweepHasNoRiskCurvesAndAnSgdSweepNoRateFunctions()
    {
        JsonElement risk = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Ld}/risk");
        JsonElement rates = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Sgd}/rates");

        Assert.Empty(risk.GetProperty("series").EnumerateArray());
        Assert.StartsWith("not applicable", risk.GetProperty("pde_status").GetString(), StringComparison.Ordinal);
        Assert.False(rates.GetProperty("applicable").GetBoolean());
    }

    [Fact]
    public async Task TheLargeDeviationsDetailCountsReplicaSteps()
    {
        JsonElement detail = await Host.GetJsonAsync($"/api/sweeps/{FinishedSweepsFixture.Ld}");

        Assert.Equal("large-deviations", detail.GetProperty("task").GetString());
        Assert.Equal("replica steps", detail.GetProperty("work_unit").GetString());
        Assert.Equal(["annealed, N = 10", "annealed, N = 40"], detail.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(2000, detail.GetProperty("point_rows")[0].GetProperty("replicas").GetInt32());
    }

    private static double? Nullable(JsonElement value) => value.ValueKind == JsonValueKind.Null ? null : value.GetDouble();
}
