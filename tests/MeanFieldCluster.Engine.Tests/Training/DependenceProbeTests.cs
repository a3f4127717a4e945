using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

public sealed class DependenceProbeTests
{
    private const int D = 3, N1 = 40, N2 = 30;

    /// <summary>A three-layer network with biases and random parameters, and a copy of them as θ(0).</summary>
    private static (MeanFieldNetwork Network, double[] Initial) Network(ulong seed, int layers = 2)
    {
        int[] widths = layers == 2 ? [N1, N2] : [N1, N2, 20];
        var network = new MeanFieldNetwork(
            Activation.Create(new ActivationSpec(ActivationKinds.Tanh)), D, widths, [.. widths.Select(_ => 1.0)], hasBias: true, new TrainSpec(true, true, true, true), meanFieldScaling: true);
        var rng = new Xoshiro256(seed);
        rng.FillGaussian(network.Theta);
        return (network, (double[])network.Theta.Clone());
    }

    /// <summary>Adds Δ_ji to W¹_{ji}.</summary>
    private static void AddToEdges(MeanFieldNetwork network, Func<int, int, double> delta)
    {
        Span<double> w = network.Hidden(1);
        for (int j = 0; j < N2; j++)
        {
            for (int i = 0; i < N1; i++)
            {
                w[(j * N1) + i] += delta(j, i);
            }
        }
    }

    [Fact]
    public void NeuronFeaturesAreNeuronOneOfEachLayerAtStepZeroAndAtTheEnd()
    {
        (MeanFieldNetwork network, double[] initial) = Network(1);
        double[] x0 = [.. network.FirstLayer[..D], network.Bias(1)[0]];
        double[] y0 = [network.Output[0], network.Hidden(1)[..N1].ToArray().Average(), network.Bias(2)[0]];
        var rng = new Xoshiro256(2);
        rng.FillGaussian(network.Theta);

        DependenceResult result = DependenceProbe.Measure(network, initial, 77, new DependenceSpec())!;

        Assert.Equal(77, result.Step);
        NeuronFeatures neurons = result.Neurons!;
        Assert.Equal(x0, neurons.InitialX);
        Assert.Equal(y0, neurons.InitialY);
        Assert.Equal([.. network.FirstLayer[..D], network.Bias(1)[0]], neurons.FinalX);
        Assert.Equal([network.Output[0], network.Hidden(1)[..N1].ToArray().Average(), network.Bias(2)[0]], neurons.FinalY);
    }

    [Fact]
    public void WithThreeLayersTheOutgoingWeightOfNeuronOneIsItsMeanWeightIntoLayerThree()
    {
        (MeanFieldNetwork network, double[] initial) = Network(3, layers: 3);
        double[] next = network.Hidden(2).ToArray();
        double outgoing = Enumerable.Range(0, 20).Average(k => next[k * N2]);

        DependenceResult result = DependenceProbe.Measure(network, initial, 0, new DependenceSpec())!;

        Assert.Equal(outgoing, result.Neurons!.InitialY[0], 14);
    }

    [Fact]
    public void AnOuterProductOfInitialFeaturesIsFullyExplained()
    {
        // ΔW_ji = (0.5 + c_j(0)) · (w_i(0)·(1, −2, 0.5) + b_{1,i}(0)): rank one, linear in the endpoints' features.
        (MeanFieldNetwork network, double[] initial) = Network(4);
        double[] c = [.. network.Output];
        double[] g = [.. Enumerable.Range(0, N1).Select(i => network.FirstLayer[i * D] - (2 * network.FirstLayer[(i * D) + 1]) + (0.5 * network.FirstLayer[(i * D) + 2]) + network.Bias(1)[i])];
        AddToEdges(network, (j, i) => (0.5 + c[j]) * g[i]);

        EdgeStructure edges = DependenceProbe.Measure(network, initial, 1, new DependenceSpec())!.Edges!;

        Assert.Equal(1.0, edges.RankOneShare, 10);
        Assert.Equal(1.0, edges.FeatureShare, 10);
        Assert.Equal(1.0, edges.LeftAlignment, 8);
        Assert.Equal(1.0, edges.RightAlignment, 8);
        double norm0 = Math.Sqrt(initial.AsSpan(network.Blocks.Single(b => b.Kind == BlockKind.Hidden).Offset, N1 * N2).ToArray().Sum(v => v * v));
        double normDelta = Math.Sqrt(c.Sum(v => (0.5 + v) * (0.5 + v)) * g.Sum(v => v * v));
        Assert.Equal(normDelta / norm0, edges.RelativeChange, 10);
    }

    [Fact]
    public void ANonlinearRankOneChangeIsRankOneButOnlyPartlyLinearInTheFeatures()
    {
        (MeanFieldNetwork network, double[] initial) = Network(5);
        double[] c = [.. network.Output];
        double[] g = [.. Enumerable.Range(0, N1).Select(i => Math.Cos(3 * network.FirstLayer[i * D]))];
        AddToEdges(network, (j, i) => c[j] * g[i]);

        EdgeStructure edges = DependenceProbe.Measure(network, initial, 1, new DependenceSpec())!.Edges!;

        Assert.Equal(1.0, edges.RankOneShare, 10);
        Assert.Equal(1.0, edges.LeftAlignment, 8);
        Assert.InRange(edges.RightAlignment, 0.0, 0.9);
        Assert.InRange(edges.FeatureShare, 0.0, 0.9);
    }

    [Fact]
    public void IndependentNoiseHasSmallSharesNearTheirNullValues()
    {
        // For an i.i.d. Gaussian N2 × N1 matrix σ_1 ≈ sqrt(N1) + sqrt(N2) (Marchenko–Pastur edge), so the rank-one
        // share is about (sqrt(40) + sqrt(30))² / 1200 ≈ 0.12; the bilinear model has 3 × 5 = 15 coefficients, so its
        // expected R² is about (15 − 1) / (1200 − 1) ≈ 0.012.
        (MeanFieldNetwork network, double[] initial) = Network(6);
        var rng = new Xoshiro256(7);
        var noise = new double[N1 * N2];
        rng.FillGaussian(noise);
        AddToEdges(network, (j, i) => noise[(j * N1) + i]);

        EdgeStructure edges = DependenceProbe.Measure(network, initial, 1, new DependenceSpec())!.Edges!;

        Assert.InRange(edges.RankOneShare, 0.06, 0.2);
        Assert.InRange(edges.FeatureShare, 0.0, 0.05);
    }

    [Fact]
    public void NothingIsMeasuredForOneHiddenLayerOrWithBothChecksOff()
    {
        var single = new MeanFieldNetwork(Activation.Create(new ActivationSpec(ActivationKinds.Tanh)), D, [N1], [1.0], hasBias: false, new TrainSpec(true, false, true, false), meanFieldScaling: true);
        (MeanFieldNetwork network, double[] initial) = Network(8);

        Assert.Null(DependenceProbe.Measure(single, (double[])single.Theta.Clone(), 1, new DependenceSpec()));
        Assert.Null(DependenceProbe.Measure(network, initial, 1, new DependenceSpec(Chaos: false, Edges: false)));
        Assert.Null(DependenceProbe.Measure(network, initial, 1, new DependenceSpec(Chaos: false))!.Neurons);
        Assert.Null(DependenceProbe.Measure(network, initial, 1, new DependenceSpec(Edges: false))!.Edges);
    }
}
