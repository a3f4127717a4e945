using CsCheck;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>
/// CsCheck generators of valid specs (every value inside the documented ranges, every cross-field rule
/// kept). They cover every preset and every data kind except csv, which needs a file.
/// </summary>
internal static class SpecGenerators
{
    private static readonly Gen<string> Name =
        Gen.Char["abcxyzABZ0189._-"].Array[1, 30].Select(chars => new string(chars));

    private static readonly Gen<ActivationSpec> Activation = Gen.OneOf(
        Gen.OneOfConst(ActivationKinds.Relu, ActivationKinds.Tanh, ActivationKinds.Sigmoid, ActivationKinds.Erf, ActivationKinds.Identity)
            .Select(k => new ActivationSpec(k)),
        Gen.Select(Gen.Double[-5, 5], Gen.Double[0.001, 5], Gen.Double[-10, 10], Gen.Double[-10, 10])
            .Select(p => new ActivationSpec(ActivationKinds.Ramp, p.Item1, p.Item1 + p.Item2, p.Item3, p.Item4))
            .Where(a => a.T2 > a.T1));

    private static readonly Gen<InitSpec> Init =
        Gen.Select(Gen.Double[0.001, 3], Gen.Double[-2, 2], Gen.Double[0, 2], Gen.Double[-2, 2], Gen.Double[0, 2], Gen.Double[-2, 2], Gen.Double[0, 2])
            .Select(p => new InitSpec(p.Item1, p.Item2, p.Item3, p.Item4, p.Item5, p.Item6, p.Item7));

    private static readonly Gen<double> GammaValue = Gen.Double[0.5, 1.0];

