using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Numerics;

public sealed class RiskTests
{
    [Fact]
    public void RiskOfATinyIdentityNetworkOnAFixedTestSetEqualsItsClosedForm()
    {
        // ŷ = (1/2) [1·(x1 + 0.5) + 3·(2 x2 - 1)]: layout [w (2×2), b1 (2), c (2)].
        var net = new MeanFieldNetwork(new Identity(), 2, [2], [1.0], hasBias: true, new TrainSpec(true, false, true, true), meanFieldScaling: true);
        double[] theta = [1, 0, 0, 2, 0.5, -1, 1, 3];
        theta.CopyTo(net.Theta, 0);
        var testSet = new TestSet(x: [1, 1, 0, -1, 2, 0], y: [2, -4, 0.75], dimension: 2);

        // Predictions 2.25, -4.25, -0.25; squared errors 0.0625, 0.0625, 1.
        RiskEstimate risk = testSet.Risk(net);

        Assert.Equal(0.375, risk.Risk, 14);

        // Sample variance of (0.0625, 0.0625, 1) is 0.29296875; stderr = sqrt(0.29296875 / 3) = 0.3125.
        Assert.Equal(0.3125, risk.StdErr, 14);
    }

    [Fact]
    public void ATwoHiddenLayerIdentityNetworkComputesItsNormalizedSums()
    {
        // N = (2, 2), γ = (1, 0.5): u2_j = 2^-1 Σ_i W_ji u1_i, ŷ = 2^-0.5 Σ_j c_j u2_j.
        var net = new MeanFieldNetwork(new Identity(), 1, [2, 2], [1.0, 0.5], hasBias: false, new TrainSpec(true, true, true, false), meanFieldScaling: true);
        double[] theta = [1, 2, 0, 0, 0, 0, 1, 1, 2, -1, 3, 4];
        theta.CopyTo(net.Theta, 0);

        // x = 1: u1 = (1, 2); u2 = ((1 + 2)/2, (2 - 2)/2) = (1.5, 0); ŷ = (3·1.5 + 4·0)/√2.
        Assert.Equal(4.5 / Math.Sqrt(2), net.Predict([1.0]), 14);
    }

    [Fact]
    public void EmpiricalQuantilesInvertTheEmpiricalDistributionFunction()
    {
        double[] values = [5, 1, 4, 2, 3];

        double[] q = Quantiles.Empirical(values, 10);

        // Levels 0.05, 0.15, ..., 0.95; Q(p) = x_(ceil(5p)).
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], q);
    }

    [Theory]
    [InlineData(1, 256)]
    [InlineData(7, 3)]
    [InlineData(50, 256)]
    [InlineData(400, 256)]
    [InlineData(401, 17)]
    public void QuantilesTakenInPlaceAreTheDefinitionAtTheLevelsAndLeaveTheSampleSorted(int n, int count)
    {
        // Ties and signed zeros too: snapshots sort their scratch in place instead of a copy.
        double[] values = [.. TestRandom.Gaussians((ulong)n, n).Select((v, i) => i % 5 == 0 ? Math.Round(v) : i % 7 == 0 ? -0.0 : v)];
        double[] sorted = [.. values.Order()];
        double[] levels = Quantiles.Levels(count);
        double[] expected = [.. levels.Select(p => sorted[Math.Clamp((int)Math.Ceiling(p * n) - 1, 0, n - 1)])];

        double[] scratch = (double[])values.Clone();
        double[] inPlace = Quantiles.SortAndTake(scratch, count);

        Assert.Equal(expected, inPlace);
        Assert.Equal(expected, Quantiles.Empirical(values, count));
        Assert.Equal(sorted, scratch);
        Assert.Throws<ArgumentException>(() => Quantiles.SortAndTake(Span<double>.Empty, count));
    }
}
