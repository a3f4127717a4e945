namespace MeanFieldCluster.Fault.Tests;

/// <summary>The small sweep the stored-state and stopping tests share: 4 points of 20,000 steps.</summary>
internal static class FourPointSweep
{
    /// <summary>Its spec under <paramref name="name"/> with <paramref name="seed"/>.</summary>
    public static string Spec(string name, int seed) => $$$"""
        name: {{{name}}}
        seed: {{{seed}}}
        model: {preset: mmn-relu, activation: tanh, init: {output_std: 1.0, bias_std: 0.3}}
        data: {kind: isotropic-gaussian, d: 10, delta: 0.5}
        training: {horizon: 4}
        observe: {test_samples: 300, risk_times: {count: 5, spacing: linear}, snapshot_times: [0, 4], quantiles: 16}
        grid: {width: [64, 128], step_size: [0.0002], seeds: 2}
        """;

    /// <summary>The tables compared byte for byte with an uninterrupted run.</summary>
    public static readonly string[] Tables = ["points.csv", "curves.csv", "measures.csv", "histograms.csv", "aggregate.json"];

    /// <summary>
    /// Submits the spec at <paramref name="spec"/> to a cluster under <paramref name="sweepId"/> (mfc options
    /// <paramref name="connection"/>), follows it, writes its results to <paramref name="dir"/>/cluster, runs the
    /// same spec embedded into <paramref name="dir"/>/embedded, and asserts every table is the same bytes;
    /// <paramref name="logs"/> adds the silos' output to a failed watch.
    /// </summary>
    public static async Task RunOnClusterAndCompareWithEmbedded(string dir, string spec, string sweepId, string[] connection, string cluster, Func<string>? logs = null)
    {
        var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", sweepId, .. connection]);
        Assert.True(submit.Code == 0, submit.Error);
        var watch = await FaultTests.Mfc(["watch", sweepId, .. connection]);
        Assert.True(watch.Code == 0, watch.Output + watch.Error + logs?.Invoke());
        var results = await FaultTests.Mfc(["results", sweepId, "--out", Path.Combine(dir, "cluster"), .. connection]);
        Assert.True(results.Code == 0, results.Output + results.Error);
        var embedded = await FaultTests.Mfc(["run", spec, "--out", Path.Combine(dir, "embedded"), "--sweep-id", sweepId]);
        Assert.True(embedded.Code == 0, embedded.Output + embedded.Error);
        foreach (string table in Tables)
        {
            Assert.True(
                File.ReadAllBytes(Path.Combine(dir, "cluster", table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "embedded", table))),
                $"{table} differs between the {cluster} run and the embedded run");
        }
    }
}
