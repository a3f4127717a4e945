using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Training;

/// <summary>
/// The per-neuron scalar features of a network that snapshots record (MATH section 5), in a fixed order:
/// ‖w_i‖; the projections &lt;w_i, u_k&gt; on the sweep's sliced-Wasserstein directions; b_ℓ per layer when the
/// model has biases; for each inner layer the mean incoming weight of every neuron and a sample of its
/// edge weights; and c_j unless the output weights are all fixed at one value. Every sum is taken in the fixed
/// order of <see cref="Dot"/>, so the features have the same bits at every vector width.
/// </summary>
public sealed class FeatureExtractor
{
    private readonly MeanFieldNetwork _network;
    private readonly double[] _directions;
    private readonly int _directionCount;
    private readonly int[][] _edgeSamples;
    private readonly double[] _ones;
    private readonly List<Feature> _features = [];

    /// <summary>Creates the extractor for one point's network.</summary>
    public FeatureExtractor(SweepSpec spec, PointSpec point, MeanFieldNetwork network)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        ArgumentNullException.ThrowIfNull(network);
        _network = network;
        _directionCount = spec.Observe.SlicedDirections;
        var directionRng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Observation, ObservationTags.SlicedDirections);
        _directions = _directionCount > 0 ? Distances.SphereDirections(_directionCount, network.Dimension, ref directionRng) : [];
        var edgeRng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Observation, [ObservationTags.EdgeSample, .. PointKeys.Of(point)]);
        _edgeSamples = [.. Enumerable.Range(1, network.Layers - 1).Select(l => SampleIndices(network.Widths[l] * network.Widths[l - 1], spec.Observe.EdgeSample, ref edgeRng))];

        _ones = new double[network.Widths.Max()];
        Array.Fill(_ones, 1.0);
        _features.Add(new Feature(FeatureNames.WeightNorm, network.Widths[0], network.WeightNorms));
        for (int k = 0; k < _directionCount; k++)
        {
            int direction = k;
            _features.Add(new Feature(FeatureNames.Projection(k), network.Widths[0], d => Project(direction, d)));
        }

        for (int l = 1; l <= network.Layers && network.HasBias; l++)
        {
            int layer = l;
            _features.Add(new Feature(FeatureNames.Bias(l), network.Widths[l - 1], d => network.Bias(layer).CopyTo(d)));
        }

        for (int l = 1; l < network.Layers; l++)
        {
            int layer = l;
            _features.Add(new Feature(FeatureNames.RowMean(l), network.Widths[l], d => RowMeans(layer, d)));
            _features.Add(new Feature(FeatureNames.Edges(l), _edgeSamples[l - 1].Length, d => Edges(layer, d)));
        }

        if (spec.Model.Train.Output || spec.Model.Init.OutputStd > 0)
        {
            _features.Add(new Feature(FeatureNames.Output, network.Widths[^1], d => network.Output.CopyTo(d)));
        }
    }

    /// <summary>The features, in recording order.</summary>
    public IReadOnlyList<Feature> Features => _features;

    /// <summary>The largest number of values any feature has (for a scratch buffer).</summary>
    public int MaxLength => _features.Max(f => f.Length);

    /// <summary>A feature: its name, how many values it has, and how to write them.</summary>
    /// <param name="Name">Feature name (<see cref="FeatureNames"/>).</param>
    /// <param name="Length">Number of values.</param>
    /// <param name="Fill">Writes the current values into a span of at least <paramref name="Length"/>.</param>
    public sealed record Feature(string Name, int Length, SpanFiller Fill);

    /// <summary>Writes values into a span.</summary>
    public delegate void SpanFiller(Span<double> destination);

    private void Project(int direction, Span<double> destination)
    {
        int d = _network.Dimension;
        ReadOnlySpan<double> u = _directions.AsSpan(direction * d, d);
        ReadOnlySpan<double> w = _network.FirstLayer;
        for (int i = 0; i < _network.Widths[0]; i++)
        {
            destination[i] = Dot.Compute(w.Slice(i * d, d), u);
        }
    }

    private void RowMeans(int layer, Span<double> destination)
    {
        int fanIn = _network.Widths[layer - 1];
        ReadOnlySpan<double> weights = _network.Hidden(layer);
        for (int j = 0; j < _network.Widths[layer]; j++)
        {
            destination[j] = Dot.Compute(weights.Slice(j * fanIn, fanIn), _ones.AsSpan(0, fanIn)) / fanIn;
        }
    }

    private void Edges(int layer, Span<double> destination)
    {
        ReadOnlySpan<double> weights = _network.Hidden(layer);
        int[] sample = _edgeSamples[layer - 1];
        for (int e = 0; e < sample.Length; e++)
        {
            destination[e] = weights[sample[e]];
        }
    }

    /// <summary>All indices 0..count-1 when count ≤ size, else <paramref name="size"/> distinct indices drawn uniformly, sorted.</summary>
    internal static int[] SampleIndices(int count, int size, ref Xoshiro256 rng)
    {
        if (count <= size)
        {
            return [.. Enumerable.Range(0, count)];
        }

        // Floyd's algorithm: size distinct draws in O(size).
        var chosen = new HashSet<int>();
        for (int j = count - size; j < count; j++)
        {
            int t = Data.RandomIndex.Next(ref rng, j + 1);
            chosen.Add(chosen.Contains(t) ? j : t);
        }

        int[] result = [.. chosen];
        Array.Sort(result);
        return result;
    }
}

/// <summary>Keys that identify a point's coordinates in random streams (MATH section 6: never placement or timing).</summary>
public static class PointKeys
{
    /// <summary>(N_1..N_L, L, seed index): the coordinates that fix a point's network, whatever its step size or γ.</summary>
    public static ulong[] Of(PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return [.. point.Widths.Select(n => (ulong)n), (ulong)point.Layers, (ulong)point.Seed];
    }

    /// <summary>(N_1..N_L, L, ε bits, seed index): the coordinates that fix a point's training samples.</summary>
    public static ulong[] WithStepSize(PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return [.. point.Widths.Select(n => (ulong)n), (ulong)point.Layers, BitConverter.DoubleToUInt64Bits(point.StepSize), (ulong)point.Seed];
    }

    /// <summary>
    /// The key of a point's training samples: (N_1..N_L, L, ε bits, seed index), or, when
    /// <paramref name="nested"/> (<c>model.init.nested</c>), (L, ε bits, seed index) without the widths, so
    /// that seed s draws the same sample path at every width. With the nested neurons this couples the widths
    /// of one seed: their risk curves differ only through the neurons a wider network adds.
    /// </summary>
    public static ulong[] Samples(PointSpec point, bool nested)
    {
        ArgumentNullException.ThrowIfNull(point);
        return nested ? [(ulong)point.Layers, BitConverter.DoubleToUInt64Bits(point.StepSize), (ulong)point.Seed] : WithStepSize(point);
    }
}

/// <summary>Sub-keys of <see cref="RandomStreams.Purpose.Observation"/> streams.</summary>
public static class ObservationTags
{
    /// <summary>The sweep's sliced-Wasserstein directions (sweep seed only: the same for every point).</summary>
    public const ulong SlicedDirections = 1;

    /// <summary>A point's edge-weight sample.</summary>
    public const ulong EdgeSample = 2;

    /// <summary>The permutations of a group's cross-layer chaos test.</summary>
    public const ulong Dependence = 3;

    /// <summary>The seed resamples of a family's paired risk-gap interval (<c>scaling.families[].paired_risk_gap</c>).</summary>
    public const ulong PairedGapBootstrap = 4;
}
