using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

        d0 = Dot.Tail(l0 + h0, ref row0, ref next, j, cols - j);
        d1 = Dot.Tail(l1 + h1, ref row1, ref next, j, cols - j);
        d2 = Dot.Tail(l2 + h2, ref row2, ref next, j, cols - j);
        d3 = Dot.Tail(l3 + h3, ref row3, ref next, j, cols - j);
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
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        var k = new Four256<T>(Vector256.Create(k0), Vector256.Create(k1), Vector256.Create(k2), Vector256.Create(k3));
        Four256<T> low = default, high = default;
        int j = shrink == T.One
            ? UpdateDotBlocks256<T, Unshrunk>(ref row0, cols, ref v, k, Vector256.Create(shrink), ref next, ref low, ref high)
            : UpdateDotBlocks256<T, Shrunk>(ref row0, cols, ref v, k, Vector256.Create(shrink), ref next, ref low, ref high);
        UpdateTail(ref row0, ref v, j, cols, k0, shrink);
        UpdateTail(ref row1, ref v, j, cols, k1, shrink);
        UpdateTail(ref row2, ref v, j, cols, k2, shrink);
        UpdateTail(ref row3, ref v, j, cols, k3, shrink);
        d0 = Dot.Tail(low.R0 + high.R0, ref row0, ref next, j, cols - j);
        d1 = Dot.Tail(low.R1 + high.R1, ref row1, ref next, j, cols - j);
        d2 = Dot.Tail(low.R2 + high.R2, ref row2, ref next, j, cols - j);
        d3 = Dot.Tail(low.R3 + high.R3, ref row3, ref next, j, cols - j);
    }

    // The whole 64-byte blocks of four rows in 256-bit halves: row_r ← fma(x, k_r, shrink·row_r), stored, and
    // multiply-added with next into the row's low (first half) or high (second half) accumulator; returns the first
    // element left.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int UpdateDotBlocks256<T, TScale>(ref T row0, int cols, ref T v, Four256<T> k, Vector256<T> shrink, ref T next, ref Four256<T> low, ref Four256<T> high)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TScale : struct, IRowScale
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        int half = Vector256<T>.Count;
        Vector256<T> l0 = low.R0, l1 = low.R1, l2 = low.R2, l3 = low.R3, h0 = high.R0, h1 = high.R1, h2 = high.R2, h3 = high.R3;
        int j = 0;
        for (; j <= cols - (2 * half); j += 2 * half)
        {
            Vector256<T> x = Vector256.LoadUnsafe(ref v, (nuint)j);
            Vector256<T> n = Vector256.LoadUnsafe(ref next, (nuint)j);
            Vector256<T> w = Fma.Of(x, k.R0, TScale.Apply(Vector256.LoadUnsafe(ref row0, (nuint)j), shrink));
            w.StoreUnsafe(ref row0, (nuint)j);
            l0 = Fma.Of(w, n, l0);
            w = Fma.Of(x, k.R1, TScale.Apply(Vector256.LoadUnsafe(ref row1, (nuint)j), shrink));
            w.StoreUnsafe(ref row1, (nuint)j);
            l1 = Fma.Of(w, n, l1);
            w = Fma.Of(x, k.R2, TScale.Apply(Vector256.LoadUnsafe(ref row2, (nuint)j), shrink));
            w.StoreUnsafe(ref row2, (nuint)j);
            l2 = Fma.Of(w, n, l2);
            w = Fma.Of(x, k.R3, TScale.Apply(Vector256.LoadUnsafe(ref row3, (nuint)j), shrink));
            w.StoreUnsafe(ref row3, (nuint)j);
            l3 = Fma.Of(w, n, l3);

            int jh = j + half;
            x = Vector256.LoadUnsafe(ref v, (nuint)jh);
            n = Vector256.LoadUnsafe(ref next, (nuint)jh);
            w = Fma.Of(x, k.R0, TScale.Apply(Vector256.LoadUnsafe(ref row0, (nuint)jh), shrink));
            w.StoreUnsafe(ref row0, (nuint)jh);
            h0 = Fma.Of(w, n, h0);
            w = Fma.Of(x, k.R1, TScale.Apply(Vector256.LoadUnsafe(ref row1, (nuint)jh), shrink));
            w.StoreUnsafe(ref row1, (nuint)jh);
            h1 = Fma.Of(w, n, h1);
            w = Fma.Of(x, k.R2, TScale.Apply(Vector256.LoadUnsafe(ref row2, (nuint)jh), shrink));
            w.StoreUnsafe(ref row2, (nuint)jh);
            h2 = Fma.Of(w, n, h2);
            w = Fma.Of(x, k.R3, TScale.Apply(Vector256.LoadUnsafe(ref row3, (nuint)jh), shrink));
            w.StoreUnsafe(ref row3, (nuint)jh);
            h3 = Fma.Of(w, n, h3);
        }

        low = new Four256<T>(l0, l1, l2, l3);
        high = new Four256<T>(h0, h1, h2, h3);
        return j;
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

    // One 256-bit vector per row of a group of four.
    private readonly record struct Four256<T>(Vector256<T> R0, Vector256<T> R1, Vector256<T> R2, Vector256<T> R3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>;
}
