using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

/// <summary>
/// The linear-neuron sweeps of the large-deviation tests, one definition each; a test changes only what it varies, by
/// <c>path=value</c> overrides (applied to the tree before validation, as <c>mfc run --set</c> does).
/// <list type="bullet">
/// <item><see cref="KnownAnswer"/>: the case of <c>LinearNeuronRate</c> (docs/large-deviations.md, "A known answer after
/// training"): d = 1, y = θ* x without label noise, λ = 0, β = ∞, step α/N with α = 0.25, T = 0.5 (K = 2N steps).</item>
/// <item><see cref="Noisy"/>: the same neuron with label noise, ridge and Langevin noise (σ_n = 0.5, λ = 0.2, β = 4),
/// step 0.5/N, T = 1: the solver's case with no closed form.</item>
/// </list>
/// </summary>
internal static class LinearNeuronSpecs
{
    /// <summary>α of the known answer's step α/N.</summary>
    public const double Alpha = 0.25;

    /// <summary>The known answer's horizon T.</summary>
    public const double Horizon = 0.5;

    /// <summary>The known-answer sweep (quenched, near-deterministic start κ = 0.001, N = 16, 32, 64, R = 20000).</summary>
    public const string KnownAnswer = """
        name: ld-linear-known
        seed: 3
        task: large-deviations
        model: {preset: linear, activation: identity, init: {kappa: 0.001}}
        data: {kind: teacher-student, d: 1, teacher: {width: 1, activation: identity, seed: 2}}
        training: {horizon: 0.5}
        observe: {test_samples: 10}
        grid: {width: [16, 32, 64], step_size: ["0.25/N"]}
        large_deviations:
          functional: risk
          replicas: 20000
          batch_size: 20000
          modes: [quenched]
          x_grid: [0.1]
          k_grid: [-1, 0, 1]
        """;

    /// <summary>The noisy sweep (κ = 0.6, N = 32, 64, 128, R = 20000, both modes, x from 0 to 3).</summary>
    public const string Noisy = """
        name: ld-linear
        seed: 3
        task: large-deviations
        model: {preset: linear, init: {kappa: 0.6}}
        data: {kind: teacher-student, d: 1, noise: 0.5, teacher: {width: 1, activation: identity, seed: 4}}
        training: {horizon: 1, ridge: 0.2, beta: 4}
        observe: {test_samples: 2000}
        grid: {width: [32, 64, 128], step_size: [0.5/N]}
        large_deviations:
          functional: risk
          replicas: 20000
          batch_size: 20000
          modes: [quenched, annealed]
          x_grid: {from: 0.0, to: 3.0, step: 0.1}
          k_grid: {from: -10, to: 10, step: 0.1}
        """;

    /// <summary>Parses one of the sweeps above with <paramref name="overrides"/> (<c>path=value</c>).</summary>
    public static SweepSpec Parse(string yaml, params string[] overrides) => SpecLoader.Parse(yaml, SpecFormat.Yaml, overrides);
}
