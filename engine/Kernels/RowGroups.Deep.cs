using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Engine.Kernels;

// The four-row kernels of the inner matrices W^ℓ of deep networks (InnerLayerKernels): each row still gets
// exactly the operations of the one-row code, so grouping changes no bit.
internal static partial class RowGroups
{
    /// <summary>
    /// For four consecutive rows starting at <paramref name="row0"/>: row_r ← fma(v, k_r, shrink·row_r), then
    /// d_r = &lt;row_r, next&gt; with the updated row, in the order of <see cref="Dot"/>, reading and writing each
    /// element once (the one-row code's update, then its inner product).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateDot4<T>(ref T row0, int cols, ref T v, T k0, T k1, T k2, T k3, T shrink, ref T next, out T d0, out T d1, out T d2, out T d3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        Vector512<T> vs = Vector512.Create(shrink);
        Vector512<T> vk0 = Vector512.Create(k0), vk1 = Vector512.Create(k1), vk2 = Vector512.Create(k2), vk3 = Vector512.Create(k3);
        Vector512<T> a0 = Vector512<T>.Zero, a1 = Vector512<T>.Zero, a2 = Vector512<T>.Zero, a3 = Vector512<T>.Zero;
        int j = shrink == T.One
            ? UpdateDotBlocks<T, Unshrunk>(ref row0, cols, ref v, vk0, vk1, vk2, vk3, vs, ref next, ref a0, ref a1, ref a2, ref a3)
            : UpdateDotBlocks<T, Shrunk>(ref row0, cols, ref v, vk0, vk1, vk2, vk3, vs, ref next, ref a0, ref a1, ref a2, ref a3);
        UpdateTail(ref row0, ref v, j, cols, k0, shrink);
        UpdateTail(ref row1, ref v, j, cols, k1, shrink);
        UpdateTail(ref row2, ref v, j, cols, k2, shrink);
        UpdateTail(ref row3, ref v, j, cols, k3, shrink);
        Reduce4(a0, a1, a2, a3, ref row0, cols, ref next, out d0, out d1, out d2, out d3);
    }

    // The whole 512-bit blocks of four rows: row_r ← fma(x, k_r, shrink·row_r), stored, and multiply-added with
    // next into a_r; returns the first element left. TScale says whether shrink·row is formed: with shrink = 1
    // the product is exact and left out (the same bits, one operation less per element), without a branch in
    // the loop.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int UpdateDotBlocks<T, TScale>(ref T row0, int cols, ref T v, Vector512<T> k0, Vector512<T> k1, Vector512<T> k2, Vector512<T> k3, Vector512<T> shrink, ref T next, ref Vector512<T> a0, ref Vector512<T> a1, ref Vector512<T> a2, ref Vector512<T> a3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TScale : struct, IRowScale
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        int j = 0;
        for (; j <= cols - Vector512<T>.Count; j += Vector512<T>.Count)
        {
            Vector512<T> x = Vector512.LoadUnsafe(ref v, (nuint)j);
            Vector512<T> n = Vector512.LoadUnsafe(ref next, (nuint)j);
            Vector512<T> w0 = Fma.Of(x, k0, TScale.Apply(Vector512.LoadUnsafe(ref row0, (nuint)j), shrink));
            Vector512<T> w1 = Fma.Of(x, k1, TScale.Apply(Vector512.LoadUnsafe(ref row1, (nuint)j), shrink));
            Vector512<T> w2 = Fma.Of(x, k2, TScale.Apply(Vector512.LoadUnsafe(ref row2, (nuint)j), shrink));
            Vector512<T> w3 = Fma.Of(x, k3, TScale.Apply(Vector512.LoadUnsafe(ref row3, (nuint)j), shrink));
            w0.StoreUnsafe(ref row0, (nuint)j);
            w1.StoreUnsafe(ref row1, (nuint)j);
            w2.StoreUnsafe(ref row2, (nuint)j);
            w3.StoreUnsafe(ref row3, (nuint)j);
            a0 = Fma.Of(w0, n, a0);
            a1 = Fma.Of(w1, n, a1);
            a2 = Fma.Of(w2, n, a2);
            a3 = Fma.Of(w3, n, a3);
        }

        return j;
    }

    private interface IRowScale
    {
        static abstract Vector512<T> Apply<T>(Vector512<T> row, Vector512<T> shrink)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>;

        static abstract Vector256<T> Apply<T>(Vector256<T> row, Vector256<T> shrink)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>;
    }

    // shrink = 1: the row as it is.
    private readonly struct Unshrunk : IRowScale
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Apply<T>(Vector512<T> row, Vector512<T> shrink)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => row;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Apply<T>(Vector256<T> row, Vector256<T> shrink)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => row;
    }

    // shrink ≠ 1: shrink·row.
    private readonly struct Shrunk : IRowScale
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<T> Apply<T>(Vector512<T> row, Vector512<T> shrink)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => row * shrink;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector256<T> Apply<T>(Vector256<T> row, Vector256<T> shrink)
            where T : unmanaged, IBinaryFloatingPointIeee754<T> => row * shrink;
    }

    /// <summary>
    /// acc ← fma(row_3, c3, fma(row_2, c2, fma(row_1, c1, fma(row_0, c0, acc)))) element-wise for four consecutive
    /// rows: the one-row accumulation of rows 0..3 in order, with acc read and written once per four rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Accumulate4<T>(ref T row0, int cols, T c0, T c1, T c2, T c3, ref T acc)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        Vector512<T> v0 = Vector512.Create(c0), v1 = Vector512.Create(c1), v2 = Vector512.Create(c2), v3 = Vector512.Create(c3);
        int j = 0;
        for (; j <= cols - Vector512<T>.Count; j += Vector512<T>.Count)
        {
            Vector512<T> a = Fma.Of(Vector512.LoadUnsafe(ref row0, (nuint)j), v0, Vector512.LoadUnsafe(ref acc, (nuint)j));
            a = Fma.Of(Vector512.LoadUnsafe(ref row1, (nuint)j), v1, a);
            a = Fma.Of(Vector512.LoadUnsafe(ref row2, (nuint)j), v2, a);
            Fma.Of(Vector512.LoadUnsafe(ref row3, (nuint)j), v3, a).StoreUnsafe(ref acc, (nuint)j);
        }

        if (j <= cols - Vector256<T>.Count)
        {
            Vector256<T> a = Fma.Of(Vector256.LoadUnsafe(ref row0, (nuint)j), Vector256.Create(c0), Vector256.LoadUnsafe(ref acc, (nuint)j));
            a = Fma.Of(Vector256.LoadUnsafe(ref row1, (nuint)j), Vector256.Create(c1), a);
            a = Fma.Of(Vector256.LoadUnsafe(ref row2, (nuint)j), Vector256.Create(c2), a);
            Fma.Of(Vector256.LoadUnsafe(ref row3, (nuint)j), Vector256.Create(c3), a).StoreUnsafe(ref acc, (nuint)j);
            j += Vector256<T>.Count;
        }

        AccumulateTail(ref row0, ref row1, ref row2, ref row3, c0, c1, c2, c3, ref acc, j, cols);
    }
}
