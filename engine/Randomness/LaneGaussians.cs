using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Kernels;

namespace MeanFieldCluster.Engine.Randomness;

/// <summary>
/// A counter-based stream of 64-bit words: SplitMix64 (Steele, Lea and Flood, 2014) with its own seed and odd
/// increment γ, word i = mix(seed + (i + 1)·γ). Any word can be computed on its own, so many streams, or many words
/// of one stream, fill the lanes of a vector at once (<see cref="LaneGaussians"/>). Streams made by
/// <see cref="For(ulong)"/> from different keys have different increments, as SplitMix's own split gives them, so two
/// streams are never shifted copies of one sequence.
/// </summary>
/// <param name="Seed">The starting value.</param>
/// <param name="Gamma">The odd increment γ.</param>
public readonly record struct LaneStream(ulong Seed, ulong Gamma)
{
    /// <summary>The stream of a key (normally <see cref="RandomStreams.Key"/> of its purpose and coordinates).</summary>
    public static LaneStream For(ulong key)
    {
        ulong seed = SplitMix64.Mix(key);
        ulong gamma = SplitMix64.Mix(key + 0x9E3779B97F4A7C15UL) | 1;

        // SplitMix's rule for a usable increment: enough bit changes between neighbouring bits.
        if (BitOperations.PopCount(gamma ^ (gamma >> 1)) < 24)
        {
            gamma ^= 0xAAAAAAAAAAAAAAAAUL;
        }

        return new LaneStream(seed, gamma);
    }

    /// <summary>The stream of <paramref name="key"/> for use <paramref name="tag"/> (several independent streams of one key).</summary>
    public static LaneStream For(ulong key, ulong tag) => For(SplitMix64.Mix(key ^ SplitMix64.Mix(tag)));

    /// <summary>Word <paramref name="index"/> (0-based) of the stream.</summary>
    public ulong Word(long index) => SplitMix64.Mix(Seed + ((ulong)(index + 1) * Gamma));

    /// <summary>±1 from the top bit of word <paramref name="index"/> (1 when it is 0).</summary>
    public double Sign(long index) => (Word(index) >> 63) == 0 ? 1.0 : -1.0;
}

/// <summary>
/// Standard normal variates from a <see cref="LaneStream"/>, computed many at a time in vector lanes with the
/// same bits at every width (docs/large-deviations.md, "The replicas' random numbers"). Pair p of a stream is
/// Box–Muller of words 2p and 2p + 1: u₁ = 2 − (1 + a·2⁻⁵²) ∈ (0, 1] from the top 52 bits a of word 2p,
/// u₂ = (1 + b·2⁻⁵²) − 1 ∈ [0, 1) from those of word 2p + 1, ρ = √(−2 ln u₁), and Gaussians 2p and 2p + 1 are
/// ρ cos 2πu₂ and ρ sin 2πu₂, with the logarithm and the sine-cosine of <see cref="LaneMath"/>.
/// </summary>
public static class LaneGaussians
{
    private const ulong OneBits = 0x3FF0000000000000UL;

    /// <summary>
    /// Writes Gaussians 2·<paramref name="firstPair"/> + g of <paramref name="stream"/>, g = 0 .. 2·<paramref name="pairs"/> − 1,
    /// to <paramref name="destination"/>[g·<paramref name="stride"/>], computed at <paramref name="width"/> (the same bits at every width).
    /// </summary>
    public static void Fill(LaneStream stream, long firstPair, int pairs, Span<double> destination, int stride, SimdWidth width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstPair);
        ArgumentOutOfRangeException.ThrowIfNegative(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (pairs > 0 && destination.Length < (((2 * pairs) - 1) * stride) + 1)
        {
            throw new ArgumentException($"The destination holds {destination.Length} values; {2 * pairs} Gaussians at stride {stride} need {(((2 * pairs) - 1) * stride) + 1}.", nameof(destination));
        }

        int done = 0;
        Span<double> scratch = stackalloc double[8];
        if (width == SimdWidth.Vector512 && Vector512.IsHardwareAccelerated)
        {
            Pairs<Lanes512, Vector512<double>, Vector512<ulong>>(stream, firstPair, pairs, destination, stride, scratch, ref done);
        }

        if (width != SimdWidth.Scalar && Vector256.IsHardwareAccelerated)
        {
            Pairs<Lanes256, Vector256<double>, Vector256<ulong>>(stream, firstPair, pairs, destination, stride, scratch, ref done);
        }

        Pairs<ScalarLanes, double, ulong>(stream, firstPair, pairs, destination, stride, scratch, ref done);
    }

