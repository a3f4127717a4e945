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
            foreach (string activation in new[] { ActivationKinds.Ramp, ActivationKinds.Relu, ActivationKinds.Tanh, ActivationKinds.Identity })
            {
                data.Add(preset, activation);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PresetsAndActivations))]
    public void AnalyticGradientEqualsCentralFiniteDifferences(string preset, string activation)
    {
        const int width = 7, d = 5;
        var rng = new Xoshiro256(42);
        var model = new ModelSpec(preset, new ActivationSpec(activation), new InitSpec(Kappa: 2.0, OutputMean: 0.3, OutputStd: 1.0, BiasMean: 0.2, BiasStd: 0.7));
        TwoLayerNetwork net = TwoLayerNetwork.Initialize(model, width, d, ref rng);
        double[] x = AwayFromKinks(net, Activation.Create(model.Activation), ref rng);
        double y = 0.7;

        var analytic = new double[net.ParameterCount];
        net.LossGradient(x, y, analytic);

        var theta = new double[net.ParameterCount];
        net.CopyParameters(theta);
        const double h = 1e-6;
        for (int p = 0; p < theta.Length; p++)
        {
            double saved = theta[p];
            theta[p] = saved + h;
            net.SetParameters(theta);
            double plus = net.Loss(x, y);
            theta[p] = saved - h;
            net.SetParameters(theta);
            double minus = net.Loss(x, y);
            theta[p] = saved;
            net.SetParameters(theta);
            double numeric = (plus - minus) / (2 * h);
            Assert.True(
                Math.Abs(analytic[p] - numeric) <= 1e-6 * Math.Max(1.0, Math.Abs(numeric)),
                $"parameter {p}: analytic {analytic[p]}, finite difference {numeric}");
        }

        Assert.Contains(analytic, g => Math.Abs(g) > 1e-3);
    }

    [Theory]
    [MemberData(nameof(PresetsAndActivations))]
    public void OneSgdStepMovesTrainedParametersByMinusStepTimesWidthTimesGradientAndLeavesFrozenOnesAlone(string preset, string activation)
    {
        const int width = 6, d = 4;
        const double stepSize = 1e-3;
        var rng = new Xoshiro256(3);
        var model = new ModelSpec(preset, new ActivationSpec(activation), new InitSpec(Kappa: 2.0, OutputMean: 0.3, OutputStd: 1.0, BiasMean: 0.2, BiasStd: 0.7));
        TwoLayerNetwork net = TwoLayerNetwork.Initialize(model, width, d, ref rng);
        double[] x = AwayFromKinks(net, Activation.Create(model.Activation), ref rng);
        const double y = -1.0;

        var gradient = new double[net.ParameterCount];
        net.LossGradient(x, y, gradient);
        var before = new double[net.ParameterCount];
        net.CopyParameters(before);

        net.SgdStep(x, [y], stepSize);
        var after = new double[net.ParameterCount];
        net.CopyParameters(after);

        for (int p = 0; p < before.Length; p++)
        {
            double expected = net.IsTrainable(p) ? -stepSize * width * gradient[p] : 0.0;
            Assert.True(Math.Abs(after[p] - before[p] - expected) <= 1e-12 * Math.Max(1.0, Math.Abs(before[p])), $"parameter {p}");
        }

        Assert.Equal(preset == Presets.MmnRelu, net.TrainOutput);
    }

    [Fact]
    public void MiniBatchStepAveragesThePerSampleUpdates()
    {
        const int width = 5, d = 3;
        var rng = new Xoshiro256(11);
        var model = new ModelSpec(Presets.MmnRelu, new ActivationSpec(ActivationKinds.Tanh), new InitSpec(OutputStd: 1.0, BiasStd: 0.5));
        TwoLayerNetwork net = TwoLayerNetwork.Initialize(model, width, d, ref rng);
        double[] xs = [0.3, -1.2, 0.8, 1.1, 0.4, -0.6];
        double[] ys = [1.0, -1.0];
        var theta0 = new double[net.ParameterCount];
        net.CopyParameters(theta0);

        var expected = (double[])theta0.Clone();
        var g = new double[net.ParameterCount];
        for (int s = 0; s < 2; s++)
        {
            net.SetParameters(theta0);
            net.LossGradient(xs.AsSpan(s * d, d), ys[s], g);
            for (int p = 0; p < g.Length; p++)
            {
                expected[p] -= 0.01 * width * g[p] / 2;
            }
        }

        net.SetParameters(theta0);
        net.SgdStep(xs, ys, 0.01);
        var actual = new double[net.ParameterCount];
        net.CopyParameters(actual);
        for (int p = 0; p < actual.Length; p++)
        {
            Assert.Equal(expected[p], actual[p], 12);
        }
    }

    private static double[] AwayFromKinks(TwoLayerNetwork net, Activation sigma, ref Xoshiro256 rng)
    {
        var z = new double[net.Width];
        for (int attempt = 0; attempt < 10_000; attempt++)
        {
            var x = new double[net.Dimension];
            for (int j = 0; j < x.Length; j++)
            {
                x[j] = 1.5 * rng.NextGaussian();
            }

            net.PreActivations(x, z);
            if (z.All(zi => sigma.Kinks.All(k => Math.Abs(zi - k) > 1e-3)))
            {
                return x;
            }
        }

        throw new InvalidOperationException("no input away from the kinks found");
    }
}