    private static readonly Gen<TrainSpec> Train =
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Bool, Gen.Bool, (f, h, o, b) => new TrainSpec(f, h, o, b));

    private static readonly Gen<DataSpec> Data = Gen.OneOf(
        Gen.Select(Gen.Int[1, 100_000], Gen.Double[0, 0.999], (d, delta) => new DataSpec(DataKinds.IsotropicGaussian, d, delta)),
        from d in Gen.Int[1, 100_000]
        from delta in Gen.Double[0, 0.999]
        from s0 in Gen.Int[1, d]
        select new DataSpec(DataKinds.AnisotropicGaussian, d, delta, InformativeDimensions: s0),
        from d in Gen.Int[1, 100_000]
        from width in Gen.Int[1, 100_000]
        from activation in Activation
        from seed in Gen.Long[0, long.MaxValue]
        from noise in Gen.Double[0, 5]
        select new DataSpec(DataKinds.TeacherStudent, d, Teacher: new TeacherSpec(width, activation, (ulong)seed), Noise: noise));

    private static readonly Gen<XiSpec> Xi = Gen.OneOf(
        Gen.Const(new XiSpec()),
        Gen.Select(Gen.Double[0.001, 100], Gen.Double[0, 3], (t0, alpha) => new XiSpec("power", t0, alpha)));

    private static readonly Gen<double?> Beta = Gen.OneOf(
        Gen.Const((double?)null),
        Gen.Double[1e-3, 1e6].Select(b => (double?)b));

    private static readonly Gen<TrainingSpec> Training =
        from useHorizon in Gen.Bool
        from horizon in Gen.Double[0.01, 1000]
        from steps in Gen.Long[1, 1_000_000_000_000]
        from xi in Xi
        from batch in Gen.Int[1, 100_000]
        from ridge in Gen.Double[0, 10]
        from beta in Beta
        select useHorizon
            ? new TrainingSpec(horizon, null, xi, batch, ridge, beta)
            : new TrainingSpec(null, steps, xi, batch, ridge, beta);

    /// <summary>Time grids; an explicit list carries the field's default count, as the loader stores it.</summary>
    private static Gen<TimeGrid> Times(int defaultCount) => Gen.OneOf(
        Gen.Double[0, 1000].Array[1, 6].Select(t => new TimeGrid(t, defaultCount)),
        Gen.Select(Gen.Int[2, 10_000], Gen.OneOfConst("linear", "log"), (n, s) => new TimeGrid(null, n, s)));

    private static readonly Gen<IReadOnlyList<double>?> RawTimes = Gen.OneOf(
        Gen.Const((IReadOnlyList<double>?)null),
        Gen.Double[0, 1000].Array[1, 6].Select(t => (IReadOnlyList<double>?)t));

    private static readonly Gen<ObserveSpec> Observe =
        from m in Gen.Int[10, 10_000_000]
        from risk in Times(21)
        from snapshots in Times(5)
        from q in Gen.Int[2, 100_000]
        from bins in Gen.Int[0, 10_000]
        from raw in RawTimes
        from sliced in Gen.Int[0, 1024]
        from edges in Gen.Int[1, 10_000_000]
        from chaos in Gen.Bool
        from edgeStructure in Gen.Bool
        from permutations in Gen.Int[0, 100_000]
        select new ObserveSpec(m, risk, snapshots, q, bins, raw, sliced, edges, new DependenceSpec(chaos, edgeStructure, permutations));

    private static readonly Gen<StepSizeSpec> StepSize = Gen.OneOf(
        Gen.Double[1e-6, 10].Select(v => new StepSizeSpec(v)),
        Gen.Double[1e-6, 10].Select(c => new StepSizeSpec(c, DividedByWidth: true)));

    /// <summary>Valid specs; their <see cref="SpecWriter.ToJson"/> output always parses.</summary>
    public static readonly Gen<SweepSpec> Spec =
        from preset in Gen.OneOfConst([.. Presets.All])
        from layers in LayersFor(preset)
        from model in ModelFor(preset, layers)
        from name in Name
        from seed in Gen.Long[0, long.MaxValue]
        from data in Data
        from training in Training
        from observe in Observe
        from grid in GridFor(preset, layers)
        select new SweepSpec(name, (ulong)seed, model, data, training, observe, grid);

    private static Gen<int[]> LayersFor(string preset) => preset switch
    {
        Presets.ThreeLayer => Gen.Const(new[] { 2 }),
        Presets.DeepFixedEnds => Gen.Int[2, 64].ArrayUnique[1, 3],
        Presets.Normalized => Gen.Int[1, 64].ArrayUnique[1, 3],
        _ => Gen.Const(new[] { 1 }),
    };

    private static Gen<ModelSpec> ModelFor(string preset, int[] layers)
    {
        Gen<ActivationSpec> activation = preset == Presets.Linear ? Gen.Const(new ActivationSpec(ActivationKinds.Identity)) : Activation;
        Gen<double[]> gamma = preset != Presets.Normalized
            ? Gen.Const(new[] { 1.0 })
            : layers.Length == 1
                ? Gen.OneOf(GammaValue.Array[1], GammaValue.Array[layers[0]])
                : GammaValue.Array[1];
        return from a in activation
               from init in Init
               from g in gamma
               from bias in Gen.Bool
               from train in Train
               from scaling in Gen.Bool
               from bound in Gen.Double[1e-3, 1e12]
               select new ModelSpec(preset, a, init, g, bias, Trainable(train, bias, layers), scaling, bound);
    }

    /// <summary>Switches on the first layer when nothing would be trained for some L.</summary>
    private static TrainSpec Trainable(TrainSpec t, bool bias, int[] layers) =>
        layers.Any(l => !t.First && !(t.Hidden && l >= 2) && !t.Output && !(t.Bias && bias)) ? t with { First = true } : t;

    private static Gen<GridSpec> GridFor(string preset, int[] layers)
    {
        Gen<int[]> uniform = Gen.Int[1, 10_000_000].Array[1];
        Gen<int[]> entry = layers.Length == 1 && layers[0] >= 2
            ? Gen.OneOf(uniform, Gen.Int[1, 10_000_000].Array[layers[0]])
            : uniform;
        Gen<IReadOnlyList<double>?> gammaAxis = preset == Presets.Normalized
            ? Gen.OneOf(Gen.Const((IReadOnlyList<double>?)null), GammaValue.ArrayUnique[1, 3].Select(g => (IReadOnlyList<double>?)g))
            : Gen.Const((IReadOnlyList<double>?)null);
        return from widths in entry.Array[1, 4]
               from steps in StepSize.Array[1, 3]
               from gamma in gammaAxis
               from seeds in Gen.Int[0, int.MaxValue].ArrayUnique[1, 5]
               select new GridSpec(
                   widths.DistinctBy(w => string.Join(',', w.Length == 1 ? Enumerable.Repeat(w[0], layers[0]) : w))
                       .Select(w => (IReadOnlyList<int>)w).ToList(),
                   steps.Distinct().ToList(),
                   layers,
                   seeds,
                   gamma);
    }
}
