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

    /// <summary>Only the required fields, for a preset with the given layer count (three-layer needs grid.layers).</summary>
    public static string MinimalFor(string preset, string activation = "relu") => $$"""
        model: {preset: {{preset}}, activation: {{activation}}}
        data: {kind: isotropic-gaussian, d: 10}
        training: {horizon: 1}
        grid: {width: 100, step_size: 0.01}
        """;

    /// <summary>A spec that sets every field of every section (normalized preset, teacher-student data).</summary>
    public const string EveryFieldYaml = """
        name: every-field
        seed: 3
        model:
          preset: normalized
          activation: {kind: sigmoid}
          init: {kappa: 1.5, output_mean: 0.5, output_std: 0.1, bias_mean: 0.2, bias_std: 0.3, hidden_mean: -0.1, hidden_std: 2}
          gamma: [0.5, 1, 0.75]
          bias: true
          train: {first: false, hidden: true, output: true, bias: false}
          mean_field_scaling: false
          divergence_bound: 1e4
        data:
          kind: teacher-student
          d: 8
          teacher: {width: 5, activation: tanh, seed: 11}
          noise: 0.25
        training:
          steps: 400
          xi: {kind: power, t0: 2, alpha: 0.75}
          batch_size: 4
          ridge: 0.01
          beta: 1000
        observe:
          test_samples: 500
          risk_times: {count: 11, spacing: log}
          snapshot_times: [0, 1, 2]
          quantiles: 64
          histogram_bins: 0
          raw_times: [2, 0, 1]
          sliced_directions: 4
          edge_sample: 100
          dependence: {chaos: false, permutations: 99}
        grid:
          width: [[30, 20, 10], 40]
          step_size: [0.01, 0.5/N]
          layers: 3
          seeds: 2
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

    /// <summary>The errors of <paramref name="text"/> with overrides; fails the test when it parses.</summary>
    public static IReadOnlyList<SpecError> ErrorsOf(string text, params string[] overrides) => Errors(text, SpecFormat.Yaml, overrides);

    /// <summary>
    /// A structural comparison of records holding lists (record equality compares lists by reference):
    /// their JSON serializations must be equal.
    /// </summary>
    public static void AssertSame<T>(T expected, T actual) =>
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(expected), System.Text.Json.JsonSerializer.Serialize(actual));
}

/// <summary>A temporary folder for csv and spec files, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("mfc-spec-tests").FullName;

    public string Path { get; }

    /// <summary>Writes <paramref name="text"/> to a file of the folder and returns its full path.</summary>
    public string Write(string name, string text)
    {
        string path = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
