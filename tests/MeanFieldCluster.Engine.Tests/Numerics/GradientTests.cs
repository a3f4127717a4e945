using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Numerics;

public sealed class GradientTests
{
    public static TheoryData<string, string> PresetsAndActivations()
    {
        var data = new TheoryData<string, string>();
        foreach (string preset in Presets.All)
        {
            foreach (string activation in preset == Presets.Linear ? [ActivationKinds.Identity] : ActivationKinds.All)
            {
                data.Add(preset, activation);
            }
        }

        return data;
    }

    /// <summary>Widths, γ and bias that exercise every block of a preset.</summary>
    internal static MeanFieldNetwork Network(string preset, string activation, ref Xoshiro256 rng, TrainSpec? train = null)
    {
        (int[] widths, double[] gamma, bool? bias) = preset switch
        {
            Presets.ThreeLayer => (new[] { 6, 5 }, new[] { 1.0, 1.0 }, (bool?)true),
            Presets.DeepFixedEnds => ([5, 4, 3], [1.0, 1.0, 1.0], true),
            Presets.Normalized => ([6, 4, 3], [0.5, 0.75, 1.0], true),
            _ => ([7], [1.0], null),
        };
        ModelSpec model = TestSpecs.Model(preset, activation, bias, train, gamma: gamma);
        return MeanFieldNetwork.Initialize(model, 4, widths, gamma, ref rng);
    }

    [Theory]
    [MemberData(nameof(PresetsAndActivations))]
    public void AnalyticGradientEqualsCentralFiniteDifferences(string preset, string activation)
    {
        var rng = new Xoshiro256(42);
        MeanFieldNetwork net = Network(preset, activation, ref rng);
        double[] x = AwayFromKinks(net, Activation.Create(new ActivationSpec(activation)), ref rng);
        const double y = 0.7;

        var analytic = new double[net.ParameterCount];
        net.LossGradient(x, y, analytic);

        const double h = 1e-6;
        for (int p = 0; p < net.ParameterCount; p++)
        {
            double saved = net.Theta[p];
            net.Theta[p] = saved + h;
            double plus = net.Loss(x, y);
            net.Theta[p] = saved - h;
            double minus = net.Loss(x, y);
            net.Theta[p] = saved;
            double numeric = (plus - minus) / (2 * h);
            Assert.True(
                Math.Abs(analytic[p] - numeric) <= 1e-6 * Math.Max(1.0, Math.Abs(numeric)),
                $"{preset}/{activation} parameter {p} ({Block(net, p)}): analytic {analytic[p]}, finite difference {numeric}");
        }

        // Every block that affects the output has a non-zero gradient somewhere: the test is not vacuous.
        foreach (ParameterBlock block in net.Blocks.Where(b => b.Kind != BlockKind.Bias || net.HasBias))
        {
            Assert.Contains(analytic.Skip(block.Offset).Take(block.Length), g => Math.Abs(g) > 1e-9);
        }
    }

    [Theory]
    [MemberData(nameof(PresetsAndActivations))]
    public void AnSgdStepMovesTrainedBlocksByMinusStepTimesMultiplierTimesGradientAndLeavesFrozenBlocksUnchanged(string preset, string activation)
    {
        const double stepSize = 1e-3, ridge = 0.3;
        var rng = new Xoshiro256(3);
        MeanFieldNetwork net = Network(preset, activation, ref rng);
        double[] x = AwayFromKinks(net, Activation.Create(new ActivationSpec(activation)), ref rng);
        const double y = -1.0;
        var gradient = new double[net.ParameterCount];
        net.LossGradient(x, y, gradient);
        double[] before = (double[])net.Theta.Clone();

        var noise = new Xoshiro256(1);
        net.SgdStep(x, [y], stepSize, ridge, double.PositiveInfinity, ref noise);

        foreach (ParameterBlock block in net.Blocks)
        {
            for (int p = block.Offset; p < block.Offset + block.Length; p++)
            {
                double expected = block.Trainable ? (-2 * ridge * stepSize * before[p]) - (stepSize * block.Multiplier * gradient[p]) : 0.0;
                Assert.True(Math.Abs(net.Theta[p] - before[p] - expected) <= 1e-12 * Math.Max(1.0, Math.Abs(before[p])), $"{block.Name}[{p - block.Offset}]");
            }
        }

        Assert.Contains(net.Blocks, b => b.Trainable);
    }

