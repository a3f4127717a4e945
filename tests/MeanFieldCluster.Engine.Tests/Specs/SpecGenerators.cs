using CsCheck;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>CsCheck generators of valid specs (every value inside the documented ranges).</summary>
internal static class SpecGenerators
{
    private static readonly Gen<string> Name =
        Gen.Char["abcxyzABZ0189._-"].Array[1, 30].Select(chars => new string(chars));

    private static readonly Gen<ActivationSpec> Activation = Gen.OneOf(
        Gen.OneOfConst(ActivationKinds.Relu, ActivationKinds.Tanh, ActivationKinds.Identity).Select(k => new ActivationSpec(k)),
        Gen.Select(Gen.Double[-5, 5], Gen.Double[0.001, 5], Gen.Double[-10, 10], Gen.Double[-10, 10])
            .Select(p => new ActivationSpec(ActivationKinds.Ramp, p.Item1, p.Item1 + p.Item2, p.Item3, p.Item4))
            .Where(a => a.T2 > a.T1));

    private static readonly Gen<InitSpec> Init =
        Gen.Select(Gen.Double[0.001, 3], Gen.Double[-2, 2], Gen.Double[0, 2], Gen.Double[-2, 2], Gen.Double[0, 2])
            .Select(p => new InitSpec(p.Item1, p.Item2, p.Item3, p.Item4, p.Item5));

    private static readonly Gen<ModelSpec> Model =
        Gen.Select(Gen.OneOfConst(Presets.All.ToArray()), Activation, Init, (p, a, i) => new ModelSpec(p, a, i));

    private static readonly Gen<DataSpec> Data =
        Gen.Select(Gen.Int[1, 100_000], Gen.Double[0, 0.999], (d, delta) => new DataSpec(DataKinds.IsotropicGaussian, d, delta));

    private static readonly Gen<TrainingSpec> Training = Gen.Select(
        Gen.Bool,
        Gen.Double[0.01, 1000],
        Gen.Long[1, 1_000_000_000_000],
        Gen.Int[1, 100_000],
        (useHorizon, horizon, steps, batch) =>
            useHorizon ? new TrainingSpec(horizon, null, "constant", batch) : new TrainingSpec(null, steps, "constant", batch));

    private static readonly Gen<TimeGrid> Times = Gen.OneOf(
        Gen.Double[0, 1000].Array[1, 6].Select(t => new TimeGrid(t)),
        Gen.Select(Gen.Int[2, 10_000], Gen.OneOfConst("linear", "log"), (n, s) => new TimeGrid(null, n, s)));

    private static readonly Gen<ObserveSpec> Observe = Gen.Select(
        Gen.Int[10, 10_000_000],
        Times,
        Times,
        Gen.Int[2, 100_000],
        (m, risk, snapshots, q) => new ObserveSpec(m, risk, snapshots, q));

    private static readonly Gen<GridSpec> Grid = Gen.Select(
        Gen.Int[1, 10_000_000].ArrayUnique[1, 4],
        Gen.Double[1e-6, 10].ArrayUnique[1, 3],
        Gen.Int[0, int.MaxValue].ArrayUnique[1, 5],
        (w, e, s) => new GridSpec(w, e, [1], s));

    /// <summary>Valid specs; their <see cref="SpecWriter.ToJson"/> output always parses.</summary>
    public static readonly Gen<SweepSpec> Spec = Gen.Select(
        Name,
        Gen.Long[0, long.MaxValue],
        Model,
        Data,
        Training,
        Observe,
        Grid,
        (name, seed, model, data, training, observe, grid) =>
            new SweepSpec(name, (ulong)seed, model, data, training, observe, grid));
}
