using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Observables;

/// <summary>
/// Wasserstein distances between laws given by quantile values (MATH section 5). In one dimension
/// W_p(μ, ν)^p = ∫_0^1 |Q_μ(p) - Q_ν(p)|^p dp; with the quantiles at the levels p_j = (j + 1/2)/n of
/// <see cref="Quantiles.Levels"/> the integral is taken by the midpoint rule, which is exact for two
/// empirical laws of n atoms each (their quantile functions are constant on ((j)/n, (j+1)/n]).
/// </summary>
public static class Distances
{
    /// <summary>
    /// W1 ≈ (1/n) Σ_j |q1_j - q2_j| between two laws given by their quantiles at the same n levels.
    /// </summary>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths.</exception>
    public static double W1(ReadOnlySpan<double> q1, ReadOnlySpan<double> q2)
    {
        CheckPair(q1, q2);
        double sum = 0;
        for (int j = 0; j < q1.Length; j++)
        {
            sum += Math.Abs(q1[j] - q2[j]);
        }

        return sum / q1.Length;
    }

    /// <summary>
    /// W2 ≈ sqrt((1/n) Σ_j (q1_j - q2_j)²) between two laws given by their quantiles at the same n levels.
    /// </summary>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths.</exception>
    public static double W2(ReadOnlySpan<double> q1, ReadOnlySpan<double> q2) => Math.Sqrt(W2Squared(q1, q2));

    /// <summary>W2² ≈ (1/n) Σ_j (q1_j - q2_j)² (see <see cref="W2"/>).</summary>
    /// <exception cref="ArgumentException">The spans are empty or of different lengths.</exception>
    public static double W2Squared(ReadOnlySpan<double> q1, ReadOnlySpan<double> q2)
    {
        CheckPair(q1, q2);
        double sum = 0;
        for (int j = 0; j < q1.Length; j++)
        {
            double d = q1[j] - q2[j];
            sum += d * d;
        }

        return sum / q1.Length;
    }

    /// <summary>
    /// The quantile function of the equal-weight mixture (1/S) Σ_s μ_s of the seeds' laws, at the
    /// <paramref name="levels"/> levels of <see cref="Quantiles.Levels"/>. Each seed's law μ_s is
    /// represented by its quantile values taken as equally weighted atoms (weight 1/n_s each), and the
    /// mixture's quantile is Q(p) = inf{x : F(x) ≥ p}, the convention of <see cref="Quantiles.Empirical"/>.
    /// When every seed has the same number of values this is exactly
    /// <see cref="Quantiles.Empirical"/> of the concatenated values; otherwise the atoms carry weights
    /// 1/(S n_s) and cumulative weights are compared with p up to a relative 1e-12 (round-off).
    /// </summary>
    /// <param name="perSeed">One list of quantile values (or raw values) per seed; none empty.</param>
    /// <param name="levels">Number of output levels n ≥ 1.</param>
    /// <exception cref="ArgumentException">No seeds, or a seed without values.</exception>
    public static double[] PooledQuantiles(IReadOnlyList<IReadOnlyList<double>> perSeed, int levels)
    {
        ArgumentNullException.ThrowIfNull(perSeed);
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        if (perSeed.Count == 0)
        {
            throw new ArgumentException("At least one seed is needed.", nameof(perSeed));
        }

        int total = 0;
        bool equalSizes = true;
        foreach (IReadOnlyList<double> seed in perSeed)
        {
            ArgumentNullException.ThrowIfNull(seed, nameof(perSeed));
            if (seed.Count == 0)
            {
                throw new ArgumentException("A seed has no values.", nameof(perSeed));
            }

            equalSizes &= seed.Count == perSeed[0].Count;
            total += seed.Count;
        }

        if (equalSizes)
        {
            var all = new double[total];
            int at = 0;
            foreach (IReadOnlyList<double> seed in perSeed)
            {
                for (int i = 0; i < seed.Count; i++)
                {
                    all[at++] = seed[i];
                }
            }

            return Quantiles.Empirical(all, levels);
        }

        var atoms = new (double Value, double Weight)[total];
        int k = 0;
        foreach (IReadOnlyList<double> seed in perSeed)
        {
            double weight = 1.0 / ((double)perSeed.Count * seed.Count);
            for (int i = 0; i < seed.Count; i++)
            {
                atoms[k++] = (seed[i], weight);
            }
        }

        Array.Sort(atoms, static (a, b) => a.Value.CompareTo(b.Value));
        double[] ps = Quantiles.Levels(levels);
        var result = new double[levels];
        double cumulative = 0;
        int index = -1;
        for (int j = 0; j < levels; j++)
        {
            double target = ps[j] * (1 - 1e-12);
            while (index < total - 1 && (index < 0 || cumulative < target))
            {
                index++;
                cumulative += atoms[index].Weight;
            }

            result[j] = atoms[index].Value;
        }

        return result;
    }

    /// <summary>
    /// Sliced W2 between two laws on R^d from their projections on K shared directions:
    /// sqrt((1/K) Σ_k W2²(A_k, B_k)), where A_k and B_k are the quantiles (same levels) of the two laws
    /// projected on direction k.
    /// </summary>
    /// <param name="projectionQuantilesA">Per direction, the quantiles of the first law's projections.</param>
    /// <param name="projectionQuantilesB">Per direction (same order), the quantiles of the second law's projections.</param>
    /// <exception cref="ArgumentException">No directions, different direction counts, or mismatched quantile lengths.</exception>
    public static double SlicedW2(IReadOnlyList<IReadOnlyList<double>> projectionQuantilesA, IReadOnlyList<IReadOnlyList<double>> projectionQuantilesB)
    {
        ArgumentNullException.ThrowIfNull(projectionQuantilesA);
        ArgumentNullException.ThrowIfNull(projectionQuantilesB);
        if (projectionQuantilesA.Count == 0 || projectionQuantilesA.Count != projectionQuantilesB.Count)
        {
            throw new ArgumentException("Both laws need the same, positive number of directions.");
        }

        double sum = 0;
        for (int k = 0; k < projectionQuantilesA.Count; k++)
        {
            sum += W2Squared(AsSpan(projectionQuantilesA[k]), AsSpan(projectionQuantilesB[k]));
        }

        return Math.Sqrt(sum / projectionQuantilesA.Count);
    }

    /// <summary>
    /// <paramref name="count"/> directions uniform on the unit sphere of R^<paramref name="dimension"/>
    /// (normalized standard Gaussian vectors), row-major: direction k is elements [k d, (k + 1) d).
    /// </summary>
    public static double[] SphereDirections(int count, int dimension, ref Xoshiro256 rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        var directions = new double[count * dimension];
        for (int k = 0; k < count; k++)
        {
            Span<double> u = directions.AsSpan(k * dimension, dimension);
            double norm2;
            do
            {
                rng.FillGaussian(u);
                norm2 = 0;
                foreach (double v in u)
                {
                    norm2 += v * v;
                }
            }
            while (norm2 == 0);

            double inverse = 1.0 / Math.Sqrt(norm2);
            for (int i = 0; i < dimension; i++)
            {
                u[i] *= inverse;
            }
        }

        return directions;
    }

    private static ReadOnlySpan<double> AsSpan(IReadOnlyList<double> values) => values switch
    {
        double[] array => array,
        List<double> list => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list),
        _ => values.ToArray(),
    };

    private static void CheckPair(ReadOnlySpan<double> q1, ReadOnlySpan<double> q2)
    {
        if (q1.IsEmpty || q1.Length != q2.Length)
        {
            throw new ArgumentException("Both laws need quantiles at the same, positive number of levels.");
        }
    }
}
