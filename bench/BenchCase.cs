using System.Globalization;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Bench;

/// <summary>One benchmark case: a model at one width, input dimension and precision.</summary>
internal sealed record BenchCase(string Name, string Model, int Width, int D, string Dtype, double Eps)
{
    /// <summary>Δ of the Gaussian-mixture data of the MMN cases (also in <see cref="Yaml"/>).</summary>
    private const double Delta = 0.8;

    public int Layers => Model switch
    {
        Presets.ThreeLayer => 2,
        Presets.DeepFixedEnds => 3,
        _ => 1,
    };

    /// <summary>
    /// Inner-matrix bytes a minimal schedule moves per step, in units of one N×N matrix (docs/performance.md,
    /// "Deep networks"): each trained W^ℓ read and written once (its update, the next sample's forward and, for
    /// the last one, its share of the next backward pass in one pass): 2 for three-layer, 4 for deep-fixed-ends.
    /// </summary>
    public int InnerMatrixPasses => 2 * (Layers - 1);

    /// <summary>The cases of issue #4: MMN isotropic ramp at five widths, MMN relu, three-layer, and two float32 variants.</summary>
    public static IReadOnlyList<BenchCase> All { get; } =
    [
        Isotropic(100, Precisions.Float64),
        Isotropic(800, Precisions.Float64),
        Isotropic(4000, Precisions.Float64),
        Isotropic(20_000, Precisions.Float64),
        Isotropic(100_000, Precisions.Float64),
        new("mmn-relu-N10000-f64", Presets.MmnRelu, 10_000, 100, Precisions.Float64, 1e-4),
        new("three-layer-N256-f64", Presets.ThreeLayer, 256, 8, Precisions.Float64, 0.002),

        // Issue #20, item 1: the deep models at three widths.
        new("three-layer-N1024-f64", Presets.ThreeLayer, 1024, 8, Precisions.Float64, 0.002),
        new("three-layer-N4096-f64", Presets.ThreeLayer, 4096, 8, Precisions.Float64, 0.002),
        new("deep-fixed-ends-N256-f64", Presets.DeepFixedEnds, 256, 6, Precisions.Float64, 0.004),
        new("deep-fixed-ends-N1024-f64", Presets.DeepFixedEnds, 1024, 6, Precisions.Float64, 0.004),
        new("deep-fixed-ends-N4096-f64", Presets.DeepFixedEnds, 4096, 6, Precisions.Float64, 0.004),
        Isotropic(800, Precisions.Float32),
        Isotropic(20_000, Precisions.Float32),
    ];

    /// <summary>Small versions of each model for checking that the references compute the engine's update.</summary>
    public static IReadOnlyList<BenchCase> Verification { get; } =
    [
        new("verify-mmn-isotropic", Presets.MmnIsotropic, 48, 40, Precisions.Float64, 0.01),
        new("verify-mmn-relu", Presets.MmnRelu, 48, 100, Precisions.Float64, 0.01),
        new("verify-three-layer", Presets.ThreeLayer, 24, 8, Precisions.Float64, 0.02),
        new("verify-deep-fixed-ends", Presets.DeepFixedEnds, 24, 6, Precisions.Float64, 0.02),
    ];

    /// <summary>
    /// Length-N vectors a fused step reads or writes, counted once each (docs/performance.md): the first-layer
    /// pass reads δ and b and writes u; the output activation reads u and c and writes h and δ (7 in all for
    /// mmn-isotropic); training c and b adds 3 each (mmn-relu, 13); the three-layer step has 25 (two layers
    /// of pass vectors, activations and products, c's update and ŷ); deep-fixed-ends 31 (three layers of pass
    /// vectors and activations, δ_3 and δ_2, ŷ; no δ_1 and no update of w or c).
    /// </summary>
    public int VectorPasses => Model switch
    {
        Presets.MmnIsotropic => 7,
        Presets.MmnRelu => 13,
        Presets.DeepFixedEnds => 31,
        _ => 25,
    };

