using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Scaling;

/// <summary>
/// init.nested (docs/models.md, "Sequential limit"): every neuron's parameters come from its own stream, so
/// layer 2's neurons (c_j, b_2j and the common columns of W) are the same at every N_1.
/// </summary>
public sealed class NestedInitializationTests
{
    private static MeanFieldNetwork Build(int[] widths, bool nested, ulong pointSeed)
    {
        var init = new InitSpec(Kappa: 1.0, OutputMean: 0.0, OutputStd: 1.0, BiasMean: 0.1, BiasStd: 0.5, HiddenMean: 0.0, HiddenStd: 1.0, Nested: nested);
        ModelSpec model = TestSpecs.Model(Presets.ThreeLayer, bias: true, init: init, gamma: [1.0, 1.0]);
        var rng = new Xoshiro256(pointSeed);
        return MeanFieldNetwork.Initialize(model, 5, widths, [1.0, 1.0], ref rng, MeanFieldNetwork.NeuronKey(7, 3));
    }

    [Fact]
    public void LayerTwoParametersAndTheCommonColumnsOfWAreTheSameAtEveryFirstWidth()
    {
        // Point streams differ (as they do between widths); the per-neuron streams do not.
        MeanFieldNetwork narrow = Build([32, 16], nested: true, pointSeed: 1);
        MeanFieldNetwork wide = Build([128, 16], nested: true, pointSeed: 2);
        Assert.Equal(narrow.Output.ToArray(), wide.Output.ToArray());
        Assert.Equal(narrow.Bias(2).ToArray(), wide.Bias(2).ToArray());
        for (int j = 0; j < 16; j++)
        {
            Assert.Equal(narrow.Hidden(1).Slice(j * 32, 32).ToArray(), wide.Hidden(1).Slice(j * 128, 32).ToArray());
        }

        Assert.Equal(narrow.FirstLayer.ToArray(), wide.FirstLayer[..(32 * 5)].ToArray());
    }

    [Fact]
    public void WithoutNestingTheLayoutOrderDrawIsUnchanged()
    {
        // The point stream alone decides, as before nesting existed: same seed, same numbers, whatever the key.
        MeanFieldNetwork a = Build([8, 4], nested: false, pointSeed: 5);
        var init = new InitSpec(Kappa: 1.0, OutputMean: 0.0, OutputStd: 1.0, BiasMean: 0.1, BiasStd: 0.5, HiddenMean: 0.0, HiddenStd: 1.0);
        ModelSpec model = TestSpecs.Model(Presets.ThreeLayer, bias: true, init: init, gamma: [1.0, 1.0]);
        var rng = new Xoshiro256(5);
        MeanFieldNetwork b = MeanFieldNetwork.Initialize(model, 5, [8, 4], [1.0, 1.0], ref rng);
        Assert.Equal(a.Theta, b.Theta);

        var reference = new Xoshiro256(5);
        Assert.Equal(reference.NextGaussian() / Math.Sqrt(5), b.FirstLayer[0], 15);
    }
}