    [Fact]
    public void MultipliersAreTheInverseKernelSharesOfMath3WithCoherentBackwardSums()
    {
        var rng = new Xoshiro256(5);
        ModelSpec model = TestSpecs.Model(Presets.Normalized, bias: true, gamma: [0.5, 0.75, 1.0]);
        MeanFieldNetwork net = MeanFieldNetwork.Initialize(model, 3, [16, 81, 10], [0.5, 0.75, 1.0], ref rng);
        double Multiplier(string name) => net.Blocks.Single(b => b.Name == name).Multiplier;

        // D_3 = 10^{1-2} = 0.1; D_2 = max(81^{1-1.5}·0.1, 1/81) = 1/81 (coherent); D_1 = max(16^0·D_2, 1/16) = 1/16.
        Assert.Equal(16.0, Multiplier("w"), 12);                      // 1/D_1
        Assert.Equal(16.0, Multiplier("b1"), 12);
        Assert.Equal(81.0, Multiplier("W1"), 9);                      // 16^0 / D_2
        Assert.Equal(81.0, Multiplier("b2"), 9);                      // 1/D_2
        Assert.Equal(90.0, Multiplier("W2"), 9);                      // 81^{0.5} / D_3
        Assert.Equal(10.0, Multiplier("c"), 12);                      // N_3^{2γ_3-1}
    }

    [Fact]
    public void WithMeanFieldScalingOffEveryMultiplierIsOne()
    {
        var rng = new Xoshiro256(5);
        ModelSpec model = TestSpecs.Model(Presets.ThreeLayer) with { MeanFieldScaling = false };
        MeanFieldNetwork net = MeanFieldNetwork.Initialize(model, 3, [20, 30], [1.0, 1.0], ref rng);

        Assert.All(net.Blocks, b => Assert.Equal(1.0, b.Multiplier));
    }

    [Fact]
    public void FrozenBlocksStayExactlyAtTheirInitialValuesThroughTraining()
    {
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.DeepFixedEnds, bias: true));
        var run = TestSpecs.Run(spec, TestSpecs.Point(spec, [6, 5, 4], 0.01));
        MeanFieldNetwork net = run.Network;
        double[] initial = (double[])net.Theta.Clone();

        run.Advance(long.MaxValue);

        foreach (ParameterBlock block in net.Blocks)
        {
            bool changed = !net.Theta.AsSpan(block.Offset, block.Length).SequenceEqual(initial.AsSpan(block.Offset, block.Length));
            Assert.True(changed == block.Trainable, $"{block.Name}: trainable {block.Trainable}, changed {changed}");
        }
    }

    [Fact]
    public void MiniBatchStepAveragesThePerSampleUpdates()
    {
        var rng = new Xoshiro256(11);
        MeanFieldNetwork net = Network(Presets.ThreeLayer, ActivationKinds.Tanh, ref rng);
        int d = net.Dimension;
        double[] xs = [0.3, -1.2, 0.8, 0.1, 1.1, 0.4, -0.6, -0.2];
        double[] ys = [1.0, -1.0];
        double[] theta0 = (double[])net.Theta.Clone();
        var expected = (double[])theta0.Clone();
        var g = new double[net.ParameterCount];
        for (int s = 0; s < 2; s++)
        {
            theta0.CopyTo(net.Theta, 0);
            net.LossGradient(xs.AsSpan(s * d, d), ys[s], g);
            foreach (ParameterBlock block in net.Blocks.Where(b => b.Trainable))
            {
                for (int p = block.Offset; p < block.Offset + block.Length; p++)
                {
                    expected[p] -= 0.01 * block.Multiplier * g[p] / 2;
                }
            }
        }

        theta0.CopyTo(net.Theta, 0);
        var noise = new Xoshiro256(1);
        net.SgdStep(xs, ys, 0.01, 0, double.PositiveInfinity, ref noise);

        for (int p = 0; p < net.ParameterCount; p++)
        {
            Assert.Equal(expected[p], net.Theta[p], 12);
        }
    }

    private static string Block(MeanFieldNetwork net, int p) => net.Blocks.First(b => p >= b.Offset && p < b.Offset + b.Length).Name;

    private static double[] AwayFromKinks(MeanFieldNetwork net, Activation sigma, ref Xoshiro256 rng)
    {
        for (int attempt = 0; attempt < 100_000; attempt++)
        {
            var x = new double[net.Dimension];
            for (int j = 0; j < x.Length; j++)
            {
                x[j] = 1.5 * rng.NextGaussian();
            }

            // Away from every kink, and with some neuron of every layer off the flat parts of σ, so that
            // every block's gradient is exercised.
            double[][] u = net.PreActivations(x);
            if (u.All(layer => layer.All(v => sigma.Kinks.All(k => Math.Abs(v - k) > 1e-3)) && layer.Any(v => sigma.Derivative(v) != 0)))
            {
                return x;
            }
        }

        throw new InvalidOperationException("no input away from the kinks found");
    }
}
