using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;

namespace MeanFieldCluster.Engine.Training;

/// <summary>
/// Observations of a network on a fixed set of probe inputs (the first K inputs of the sweep's test set, the
/// same for every point), recorded at the snapshot times as <see cref="MeasureSnapshot"/>s whose values are
/// one number per probe input, in probe order (not quantiles): the output ŷ(x_k), and for every hidden layer
/// ℓ the spread over neurons SD_j(u_{ℓ,j}(x_k)) of its pre-activations (docs/models.md, "Deep collapse";
/// population SD, dividing by N_ℓ).
/// </summary>
public sealed class ProbeObservations
{
    private readonly double[][] _inputs;

    /// <summary>Probes on the first <paramref name="count"/> inputs of <paramref name="testSet"/> (fewer when it is smaller).</summary>
    public ProbeObservations(TestSet testSet, int count)
    {
        ArgumentNullException.ThrowIfNull(testSet);
        _inputs = [.. Enumerable.Range(0, Math.Min(count, testSet.Count)).Select(m => testSet.Input(m).ToArray())];
    }

    /// <summary>Number of probe inputs.</summary>
    public int Count => _inputs.Length;

    /// <summary>The probe snapshots of <paramref name="network"/> as it is now: the output, then the spread of each layer.</summary>
    public IEnumerable<(string Feature, double[] Values)> Measure(MeanFieldNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        if (Count == 0)
        {
            yield break;
        }

        var output = new double[Count];
        double[][] spread = [.. Enumerable.Range(0, network.Layers).Select(_ => new double[Count])];
        double[][] u = [.. network.Widths.Select(n => new double[n])];
        for (int k = 0; k < Count; k++)
        {
            output[k] = network.PredictWithPreActivations(_inputs[k], u);
            for (int l = 0; l < network.Layers; l++)
            {
                spread[l][k] = PopulationSd(u[l]);
            }
        }

        yield return (FeatureNames.OutputProbe, output);
        for (int l = 0; l < network.Layers; l++)
        {
            yield return (FeatureNames.Spread(l + 1), spread[l]);
        }
    }

    /// <summary>sqrt((1/n) Σ (v − mean)²), in two passes.</summary>
    public static double PopulationSd(ReadOnlySpan<double> values)
    {
        double mean = 0;
        foreach (double v in values)
        {
            mean += v;
        }

        mean /= values.Length;
        double ss = 0;
        foreach (double v in values)
        {
            ss += (v - mean) * (v - mean);
        }

        return Math.Sqrt(ss / values.Length);
    }
}
