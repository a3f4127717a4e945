using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Data;

/// <summary>Unbiased random integers and permutations from a <see cref="Xoshiro256"/> stream.</summary>
internal static class RandomIndex
{
    /// <summary>
    /// A uniform integer in [0, <paramref name="bound"/>) by Lemire's multiply-and-reject method: one
    /// <see cref="Xoshiro256.NextUInt64"/> per call except with probability below bound / 2^64.
    /// </summary>
    public static int Next(ref Xoshiro256 rng, int bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bound, 1);
        ulong range = (ulong)bound;
        ulong high = Math.BigMul(rng.NextUInt64(), range, out ulong low);
        if (low < range)
        {
            ulong threshold = (0UL - range) % range;
            while (low < threshold)
            {
                high = Math.BigMul(rng.NextUInt64(), range, out low);
            }
        }

        return (int)high;
    }

    /// <summary>
    /// A uniformly random permutation of 0..n−1 by the Fisher–Yates shuffle: starting from the identity, for
    /// i = n−1 down to 1 swap entries i and <see cref="Next"/>(i + 1).
    /// </summary>
    public static int[] Permutation(ref Xoshiro256 rng, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var permutation = new int[n];
        for (int i = 0; i < n; i++)
        {
            permutation[i] = i;
        }

        for (int i = n - 1; i > 0; i--)
        {
            int j = Next(ref rng, i + 1);
            (permutation[i], permutation[j]) = (permutation[j], permutation[i]);
        }

        return permutation;
    }
}
