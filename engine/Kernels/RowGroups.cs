using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// Four rows at a time at 512 bits. Each row is read in address order (which the hardware prefetchers
/// follow best from DRAM) into its own accumulator, and the four accumulators are reduced together. Each
/// row still gets exactly the operations of the one-row code (<see cref="RowKernels"/>, the order of
/// <see cref="Dot"/>), so grouping never changes a bit.
/// </summary>
internal static partial class RowGroups
{
    /// <summary>Inner products &lt;row_r, next&gt; of four consecutive rows starting at <paramref name="row0"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Dot4<T>(ref T row0, int cols, ref T next, out T d0, out T d1, out T d2, out T d3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        Vector512<T> a0 = Accumulate(ref row0, ref next, cols);
        Vector512<T> a1 = Accumulate(ref row1, ref next, cols);
        Vector512<T> a2 = Accumulate(ref row2, ref next, cols);
        Vector512<T> a3 = Accumulate(ref row3, ref next, cols);
        Reduce4(a0, a1, a2, a3, ref row0, cols, ref next, out d0, out d1, out d2, out d3);
    }

    /// <summary>
    /// Whether <see cref="Forward8{T}"/> can run here for rows of <paramref name="cols"/> elements: in float
    /// (16 lanes per row, where the reduction is a large part of a short row's cost; in double, measured, the
    /// four-row code is as fast) with rest % 4 &lt; 2 after the full blocks.
    /// </summary>
    public static bool HasForward8<T>(int cols)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Avx512F.IsSupported && typeof(T) == typeof(float) && (cols % 16 % 4) < 2;

    /// <summary>
    /// u_r = s·&lt;row_r, next&gt; + bias_r for eight consecutive rows starting at <paramref name="row0"/>
    /// (bias and u point at the entry of row 0): the eight reductions in the order of <see cref="Dot"/> by
    /// lane shuffles across the eight accumulators, then the eight u at once (s·d, then + bias, as in the
    /// one-row code). Float only; needs <see cref="HasForward8{T}"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Forward8<T>(ref T row0, int cols, ref T next, T s, ref T bias, ref T u)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector512<T> a0 = Accumulate(ref row0, ref next, cols);
        Vector512<T> a1 = Accumulate(ref Unsafe.Add(ref row0, cols), ref next, cols);
        Vector512<T> a2 = Accumulate(ref Unsafe.Add(ref row0, 2 * cols), ref next, cols);
        Vector512<T> a3 = Accumulate(ref Unsafe.Add(ref row0, 3 * cols), ref next, cols);
        Vector512<T> a4 = Accumulate(ref Unsafe.Add(ref row0, 4 * cols), ref next, cols);
        Vector512<T> a5 = Accumulate(ref Unsafe.Add(ref row0, 5 * cols), ref next, cols);
        Vector512<T> a6 = Accumulate(ref Unsafe.Add(ref row0, 6 * cols), ref next, cols);
        Vector512<T> a7 = Accumulate(ref Unsafe.Add(ref row0, 7 * cols), ref next, cols);
        int j = cols - (cols % Vector512<T>.Count), rest = cols - j;
        Vector256<float> d = Reduce8Single(
            a0.AsSingle(), a1.AsSingle(), a2.AsSingle(), a3.AsSingle(), a4.AsSingle(), a5.AsSingle(), a6.AsSingle(), a7.AsSingle(),
            ref Unsafe.As<T, float>(ref row0), cols, ref Unsafe.As<T, float>(ref next), j, rest);
        Vector256<float> result = (Vector256.Create(float.CreateTruncating(s)) * d) + Vector256.LoadUnsafe(ref Unsafe.As<T, float>(ref bias));
        result.StoreUnsafe(ref Unsafe.As<T, float>(ref u));
    }

    /// <summary>
    /// Whether <see cref="ForwardHeld{T}"/> can run here for rows of <paramref name="cols"/> elements: in
    /// double, 1 to 12 whole blocks of 512 bits (and any left-over); in float, 1 to 4 whole blocks where
    /// <see cref="HasForward8{T}"/> holds. The input's blocks and the accumulators then fit the 32 vector
    /// registers.
    /// </summary>
    public static bool HasForwardHeld<T>(int cols)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Avx512F.IsSupported && (typeof(T) == typeof(double) ? cols / 8 is >= 1 and <= 12 : HasForward8<T>(cols) && cols / 16 is >= 1 and <= 4);

    /// <summary>
    /// u_i = s·&lt;row_i, x&gt; + bias_i for the rows of whole groups in [first, end) (four rows in double,
    /// eight in float) with x's whole blocks held in registers for the whole pass, so each fused
    /// multiply-add loads only its row's block: reloading x from L1 for every block otherwise takes as
    /// many loads as the rows themselves. Each row gets exactly the operations of <see cref="Dot4{T}"/>
    /// (double) or <see cref="Forward8{T}"/> (float): the same accumulation, the same reduction with the
    /// left-over elements, then u = s·d and + bias as in the one-row code. Returns the first row not done.
    /// Needs <see cref="HasForwardHeld{T}"/>.
    /// </summary>
    public static int ForwardHeld<T>(ref T m, int cols, int first, int end, ref T x, T s, ref T bias, ref T u)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        typeof(T) == typeof(double)
            ? ForwardHeldDouble(ref Unsafe.As<T, double>(ref m), cols, first, end, ref Unsafe.As<T, double>(ref x), double.CreateTruncating(s), ref Unsafe.As<T, double>(ref bias), ref Unsafe.As<T, double>(ref u))
            : ForwardHeldSingle(ref Unsafe.As<T, float>(ref m), cols, first, end, ref Unsafe.As<T, float>(ref x), float.CreateTruncating(s), ref Unsafe.As<T, float>(ref bias), ref Unsafe.As<T, float>(ref u));

    private static int ForwardHeldDouble(ref double m, int cols, int first, int end, ref double x, double s, ref double bias, ref double u)
    {
        int blocks = cols / 8, j = blocks * 8, rest = cols - j;
        if (rest == 0 && blocks <= 8)
        {
            // The block count as a type, so that each row's loads and multiply-adds are straight-line code: with
            // the count a variable, every block of every row tested it and copied its accumulator.
            return blocks switch
            {
                1 => ForwardHeldWhole<Blocks1>(ref m, cols, first, end, ref x, s, ref bias, ref u),
                2 => ForwardHeldWhole<Blocks2>(ref m, cols, first, end, ref x, s, ref bias, ref u),
                3 => ForwardHeldWhole<Blocks3>(ref m, cols, first, end, ref x, s, ref bias, ref u),
                4 => ForwardHeldWhole<Blocks4>(ref m, cols, first, end, ref x, s, ref bias, ref u),
                5 => ForwardHeldWhole<Blocks5>(ref m, cols, first, end, ref x, s, ref bias, ref u),
                6 => ForwardHeldWhole<Blocks6>(ref m, cols, first, end, ref x, s, ref bias, ref u),
                7 => ForwardHeldWhole<Blocks7>(ref m, cols, first, end, ref x, s, ref bias, ref u),
                _ => ForwardHeldWhole<Blocks8>(ref m, cols, first, end, ref x, s, ref bias, ref u),
            };
        }

        Vector512<double> x0 = Held(ref x, 0, blocks), x1 = Held(ref x, 1, blocks), x2 = Held(ref x, 2, blocks), x3 = Held(ref x, 3, blocks);
        Vector512<double> x4 = Held(ref x, 4, blocks), x5 = Held(ref x, 5, blocks), x6 = Held(ref x, 6, blocks), x7 = Held(ref x, 7, blocks);
        Vector512<double> x8 = Held(ref x, 8, blocks), x9 = Held(ref x, 9, blocks), x10 = Held(ref x, 10, blocks), x11 = Held(ref x, 11, blocks);
        int i = first;
        for (; i <= end - 4; i += 4)
        {
            ref double row0 = ref Unsafe.Add(ref m, (nint)i * cols);
            Reduce4Double(
                Row(ref row0, blocks, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11),
                Row(ref Unsafe.Add(ref row0, cols), blocks, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11),
                Row(ref Unsafe.Add(ref row0, 2 * cols), blocks, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11),
                Row(ref Unsafe.Add(ref row0, 3 * cols), blocks, x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11),
                ref row0, cols, ref x, j, rest, out double d0, out double d1, out double d2, out double d3);
            Unsafe.Add(ref u, i) = (s * d0) + Unsafe.Add(ref bias, i);
            Unsafe.Add(ref u, i + 1) = (s * d1) + Unsafe.Add(ref bias, i + 1);
            Unsafe.Add(ref u, i + 2) = (s * d2) + Unsafe.Add(ref bias, i + 2);
            Unsafe.Add(ref u, i + 3) = (s * d3) + Unsafe.Add(ref bias, i + 3);
        }

        return i;
    }

    // Rows of 1 to 8 whole blocks and nothing left over (d = 40, say): Reduce4Double reduces to lane
    // shuffles and the four u are computed together.
    private static int ForwardHeldWhole<TBlocks>(ref double m, int cols, int first, int end, ref double x, double s, ref double bias, ref double u)
        where TBlocks : struct, IBlockCount
    {
        int blocks = TBlocks.Count;
        Vector512<double> x0 = Held(ref x, 0, blocks), x1 = Held(ref x, 1, blocks), x2 = Held(ref x, 2, blocks), x3 = Held(ref x, 3, blocks);
        Vector512<double> x4 = Held(ref x, 4, blocks), x5 = Held(ref x, 5, blocks), x6 = Held(ref x, 6, blocks), x7 = Held(ref x, 7, blocks);
        Vector256<double> sv = Vector256.Create(s);
        Vector512<long> pick = Vector512.Create(0L, 2, 4, 6, 0, 0, 0, 0);
        int i = first;
        for (; i <= end - 4; i += 4)
        {
            ref double row0 = ref Unsafe.Add(ref m, (nint)i * cols);
            Vector512<double> a0 = Row(ref row0, blocks, x0, x1, x2, x3, x4, x5, x6, x7);
            Vector512<double> a1 = Row(ref Unsafe.Add(ref row0, cols), blocks, x0, x1, x2, x3, x4, x5, x6, x7);
            Vector512<double> a2 = Row(ref Unsafe.Add(ref row0, 2 * cols), blocks, x0, x1, x2, x3, x4, x5, x6, x7);
            Vector512<double> a3 = Row(ref Unsafe.Add(ref row0, 3 * cols), blocks, x0, x1, x2, x3, x4, x5, x6, x7);

            // Halves, quarters, pairs; lanes 0, 2, 4, 6 hold the four sums.
            Vector512<double> s01 = Avx512F.Shuffle4x128(a0, a1, 0b01_00_01_00) + Avx512F.Shuffle4x128(a0, a1, 0b11_10_11_10);
            Vector512<double> s23 = Avx512F.Shuffle4x128(a2, a3, 0b01_00_01_00) + Avx512F.Shuffle4x128(a2, a3, 0b11_10_11_10);
            Vector512<double> t = Avx512F.Shuffle4x128(s01, s23, 0b10_00_10_00) + Avx512F.Shuffle4x128(s01, s23, 0b11_01_11_01);
            Vector512<double> v = t + Avx512F.Shuffle(t, t, 0b0101_0101);
            Vector256<double> d = Avx512F.PermuteVar8x64(v, pick).GetLower();
            ((sv * d) + Vector256.LoadUnsafe(ref bias, (nuint)i)).StoreUnsafe(ref u, (nuint)i);
        }

        return i;
    }

    private static int ForwardHeldSingle(ref float m, int cols, int first, int end, ref float x, float s, ref float bias, ref float u)
    {
        int blocks = cols / 16, j = blocks * 16, rest = cols - j;
        Vector512<float> x0 = Held(ref x, 0, blocks), x1 = Held(ref x, 1, blocks), x2 = Held(ref x, 2, blocks), x3 = Held(ref x, 3, blocks);
        Vector256<float> sv = Vector256.Create(s);
        int i = first;
        for (; i <= end - 8; i += 8)
        {
            ref float row0 = ref Unsafe.Add(ref m, (nint)i * cols);
            Vector256<float> d = Reduce8Single(
                Row(ref row0, blocks, x0, x1, x2, x3),
                Row(ref Unsafe.Add(ref row0, cols), blocks, x0, x1, x2, x3),
                Row(ref Unsafe.Add(ref row0, 2 * cols), blocks, x0, x1, x2, x3),
                Row(ref Unsafe.Add(ref row0, 3 * cols), blocks, x0, x1, x2, x3),
                Row(ref Unsafe.Add(ref row0, 4 * cols), blocks, x0, x1, x2, x3),
                Row(ref Unsafe.Add(ref row0, 5 * cols), blocks, x0, x1, x2, x3),
                Row(ref Unsafe.Add(ref row0, 6 * cols), blocks, x0, x1, x2, x3),
                Row(ref Unsafe.Add(ref row0, 7 * cols), blocks, x0, x1, x2, x3),
                ref row0, cols, ref x, j, rest);
            ((sv * d) + Vector256.LoadUnsafe(ref bias, (nuint)i)).StoreUnsafe(ref u, (nuint)i);
        }

        return i;
    }

    /// <summary>
    /// row_r ← fma(x, scale·coef_r, shrink·row_r) for the listed rows r of the block at <paramref name="row0"/>
    /// (element-wise, so the bits of <c>RowKernels.ScaleAdd</c> at any width), at 512 bits with x's blocks held in
    /// registers, when a row is 1 to 8 whole 512-bit blocks; returns false (and does nothing) otherwise.
    /// </summary>
    public static bool UpdateListedHeld<T>(ref T row0, int cols, ReadOnlySpan<int> rows, ref T x, ref T coef, T scale, T shrink)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int blocks = cols / Vector512<T>.Count;
        if (!Avx512F.IsSupported || blocks * Vector512<T>.Count != cols || blocks is < 1 or > 8)
        {
            return false;
        }

        ref int list = ref MemoryMarshal.GetReference(rows);
        int count = rows.Length;
        switch (blocks)
        {
            case 1: UpdateListedHeld<T, Blocks1>(ref row0, cols, ref list, count, ref x, ref coef, scale, shrink); break;
            case 2: UpdateListedHeld<T, Blocks2>(ref row0, cols, ref list, count, ref x, ref coef, scale, shrink); break;
            case 3: UpdateListedHeld<T, Blocks3>(ref row0, cols, ref list, count, ref x, ref coef, scale, shrink); break;
            case 4: UpdateListedHeld<T, Blocks4>(ref row0, cols, ref list, count, ref x, ref coef, scale, shrink); break;
            case 5: UpdateListedHeld<T, Blocks5>(ref row0, cols, ref list, count, ref x, ref coef, scale, shrink); break;
            case 6: UpdateListedHeld<T, Blocks6>(ref row0, cols, ref list, count, ref x, ref coef, scale, shrink); break;
            case 7: UpdateListedHeld<T, Blocks7>(ref row0, cols, ref list, count, ref x, ref coef, scale, shrink); break;
            default: UpdateListedHeld<T, Blocks8>(ref row0, cols, ref list, count, ref x, ref coef, scale, shrink); break;
        }

        return true;
    }

    private static void UpdateListedHeld<T, TBlocks>(ref T row0, int cols, ref int list, int count, ref T x, ref T coef, T scale, T shrink)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TBlocks : struct, IBlockCount
    {
        int blocks = TBlocks.Count;
        Vector512<T> x0 = Held(ref x, 0, blocks), x1 = Held(ref x, 1, blocks), x2 = Held(ref x, 2, blocks), x3 = Held(ref x, 3, blocks);
        Vector512<T> x4 = Held(ref x, 4, blocks), x5 = Held(ref x, 5, blocks), x6 = Held(ref x, 6, blocks), x7 = Held(ref x, 7, blocks);
        Vector512<T> vs = Vector512.Create(shrink);
        for (int q = 0; q < count; q++)
        {
            int r = Unsafe.Add(ref list, q);
            ref T row = ref Unsafe.Add(ref row0, (nint)r * cols);
            Vector512<T> vk = Vector512.Create(scale * Unsafe.Add(ref coef, r));
            UpdateBlock(ref row, 0, blocks, x0, vk, vs);
            UpdateBlock(ref row, 1, blocks, x1, vk, vs);
            UpdateBlock(ref row, 2, blocks, x2, vk, vs);
            UpdateBlock(ref row, 3, blocks, x3, vk, vs);
            UpdateBlock(ref row, 4, blocks, x4, vk, vs);
            UpdateBlock(ref row, 5, blocks, x5, vk, vs);
            UpdateBlock(ref row, 6, blocks, x6, vk, vs);
            UpdateBlock(ref row, 7, blocks, x7, vk, vs);
        }
    }

    // Block k of the row ← fma(x_k, k, shrink·block) when the row has more than k whole blocks.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void UpdateBlock<T>(ref T row, int k, int blocks, Vector512<T> xk, Vector512<T> vk, Vector512<T> vs)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (blocks > k)
        {
            Fma.Of(xk, vk, Vector512.LoadUnsafe(ref row, (nuint)(k * Vector512<T>.Count)) * vs).StoreUnsafe(ref row, (nuint)(k * Vector512<T>.Count));
        }
    }

    // A row's count of whole 512-bit blocks as a type: a constant in the code of each instantiation.
    internal interface IBlockCount
    {
        // The count.
        static abstract int Count { get; }
    }

    internal readonly struct Blocks1 : IBlockCount { public static int Count => 1; }
    internal readonly struct Blocks2 : IBlockCount { public static int Count => 2; }
    internal readonly struct Blocks3 : IBlockCount { public static int Count => 3; }
    internal readonly struct Blocks4 : IBlockCount { public static int Count => 4; }
    internal readonly struct Blocks5 : IBlockCount { public static int Count => 5; }
    internal readonly struct Blocks6 : IBlockCount { public static int Count => 6; }
    internal readonly struct Blocks7 : IBlockCount { public static int Count => 7; }
    internal readonly struct Blocks8 : IBlockCount { public static int Count => 8; }

    // Block k of x when the row has more than k whole blocks (zero otherwise, never used).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<T> Held<T>(ref T x, int k, int blocks)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        blocks > k ? Vector512.LoadUnsafe(ref x, (nuint)(k * Vector512<T>.Count)) : default;

    // The lanes of <row, x> over 1 to 12 whole blocks held in registers, in the order of Accumulate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Row(ref double row, int blocks, Vector512<double> x0, Vector512<double> x1, Vector512<double> x2, Vector512<double> x3, Vector512<double> x4, Vector512<double> x5, Vector512<double> x6, Vector512<double> x7, Vector512<double> x8, Vector512<double> x9, Vector512<double> x10, Vector512<double> x11)
    {
        Vector512<double> a = Row(ref row, blocks, x0, x1, x2, x3, x4, x5, x6, x7);
        a = Block(a, ref row, 8, blocks, x8);
        a = Block(a, ref row, 9, blocks, x9);
        a = Block(a, ref row, 10, blocks, x10);
        return Block(a, ref row, 11, blocks, x11);
    }

    // The lanes of <row, x> over 1 to 8 whole blocks held in registers, in the order of Accumulate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Row(ref double row, int blocks, Vector512<double> x0, Vector512<double> x1, Vector512<double> x2, Vector512<double> x3, Vector512<double> x4, Vector512<double> x5, Vector512<double> x6, Vector512<double> x7)
    {
        Vector512<double> a = Row(ref row, blocks, x0, x1, x2, x3);
        a = Block(a, ref row, 4, blocks, x4);
        a = Block(a, ref row, 5, blocks, x5);
        a = Block(a, ref row, 6, blocks, x6);
        return Block(a, ref row, 7, blocks, x7);
    }

    // The lanes of <row, x> over 1 to 4 whole blocks held in registers, in the order of Accumulate.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<T> Row<T>(ref T row, int blocks, Vector512<T> x0, Vector512<T> x1, Vector512<T> x2, Vector512<T> x3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector512<T> a = Fma.Of(Vector512.LoadUnsafe(ref row), x0, Vector512<T>.Zero);
        a = Block(a, ref row, 1, blocks, x1);
        a = Block(a, ref row, 2, blocks, x2);
        return Block(a, ref row, 3, blocks, x3);
    }

    // a + (block k of the row)·x_k when the row has more than k whole blocks; a otherwise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Block<T>(Vector512<T> a, ref T row, int k, int blocks, Vector512<T> xk)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (blocks > k)
        {
            a = Fma.Of(Vector512.LoadUnsafe(ref row, (nuint)(k * Vector512<T>.Count)), xk, a);
        }

        return a;
    }

    /// <summary>row ← fma(x, k, shrink·row) for elements j..cols-1 (element-wise: any width gives the same bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void UpdateTail<T>(ref T row, ref T x, int j, int cols, T k, T shrink)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (j <= cols - Vector256<T>.Count)
        {
            Fma.Of(Vector256.LoadUnsafe(ref x, (nuint)j), Vector256.Create(k), Vector256.LoadUnsafe(ref row, (nuint)j) * Vector256.Create(shrink)).StoreUnsafe(ref row, (nuint)j);
            j += Vector256<T>.Count;
        }

        if (j <= cols - Vector128<T>.Count)
        {
            Fma.Of(Vector128.LoadUnsafe(ref x, (nuint)j), Vector128.Create(k), Vector128.LoadUnsafe(ref row, (nuint)j) * Vector128.Create(shrink)).StoreUnsafe(ref row, (nuint)j);
            j += Vector128<T>.Count;
        }

        for (; j < cols; j++)
        {
            ref T w = ref Unsafe.Add(ref row, j);
            w = Fma.Of(Unsafe.Add(ref x, j), k, w * shrink);
        }
    }

    // The lanes of <row, next> over the full blocks of 512 bits.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Accumulate<T>(ref T row, ref T next, int cols)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector512<T> a = Vector512<T>.Zero;
        for (int j = 0; j <= cols - Vector512<T>.Count; j += Vector512<T>.Count)
        {
            a = Fma.Of(Vector512.LoadUnsafe(ref row, (nuint)j), Vector512.LoadUnsafe(ref next, (nuint)j), a);
        }

        return a;
    }

    // The four reductions in the order of Dot. At 512 bits the four accumulators are reduced together by
    // lane shuffles, taking the left-over elements in as Dot does: the same additions and fused
    // multiply-adds (lane i + i+L/2, the next L/2 elements, lane i + i+L/4, ...) on the same values, in far
    // fewer instructions than four separate reductions.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce4<T>(Vector512<T> a0, Vector512<T> a1, Vector512<T> a2, Vector512<T> a3, ref T row0, int cols, ref T next, out T d0, out T d1, out T d2, out T d3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = cols - (cols % Vector512<T>.Count), rest = cols - j;
        ref T row1 = ref Unsafe.Add(ref row0, cols);
        ref T row2 = ref Unsafe.Add(ref row1, cols);
        ref T row3 = ref Unsafe.Add(ref row2, cols);
        if (Avx512F.IsSupported && typeof(T) == typeof(double))
        {
            Reduce4Double(a0.AsDouble(), a1.AsDouble(), a2.AsDouble(), a3.AsDouble(), ref Unsafe.As<T, double>(ref row0), cols, ref Unsafe.As<T, double>(ref next), j, rest, out double r0, out double r1, out double r2, out double r3);
            (d0, d1, d2, d3) = (T.CreateTruncating(r0), T.CreateTruncating(r1), T.CreateTruncating(r2), T.CreateTruncating(r3));
            return;
        }

        if (Avx512F.IsSupported && typeof(T) == typeof(float) && (rest % 4) < 2)
        {
            Reduce4Single(a0.AsSingle(), a1.AsSingle(), a2.AsSingle(), a3.AsSingle(), ref Unsafe.As<T, float>(ref row0), cols, ref Unsafe.As<T, float>(ref next), j, rest, out float r0, out float r1, out float r2, out float r3);
            (d0, d1, d2, d3) = (T.CreateTruncating(r0), T.CreateTruncating(r1), T.CreateTruncating(r2), T.CreateTruncating(r3));
            return;
        }

        d0 = Dot.Tail(a0.GetLower() + a0.GetUpper(), ref row0, ref next, j, rest);
        d1 = Dot.Tail(a1.GetLower() + a1.GetUpper(), ref row1, ref next, j, rest);
        d2 = Dot.Tail(a2.GetLower() + a2.GetUpper(), ref row2, ref next, j, rest);
        d3 = Dot.Tail(a3.GetLower() + a3.GetUpper(), ref row3, ref next, j, rest);
    }

    // 8 double lanes per row: [row0 | row1] halves, then [row0 | row1 | row2 | row3] quarters, then pairs.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce4Double(Vector512<double> a0, Vector512<double> a1, Vector512<double> a2, Vector512<double> a3, ref double row0, int cols, ref double next, int j, int rest, out double d0, out double d1, out double d2, out double d3)
    {
        ref double row1 = ref Unsafe.Add(ref row0, cols);
        ref double row2 = ref Unsafe.Add(ref row1, cols);
        ref double row3 = ref Unsafe.Add(ref row2, cols);

        // Lane i + i+4 of each row: s01 = [row0's 4 lanes | row1's 4 lanes].
        Vector512<double> s01 = Avx512F.Shuffle4x128(a0, a1, 0b01_00_01_00) + Avx512F.Shuffle4x128(a0, a1, 0b11_10_11_10);
        Vector512<double> s23 = Avx512F.Shuffle4x128(a2, a3, 0b01_00_01_00) + Avx512F.Shuffle4x128(a2, a3, 0b11_10_11_10);
        if (rest >= 4)
        {
            Vector256<double> n = Vector256.LoadUnsafe(ref next, (nuint)j);
            Vector512<double> nn = Vector512.Create(n, n);
            s01 = Fma.Of(Vector512.Create(Vector256.LoadUnsafe(ref row0, (nuint)j), Vector256.LoadUnsafe(ref row1, (nuint)j)), nn, s01);
            s23 = Fma.Of(Vector512.Create(Vector256.LoadUnsafe(ref row2, (nuint)j), Vector256.LoadUnsafe(ref row3, (nuint)j)), nn, s23);
            j += 4;
            rest -= 4;
        }

        // Lane i + i+2: t = [row0's 2 lanes | row1's | row2's | row3's].
        Vector512<double> t = Avx512F.Shuffle4x128(s01, s23, 0b10_00_10_00) + Avx512F.Shuffle4x128(s01, s23, 0b11_01_11_01);
        if (rest >= 2)
        {
            Vector128<double> n = Vector128.LoadUnsafe(ref next, (nuint)j);
            Vector512<double> rows = Vector512.Create(
                Vector256.Create(Vector128.LoadUnsafe(ref row0, (nuint)j), Vector128.LoadUnsafe(ref row1, (nuint)j)),
                Vector256.Create(Vector128.LoadUnsafe(ref row2, (nuint)j), Vector128.LoadUnsafe(ref row3, (nuint)j)));
            t = Fma.Of(rows, Vector512.Create(Vector256.Create(n, n), Vector256.Create(n, n)), t);
            j += 2;
            rest -= 2;
        }

        // Lane 0 + lane 1 of each pair.
        Vector512<double> v = t + Avx512F.Shuffle(t, t, 0b0101_0101);
        (d0, d1, d2, d3) = (v.GetElement(0), v.GetElement(2), v.GetElement(4), v.GetElement(6));
        if (rest >= 1)
        {
            double n = Unsafe.Add(ref next, j);
            d0 = Fma.Of(Unsafe.Add(ref row0, j), n, d0);
            d1 = Fma.Of(Unsafe.Add(ref row1, j), n, d1);
            d2 = Fma.Of(Unsafe.Add(ref row2, j), n, d2);
            d3 = Fma.Of(Unsafe.Add(ref row3, j), n, d3);
        }
    }

    // Eight rows of 16 float lanes: halves, quarters, then pairs and ones of two vectors at once; returns
    // [d0 .. d7]. Needs rest % 4 < 2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Reduce8Single(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7, ref float row0, int cols, ref float next, int j, int rest)
    {
        (Vector512<float> s01, Vector512<float> s23, Vector512<float> s45, Vector512<float> s67) = Halves8(a0, a1, a2, a3, a4, a5, a6, a7);
        if (rest >= 8)
        {
            Vector256<float> n = Vector256.LoadUnsafe(ref next, (nuint)j);
            Vector512<float> nn = Vector512.Create(n, n);
            s01 = Fma.Of(Pair256(ref row0, cols, 0, j), nn, s01);
            s23 = Fma.Of(Pair256(ref row0, cols, 2, j), nn, s23);
            s45 = Fma.Of(Pair256(ref row0, cols, 4, j), nn, s45);
            s67 = Fma.Of(Pair256(ref row0, cols, 6, j), nn, s67);
            j += 8;
            rest -= 8;
        }

        (Vector512<float> t0123, Vector512<float> t4567) = Quarters8(s01, s23, s45, s67);
        if (rest >= 4)
        {
            Vector128<float> n = Vector128.LoadUnsafe(ref next, (nuint)j);
            Vector512<float> nnnn = Vector512.Create(Vector256.Create(n, n), Vector256.Create(n, n));
            t0123 = Fma.Of(Quad128(ref row0, cols, 0, j), nnnn, t0123);
            t4567 = Fma.Of(Quad128(ref row0, cols, 4, j), nnnn, t4567);
            j += 4;
            rest -= 4;
        }

        Vector256<float> d = Ones8(t0123, t4567);
        if (rest >= 1)
        {
            d = Fma.Of(Column8(ref row0, cols, j), Vector256.Create(Unsafe.Add(ref next, j)), d);
        }

        return d;
    }

    /// <summary>
    /// The reduction of <see cref="Reduce8Single"/> for rows whose left-over after the whole blocks is exactly 8
    /// elements, given those 8 elements of rows 2r and 2r+1 as one vector <c>t(2r)(2r+1)</c> and the input's 8
    /// elements twice in <paramref name="nn"/> (the layout of <see cref="PairedRows"/>): the same operations on
    /// the same values. Returns [d0 .. d7].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Reduce8SingleTails(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7, Vector512<float> t01, Vector512<float> t23, Vector512<float> t45, Vector512<float> t67, Vector512<float> nn)
    {
        (Vector512<float> s01, Vector512<float> s23, Vector512<float> s45, Vector512<float> s67) = Halves8(a0, a1, a2, a3, a4, a5, a6, a7);
        s01 = Fma.Of(t01, nn, s01);
        s23 = Fma.Of(t23, nn, s23);
        s45 = Fma.Of(t45, nn, s45);
        s67 = Fma.Of(t67, nn, s67);
        (Vector512<float> t0123, Vector512<float> t4567) = Quarters8(s01, s23, s45, s67);
        return Ones8(t0123, t4567);
    }

    // Lane i + i+8 of eight rows: s01 = [row0's 8 lanes | row1's 8 lanes], ...
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>, Vector512<float>, Vector512<float>) Halves8(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7) =>
        (Avx512F.Shuffle4x128(a0, a1, 0b01_00_01_00) + Avx512F.Shuffle4x128(a0, a1, 0b11_10_11_10),
         Avx512F.Shuffle4x128(a2, a3, 0b01_00_01_00) + Avx512F.Shuffle4x128(a2, a3, 0b11_10_11_10),
         Avx512F.Shuffle4x128(a4, a5, 0b01_00_01_00) + Avx512F.Shuffle4x128(a4, a5, 0b11_10_11_10),
         Avx512F.Shuffle4x128(a6, a7, 0b01_00_01_00) + Avx512F.Shuffle4x128(a6, a7, 0b11_10_11_10));

    // Lane i + i+4: t0123 = [row0's 4 lanes | row1's | row2's | row3's], t4567 likewise.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<float>, Vector512<float>) Quarters8(Vector512<float> s01, Vector512<float> s23, Vector512<float> s45, Vector512<float> s67) =>
        (Avx512F.Shuffle4x128(s01, s23, 0b10_00_10_00) + Avx512F.Shuffle4x128(s01, s23, 0b11_01_11_01),
         Avx512F.Shuffle4x128(s45, s67, 0b10_00_10_00) + Avx512F.Shuffle4x128(s45, s67, 0b11_01_11_01));

    // Lane i + i+2 of both: block k of v = [row k's two lanes, row k+4's two lanes]; then lane 0 + lane 1; [d0 .. d7].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Ones8(Vector512<float> t0123, Vector512<float> t4567)
    {
        Vector512<float> v = Avx512F.Shuffle(t0123, t4567, 0b01_00_01_00) + Avx512F.Shuffle(t0123, t4567, 0b11_10_11_10);
        Vector512<float> z = v + Avx512F.Shuffle(v, v, 0b10_11_00_01);
        return Avx512F.PermuteVar16x32(z, Vector512.Create(0, 4, 8, 12, 2, 6, 10, 14, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower();
    }

    // [row r's 256 bits at j | row r+1's 256 bits at j].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Pair256<T>(ref T row0, int cols, int r, int j)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Vector512.Create(Vector256.LoadUnsafe(ref Unsafe.Add(ref row0, r * cols), (nuint)j), Vector256.LoadUnsafe(ref Unsafe.Add(ref row0, (r + 1) * cols), (nuint)j));

    // [row r's 128 bits at j | row r+1's | row r+2's | row r+3's].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Quad128<T>(ref T row0, int cols, int r, int j)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        Vector512.Create(
            Vector256.Create(Vector128.LoadUnsafe(ref Unsafe.Add(ref row0, r * cols), (nuint)j), Vector128.LoadUnsafe(ref Unsafe.Add(ref row0, (r + 1) * cols), (nuint)j)),
            Vector256.Create(Vector128.LoadUnsafe(ref Unsafe.Add(ref row0, (r + 2) * cols), (nuint)j), Vector128.LoadUnsafe(ref Unsafe.Add(ref row0, (r + 3) * cols), (nuint)j)));

    // Element j of rows 0..7.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Column8(ref float row0, int cols, int j) => Vector256.Create(
        Unsafe.Add(ref row0, j), Unsafe.Add(ref row0, cols + j), Unsafe.Add(ref row0, (2 * cols) + j), Unsafe.Add(ref row0, (3 * cols) + j),
        Unsafe.Add(ref row0, (4 * cols) + j), Unsafe.Add(ref row0, (5 * cols) + j), Unsafe.Add(ref row0, (6 * cols) + j), Unsafe.Add(ref row0, (7 * cols) + j));

    // 16 float lanes per row: halves, quarters (one 128-bit lane per row), pairs, then one. Needs rest % 4 < 2.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Reduce4Single(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3, ref float row0, int cols, ref float next, int j, int rest, out float d0, out float d1, out float d2, out float d3)
    {
        ref float row1 = ref Unsafe.Add(ref row0, cols);
        ref float row2 = ref Unsafe.Add(ref row1, cols);
        ref float row3 = ref Unsafe.Add(ref row2, cols);

        // Lane i + i+8: s01 = [row0's 8 lanes | row1's 8 lanes].
        Vector512<float> s01 = Avx512F.Shuffle4x128(a0, a1, 0b01_00_01_00) + Avx512F.Shuffle4x128(a0, a1, 0b11_10_11_10);
        Vector512<float> s23 = Avx512F.Shuffle4x128(a2, a3, 0b01_00_01_00) + Avx512F.Shuffle4x128(a2, a3, 0b11_10_11_10);
        if (rest >= 8)
        {
            Vector256<float> n = Vector256.LoadUnsafe(ref next, (nuint)j);
            Vector512<float> nn = Vector512.Create(n, n);
            s01 = Fma.Of(Vector512.Create(Vector256.LoadUnsafe(ref row0, (nuint)j), Vector256.LoadUnsafe(ref row1, (nuint)j)), nn, s01);
            s23 = Fma.Of(Vector512.Create(Vector256.LoadUnsafe(ref row2, (nuint)j), Vector256.LoadUnsafe(ref row3, (nuint)j)), nn, s23);
            j += 8;
            rest -= 8;
        }

        // Lane i + i+4: t = [row0's 4 lanes | row1's | row2's | row3's].
        Vector512<float> t = Avx512F.Shuffle4x128(s01, s23, 0b10_00_10_00) + Avx512F.Shuffle4x128(s01, s23, 0b11_01_11_01);
        if (rest >= 4)
        {
            Vector128<float> n = Vector128.LoadUnsafe(ref next, (nuint)j);
            Vector512<float> rows = Vector512.Create(
                Vector256.Create(Vector128.LoadUnsafe(ref row0, (nuint)j), Vector128.LoadUnsafe(ref row1, (nuint)j)),
                Vector256.Create(Vector128.LoadUnsafe(ref row2, (nuint)j), Vector128.LoadUnsafe(ref row3, (nuint)j)));
            t = Fma.Of(rows, Vector512.Create(Vector256.Create(n, n), Vector256.Create(n, n)), t);
            j += 4;
            rest -= 4;
        }

        // Lane i + i+2 (lanes 0 and 1 of each row), then lane 0 + lane 1.
        Vector512<float> v = t + Avx512F.Shuffle(t, t, 0b01_00_11_10);
        Vector512<float> z = v + Avx512F.Shuffle(v, v, 0b10_11_00_01);
        (d0, d1, d2, d3) = (z.GetElement(0), z.GetElement(4), z.GetElement(8), z.GetElement(12));
        if (rest >= 1)
        {
            float n = Unsafe.Add(ref next, j);
            d0 = Fma.Of(Unsafe.Add(ref row0, j), n, d0);
            d1 = Fma.Of(Unsafe.Add(ref row1, j), n, d1);
            d2 = Fma.Of(Unsafe.Add(ref row2, j), n, d2);
            d3 = Fma.Of(Unsafe.Add(ref row3, j), n, d3);
        }
    }
}
