using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Kernels;

/// <summary>
/// The block forward pass of a test set (<see cref="BatchKernels"/>, <see cref="MeanFieldNetwork.PredictMany"/>):
/// each output is the sequential fused chain in its own lane, and the network's outputs are Predict's to rounding.
/// </summary>
public sealed class BatchKernelTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(7, 5)]
    [InlineData(8, 40)]
    [InlineData(13, 33)]
    public void EachOutputIsTheSequentialFusedChainOfItsColumn(int rows, int cols)
    {
        const int block = BatchKernels.Block;
        double[] matrix = TestRandom.Gaussians(1, rows * cols), x = TestRandom.Gaussians(2, cols * block), bias = TestRandom.Gaussians(3, rows);
        var u = new double[rows * block];
        foreach (SimdWidth width in Simd.Supported)
        {
            // Every width: the 512-bit loop where the machine has it, the 256-bit one otherwise (emulated without AVX2).
            Array.Fill(u, double.NaN);
            BatchKernels.Forward(matrix, rows, cols, x, 0.37, bias, u, width);
            for (int i = 0; i < rows; i++)
            {
                for (int m = 0; m < block; m++)
                {
                    double sum = 0;
                    for (int k = 0; k < cols; k++)
                    {
                        sum = Math.FusedMultiplyAdd(matrix[(i * cols) + k], x[(k * block) + m], sum);
                    }

                    Assert.Equal((0.37 * sum) + bias[i], u[(i * block) + m]);
                }
            }
        }

        // The default width (the best one, among those above) and the output layer's chains.
        BatchKernels.Forward(matrix, rows, cols, x, 0.37, bias, u);
        var y = new double[block];
        BatchKernels.Output(bias, u.AsSpan(0, rows * block), 1.5, y);
        for (int m = 0; m < block; m++)
        {
            double sum = 0;
            for (int j = 0; j < rows; j++)
            {
                sum = Math.FusedMultiplyAdd(bias[j], u[(j * block) + m], sum);
            }

            Assert.Equal(sum * 1.5, y[m]);
        }
    }

    [Theory]
    [InlineData(Presets.MmnIsotropic, ActivationKinds.Ramp, new[] { 37 }, 40)]
    [InlineData(Presets.Normalized, ActivationKinds.Tanh, new[] { 64 }, 8)]
    [InlineData(Presets.ThreeLayer, ActivationKinds.Tanh, new[] { 33, 6 }, 8)]
    [InlineData(Presets.ThreeLayer, ActivationKinds.Relu, new[] { 16, 16, 9 }, 3)]
    public void TheNetworksOutputsArePredictsToRounding(string preset, string activation, int[] widths, int d)
    {
        MeanFieldNetwork network = Network(preset, activation, widths, d, 4);

        // 75 inputs: two full blocks and a padded one.
        double[] inputs = TestRandom.Gaussians(5, 75 * d);
        var outputs = new double[75];
        network.PredictMany(inputs, outputs);
        for (int m = 0; m < 75; m++)
        {
            double expected = network.Predict(inputs.AsSpan(m * d, d));
            Assert.True(Math.Abs(outputs[m] - expected) <= 1e-12 * (1 + Math.Abs(expected)), $"input {m}: {outputs[m]} against {expected}");
        }
    }

    [Theory]
    [InlineData(ActivationKinds.Ramp, 1, 1)]
    [InlineData(ActivationKinds.Ramp, 3, 7)]
    [InlineData(ActivationKinds.Ramp, 4, 40)]
    [InlineData(ActivationKinds.Ramp, 13, 40)]
    [InlineData(ActivationKinds.Relu, 5, 33)]
    [InlineData(ActivationKinds.Relu, 64, 16)]
    public void TheFusedLastLayerGivesTheBitsOfTheForwardPassActivationAndOutput(string kind, int rows, int cols)
    {
        if (!Simd.IsSupported(SimdWidth.Vector512))
        {
            return; // the fused pass runs only with AVX-512 (PredictMany takes the three passes elsewhere)
        }

        const int block = BatchKernels.Block;
        ActivationKernel<double> sigma = Sigma(kind);

        // Inputs of a scale that puts the pre-activations on both sides of every kink.
        double[] matrix = TestRandom.Gaussians(11, rows * cols), x = TestRandom.Gaussians(12, cols * block), bias = TestRandom.Gaussians(13, rows);
        double[] coef = TestRandom.Gaussians(14, rows);
        var u = new double[rows * block];
        var h = new double[rows * block];
        var dh = new double[rows * block];
        var expected = new double[block];
        BatchKernels.Forward(matrix, rows, cols, x, 0.6, bias, u);
        sigma.Apply(u, h, dh, SimdWidth.Vector512);
        BatchKernels.Output(coef, h, 0.125, expected);

        var fused = new double[block];
        BatchKernels.ForwardToOutput(matrix, rows, cols, x, 0.6, bias, sigma, coef, 0.125, fused);
        Assert.Equal(expected, fused);
    }

    [Theory]
    [InlineData(ActivationKinds.Ramp)]
    [InlineData(ActivationKinds.Relu)]
    public void TheVectorActivationIsApplysValueAtTheKinksAndBeyond(string kind)
    {
        ActivationKernel<double> sigma = Sigma(kind);
        double[] z =
        [
            0.5, 1.5, Math.BitDecrement(0.5), Math.BitIncrement(0.5), Math.BitDecrement(1.5), Math.BitIncrement(1.5), 1.0, 0.0,
            -0.0, double.Epsilon, -double.Epsilon, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e300, -1e300,
        ];
        var value = new double[z.Length];
        sigma.Apply(z, value, new double[z.Length], SimdWidth.Scalar);
        for (int start = 0; start < z.Length; start += 8)
        {
            Vector512<double> v = sigma.Value(Vector512.Create(z.AsSpan(start, 8)));
            for (int l = 0; l < 8; l++)
            {
                Assert.Equal(BitConverter.DoubleToInt64Bits(value[start + l]), BitConverter.DoubleToInt64Bits(v[l]));
            }
        }
    }

    [Theory]
    [InlineData(Presets.MmnIsotropic, ActivationKinds.Ramp, new[] { 37 }, 40)]
    [InlineData(Presets.Normalized, ActivationKinds.Relu, new[] { 64 }, 8)]
    [InlineData(Presets.ThreeLayer, ActivationKinds.Relu, new[] { 16, 16, 9 }, 3)]
    [InlineData(Presets.ThreeLayer, ActivationKinds.Tanh, new[] { 33, 6 }, 8)]
    public void PredictManyGivesTheSameBitsWithAndWithoutTheTopLayersSquares(string preset, string activation, int[] widths, int d)
    {
        // With the squares wanted the last layer takes the three passes; without, the fused one (ramp and relu on
        // AVX-512): the outputs must not tell them apart.
        MeanFieldNetwork network = Network(preset, activation, widths, d, 21);
        double[] inputs = TestRandom.Gaussians(22, 75 * d);
        var fused = new double[75];
        var passes = new double[75];
        network.PredictMany(inputs, fused);
        network.PredictMany(inputs, passes, new double[75]);
        Assert.Equal(passes, fused);
    }

    [Theory]
    [InlineData(Presets.MmnIsotropic, ActivationKinds.Ramp, new[] { 37 }, 40)]
    [InlineData(Presets.MmnIsotropic, ActivationKinds.Ramp, new[] { 64 }, 33)]
    [InlineData(Presets.Normalized, ActivationKinds.Tanh, new[] { 20 }, 130)]
    [InlineData(Presets.ThreeLayer, ActivationKinds.Tanh, new[] { 64, 100 }, 8)]
    [InlineData(Presets.ThreeLayer, ActivationKinds.Relu, new[] { 16, 40, 9 }, 3)]
    public void ThePerInputPassGivesTheGroupedRowKernelsBits(string preset, string activation, int[] widths, int d)
    {
        // Input widths of whole 64-byte groups (40, 64), with a rest (33), and too long to hold (130, 100): every
        // path of the grouped row kernels (the step's, and Predict's before session 22), against the per-input pass's
        // one inner product per neuron.
        MeanFieldNetwork network = Network(preset, activation, widths, d, 31);
        Activation sigma = Activation.Create(TestSpecs.Model(preset, activation).Activation);
        double[][] u = [.. widths.Select(n => new double[n])];
        for (int m = 0; m < 5; m++)
        {
            double[] x = TestRandom.Gaussians(32 + (ulong)m, d);
            double output = network.PredictWithPreActivations(x, u);
            double[] h = x;
            for (int l = 0; l < widths.Length; l++)
            {
                var expected = new double[widths[l]];
                Span<double> weights = l == 0 ? network.FirstLayer : network.Hidden(l);
                double scale = l == 0 ? 1.0 : Math.Pow(widths[l - 1], -network.Gamma[l - 1]);
                RowKernels.Forward<double>(weights, h.Length, 0, widths[l], h, scale, network.Bias(l + 1), expected, Simd.Best);
                Assert.Equal(expected, u[l]);
                Assert.Equal(expected, network.PreActivations(x)[l]);
                h = new double[widths[l]];
                sigma.Apply(expected, h, new double[widths[l]]);
            }

            double top = Math.Pow(widths[^1], -network.Gamma[^1]) * Dot.Compute<double>(network.Output, h);
            Assert.Equal(BitConverter.DoubleToInt64Bits(top), BitConverter.DoubleToInt64Bits(output));
            Assert.Equal(BitConverter.DoubleToInt64Bits(top), BitConverter.DoubleToInt64Bits(network.Predict(x)));
        }

        ArgumentException error = Assert.Throws<ArgumentException>(() => network.PredictWithPreActivations(new double[d], [.. widths.Select(n => new double[n + 1])]));
        Assert.Contains("arrays of the layers' widths", error.Message, StringComparison.Ordinal);
    }

    // The ramp of MMN (t1 = 0.5, t2 = 1.5, s1 = -2.5, s2 = 7.5) or relu.
    private static ActivationKernel<double> Sigma(string kind) =>
        new(kind == ActivationKinds.Ramp ? new ActivationSpec(kind, 0.5, 1.5, -2.5, 7.5) : new ActivationSpec(kind));

    // A network with biases and γ = 1 in every layer, drawn from its own stream.
    private static MeanFieldNetwork Network(string preset, string activation, int[] widths, int d, ulong seed)
    {
        double[] gamma = [.. widths.Select(_ => 1.0)];
        ModelSpec model = TestSpecs.Model(preset, activation, bias: true, gamma: gamma);
        var rng = new Xoshiro256(seed);
        return MeanFieldNetwork.Initialize(model, d, widths, gamma, ref rng);
    }

    [Fact]
    public void TheTestSetRiskIsThePerInputRiskToRounding()
    {
        SweepSpec spec = TestSpecs.Small(d: 6, testSamples: 333);
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        var testSet = TestSet.Draw(data, 333, spec.Seed);
        var rng = new Xoshiro256(8);
        var network = MeanFieldNetwork.Initialize(spec.Model, 6, [21], [1.0], ref rng);

        double mean = 0;
        for (int m = 0; m < testSet.Count; m++)
        {
            double r = testSet.Label(m) - network.Predict(testSet.Input(m));
            mean += r * r;
        }

        mean /= testSet.Count;
        Assert.Equal(mean, testSet.Risk(network).Risk, 12);
    }
}
