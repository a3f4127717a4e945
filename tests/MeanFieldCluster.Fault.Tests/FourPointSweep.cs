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
}
