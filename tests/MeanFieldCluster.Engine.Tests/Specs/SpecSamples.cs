using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>Spec texts shared by the spec tests, and helpers to collect errors.</summary>
internal static class SpecSamples
{
    public const string FullYaml = """
        # MMN figure 1, small version
        name: mmn-fig1-small
        seed: 7
        model:
          preset: mmn-isotropic
          activation: {kind: ramp, t1: 0.25, t2: 1.75, s1: -2, s2: 8}
          init:
            kappa: 0.8
            output_mean: 1.0
            output_std: 0.0
            bias_mean: 0.0
            bias_std: 0.0
        data:
          kind: isotropic-gaussian
          d: 40
          delta: 0.8
        training:
          horizon: 20
          xi: constant
          batch_size: 1
        observe:
          test_samples: 2000
          risk_times: [0, 1, 5, 20]
          snapshot_times: {count: 5, spacing: log}
          quantiles: 256
        grid:
          width: [100, 200, 400]
          step_size: [1e-4, 2.5e-4]
          layers: [1]
          seeds: 2
        """;

    public const string FullJson = """
        {
          "name": "mmn-fig1-small",
          "seed": 7,
          "model": {
            "preset": "mmn-isotropic",
            "activation": {"kind": "ramp", "t1": 0.25, "t2": 1.75, "s1": -2, "s2": 8},
            "init": {"kappa": 0.8, "output_mean": 1.0, "output_std": 0.0, "bias_mean": 0.0, "bias_std": 0.0}
          },
          "data": {"kind": "isotropic-gaussian", "d": 40, "delta": 0.8},
          "training": {"horizon": 20, "xi": "constant", "batch_size": 1},
          "observe": {
            "test_samples": 2000,
            "risk_times": [0, 1, 5, 20],
            "snapshot_times": {"count": 5, "spacing": "log"},
            "quantiles": 256
          },
          "grid": {"width": [100, 200, 400], "step_size": [1e-4, 2.5e-4], "layers": [1], "seeds": 2}
        }
        """;

    /// <summary>Only the required fields.</summary>
    public const string MinimalYaml = """
        model: {preset: mmn-isotropic, activation: ramp}
        data: {kind: isotropic-gaussian, d: 40}
        training: {horizon: 20}
        grid: {width: 100, step_size: 0.001}
        """;

    public static SweepSpec Yaml(string text, params string[] overrides) =>
        SpecLoader.Parse(text, SpecFormat.Yaml, overrides);

    /// <summary>The errors of parsing <paramref name="text"/>; fails the test when it parses.</summary>
    public static IReadOnlyList<SpecError> Errors(string text, SpecFormat format = SpecFormat.Yaml, params string[] overrides) =>
        Assert.Throws<SpecException>(() => SpecLoader.Parse(text, format, overrides)).Errors;

    /// <summary>The errors of the minimal spec with the given overrides.</summary>
    public static IReadOnlyList<SpecError> ErrorsWith(params string[] overrides) => Errors(MinimalYaml, SpecFormat.Yaml, overrides);

    /// <summary>The paths of <paramref name="errors"/>.</summary>
    public static IReadOnlyList<string> Paths(this IReadOnlyList<SpecError> errors) => errors.Select(e => e.Path).ToList();

    /// <summary>The single error at <paramref name="path"/>.</summary>
    public static SpecError At(this IReadOnlyList<SpecError> errors, string path) =>
        Assert.Single(errors, e => e.Path == path);
}
