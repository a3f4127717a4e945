using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// The initial parameters of a batched annealed replica from its lane streams (docs/large-deviations.md, "The
/// replicas' random numbers"), in the layout order of <see cref="MeanFieldNetwork"/>'s i.i.d. draw: Gaussians
/// g₀, g₁, … of the replica's initialization stream give w (N×d, row by row) as κ/√d · g, then, only when the
/// model has biases, b = mean + std·g, then, only for a Gaussian output law with std ≠ 0, c = mean + std·g; a
/// Rademacher output c_i takes the sign of word i of the replica's initialization sign stream, and a
/// deterministic one (std = 0) is its mean. Two-layer models with i.i.d. non-nested draws only (<see cref="Applies"/>).
/// </summary>
internal static class LaneInitialization
{
    /// <summary>Whether <paramref name="model"/>'s annealed replicas draw from lane streams (otherwise from <see cref="Xoshiro256"/>, as <see cref="MeanFieldNetwork.Redraw"/> does).</summary>
    public static bool Applies(ModelSpec model) => !model.Init.Nested && model.Init.HiddenStructure == 0 && model.Init.Sampling == InitSamplings.Iid;

    /// <summary>Draws <paramref name="network"/>'s parameters (two-layer) from the streams of <paramref name="key"/>, at <paramref name="width"/> (the same bits at every width).</summary>
    public static void Draw(MeanFieldNetwork network, ModelSpec model, ulong key, SimdWidth width, ref double[] scratch)
    {
        InitSpec init = model.Init;
        int n = network.Widths[0], d = network.Dimension;
        bool gaussianOutput = init.OutputLaw != OutputLaws.Rademacher && init.OutputStd != 0;
        int count = (n * d) + (model.Bias ? n : 0) + (gaussianOutput ? n : 0);
        if (scratch.Length < count + 1)
        {
            scratch = new double[count + 1];
        }

        LaneGaussians.Fill(LaneStream.For(key, 1), 0, (count + 1) / 2, scratch, 1, width);
        int next = 0;
        double std = init.Kappa / Math.Sqrt(d);
        Span<double> w = network.FirstLayer;
        for (int p = 0; p < w.Length; p++)
        {
            w[p] = std * scratch[next++];
        }

        Span<double> b = network.Bias(1);
        b.Clear();
        for (int i = 0; i < n && model.Bias; i++)
        {
            b[i] = init.BiasMean + (init.BiasStd * scratch[next++]);
        }

        Span<double> c = network.Output;
        LaneStream signs = LaneStream.For(key, 2);
        for (int i = 0; i < n; i++)
        {
            c[i] = init.OutputLaw == OutputLaws.Rademacher ? init.OutputMean + (init.OutputStd * signs.Sign(i))
                : gaussianOutput ? init.OutputMean + (init.OutputStd * scratch[next++])
                : init.OutputMean;
        }
    }
}
