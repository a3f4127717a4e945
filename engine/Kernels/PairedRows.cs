using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// A float layout of a row-major matrix whose rows have 16b + 8 elements (b = 1..4: d = 24, 40, 56, 72), and
/// the 512-bit passes over it. Such a row is b + 1/2 vectors of 512 bits, so in plain row-major order every
/// other row starts in the middle of a cache line (every 512-bit load of it straddles two lines) and each
/// row ends with half a vector, which the reduction of eight rows' inner products gathers with 256-bit loads.
/// Here every odd row is stored rotated: its last 8 elements first, then its first 16b. Rows 2p and 2p+1 then
/// occupy their usual 2·cols floats as [row 2p's first 16b | row 2p's last 8 | row 2p+1's last 8 | row
/// 2p+1's first 16b]: when the matrix starts on a 64-byte boundary every 512-bit block of both rows is
/// aligned, and the two rows' last 8 elements are one aligned vector, the very operand the reduction uses
/// after its first halving (<see cref="RowGroups.Reduce8SingleTails"/>).
/// <para>
/// The layout only moves values: inner products keep the order of <see cref="Dot"/> (blocks of 16 lanes,
/// then the last 8 after the first halving) and updates stay element-wise, so every row computes exactly
/// the bits of the row-major kernels (<see cref="RowKernels"/>) at any width. Row i of the rows first..end-1
/// of any split is computed the same way, so passes split into blocks (threads) give the same bits too.
/// The fused pass updates a block's written rows first and then computes all its inner products in groups
/// of eight (measured faster in float than reducing the written rows one at a time after the group pass).
/// </para>
/// </summary>
internal static class PairedRows
{
    /// <summary>Elements of a row kept apart at the row's start (odd rows) or end (even rows): half a 512-bit vector of floats.</summary>
    private const int Tail = 8;

    /// <summary>Whether the layout is used for rows of <paramref name="cols"/> floats at <paramref name="width"/>: 512 bits (AVX-512) and cols = 16b + 8 with b = 1..4.</summary>
    public static bool Applies(int cols, SimdWidth width) =>
        width == SimdWidth.Vector512 && Avx512F.IsSupported && cols % 16 == Tail && cols / 16 is >= 1 and <= 4;

    /// <summary>Where element <paramref name="col"/> of row <paramref name="row"/> is stored, relative to the row's start.</summary>
    public static int Position(int row, int col, int cols) => (row & 1) == 0 ? col : (col + Tail) % cols;

    /// <summary>Rearranges a row-major matrix of <paramref name="rows"/> rows into this layout, in place.</summary>
    public static void Pack(Span<float> matrix, int rows, int cols)
    {
        Span<float> tail = stackalloc float[Tail];
        for (int i = 1; i < rows; i += 2)
        {
            Span<float> row = matrix.Slice(i * cols, cols);
            row[^Tail..].CopyTo(tail);
            row[..^Tail].CopyTo(row[Tail..]);
            tail.CopyTo(row);
        }
    }

    /// <summary>u_i = s·&lt;row_i, x&gt; + bias_i for rows first..end-1 (the bits of <see cref="RowKernels.Forward{T}"/>).</summary>
    public static void Forward(ReadOnlySpan<float> matrix, int cols, int first, int end, ReadOnlySpan<float> x, float s, ReadOnlySpan<float> bias, Span<float> u)
    {
        RowKernels.Check(matrix.Length, cols, first, end, x.Length, Math.Min(bias.Length, u.Length));
        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float ur = ref MemoryMarshal.GetReference(u);
        int i = first;
        if ((i & 1) == 1 && i < end)
        {
            ForwardRow(ref m, cols, i, ref xr, s, ref b, ref ur);
            i++;
        }

        for (i = Groups(ref m, cols, i, end, ref xr, s, ref b, ref ur); i < end; i++)
        {
            ForwardRow(ref m, cols, i, ref xr, s, ref b, ref ur);
        }
    }