    public string ShortDtype => Dtype == Precisions.Float32 ? "f32" : "f64";

    /// <summary>The sweep spec of the case (the examples' models; data as in examples/mmn-fig1-small.yaml, examples/three-layer.yaml and examples/deep-fixed-ends.yaml).</summary>
    public SweepSpec Spec() => SpecLoader.Parse(Yaml(), SpecFormat.Yaml);

    /// <summary>Settings the reference scripts read.</summary>
    public Dictionary<string, object> ToReference(long? steps = null)
    {
        var o = new Dictionary<string, object>
        {
            ["name"] = Name,
            ["model"] = Model,
            ["width"] = Width,
            ["d"] = D,
            ["dtype"] = Dtype,
            ["eps"] = Eps,
            ["delta"] = Delta,
            ["teacher_width"] = TeacherWidth,
            ["noise"] = Noise,
        };
        if (steps is { } s)
        {
            o["steps"] = s;
        }

        return o;
    }

    /// <summary>The settings of <see cref="ToReference"/> on one line, "name model width d dtype eps delta [steps]", for the native reference.</summary>
    public string ToReferenceLine(long? steps = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{Name} {Model} {Width} {D} {Dtype} {Eps:R} {Delta:R}{(steps is { } s ? $" {s}" : "")}");

    // The teacher-student data of the deep cases: examples/three-layer.yaml's teacher (4 tanh units, noise 0.05)
    // and examples/deep-fixed-ends.yaml's (3 units, no noise).
    private int TeacherWidth => Model == Presets.DeepFixedEnds ? 3 : 4;

    private double Noise => Model == Presets.DeepFixedEnds ? 0.0 : 0.05;

    private static BenchCase Isotropic(int n, string dtype) =>
        new($"mmn-isotropic-N{n}-{(dtype == Precisions.Float32 ? "f32" : "f64")}", Presets.MmnIsotropic, n, 40, dtype, 1e-4);

    private string Yaml()
    {
        string model = Model switch
        {
            Presets.MmnIsotropic => """
                model:
                  preset: mmn-isotropic
                  activation: {kind: ramp, t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5}
                  init: {kappa: 0.8}
                data: {kind: isotropic-gaussian, d: D, delta: 0.8}
                """,
            Presets.MmnRelu => """
                model:
                  preset: mmn-relu
                  activation: relu
                  init: {kappa: 1.0, output_mean: 1.0, output_std: 0.5, bias_std: 0.1}
                data: {kind: isotropic-gaussian, d: D, delta: 0.8}
                """,
            Presets.DeepFixedEnds => """
                model:
                  preset: deep-fixed-ends
                  activation: tanh
                  init: {kappa: 1.0, hidden_mean: 0.0, hidden_std: 1.0, output_mean: 0.0, output_std: 1.0, hidden_structure: 2.0}
                data: {kind: teacher-student, d: D, teacher: {width: 3, activation: tanh, seed: 1}, noise: 0.0}
                """,
            _ => """
                model:
                  preset: three-layer
                  activation: tanh
                  init: {kappa: 1.0, hidden_mean: 0.0, hidden_std: 1.0, output_mean: 0.0, output_std: 1.0}
                data: {kind: teacher-student, d: D, teacher: {width: 4, activation: tanh, seed: 3}, noise: 0.05}
                """,
        };
        var c = CultureInfo.InvariantCulture;
        return $"""
            name: {Name}
            seed: 1
            {model.Replace("d: D", $"d: {D.ToString(c)}", StringComparison.Ordinal)}
            training: {"{"}steps: 1000000000, precision: {Dtype}{"}"}
            observe: {"{"}test_samples: 10{"}"}
            grid: {"{"}width: [{Width.ToString(c)}], step_size: [{Eps.ToString("R", c)}], layers: [{Layers.ToString(c)}]{"}"}
            """;
    }
}
