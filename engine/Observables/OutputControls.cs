using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Observables;

/// <summary>
/// Two control variates of a network's test-set risk, measured on the initial network, whose expectation over
/// the initialization is exactly 0 (docs/models.md, "Control variates of the initial output"). The output is
/// ŷ(x) = s Σ_j c_j h_{L,j}(x) with s = N_L^{−γ_L}; when the c_j are i.i.d. with mean 0 and variance σ_c²,
/// independent of the rest of the network, then given everything but c, E ŷ(x) = 0 and E ŷ(x)² =
/// s² σ_c² Σ_j h_{L,j}(x)². So, on the test set (x_m, y_m), m = 1..M,
/// <list type="bullet">
/// <item>Z_1 = (1/M) Σ_m y_m ŷ_0(x_m) (the cross term of the initial risk, up to the factor −2), and</item>
/// <item>Z_2 = (1/M) Σ_m [ŷ_0(x_m)² − s² σ_c² Σ_j h_{L,j}(x_m)²] (the initial output's square, less its conditional mean)</item>
/// </list>
/// have mean 0 whatever the width, γ and depth. The aggregation regresses each seed's risk at time t on them
/// and reports the intercept: the same expectation as the plain seed mean with a smaller variance.
/// </summary>
public static class OutputControls
{
    /// <summary>
    /// Whether the controls' means are exactly 0 for <paramref name="init"/>: i.i.d. output weights (not the
    /// stratified sampling) with mean 0 and a positive spread.
    /// </summary>
    public static bool Apply(InitSpec init)
    {
        ArgumentNullException.ThrowIfNull(init);
        return init.OutputMean == 0 && init.OutputStd > 0 && init.Sampling != InitSamplings.Stratified;
    }

    /// <summary>[Z_1, Z_2] of <paramref name="network"/> on <paramref name="testSet"/>, for output weights of standard deviation <paramref name="outputStd"/>.</summary>
    public static double[] Measure(MeanFieldNetwork network, TestSet testSet, double outputStd)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(testSet);
        int count = testSet.Count;
        var predictions = new double[count];
        var squares = new double[count];
        network.PredictMany(testSet.Inputs, predictions, squares);
        double s = network.OutputNormalizer;
        double conditional = s * s * outputStd * outputStd;
        double cross = 0, excess = 0;
        for (int m = 0; m < count; m++)
        {
            cross += testSet.Label(m) * predictions[m];
            excess += (predictions[m] * predictions[m]) - (conditional * squares[m]);
        }

        return [cross / count, excess / count];
    }
}