    /// <summary>row_i ← fma(v, scale·coef_i, shrink·row_i) for rows first..end-1, skipped when scale·coef_i = 0 and shrink = 1 (the bits of <see cref="RowKernels.Update{T}"/>).</summary>
    public static void Update(Span<float> matrix, int cols, int first, int end, ReadOnlySpan<float> v, ReadOnlySpan<float> coef, float scale, float shrink)
    {
        RowKernels.Check(matrix.Length, cols, first, end, v.Length, coef.Length);
        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float x = ref MemoryMarshal.GetReference(v);
        for (int i = first; i < end; i++)
        {
            float k = scale * coef[i];
            if (k != 0f || shrink != 1f)
            {
                UpdateRow(ref m, cols, i, ref x, k, shrink);
            }
        }
    }

    /// <summary>
    /// The fused pass: for each row first..end-1, <see cref="Update"/> with <paramref name="v"/>, then
    /// u_i = s·&lt;row_i, next&gt; + bias_i with the updated row (the bits of <see cref="RowKernels.UpdateForward{T}"/>).
    /// </summary>
    [SkipLocalsInit]
    public static void UpdateForward(Span<float> matrix, int cols, int first, int end, ReadOnlySpan<float> v, ReadOnlySpan<float> coef, float scale, float shrink, ReadOnlySpan<float> next, float s, ReadOnlySpan<float> bias, Span<float> u)
    {
        RowKernels.Check(matrix.Length, cols, first, end, v.Length, Math.Min(coef.Length, Math.Min(bias.Length, u.Length)));
        if (next.Length != cols)
        {
            throw new ArgumentException($"next has length {next.Length}; expected the column count {cols}.", nameof(next));
        }

        ref float m = ref MemoryMarshal.GetReference(matrix);
        ref float x = ref MemoryMarshal.GetReference(v);
        ref float xn = ref MemoryMarshal.GetReference(next);
        ref float c = ref MemoryMarshal.GetReference(coef);
        ref float b = ref MemoryMarshal.GetReference(bias);
        ref float ur = ref MemoryMarshal.GetReference(u);
        bool shrinking = shrink != 1f;
        int g = first;
        if ((g & 1) == 1 && g < end)
        {
            UpdateForwardRow(ref m, cols, g, ref x, scale * Unsafe.Add(ref c, g), shrinking, shrink, ref xn, s, ref b, ref ur);
            g++;
        }

        // Blocks of whole groups of eight rows: the block's written rows listed by vector compression and
        // updated, then every inner product of the block with the updated rows.
        // (Blocks of RowKernels.UpdateFirstBlock rows, as the 512-bit row-major pass below 1 MB, measured 4% faster at
        // N = 800 and 2% and 7% slower at N = 1600 and 20000 on Zen 5.)
        Span<int> list = stackalloc int[RowKernels.Block + 16];
        for (int count; (count = Math.Min(RowKernels.Block, (end - g) & ~7)) > 0; g += count)
        {
            int written = RowKernels.WrittenRows(scale, shrinking, ref Unsafe.Add(ref c, g), count, list, SimdWidth.Vector512);
            UpdateListed(ref m, cols, g, list[..written], ref x, ref c, scale, shrink);
            Groups(ref m, cols, g, g + count, ref xn, s, ref b, ref ur);
        }

        for (; g < end; g++)
        {
            UpdateForwardRow(ref m, cols, g, ref x, scale * Unsafe.Add(ref c, g), shrinking, shrink, ref xn, s, ref b, ref ur);
        }
    }

    // The listed rows g + r: UpdateRow with x's blocks held in registers, one loop per count of whole blocks.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UpdateListed(ref float m, int cols, int g, ReadOnlySpan<int> rows, ref float x, ref float coef, float scale, float shrink)
    {
        switch (cols / 16)
        {
            case 1: UpdateListed<RowGroups.Blocks1>(ref m, cols, g, rows, ref x, ref coef, scale, shrink); break;
            case 2: UpdateListed<RowGroups.Blocks2>(ref m, cols, g, rows, ref x, ref coef, scale, shrink); break;
            case 3: UpdateListed<RowGroups.Blocks3>(ref m, cols, g, rows, ref x, ref coef, scale, shrink); break;
            default: UpdateListed<RowGroups.Blocks4>(ref m, cols, g, rows, ref x, ref coef, scale, shrink); break;
        }
    }

