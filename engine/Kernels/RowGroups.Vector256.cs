using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MeanFieldCluster.Engine.Kernels;

// The four-row kernels in 256-bit vectors (AVX2 machines): a 64-byte block of logical lanes is two vectors, the
// low and high accumulators of the one-row 256-bit code (Dot.Core256), finished by Dot.Tail as that code is, so
// each row gets exactly its bits; the shared inputs are loaded once per four rows.
internal static partial class RowGroups
{
    /// <summary>
    /// d_r = &lt;row_r, next&gt; for four consecutive rows in 256-bit vectors (AVX2), next loaded once per four rows:
    /// each row gets the one-row 256-bit code's operations (<see cref="Dot.Core256{T}"/>), so the same bits.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dot4x256<T>(ref T row0, int cols, ref T next, out T d0, out T d1, out T d2, out T d3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        int j = Sums4x256(ref row0, ref row1, ref row2, ref row3, cols, ref next, out Vector256<T> s0, out Vector256<T> s1, out Vector256<T> s2, out Vector256<T> s3);
        Tail4x256(s0, s1, s2, s3, ref row0, ref row1, ref row2, ref row3, ref next, j, cols - j, out d0, out d1, out d2, out d3);
    }

    // The whole 64-byte blocks of four rows' inner products with next, each row's low and high accumulators added
    // (as Dot.Core256 adds them); returns the first element left.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Sums4x256<T>(ref T row0, ref T row1, ref T row2, ref T row3, int cols, ref T next, out Vector256<T> s0, out Vector256<T> s1, out Vector256<T> s2, out Vector256<T> s3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int half = Vector256<T>.Count;
        Vector256<T> l0 = Vector256<T>.Zero, l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        int j = 0;
        for (; j <= cols - (2 * half); j += 2 * half)
        {
            Vector256<T> n = Vector256.LoadUnsafe(ref next, (nuint)j);
            l0 = Fma.Of(Vector256.LoadUnsafe(ref row0, (nuint)j), n, l0);
            l1 = Fma.Of(Vector256.LoadUnsafe(ref row1, (nuint)j), n, l1);
            l2 = Fma.Of(Vector256.LoadUnsafe(ref row2, (nuint)j), n, l2);
            l3 = Fma.Of(Vector256.LoadUnsafe(ref row3, (nuint)j), n, l3);
            int jh = j + half;
            n = Vector256.LoadUnsafe(ref next, (nuint)jh);
            h0 = Fma.Of(Vector256.LoadUnsafe(ref row0, (nuint)jh), n, h0);
            h1 = Fma.Of(Vector256.LoadUnsafe(ref row1, (nuint)jh), n, h1);
            h2 = Fma.Of(Vector256.LoadUnsafe(ref row2, (nuint)jh), n, h2);
            h3 = Fma.Of(Vector256.LoadUnsafe(ref row3, (nuint)jh), n, h3);
        }

        (s0, s1, s2, s3) = (l0 + h0, l1 + h1, l2 + h2, l3 + h3);
        return j;
    }

    /// <summary>
    /// <see cref="UpdateDot4{T}"/> in 256-bit vectors (AVX2): each 64-byte block of a row is two vectors, whose
    /// products go into the row's low and high accumulators as in the one-row 256-bit code (<see cref="Dot.Core256{T}"/>),
    /// so each row gets the one-row code's bits; the inputs v and next are loaded once per four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateDot4x256<T>(ref T row0, int cols, ref T v, T k0, T k1, T k2, T k3, T shrink, ref T next, out T d0, out T d1, out T d2, out T d3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (shrink == T.One)
        {
            UpdateDot4x256<T, Unshrunk>(ref row0, cols, ref v, k0, k1, k2, k3, shrink, ref next, out d0, out d1, out d2, out d3);
        }
        else
        {
            UpdateDot4x256<T, Shrunk>(ref row0, cols, ref v, k0, k1, k2, k3, shrink, ref next, out d0, out d1, out d2, out d3);
        }
    }

    // UpdateDot4x256 with shrink·row formed or not (TScale): the whole 64-byte blocks in two halves, the first
    // half's products into the rows' low accumulators and the second's into their high ones, then each row's
    // elements after the last block updated and its inner product finished by Dot.Tail.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateDot4x256<T, TScale>(ref T row0, int cols, ref T v, T k0, T k1, T k2, T k3, T shrink, ref T next, out T d0, out T d1, out T d2, out T d3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TScale : struct, IRowScale
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        Vector256<T> vk0 = Vector256.Create(k0), vk1 = Vector256.Create(k1), vk2 = Vector256.Create(k2), vk3 = Vector256.Create(k3);
        Vector256<T> vs = Vector256.Create(shrink);
        int half = Vector256<T>.Count;
        Vector256<T> l0 = Vector256<T>.Zero, l1 = l0, l2 = l0, l3 = l0, h0 = l0, h1 = l0, h2 = l0, h3 = l0;
        int j = 0;
        for (; j <= cols - (2 * half); j += 2 * half)
        {
            nuint jl = (nuint)j, jh = (nuint)(j + half);
            Vector256<T> x = Vector256.LoadUnsafe(ref v, jl), n = Vector256.LoadUnsafe(ref next, jl);
            l0 = UpdateDotHalf<T, TScale>(ref row0, jl, x, vk0, vs, n, l0);
            l1 = UpdateDotHalf<T, TScale>(ref row1, jl, x, vk1, vs, n, l1);
            l2 = UpdateDotHalf<T, TScale>(ref row2, jl, x, vk2, vs, n, l2);
            l3 = UpdateDotHalf<T, TScale>(ref row3, jl, x, vk3, vs, n, l3);
            x = Vector256.LoadUnsafe(ref v, jh);
            n = Vector256.LoadUnsafe(ref next, jh);
            h0 = UpdateDotHalf<T, TScale>(ref row0, jh, x, vk0, vs, n, h0);
            h1 = UpdateDotHalf<T, TScale>(ref row1, jh, x, vk1, vs, n, h1);
            h2 = UpdateDotHalf<T, TScale>(ref row2, jh, x, vk2, vs, n, h2);
            h3 = UpdateDotHalf<T, TScale>(ref row3, jh, x, vk3, vs, n, h3);
        }

        UpdateTail(ref row0, ref v, j, cols, k0, shrink);
        UpdateTail(ref row1, ref v, j, cols, k1, shrink);
        UpdateTail(ref row2, ref v, j, cols, k2, shrink);
        UpdateTail(ref row3, ref v, j, cols, k3, shrink);
        Tail4x256(l0 + h0, l1 + h1, l2 + h2, l3 + h3, ref row0, ref row1, ref row2, ref row3, ref next, j, cols - j, out d0, out d1, out d2, out d3);
    }

    /// <summary>
    /// <see cref="Dot.Tail{T}"/> of four rows from their 256-bit sums s_r, with the <paramref name="rest"/> elements
    /// from <paramref name="j"/> left: when they are none or exactly one 256-bit vector (a row length that is a
    /// multiple of 4 doubles or 8 floats), the halvings run transposed, two rows per vector, with the additions
    /// of Dot.Tail (lower + upper half; then for doubles element 0 + element 1, for floats (0 + 2) + (1 + 3)),
    /// so the same bits; otherwise Dot.Tail row by row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Tail4x256<T>(Vector256<T> s0, Vector256<T> s1, Vector256<T> s2, Vector256<T> s3, ref T row0, ref T row1, ref T row2, ref T row3, ref T next, int j, int rest, out T d0, out T d1, out T d2, out T d3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (!ReducesTransposed<T>(rest))
        {
            d0 = Dot.Tail(s0, ref row0, ref next, j, rest);
            d1 = Dot.Tail(s1, ref row1, ref next, j, rest);
            d2 = Dot.Tail(s2, ref row2, ref next, j, rest);
            d3 = Dot.Tail(s3, ref row3, ref next, j, rest);
            return;
        }

        // Rows 0 and 2 in elements 0 and 1; rows 1 and 3 in the upper half's first two (elements 2, 3 of doubles,
        // 4, 5 of floats).
        Vector256<T> r = Reduce4(s0, s1, s2, s3, ref row0, ref row1, ref row2, ref row3, ref next, j, rest);
        int upper = Vector128<T>.Count;
        d0 = r.GetElement(0);
        d2 = r.GetElement(1);
        d1 = r.GetElement(upper);
        d3 = r.GetElement(upper + 1);
    }

    // Whether Tail4x256 reduces the four rows transposed: the elements left are none or one 256-bit vector, and the
    // machine has the AVX2 shuffles that Reduce4 and Forward4x256 use.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ReducesTransposed<T>(int rest)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Avx2.IsSupported && (rest == 0 || rest == Vector256<T>.Count);

    /// <summary>
    /// u_r = s·&lt;row_r, next&gt; + bias_r for four consecutive rows of <paramref name="cols"/> elements, the inner
    /// products as <see cref="Dot4x256{T}"/> computes them; when the reductions run transposed
    /// (<see cref="Tail4x256{T}"/>), the four products by s and sums with the biases run in one vector (the same two
    /// roundings per row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward4x256<T>(ref T row0, int cols, ref T next, T s, ref T bias, ref T u)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        int j = Sums4x256(ref row0, ref row1, ref row2, ref row3, cols, ref next, out Vector256<T> s0, out Vector256<T> s1, out Vector256<T> s2, out Vector256<T> s3);
        int rest = cols - j;
        if (!ReducesTransposed<T>(rest))
        {
            Tail4x256(s0, s1, s2, s3, ref row0, ref row1, ref row2, ref row3, ref next, j, rest, out T d0, out T d1, out T d2, out T d3);
            u = (s * d0) + bias;
            Unsafe.Add(ref u, 1) = (s * d1) + Unsafe.Add(ref bias, 1);
            Unsafe.Add(ref u, 2) = (s * d2) + Unsafe.Add(ref bias, 2);
            Unsafe.Add(ref u, 3) = (s * d3) + Unsafe.Add(ref bias, 3);
            return;
        }

        Vector256<T> r = Reduce4(s0, s1, s2, s3, ref row0, ref row1, ref row2, ref row3, ref next, j, rest);
        if (Unsafe.SizeOf<T>() == 8)
        {
            // [d0, d2, d1, d3] → [d0, d1, d2, d3]
            Vector256<T> d = Avx2.Permute4x64(r.AsDouble(), 0b11_01_10_00).As<double, T>();
            ((Vector256.Create(s) * d) + Vector256.LoadUnsafe(ref bias)).StoreUnsafe(ref u);
        }
        else
        {
            // lanes [d0, d2, ., . | d1, d3, ., .] → [d0, d1, d2, d3]
            Vector128<T> d = Sse.UnpackLow(r.GetLower().AsSingle(), r.GetUpper().AsSingle()).As<float, T>();
            ((Vector128.Create(s) * d) + Vector128.LoadUnsafe(ref bias)).StoreUnsafe(ref u);
        }
    }

    // The rest of Tail4x256 when rest is 0 or one 256-bit vector: that vector multiply-added into each row's sum,
    // then the halvings transposed. Doubles give [d0, d2, d1, d3]; floats give d0, d2 in lanes 0, 1 and d1, d3 in
    // lanes 4, 5.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Reduce4<T>(Vector256<T> s0, Vector256<T> s1, Vector256<T> s2, Vector256<T> s3, ref T row0, ref T row1, ref T row2, ref T row3, ref T next, int j, int rest)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (rest != 0)
        {
            Vector256<T> n = Vector256.LoadUnsafe(ref next, (nuint)j);
            s0 = Fma.Of(Vector256.LoadUnsafe(ref row0, (nuint)j), n, s0);
            s1 = Fma.Of(Vector256.LoadUnsafe(ref row1, (nuint)j), n, s1);
            s2 = Fma.Of(Vector256.LoadUnsafe(ref row2, (nuint)j), n, s2);
            s3 = Fma.Of(Vector256.LoadUnsafe(ref row3, (nuint)j), n, s3);
        }

        return Halvings(LowerPlusUpper(s0, s1), LowerPlusUpper(s2, s3));
    }

    // q_r = lower(s_r) + upper(s_r) of two rows' sums in one vector: [q_a | q_b].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> LowerPlusUpper<T>(Vector256<T> sa, Vector256<T> sb)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector256<double> a = sa.AsDouble(), b = sb.AsDouble();
        return Avx.Permute2x128(a, b, 0x20).As<double, T>() + Avx.Permute2x128(a, b, 0x31).As<double, T>();
    }

    // The rest of Dot.Tail's halvings from q01 = [q0 | q1] and q23 = [q2 | q3]: for doubles element 0 + element 1,
    // giving [d0, d2, d1, d3]; for floats (0 + 2) + (1 + 3), giving d0, d2 in lanes 0, 1 and d1, d3 in lanes 4, 5.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Halvings<T>(Vector256<T> q01, Vector256<T> q23)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (Unsafe.SizeOf<T>() == 8)
        {
            // [q0(0) + q0(1), q2(0) + q2(1), q1(0) + q1(1), q3(0) + q3(1)]
            return Avx.HorizontalAdd(q01.AsDouble(), q23.AsDouble()).As<double, T>();
        }

        // Pairs (t0, t1) = (q(0) + q(2), q(1) + q(3)) in the order q0, q2, q1, q3; then t0 + t1.
        Vector256<double> p01 = q01.AsDouble(), p23 = q23.AsDouble();
        Vector256<float> t = (Avx.UnpackLow(p01, p23).As<double, T>() + Avx.UnpackHigh(p01, p23).As<double, T>()).AsSingle();
        return Avx.HorizontalAdd(t, t).As<float, T>();
    }

    /// <summary>
    /// The one-row 256-bit update and inner product (row ← fma(v, k, shrink·row), then &lt;row, next&gt;) of two rows
    /// anywhere, interleaved: each row gets the one-row code's operations, with shrink·row formed only when
    /// shrink ≠ 1 (row·1 is row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static (T Dot0, T Dot1) UpdateDot2x256<T>(ref T row0, ref T row1, int cols, ref T v, T k0, T k1, T shrink, ref T next)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        shrink == T.One
            ? UpdateDot2x256<T, Unshrunk>(ref row0, ref row1, cols, ref v, k0, k1, shrink, ref next)
            : UpdateDot2x256<T, Shrunk>(ref row0, ref row1, cols, ref v, k0, k1, shrink, ref next);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T Dot0, T Dot1) UpdateDot2x256<T, TScale>(ref T row0, ref T row1, int cols, ref T v, T k0, T k1, T shrink, ref T next)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TScale : struct, IRowScale
    {
        int half = Vector256<T>.Count;
        Vector256<T> vk0 = Vector256.Create(k0), vk1 = Vector256.Create(k1), vs = Vector256.Create(shrink);
        Vector256<T> l0 = Vector256<T>.Zero, h0 = l0, l1 = l0, h1 = l0;
        int j = 0;
        for (; j <= cols - (2 * half); j += 2 * half)
        {
            nuint jl = (nuint)j, jh = (nuint)(j + half);
            Vector256<T> xl = Vector256.LoadUnsafe(ref v, jl), nl = Vector256.LoadUnsafe(ref next, jl);
            l0 = UpdateDotHalf<T, TScale>(ref row0, jl, xl, vk0, vs, nl, l0);
            l1 = UpdateDotHalf<T, TScale>(ref row1, jl, xl, vk1, vs, nl, l1);
            Vector256<T> xh = Vector256.LoadUnsafe(ref v, jh), nh = Vector256.LoadUnsafe(ref next, jh);
            h0 = UpdateDotHalf<T, TScale>(ref row0, jh, xh, vk0, vs, nh, h0);
            h1 = UpdateDotHalf<T, TScale>(ref row1, jh, xh, vk1, vs, nh, h1);
        }

        int rest = cols - j;
        if (!ReducesTransposed<T>(rest))
        {
            UpdateTail(ref row0, ref v, j, cols, k0, shrink);
            UpdateTail(ref row1, ref v, j, cols, k1, shrink);
            return (Dot.Tail(l0 + h0, ref row0, ref next, j, rest), Dot.Tail(l1 + h1, ref row1, ref next, j, rest));
        }

        // The elements left are none or one vector: that vector updated as UpdateTail does (shrink·row always
        // formed) and multiply-added into the sums as Dot.Tail does, from the registers, then both halvings
        // transposed (Reduce2): the same operations, so the same bits, with one reduction chain for the two rows.
        Vector256<T> s0 = l0 + h0, s1 = l1 + h1;
        if (rest != 0)
        {
            Vector256<T> x = Vector256.LoadUnsafe(ref v, (nuint)j), n = Vector256.LoadUnsafe(ref next, (nuint)j);
            Vector256<T> w0 = Fma.Of(x, vk0, Vector256.LoadUnsafe(ref row0, (nuint)j) * vs);
            Vector256<T> w1 = Fma.Of(x, vk1, Vector256.LoadUnsafe(ref row1, (nuint)j) * vs);
            w0.StoreUnsafe(ref row0, (nuint)j);
            w1.StoreUnsafe(ref row1, (nuint)j);
            s0 = Fma.Of(w0, n, s0);
            s1 = Fma.Of(w1, n, s1);
        }

        return Reduce2(s0, s1);
    }

    // Dot.Tail's halvings of two rows' 256-bit sums at once: Reduce4's with the second pair the first again, so row 0
    // ends in element 0 and row 1 at the start of the upper half.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T Dot0, T Dot1) Reduce2<T>(Vector256<T> s0, Vector256<T> s1)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector256<T> q = LowerPlusUpper(s0, s1);
        Vector256<T> r = Halvings(q, q);
        return (r.GetElement(0), r.GetElement(Vector128<T>.Count));
    }

    // One vector of a row at j: row ← fma(x, k, shrink·row), stored; returns fma(row, n, acc) with the updated row.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> UpdateDotHalf<T, TScale>(ref T row, nuint j, Vector256<T> x, Vector256<T> k, Vector256<T> shrink, Vector256<T> n, Vector256<T> acc)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TScale : struct, IRowScale
    {
        Vector256<T> w = Fma.Of(x, k, TScale.Apply(Vector256.LoadUnsafe(ref row, j), shrink));
        w.StoreUnsafe(ref row, j);
        return Fma.Of(w, n, acc);
    }

    /// <summary><see cref="Accumulate4{T}"/> in 256-bit vectors (AVX2): the same element-wise chain, so the same bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate4x256<T>(ref T row0, int cols, T c0, T c1, T c2, T c3, ref T acc)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        Vector256<T> v0 = Vector256.Create(c0), v1 = Vector256.Create(c1), v2 = Vector256.Create(c2), v3 = Vector256.Create(c3);
        int j = 0;
        for (; j <= cols - Vector256<T>.Count; j += Vector256<T>.Count)
        {
            Vector256<T> a = Fma.Of(Vector256.LoadUnsafe(ref row0, (nuint)j), v0, Vector256.LoadUnsafe(ref acc, (nuint)j));
            a = Fma.Of(Vector256.LoadUnsafe(ref row1, (nuint)j), v1, a);
            a = Fma.Of(Vector256.LoadUnsafe(ref row2, (nuint)j), v2, a);
            Fma.Of(Vector256.LoadUnsafe(ref row3, (nuint)j), v3, a).StoreUnsafe(ref acc, (nuint)j);
        }

        AccumulateTail(ref row0, ref row1, ref row2, ref row3, c0, c1, c2, c3, ref acc, j, cols);
    }

    // The elements j..cols-1 of Accumulate4 one at a time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateTail<T>(ref T row0, ref T row1, ref T row2, ref T row3, T c0, T c1, T c2, T c3, ref T acc, int j, int cols)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (; j < cols; j++)
        {
            ref T a = ref Unsafe.Add(ref acc, j);
            T s = Fma.Of(Unsafe.Add(ref row0, j), c0, a);
            s = Fma.Of(Unsafe.Add(ref row1, j), c1, s);
            s = Fma.Of(Unsafe.Add(ref row2, j), c2, s);
            a = Fma.Of(Unsafe.Add(ref row3, j), c3, s);
        }
    }
}
