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
        BatchKernels.Forward(matrix, rows, cols, x, 0.37, bias, u);
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
        double[] gamma = [.. widths.Select(_ => 1.0)];
        ModelSpec model = TestSpecs.Model(preset, activation, bias: true, gamma: gamma);
        var rng = new Xoshiro256(4);
        var network = MeanFieldNetwork.Initialize(model, d, widths, gamma, ref rng);

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