    /// <summary>
    /// Writes Gaussians 2·<paramref name="firstPair"/> + g, g = 0 .. 2·<paramref name="pairs"/> − 1, of L streams (lane r:
    /// <paramref name="seeds"/>[r], <paramref name="gammas"/>[r]) lane-interleaved: to <paramref name="destination"/>[g·L + r].
    /// Vectors run across the streams (lane r of a vector is stream r), so each lane is computed as by <see cref="Fill"/>:
    /// the same bits at every width.
    /// </summary>
    public static void FillLanes(ReadOnlySpan<ulong> seeds, ReadOnlySpan<ulong> gammas, long firstPair, int pairs, Span<double> destination, SimdWidth width)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstPair);
        ArgumentOutOfRangeException.ThrowIfNegative(pairs);
        int lanes = seeds.Length;
        if (gammas.Length != lanes || destination.Length < 2 * pairs * lanes)
        {
            throw new ArgumentException($"{lanes} seeds need as many increments (got {gammas.Length}) and room for {2 * pairs * lanes} values (got {destination.Length}).", nameof(destination));
        }

        int done = 0;
        if ((width == SimdWidth.Vector512 && Vector512.IsHardwareAccelerated) || (width == SimdWidth.Vector256 && Vector256.IsHardwareAccelerated))
        {
            // Eight streams at a time. Without AVX-512 the runtime computes a Vector512 as two 256-bit halves, operation by
            // operation, so the halves' dependency chains (the polynomials, the division and the square root) overlap instead
            // of running one group of four after the other: 5-15% of a replica batch at N = 16, d = 1 on AVX2.
            AcrossLanes<Lanes512, Vector512<double>, Vector512<ulong>>(seeds, gammas, firstPair, pairs, destination, ref done);
        }

        if (width != SimdWidth.Scalar && Vector256.IsHardwareAccelerated)
        {
            AcrossLanes<Lanes256, Vector256<double>, Vector256<ulong>>(seeds, gammas, firstPair, pairs, destination, ref done);
        }

        AcrossLanes<ScalarLanes, double, ulong>(seeds, gammas, firstPair, pairs, destination, ref done);
    }

    /// <summary>Gaussian <paramref name="index"/> of <paramref name="stream"/> (scalar; the values <see cref="Fill"/> writes).</summary>
    public static double At(LaneStream stream, long index)
    {
        Span<double> pair = stackalloc double[2];
        Fill(stream, index / 2, 1, pair, 1, SimdWidth.Scalar);
        return pair[(int)(index % 2)];
    }

    // Not inlined: each width is its own method, so the JIT keeps every vector in registers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void AcrossLanes<TOps, TD, TU>(ReadOnlySpan<ulong> seeds, ReadOnlySpan<ulong> gammas, long firstPair, int pairs, Span<double> destination, ref int done)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        int width = TOps.Count, lanes = seeds.Length;
        for (; done + width <= lanes; done += width)
        {
            TU gamma = TOps.Load(gammas, done);
            TU twice = TOps.Add(gamma, gamma);
            TU state = TOps.Add(TOps.Load(seeds, done), TOps.Multiply(gamma, TOps.Word((ulong)((2 * firstPair) + 1))));
            for (int p = 0; p < pairs; p++)
            {
                (TD first, TD second) = Pair<TOps, TD, TU>(state, TOps.Add(state, gamma));
                state = TOps.Add(state, twice);
                TOps.Store(first, destination, (2 * p * lanes) + done, 1, default);
                TOps.Store(second, destination, (((2 * p) + 1) * lanes) + done, 1, default);
            }
        }
    }

    // Box–Muller of the words at the counters a (word 2p) and b (word 2p + 1): (ρ cos 2πu₂, ρ sin 2πu₂).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TD First, TD Second) Pair<TOps, TD, TU>(TU a, TU b)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        a = Mix<TOps, TD, TU>(a);
        b = Mix<TOps, TD, TU>(b);
        TD u1 = TOps.Subtract(TOps.Constant(2.0), TOps.AsDouble(TOps.Or(TOps.ShiftRight(a, 12), TOps.Word(OneBits))));
        TD u2 = TOps.Subtract(TOps.AsDouble(TOps.Or(TOps.ShiftRight(b, 12), TOps.Word(OneBits))), TOps.Constant(1.0));
        return LaneMath.BoxMuller<TOps, TD, TU>(u1, u2);
    }

    // Not inlined: each width is its own method, so the JIT keeps every vector in registers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Pairs<TOps, TD, TU>(LaneStream stream, long firstPair, int pairs, Span<double> destination, int stride, Span<double> scratch, ref int done)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        int lanes = TOps.Count;
        if (done + lanes > pairs)
        {
            return;
        }

        TU gamma = TOps.Word(stream.Gamma);

        // Word 2p sits at seed + (2p + 1)γ; lane i of a vector holds pair p + i.
        TU first = TOps.Add(TOps.Word(stream.Seed + ((ulong)((2 * (firstPair + done)) + 1) * stream.Gamma)), TOps.Iota(2 * stream.Gamma));
        TU advance = TOps.Word(2 * (ulong)lanes * stream.Gamma);
        for (; done + lanes <= pairs; done += lanes)
        {
            (TD cos, TD sin) = Pair<TOps, TD, TU>(first, TOps.Add(first, gamma));
            first = TOps.Add(first, advance);
            TOps.Store(cos, destination, 2 * done * stride, 2 * stride, scratch);
            TOps.Store(sin, destination, ((2 * done) + 1) * stride, 2 * stride, scratch);
        }
    }

    // SplitMix64.Mix lane-wise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TU Mix<TOps, TD, TU>(TU z)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        z = TOps.Multiply(TOps.Xor(z, TOps.ShiftRight(z, 30)), TOps.Word(0xBF58476D1CE4E5B9UL));
        z = TOps.Multiply(TOps.Xor(z, TOps.ShiftRight(z, 27)), TOps.Word(0x94D049BB133111EBUL));
        return TOps.Xor(z, TOps.ShiftRight(z, 31));
    }
}