    private static void UpdateListed<TBlocks>(ref float m, int cols, int g, ReadOnlySpan<int> rows, ref float x, ref float coef, float scale, float shrink)
        where TBlocks : struct, RowGroups.IBlockCount
    {
        int blocks = TBlocks.Count, main = 16 * blocks;
        Vector512<float> x0 = RowGroups.Held(ref x, 0, blocks), x1 = RowGroups.Held(ref x, 1, blocks), x2 = RowGroups.Held(ref x, 2, blocks), x3 = RowGroups.Held(ref x, 3, blocks);
        Vector256<float> tail = Vector256.LoadUnsafe(ref x, (nuint)main), vs256 = Vector256.Create(shrink);
        Vector512<float> vs = Vector512.Create(shrink);
        foreach (int r in rows)
        {
            int i = g + r;
            float k = scale * Unsafe.Add(ref coef, i);
            Vector512<float> vk = Vector512.Create(k);
            ref float row = ref Main(ref m, cols, i);
            RowGroups.UpdateBlock(ref row, 0, blocks, x0, vk, vs);
            RowGroups.UpdateBlock(ref row, 1, blocks, x1, vk, vs);
            RowGroups.UpdateBlock(ref row, 2, blocks, x2, vk, vs);
            RowGroups.UpdateBlock(ref row, 3, blocks, x3, vk, vs);
            ref float last = ref TailOf(ref m, cols, i);
            Fma.Of(tail, Vector256.Create(k), Vector256.LoadUnsafe(ref last) * vs256).StoreUnsafe(ref last);
        }
    }

    // u_i = s·<row_i, x> + bias_i for the whole groups of eight rows from first (even) on, x's whole blocks
    // held in registers (as RowGroups.ForwardHeld), one loop per count of whole blocks; returns the first row not done.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Groups(ref float m, int cols, int first, int end, ref float x, float s, ref float bias, ref float u) =>
        (cols / 16) switch
        {
            1 => Groups<RowGroups.Blocks1>(ref m, cols, first, end, ref x, s, ref bias, ref u),
            2 => Groups<RowGroups.Blocks2>(ref m, cols, first, end, ref x, s, ref bias, ref u),
            3 => Groups<RowGroups.Blocks3>(ref m, cols, first, end, ref x, s, ref bias, ref u),
            _ => Groups<RowGroups.Blocks4>(ref m, cols, first, end, ref x, s, ref bias, ref u),
        };

