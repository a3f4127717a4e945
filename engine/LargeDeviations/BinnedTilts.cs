using System.Numerics.Tensors;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// Per-bin tilted sums for the bootstrap of the Gärtner–Ellis estimator. The sorted sample is cut into
/// equal-width bins of F (empty bins dropped); for each tilt of a table range and each bin j the means over
/// the bin of u_r, u_r² and u_r F_r are kept, with u_r = exp(N k (F_r - F_ext)) as in <see cref="GartnerEllis"/>.
/// A resample with bin counts n*_j then has S1 = Σ_j n*_j mean_j(u) and likewise S2, SF: it is the sample
/// reweighted by n*_j / n_j within each bin, exact when n*_j = n_j and exact for every resample when each bin
/// holds one distinct value (lattice F). Only the within-bin resampling noise is ignored, which is negligible
/// when N k × bin width is small. The cost per resample is three dot products of length (bins) per tilt.
/// </summary>
internal sealed class BinnedTilts
{
    private readonly int[] _binStart;
    private readonly double[] _k;
    private readonly double[] _extreme;
    private readonly double[][] _u1;
    private readonly double[][] _u2;
    private readonly double[][] _uf;
    private readonly int _anchor;
    private readonly int _width;
    private readonly double _essMin;

    private BinnedTilts(SortedSample sample, double[] kTable, int anchor, int bins, double essMin)
    {
        (_k, _anchor, _width, _essMin) = (kTable, anchor, sample.Width, essMin);
        _binStart = BinStarts(sample, bins);
        int binCount = _binStart.Length - 1;
        _extreme = new double[kTable.Length];
        _u1 = new double[kTable.Length][];
        _u2 = new double[kTable.Length][];
        _uf = new double[kTable.Length][];
        var u = new double[sample.Count];
        for (int t = 0; t < kTable.Length; t++)
        {
            _extreme[t] = GartnerEllis.ShiftedWeights(sample, kTable[t], u);
            (_u1[t], _u2[t], _uf[t]) = (new double[binCount], new double[binCount], new double[binCount]);
            for (int j = 0; j < binCount; j++)
            {
                int start = _binStart[j], length = _binStart[j + 1] - start;
                ReadOnlySpan<double> uj = u.AsSpan(start, length);
                _u1[t][j] = TensorPrimitives.Sum(uj) / length;
                _u2[t][j] = TensorPrimitives.SumOfSquares(uj) / length;
                _uf[t][j] = TensorPrimitives.Dot(uj, sample.Values.AsSpan(start, length)) / length;
            }
        }
    }

    /// <summary>Number of non-empty bins.</summary>
    public int BinCount => _binStart.Length - 1;

    /// <summary>
    /// Tables for the tilts of the run around k = 0 on which the full sample's ESS is at least
    /// <paramref name="tableEssFactor"/> × EssMin: a resample's reliable run practically never reaches beyond it.
    /// </summary>
    public static BinnedTilts Create(SortedSample sample, double[] kGrid, ScgfCurve curve, int bins, double tableEssFactor)
    {
        double floor = curve.EssMin * tableEssFactor;
        int anchor = Array.IndexOf(kGrid, 0.0), first = anchor, last = anchor;
        while (first > 0 && curve.EssAt(first - 1) >= floor)
        {
            first--;
        }

        while (last < kGrid.Length - 1 && curve.EssAt(last + 1) >= floor)
        {
            last++;
        }

        return new BinnedTilts(sample, kGrid[first..(last + 1)], anchor - first, bins, curve.EssMin);
    }

    /// <summary>Bin counts n*_j of a resample from the prefix sums of its per-position counts.</summary>
    public void BinCounts(ReadOnlySpan<long> prefix, Span<double> destination)
    {
        for (int j = 0; j < BinCount; j++)
        {
            destination[j] = prefix[_binStart[j + 1]] - prefix[_binStart[j]];
        }
    }

    /// <summary>The curve of a resample with bin counts <paramref name="binCounts"/> (summing to R).</summary>
    public ScgfCurve Curve(ReadOnlySpan<double> binCounts, double count)
    {
        int n = _k.Length;
        double[] lambda = new double[n], ess = new double[n], mean = new double[n];
        for (int t = 0; t < n; t++)
        {
            double s1 = TensorPrimitives.Dot(binCounts, _u1[t]);
            double s2 = TensorPrimitives.Dot(binCounts, _u2[t]);
            double sf = TensorPrimitives.Dot(binCounts, _uf[t]);
            (lambda[t], ess[t], mean[t]) = TiltResult.From(_k[t], _extreme[t], _width, count, s1, s2, sf);
        }

        return new ScgfCurve(_k, lambda, ess, mean, _anchor, _essMin);
    }

    /// <summary>Start positions of the non-empty equal-width bins of [min, max] in the sorted sample, plus R.</summary>
    private static int[] BinStarts(SortedSample sample, int bins)
    {
        double min = sample.Min, span = sample.Max - sample.Min;
        var starts = new List<int> { 0 };
        int current = 0;
        for (int r = 0; r < sample.Count; r++)
        {
            int bin = span > 0 ? Math.Min(bins - 1, (int)((sample.Values[r] - min) / span * bins)) : 0;
            if (bin != current)
            {
                starts.Add(r);
                current = bin;
            }
        }

        starts.Add(sample.Count);
        return [.. starts];
    }
}
