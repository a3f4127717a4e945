using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Kernels;

namespace MeanFieldCluster.Engine.Randomness;

/// <summary>
/// xoshiro256** (Blackman and Vigna, 2018): a small, fast generator whose whole state is four 64-bit words
/// plus one cached Gaussian, so a run can be checkpointed and resumed bit for bit. Streams are keyed by
/// <see cref="RandomStreams"/>; the generator is a mutable struct, pass it by <c>ref</c>. Gaussians are Box–Muller
/// pairs with the logarithm and sine-cosine of <see cref="LaneMath"/> (correctly rounded IEEE operations only), so
/// they have the same bits on every machine, whatever its C library or vector width (docs/models.md, "Randomness
/// and reproducibility").
/// </summary>
public struct Xoshiro256
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    /// <summary>Creates a generator from a 64-bit seed, expanded by SplitMix64 as its authors recommend.</summary>
    public Xoshiro256(ulong seed)
    {
        _s0 = SplitMix64.Next(ref seed);
        _s1 = SplitMix64.Next(ref seed);
        _s2 = SplitMix64.Next(ref seed);
        _s3 = SplitMix64.Next(ref seed);
        _spareGaussian = 0;
        _hasSpare = false;
    }

    /// <summary>Restores a generator from a state captured by <see cref="GetState"/>.</summary>
    public Xoshiro256(RandomState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        (_s0, _s1, _s2, _s3) = (state.S0, state.S1, state.S2, state.S3);
        if ((_s0 | _s1 | _s2 | _s3) == 0)
        {
            throw new ArgumentException("The all-zero state is not a valid xoshiro256** state.", nameof(state));
        }

        _hasSpare = state.HasSpare;
        _spareGaussian = state.Spare;
    }

    /// <summary>The complete state, enough to continue the stream exactly.</summary>
    public readonly RandomState GetState() => new(_s0, _s1, _s2, _s3, _hasSpare, _spareGaussian);

    /// <summary>The next 64 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A fair sign: +1 or -1 with probability 1/2 each.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double NextSign() => (NextUInt64() >> 63) == 0 ? 1.0 : -1.0;

    /// <summary>A standard normal variate (Box–Muller; the second value of each pair is cached in the state).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }

        double u1 = NextOpenUnit();
        double u2 = NextDouble();
        (double cos, double sin) = LaneMath.BoxMuller<ScalarLanes, double, ulong>(u1, u2);
        _spareGaussian = sin;
        _hasSpare = true;
        return cos;
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with standard normal variates: exactly the values that as many calls of
    /// <see cref="NextGaussian"/> would return, leaving the same state, computed many at a time in vector lanes.
    /// </summary>
    public void FillGaussian(Span<double> destination) => FillGaussian(destination, Simd.Best);

    /// <summary><see cref="FillGaussian(Span{double})"/> at a given vector width (the same bits at every width).</summary>
    internal void FillGaussian(Span<double> destination, SimdWidth width)
    {
        int i = 0;
        if (_hasSpare && destination.Length > 0)
        {
            destination[0] = _spareGaussian;
            _hasSpare = false;
            i = 1;
        }

        Span<double> u1 = stackalloc double[PairBlock];
        Span<double> u2 = stackalloc double[PairBlock];
        Span<double> scratch = stackalloc double[8];
        for (int pairs = (destination.Length - i) / 2; pairs > 0;)
        {
            int n = Math.Min(pairs, PairBlock);

            // The words in NextGaussian's order: u1 then u2 for each pair.
            for (int p = 0; p < n; p++)
            {
                u1[p] = NextOpenUnit();
                u2[p] = NextDouble();
            }

            Span<double> block = destination.Slice(i, 2 * n);
            int done = 0;
            if (width == SimdWidth.Vector512 && Vector512.IsHardwareAccelerated)
            {
                BoxMuller<Lanes512, Vector512<double>, Vector512<ulong>>(u1[..n], u2[..n], block, scratch, ref done);
            }

            if (width != SimdWidth.Scalar && Vector256.IsHardwareAccelerated)
            {
                BoxMuller<Lanes256, Vector256<double>, Vector256<ulong>>(u1[..n], u2[..n], block, scratch, ref done);
            }

            BoxMuller<ScalarLanes, double, ulong>(u1[..n], u2[..n], block, scratch, ref done);
            i += 2 * n;
            pairs -= n;

            // As NextGaussian leaves it: the last pair's sine, already used.
            _spareGaussian = block[^1];
        }

        if (i < destination.Length)
        {
            destination[i] = NextGaussian();
        }
    }

    // Pairs drawn per block of FillGaussian (on the stack).
    private const int PairBlock = 32;

    /// <summary>A uniform double in (0, 1] with 53 random bits: Box–Muller's u₁, whose logarithm is finite.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double NextOpenUnit() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>
    /// Pairs done.. in whole vectors of TOps: Box–Muller of (u1[p], u2[p]) to pairs[2p] (the cosine) and pairs[2p + 1]
    /// (the sine).
    /// </summary>
    private static void BoxMuller<TOps, TD, TU>(ReadOnlySpan<double> u1, ReadOnlySpan<double> u2, Span<double> pairs, Span<double> scratch, ref int done)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        for (; done + TOps.Count <= u1.Length; done += TOps.Count)
        {
            (TD cos, TD sin) = LaneMath.BoxMuller<TOps, TD, TU>(
                TOps.AsDouble(TOps.Load(MemoryMarshal.Cast<double, ulong>(u1), done)), TOps.AsDouble(TOps.Load(MemoryMarshal.Cast<double, ulong>(u2), done)));
            TOps.Store(cos, pairs, 2 * done, 2, scratch);
            TOps.Store(sin, pairs, (2 * done) + 1, 2, scratch);
        }
    }
}