    private static int Groups<TBlocks>(ref float m, int cols, int first, int end, ref float x, float s, ref float bias, ref float u)
        where TBlocks : struct, RowGroups.IBlockCount
    {
        int blocks = TBlocks.Count, main = 16 * blocks;
        Vector512<float> x0 = RowGroups.Held(ref x, 0, blocks), x1 = RowGroups.Held(ref x, 1, blocks), x2 = RowGroups.Held(ref x, 2, blocks), x3 = RowGroups.Held(ref x, 3, blocks);
        Vector256<float> tail = Vector256.LoadUnsafe(ref x, (nuint)main);
        Vector512<float> nn = Vector512.Create(tail, tail);
        Vector256<float> sv = Vector256.Create(s);
        int i = first, odd = main + (2 * Tail), pair = 2 * cols;
        for (; i <= end - 8; i += 8)
        {
            ref float p0 = ref Unsafe.Add(ref m, (nint)i * cols);
            ref float p1 = ref Unsafe.Add(ref p0, pair);
            ref float p2 = ref Unsafe.Add(ref p1, pair);
            ref float p3 = ref Unsafe.Add(ref p2, pair);
            Vector256<float> d = RowGroups.Reduce8SingleTails(
                RowGroups.Row(ref p0, blocks, x0, x1, x2, x3),
                RowGroups.Row(ref Unsafe.Add(ref p0, odd), blocks, x0, x1, x2, x3),
                RowGroups.Row(ref p1, blocks, x0, x1, x2, x3),
                RowGroups.Row(ref Unsafe.Add(ref p1, odd), blocks, x0, x1, x2, x3),
                RowGroups.Row(ref p2, blocks, x0, x1, x2, x3),
                RowGroups.Row(ref Unsafe.Add(ref p2, odd), blocks, x0, x1, x2, x3),
                RowGroups.Row(ref p3, blocks, x0, x1, x2, x3),
                RowGroups.Row(ref Unsafe.Add(ref p3, odd), blocks, x0, x1, x2, x3),
                Vector512.LoadUnsafe(ref p0, (nuint)main),
                Vector512.LoadUnsafe(ref p1, (nuint)main),
                Vector512.LoadUnsafe(ref p2, (nuint)main),
                Vector512.LoadUnsafe(ref p3, (nuint)main),
                nn);
            ((sv * d) + Vector256.LoadUnsafe(ref bias, (nuint)i)).StoreUnsafe(ref u, (nuint)i);
        }

        return i;
    }

    // The first 16b elements of row i, and its last 8 (without a branch on the row's parity: the written rows
    // of the fused pass are scattered at random).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float Main(ref float m, int cols, int i) => ref Unsafe.Add(ref m, ((nint)i * cols) + ((i & 1) * Tail));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float TailOf(ref float m, int cols, int i) => ref Unsafe.Add(ref m, ((nint)i * cols) + ((cols - Tail) & ((i & 1) - 1)));

    // One row's inner product in the order of Dot.Core512.
    private static float DotRow(ref float m, int cols, int i, ref float x)
    {
        ref float main = ref Main(ref m, cols, i);
        int j = 0;
        Vector512<float> acc = Vector512<float>.Zero;
        for (; j <= cols - 16; j += 16)
        {
            acc = Fma.Of(Vector512.LoadUnsafe(ref main, (nuint)j), Vector512.LoadUnsafe(ref x, (nuint)j), acc);
        }

        return Dot.Tail(acc.GetLower() + acc.GetUpper(), ref TailOf(ref m, cols, i), ref Unsafe.Add(ref x, j), 0, Tail);
    }

    // row_i ← fma(v, k, shrink·row_i), element-wise as RowKernels.ScaleAdd.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void UpdateRow(ref float m, int cols, int i, ref float v, float k, float shrink)
    {
        ref float main = ref Main(ref m, cols, i);
        Vector512<float> vk = Vector512.Create(k), vs = Vector512.Create(shrink);
        int j = 0;
        for (; j <= cols - 16; j += 16)
        {
            Fma.Of(Vector512.LoadUnsafe(ref v, (nuint)j), vk, Vector512.LoadUnsafe(ref main, (nuint)j) * vs).StoreUnsafe(ref main, (nuint)j);
        }

        RowGroups.UpdateTail(ref TailOf(ref m, cols, i), ref Unsafe.Add(ref v, j), 0, Tail, k, shrink);
    }

    private static void ForwardRow(ref float m, int cols, int i, ref float x, float s, ref float bias, ref float u) =>
        Unsafe.Add(ref u, i) = (s * DotRow(ref m, cols, i, ref x)) + Unsafe.Add(ref bias, i);

    private static void UpdateForwardRow(ref float m, int cols, int i, ref float v, float k, bool shrinking, float shrink, ref float next, float s, ref float bias, ref float u)
    {
        if (k != 0f || shrinking)
        {
            UpdateRow(ref m, cols, i, ref v, k, shrink);
        }

        ForwardRow(ref m, cols, i, ref next, s, ref bias, ref u);
    }
}
