using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;

namespace MeanFieldCluster.Engine.Tests.Numerics;

public sealed class RiskTests
{
    [Fact]
    public void RiskOfATinyIdentityNetworkOnAFixedTestSetEqualsItsClosedForm()
    {
        // ŷ = (1/2) [1·(x1 + 0.5) + 3·(2 x2 - 1)]
        var net = new TwoLayerNetwork(new Identity(), width: 2, dimension: 2, w: [1, 0, 0, 2], a: [1, 3], b: [0.5, -1], trainOutput: true, trainBias: true);
        var testSet = new TestSet(x: [1, 1, 0, -1, 2, 0], y: [2, -4, 0.75], dimension: 2);

        // Predictions 2.25, -4.25, -0.25; squared errors 0.0625, 0.0625, 1.
        RiskEstimate risk = testSet.Risk(net);

        Assert.Equal(0.375, risk.Risk, 14);

        // Sample variance of (0.0625, 0.0625, 1) is 0.29296875; stderr = sqrt(0.29296875 / 3) = 0.3125.
        Assert.Equal(0.3125, risk.StdErr, 14);
    }

    [Fact]
    public void EmpiricalQuantilesInvertTheEmpiricalDistributionFunction()
    {
        double[] values = [5, 1, 4, 2, 3];

        double[] q = Quantiles.Empirical(values, 10);

        // Levels 0.05, 0.15, ..., 0.95; Q(p) = x_(ceil(5p)).
        Assert.Equal([1, 1, 2, 2, 3, 3, 4, 4, 5, 5], q);
    }
}