/// <summary>The serializable state of a <see cref="Xoshiro256"/> generator.</summary>
/// <param name="S0">State word 0.</param>
/// <param name="S1">State word 1.</param>
/// <param name="S2">State word 2.</param>
/// <param name="S3">State word 3.</param>
/// <param name="HasSpare">Whether a cached Gaussian is pending.</param>
/// <param name="Spare">The cached Gaussian.</param>
public sealed record RandomState(ulong S0, ulong S1, ulong S2, ulong S3, bool HasSpare, double Spare);

/// <summary>SplitMix64 (Steele, Lea, Flood 2014): seeds xoshiro and mixes stream keys.</summary>
public static class SplitMix64
{
    /// <summary>Advances <paramref name="state"/> and returns the next output.</summary>
    public static ulong Next(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>The SplitMix64 finalizer: a bijective avalanche mix of 64 bits.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// Derives independent streams from a sweep seed and a tuple of keys (point coordinates, seed index,
/// purpose). A stream depends on nothing else: not on placement, timing, batch split or cluster size.
/// </summary>
public static class RandomStreams
{
    /// <summary>The purposes a stream can serve; part of the key so that streams never overlap by design.</summary>
    public enum Purpose : ulong
    {
        /// <summary>Initial parameters of a network.</summary>
        Initialization = 1,

        /// <summary>The training samples and SGD noise of a run.</summary>
        Training = 2,

        /// <summary>The fixed test set of a sweep.</summary>
        TestSet = 3,

        /// <summary>The train/test split of a data file.</summary>
        DataSplit = 4,

        /// <summary>The teacher network of teacher-student data (keyed by the teacher's own seed).</summary>
        Teacher = 5,

        /// <summary>Langevin noise of noisy SGD.</summary>
        Noise = 6,

        /// <summary>Observation randomness: sliced-Wasserstein directions, edge samples, permutations.</summary>
        Observation = 7,

        /// <summary>Rare-event estimators (importance sampling, splitting): keyed per run, never per replica.</summary>
        RareEvents = 19,
    }

    /// <summary>A generator for (seed, purpose, keys...).</summary>
    public static Xoshiro256 Create(ulong seed, Purpose purpose, params ReadOnlySpan<ulong> keys) => new(Key(seed, purpose, keys));

    /// <summary>The 64-bit key of (seed, purpose, keys...): the seed of <see cref="Create"/>'s generator, and of <see cref="LaneStream.For(ulong)"/>.</summary>
    public static ulong Key(ulong seed, Purpose purpose, params ReadOnlySpan<ulong> keys)
    {
        ulong h = SplitMix64.Mix(seed ^ 0x6A09E667F3BCC909UL);
        h = SplitMix64.Mix(h ^ ((ulong)purpose * 0x9E3779B97F4A7C15UL));
        foreach (ulong key in keys)
        {
            h = Extend(h, key);
        }

        return h;
    }

    /// <summary>
    /// The key of (seed, purpose, keys…, <paramref name="last"/>) from <paramref name="prefix"/>, the <see cref="Key"/> of
    /// (seed, purpose, keys…): the same value as <see cref="Key"/> of all of them, for many last keys (replicas) at one fold each.
    /// </summary>
    public static ulong Extend(ulong prefix, ulong last) => SplitMix64.Mix(prefix + 0x9E3779B97F4A7C15UL + SplitMix64.Mix(last));
}
