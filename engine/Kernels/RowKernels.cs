using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// The SGD step's passes over a row-major weight matrix (rows = neurons, contiguous): the rank-1 update
/// <c>row_i ← fma(v, k_i, shrink·row_i)</c> with k_i = scale·coef_i, the forward inner products
/// <c>u_i = s·&lt;row_i, x&gt; + bias_i</c> (the inner product in the fixed order of <see cref="Dot"/>),
/// and the fused pass that does both for one row before moving to the next, reading and writing each row
/// once. A row whose k_i is 0 is not written when shrink is 1. Every path (fused or not, any width, any
/// split of the rows) performs the same operations on every element, so they all give the same bits.
/// Rows are processed in [<c>first</c>, <c>end</c>), so callers can split a pass into blocks.
/// </summary>
public static class RowKernels
{
    /// <summary>row_i ← fma(v, scale·coef_i, shrink·row_i) for rows first..end-1 (skipped when scale·coef_i = 0 and shrink = 1).</summary>
    public static void Update<T>(Span<T> matrix, int cols, int first, int end, ReadOnlySpan<T> v, ReadOnlySpan<T> coef, T scale, T shrink, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(matrix.Length, cols, first, end, v.Length, coef.Length);
        ref T m = ref MemoryMarshal.GetReference(matrix);
        ref T x = ref MemoryMarshal.GetReference(v);
        for (int i = first; i < end; i++)
        {
            T k = scale * coef[i];
            if (k != T.Zero || shrink != T.One)
            {
                ScaleAdd(ref Unsafe.Add(ref m, (nint)i * cols), ref x, cols, k, shrink, width);
            }
        }
    }

    /// <summary>u_i = s·&lt;row_i, x&gt; + bias_i for rows first..end-1.</summary>
    public static void Forward<T>(ReadOnlySpan<T> matrix, int cols, int first, int end, ReadOnlySpan<T> x, T s, ReadOnlySpan<T> bias, Span<T> u, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(matrix.Length, cols, first, end, x.Length, Math.Min(bias.Length, u.Length));
        ref T m = ref MemoryMarshal.GetReference(matrix);
        ref T xr = ref MemoryMarshal.GetReference(x);
        int i = width switch
        {
            SimdWidth.Vector512 => Forward512(ref m, cols, first, end, ref xr, s, bias, u),
            SimdWidth.Vector256 => Forward256(ref m, cols, first, end, ref xr, s, bias, u),
            _ => first,
        };
        for (; i < end; i++)
        {
            u[i] = (s * Dot.Core(ref Unsafe.Add(ref m, (nint)i * cols), ref xr, cols, width)) + bias[i];
        }
    }

    /// <summary>
    /// The fused pass: for each row first..end-1, <see cref="Update{T}"/> with <paramref name="v"/>, then
    /// u_i = s·&lt;row_i, next&gt; + bias_i with the updated row, before moving to the next row.
    /// </summary>
    public static void UpdateForward<T>(Span<T> matrix, int cols, int first, int end, ReadOnlySpan<T> v, ReadOnlySpan<T> coef, T scale, T shrink, ReadOnlySpan<T> next, T s, ReadOnlySpan<T> bias, Span<T> u, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(matrix.Length, cols, first, end, v.Length, Math.Min(coef.Length, Math.Min(bias.Length, u.Length)));
        if (next.Length != cols)
        {
            throw new ArgumentException($"next has length {next.Length}; expected the column count {cols}.", nameof(next));
        }

        ref T m = ref MemoryMarshal.GetReference(matrix);
        ref T x = ref MemoryMarshal.GetReference(v);
        ref T xn = ref MemoryMarshal.GetReference(next);
        switch (width)
        {
            case SimdWidth.Vector512 or SimdWidth.Vector256:
                UpdateForwardBlocked(ref m, cols, first, end, ref x, coef, scale, shrink, ref xn, s, bias, u, width);
                break;
            default:
                for (int i = first; i < end; i++)
                {
                    T k = scale * coef[i];
                    ref T row = ref Unsafe.Add(ref m, (nint)i * cols);
                    if (k != T.Zero || shrink != T.One)
                    {
                        ScaleAddScalar(ref row, ref x, cols, k, shrink);
                    }

                    u[i] = (s * Dot.CoreScalar(ref row, ref xn, cols)) + bias[i];
                }

                break;
        }
    }

    /// <summary>acc ← fma(row_j, coef_j, acc) for rows j = 0..rows-1 in order (rows with coef_j = 0 skipped): acc += Mᵀ coef.</summary>
    public static void AccumulateRows<T>(ReadOnlySpan<T> matrix, int cols, int rows, ReadOnlySpan<T> coef, Span<T> acc, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(matrix.Length, cols, 0, rows, acc.Length, coef.Length);
        for (int j = 0; j < rows; j++)
        {
            if (coef[j] != T.Zero)
            {
                ScaleAdd(matrix.Slice(j * cols, cols), coef[j], T.One, acc, width);
            }
        }
    }

    /// <summary>z_i = (a_i·b_i)·s element-wise (two roundings, in this order, at every width): δ = (c ⊙ σ′)·N^{-γ} in one pass.</summary>
    public static void MultiplyScaled<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, T s, Span<T> z, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (a.Length != b.Length || a.Length != z.Length)
        {
            throw new ArgumentException($"The vectors have lengths {a.Length}, {b.Length} and {z.Length}; expected equal lengths.", nameof(z));
        }

        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T zr = ref MemoryMarshal.GetReference(z);
        int n = a.Length, i = 0;
        if (width == SimdWidth.Vector512)
        {
            Vector512<T> sv = Vector512.Create(s);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                (Vector512.LoadUnsafe(ref ar, (nuint)i) * Vector512.LoadUnsafe(ref br, (nuint)i) * sv).StoreUnsafe(ref zr, (nuint)i);
            }
        }
        else if (width == SimdWidth.Vector256)
        {
            Vector256<T> sv = Vector256.Create(s);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                (Vector256.LoadUnsafe(ref ar, (nuint)i) * Vector256.LoadUnsafe(ref br, (nuint)i) * sv).StoreUnsafe(ref zr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref zr, i) = Unsafe.Add(ref ar, i) * Unsafe.Add(ref br, i) * s;
        }
    }

    /// <summary>y ← fma(x, k, shrink·y), element-wise.</summary>
    public static void ScaleAdd<T>(ReadOnlySpan<T> x, T k, T shrink, Span<T> y, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (x.Length != y.Length)
        {
            throw new ArgumentException($"The vectors have lengths {x.Length} and {y.Length}; expected equal lengths.", nameof(y));
        }

        ScaleAdd(ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(x), x.Length, k, shrink, width);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ScaleAdd<T>(ref T y, ref T x, int n, T k, T shrink, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = 0;
        if (width == SimdWidth.Vector512)
        {
            Vector512<T> vk = Vector512.Create(k), vs = Vector512.Create(shrink);
            for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count)
            {
                Fma.Of(Vector512.LoadUnsafe(ref x, (nuint)j), vk, Vector512.LoadUnsafe(ref y, (nuint)j) * vs).StoreUnsafe(ref y, (nuint)j);
            }
        }
        else if (width == SimdWidth.Vector256)
        {
            Vector256<T> vk = Vector256.Create(k), vs = Vector256.Create(shrink);
            for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                Fma.Of(Vector256.LoadUnsafe(ref x, (nuint)j), vk, Vector256.LoadUnsafe(ref y, (nuint)j) * vs).StoreUnsafe(ref y, (nuint)j);
            }
        }

        if (width != SimdWidth.Scalar)
        {
            // The elements after the last full vector, element-wise in smaller vectors (the same bits).
            RowGroups.UpdateTail(ref y, ref x, j, n, k, shrink);
            return;
        }

        ScaleAddScalar(ref Unsafe.Add(ref y, j), ref Unsafe.Add(ref x, j), n - j, k, shrink);
    }

    private static void ScaleAddScalar<T>(ref T y, ref T x, int n, T k, T shrink)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int j = 0; j < n; j++)
        {
            ref T w = ref Unsafe.Add(ref y, j);
            w = Fma.Of(Unsafe.Add(ref x, j), k, w * shrink);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T UpdateDot512<T>(ref T row, ref T v, ref T next, int n, T k, T shrink)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector512<T> vk = Vector512.Create(k), vs = Vector512.Create(shrink);
        Vector512<T> acc = Vector512<T>.Zero;
        int j = 0;
        for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count)
        {
            Vector512<T> w = Fma.Of(Vector512.LoadUnsafe(ref v, (nuint)j), vk, Vector512.LoadUnsafe(ref row, (nuint)j) * vs);
            w.StoreUnsafe(ref row, (nuint)j);
            acc = Fma.Of(w, Vector512.LoadUnsafe(ref next, (nuint)j), acc);
        }

        RowGroups.UpdateTail(ref row, ref v, j, n, k, shrink);
        return Dot.Tail(acc.GetLower() + acc.GetUpper(), ref row, ref next, j, n - j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T UpdateDot256<T>(ref T row, ref T v, ref T next, int n, T k, T shrink)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int half = Vector256<T>.Count;
        Vector256<T> vk = Vector256.Create(k), vs = Vector256.Create(shrink);
        Vector256<T> low = Vector256<T>.Zero, high = Vector256<T>.Zero;
        int j = 0;
        for (; j <= n - (2 * half); j += 2 * half)
        {
            Vector256<T> w0 = Fma.Of(Vector256.LoadUnsafe(ref v, (nuint)j), vk, Vector256.LoadUnsafe(ref row, (nuint)j) * vs);
            Vector256<T> w1 = Fma.Of(Vector256.LoadUnsafe(ref v, (nuint)(j + half)), vk, Vector256.LoadUnsafe(ref row, (nuint)(j + half)) * vs);
            w0.StoreUnsafe(ref row, (nuint)j);
            w1.StoreUnsafe(ref row, (nuint)(j + half));
            low = Fma.Of(w0, Vector256.LoadUnsafe(ref next, (nuint)j), low);
            high = Fma.Of(w1, Vector256.LoadUnsafe(ref next, (nuint)(j + half)), high);
        }

        RowGroups.UpdateTail(ref row, ref v, j, n, k, shrink);
        return Dot.Tail(low + high, ref row, ref next, j, n - j);
    }

    // The 512-bit forward pass over the whole groups of four rows in [first, end); returns the first row left.
    private static int Forward512<T>(ref T m, int cols, int first, int end, ref T x, T s, ReadOnlySpan<T> bias, Span<T> u)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int count = (end - first) & ~3;
        ForwardGroups(ref m, cols, first, first + count, ref x, s, ref MemoryMarshal.GetReference(bias), ref MemoryMarshal.GetReference(u));
        return first + count;
    }

    // The 256-bit forward pass over the whole groups of four rows in [first, end); returns the first row left.
    private static int Forward256<T>(ref T m, int cols, int first, int end, ref T x, T s, ReadOnlySpan<T> bias, Span<T> u)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int count = (end - first) & ~3;
        ForwardGroups256(ref m, cols, first, first + count, ref x, s, ref MemoryMarshal.GetReference(bias), ref MemoryMarshal.GetReference(u));
        return first + count;
    }

    // u_i = s·<row_i, x> + bias_i for rows first..end-1, end - first a multiple of 4 (kept out of the callers
    // so the register allocator sees only this loop).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForwardGroups<T>(ref T m, int cols, int first, int end, ref T x, T s, ref T bias, ref T u)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = first;
        if (RowGroups.HasForwardHeld<T>(cols))
        {
            i = RowGroups.ForwardHeld(ref m, cols, first, end, ref x, s, ref bias, ref u);
        }
        else if (RowGroups.HasForward8<T>(cols))
        {
            for (; i <= end - 8; i += 8)
            {
                RowGroups.Forward8(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref x, s, ref Unsafe.Add(ref bias, i), ref Unsafe.Add(ref u, i));
            }
        }

        for (; i < end; i += 4)
        {
            RowGroups.Dot4(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref x, out T d0, out T d1, out T d2, out T d3);
            Unsafe.Add(ref u, i) = (s * d0) + Unsafe.Add(ref bias, i);
            Unsafe.Add(ref u, i + 1) = (s * d1) + Unsafe.Add(ref bias, i + 1);
            Unsafe.Add(ref u, i + 2) = (s * d2) + Unsafe.Add(ref bias, i + 2);
            Unsafe.Add(ref u, i + 3) = (s * d3) + Unsafe.Add(ref bias, i + 3);
        }
    }

    // The fused pass at 512 or 256 bits, in blocks of Block rows, with no branch per row or group to mispredict
    // when the written rows are few and scattered (9% at random for the ramp): the block's written rows are
    // listed without a branch per row (WrittenRows); the inner products of all the block's rows are computed with
    // their current values, streaming the block in address order, four rows at a time; then each listed row is
    // updated and its inner product recomputed with the updated row (it is in L1/L2 now), replacing the first
    // one. When more than a quarter of the block's rows are written (every row when shrinking, most rows for
    // tanh), or when the pass's rows fit UpdateFirstBytes, the listed rows are updated first, then all
    // inner products computed once. Either way each row ends with exactly the operations of the one-row code at
    // the width: update, then inner product of the updated row. (Until session 27 the 256-bit pass chose a kernel
    // per group of four by its mix of written rows and ran a mixed group row by row: with the ramp, 31% of the
    // groups, behind a mispredicted branch.)
    [SkipLocalsInit]
    private static void UpdateForwardBlocked<T>(ref T m, int cols, int first, int end, ref T x, ReadOnlySpan<T> coef, T scale, T shrink, ref T xn, T s, ReadOnlySpan<T> bias, Span<T> u, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T c = ref MemoryMarshal.GetReference(coef);
        ref T b = ref MemoryMarshal.GetReference(bias);
        ref T ur = ref MemoryMarshal.GetReference(u);
        bool shrinking = shrink != T.One;
        bool updateFirst = (long)(end - first) * cols * Unsafe.SizeOf<T>() <= UpdateFirstBytes;
        int blockRows = updateFirst && width == SimdWidth.Vector512 ? UpdateFirstBlock : Block;
        Span<int> list = stackalloc int[blockRows + 16];
        int g = first;
        for (int count; (count = Math.Min(blockRows, (end - g) & ~3)) > 0; g += count)
        {
            int written = WrittenRows(scale, shrinking, ref Unsafe.Add(ref c, g), count, list, width);
            if (updateFirst || written * 4 > count)
            {
                UpdateListed(ref Unsafe.Add(ref m, (nint)g * cols), cols, list[..written], ref x, ref Unsafe.Add(ref c, g), scale, shrink, width);
                ForwardBlock(ref m, cols, g, g + count, ref xn, s, ref b, ref ur, width);
            }
            else
            {
                ForwardBlock(ref m, cols, g, g + count, ref xn, s, ref b, ref ur, width);
                UpdateDotListed(ref m, cols, g, list[..written], ref x, ref c, scale, shrink, ref xn, s, ref b, ref ur, width);
            }
        }

        for (int i = g; i < end; i++)
        {
            T k = scale * coef[i];
            ref T row = ref Unsafe.Add(ref m, (nint)i * cols);
            T dot = width == SimdWidth.Vector512
                ? (k != T.Zero || shrinking ? UpdateDot512(ref row, ref x, ref xn, cols, k, shrink) : Dot.Core512(ref row, ref xn, cols))
                : (k != T.Zero || shrinking ? UpdateDot256(ref row, ref x, ref xn, cols, k, shrink) : Dot.Core256(ref row, ref xn, cols));
            u[i] = (s * dot) + bias[i];
        }
    }

    // u_i = s·<row_i, x> + bias_i for the rows of a block, first..end-1 (end - first a multiple of 4), at the width.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardBlock<T>(ref T m, int cols, int first, int end, ref T x, T s, ref T bias, ref T u, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (width == SimdWidth.Vector512)
        {
            ForwardGroups(ref m, cols, first, end, ref x, s, ref bias, ref u);
        }
        else
        {
            ForwardGroups256(ref m, cols, first, end, ref x, s, ref bias, ref u);
        }
    }

    // ForwardGroups in 256-bit vectors: four rows per pass over x (RowGroups.Forward4x256), each with the one-row
    // code's bits.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ForwardGroups256<T>(ref T m, int cols, int first, int end, ref T x, T s, ref T bias, ref T u)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = first; i < end; i += 4)
        {
            RowGroups.Forward4x256(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref x, s, ref Unsafe.Add(ref bias, i), ref Unsafe.Add(ref u, i));
        }
    }

    // For the listed rows r of the block at g: row ← fma(x, scale·coef, shrink·row), then u = s·<row, next> + bias
    // with the updated row (the one-row fused code at the width), replacing the u computed before the update.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UpdateDotListed<T>(ref T m, int cols, int g, ReadOnlySpan<int> rows, ref T x, ref T coef, T scale, T shrink, ref T xn, T s, ref T bias, ref T u, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // Two rows at a time, so that one row's inner product and reduction overlap the other's: each row's
        // operations and their order are those of the one-row code at the width.
        int q = 0;
        for (; q + 1 < rows.Length; q += 2)
        {
            int i0 = g + rows[q], i1 = g + rows[q + 1];
            ref T row0 = ref Unsafe.Add(ref m, (nint)i0 * cols), row1 = ref Unsafe.Add(ref m, (nint)i1 * cols);
            T k0 = scale * Unsafe.Add(ref coef, i0), k1 = scale * Unsafe.Add(ref coef, i1);
            (T dot0, T dot1) = width == SimdWidth.Vector512
                ? UpdateDot512Pair(ref row0, ref row1, ref x, ref xn, cols, k0, k1, shrink)
                : RowGroups.UpdateDot2x256(ref row0, ref row1, cols, ref x, k0, k1, shrink, ref xn);
            Unsafe.Add(ref u, i0) = (s * dot0) + Unsafe.Add(ref bias, i0);
            Unsafe.Add(ref u, i1) = (s * dot1) + Unsafe.Add(ref bias, i1);
        }

        if (q < rows.Length)
        {
            int i = g + rows[q];
            ref T row = ref Unsafe.Add(ref m, (nint)i * cols);
            T k = scale * Unsafe.Add(ref coef, i);
            T dot = width == SimdWidth.Vector512 ? UpdateDot512(ref row, ref x, ref xn, cols, k, shrink) : UpdateDot256(ref row, ref x, ref xn, cols, k, shrink);
            Unsafe.Add(ref u, i) = (s * dot) + Unsafe.Add(ref bias, i);
        }
    }

    // UpdateDot512 of two rows, interleaved (the same operations per row).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (T Dot0, T Dot1) UpdateDot512Pair<T>(ref T row0, ref T row1, ref T v, ref T next, int n, T k0, T k1, T shrink)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Vector512<T> vk0 = Vector512.Create(k0), vk1 = Vector512.Create(k1), vs = Vector512.Create(shrink);
        Vector512<T> acc0 = Vector512<T>.Zero, acc1 = Vector512<T>.Zero;
        int j = 0;
        for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count)
        {
            Vector512<T> xj = Vector512.LoadUnsafe(ref v, (nuint)j), nj = Vector512.LoadUnsafe(ref next, (nuint)j);
            Vector512<T> w0 = Fma.Of(xj, vk0, Vector512.LoadUnsafe(ref row0, (nuint)j) * vs);
            Vector512<T> w1 = Fma.Of(xj, vk1, Vector512.LoadUnsafe(ref row1, (nuint)j) * vs);
            w0.StoreUnsafe(ref row0, (nuint)j);
            w1.StoreUnsafe(ref row1, (nuint)j);
            acc0 = Fma.Of(w0, nj, acc0);
            acc1 = Fma.Of(w1, nj, acc1);
        }

        RowGroups.UpdateTail(ref row0, ref v, j, n, k0, shrink);
        RowGroups.UpdateTail(ref row1, ref v, j, n, k1, shrink);
        return (Dot.Tail(acc0.GetLower() + acc0.GetUpper(), ref row0, ref next, j, n - j), Dot.Tail(acc1.GetLower() + acc1.GetUpper(), ref row1, ref next, j, n - j));
    }

    // row_r ← fma(x, scale·coef_r, shrink·row_r) for the listed rows r.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UpdateListed<T>(ref T row0, int cols, ReadOnlySpan<int> rows, ref T x, ref T coef, T scale, T shrink, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // One loop per width, so that each inlines ScaleAdd for a constant width (no width tests per row).
        if (width == SimdWidth.Vector512 && RowGroups.UpdateListedHeld(ref row0, cols, rows, ref x, ref coef, scale, shrink))
        {
            return;
        }

        if (width == SimdWidth.Vector512)
        {
            foreach (int r in rows)
            {
                ScaleAdd(ref Unsafe.Add(ref row0, (nint)r * cols), ref x, cols, scale * Unsafe.Add(ref coef, r), shrink, SimdWidth.Vector512);
            }
        }
        else
        {
            foreach (int r in rows)
            {
                ScaleAdd(ref Unsafe.Add(ref row0, (nint)r * cols), ref x, cols, scale * Unsafe.Add(ref coef, r), shrink, SimdWidth.Vector256);
            }
        }
    }

    // Rows per block of the fused pass (a multiple of 16): measured on Zen 4 at N = 20000, 256 is
    // as fast as 512 or 1024 and faster than 32 to 128 (each block costs a mispredicted loop exit or two); at
    // 256 bits on Zen 3 (MMN N = 800), 64 to 256 measured the same and 32 slower.
    // Updating first when more than a quarter of a block is written was measured best for relu (~45%
    // written) and tanh (all) against a half or never.
    internal const int Block = 256;

    // The listed rows are updated first, whatever their share, when the pass's rows take at most this many
    // bytes: they are then in L2 (or near it) when the block starts, and a pure update has no
    // reduction chain, while recomputing a written row's inner product after the block's ends in one (the
    // recomputation is bound by its latency). Measured on Zen 3 (512 KB of L2; session 29, both orders
    // alternated in one process, the ramp's 9% of rows written): float32 N = 800 and 1600 7% faster, float64
    // N = 800 3% and N = 3200 (1 MB) 2-13%; from 2 MB to 4 MB the same within 2%; at 6.4 MB (float64
    // N = 20000) 5% slower and at N = 100000 19-31% slower, because the listed rows then come one by one from L3
    // or memory instead of with the block's stream. At 512 bits on Zen 5 (1 MB of L2; session 31, the same way):
    // float64 N = 800 2.5-5% faster, N = 1600 2%, N = 3200 3%; float32 N = 800 to 6400 the same within 2%.
    internal const long UpdateFirstBytes = 1 << 20;

    // Rows per block of the 512-bit pass when it updates the listed rows first (a multiple of 16; the list of
    // written rows is on the stack, 8 KB). Measured on Zen 5 (session 31, in one process against Block): float64
    // N = 800 (one block instead of four) 2-5% faster, N = 1600 3-4%, N = 3200 the same; float32 the same. At
    // 256 bits on the same machine, N = 800 and 1600 the same or 1% slower, so the 256-bit pass keeps Block.
    internal const int UpdateFirstBlock = 2048;

    // For each 4-bit mask, the positions of its set bits in increasing order, then zeros: 16 rows of 4.
    private static ReadOnlySpan<int> LeftPacked =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0,
        2, 0, 0, 0, 0, 2, 0, 0, 1, 2, 0, 0, 0, 1, 2, 0,
        3, 0, 0, 0, 0, 3, 0, 0, 1, 3, 0, 0, 0, 1, 3, 0,
        2, 3, 0, 0, 0, 2, 3, 0, 1, 2, 3, 0, 0, 1, 2, 3,
    ];

    // Writes the indices r < count (count a multiple of 4) of the rows that are written into list, in
    // order, and returns how many: scale·coef[r] ≠ 0 (the same IEEE multiplications as k_r = scale·coef_r)
    // or shrinking. No branch per row: at 512 bits by vector compression (AVX-512), at 256 bits (or at 512
    // without AVX-512 compression) by a table of left-packed offsets per four rows, otherwise one row at a
    // time, counting with a comparison. list holds at least count elements (every store ends by count).
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static int WrittenRows<T>(T scale, bool shrinking, ref T coef, int count, Span<int> list, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref int l = ref MemoryMarshal.GetReference(list);
        int n = 0, r = 0;
        if (shrinking)
        {
            for (; r < count; r++)
            {
                Unsafe.Add(ref l, r) = r;
            }

            return count;
        }

        bool compress = width == SimdWidth.Vector512 && Avx512F.IsSupported;
        if (!compress && width != SimdWidth.Scalar)
        {
            // Four rows at a time: the mask of written rows picks their offsets from a table of the 16
            // left-packed patterns (4 ints each), stored at n; the next store overwrites what is past them.
            ref int packs = ref MemoryMarshal.GetReference(LeftPacked);
            for (; r <= count - 4; r += 4)
            {
                uint keep = Unsafe.SizeOf<T>() == 8
                    ? (~Vector256.Equals(Vector256.LoadUnsafe(ref Unsafe.Add(ref coef, r)) * Vector256.Create(scale), Vector256<T>.Zero)).ExtractMostSignificantBits()
                    : (~Vector128.Equals(Vector128.LoadUnsafe(ref Unsafe.Add(ref coef, r)) * Vector128.Create(scale), Vector128<T>.Zero)).ExtractMostSignificantBits();
                (Vector128.LoadUnsafe(ref packs, keep * 4) + Vector128.Create(r)).StoreUnsafe(ref Unsafe.Add(ref l, n));
                n += BitOperations.PopCount(keep);
            }
        }
        else if (compress && Unsafe.SizeOf<T>() == 8)
        {
            // Sixteen rows at a time: both halves' masks narrowed to one of 32-bit lanes, one compression (2-3% of
            // MMN N = 800 float64 against eight at a time, session 31); then eight.
            for (; r <= count - 16; r += 16)
            {
                Vector512<long> keep0 = (~Vector512.Equals(Vector512.LoadUnsafe(ref Unsafe.Add(ref coef, r)) * Vector512.Create(scale), Vector512<T>.Zero)).AsInt64();
                Vector512<long> keep1 = (~Vector512.Equals(Vector512.LoadUnsafe(ref Unsafe.Add(ref coef, r + 8)) * Vector512.Create(scale), Vector512<T>.Zero)).AsInt64();
                Vector512<int> keep = Vector512.Narrow(keep0, keep1);
                Avx512F.Compress(Vector512<int>.Zero, keep, Vector512<int>.Indices + Vector512.Create(r)).StoreUnsafe(ref Unsafe.Add(ref l, n));
                n += BitOperations.PopCount(keep.ExtractMostSignificantBits());
            }

            for (; r <= count - 8; r += 8)
            {
                Vector512<long> keep = (~Vector512.Equals(Vector512.LoadUnsafe(ref Unsafe.Add(ref coef, r)) * Vector512.Create(scale), Vector512<T>.Zero)).AsInt64();
                Vector512<long> packed = Avx512F.Compress(Vector512<long>.Zero, keep, Vector512<long>.Indices + Vector512.Create((long)r));
                Avx512F.ConvertToVector256Int32(packed).StoreUnsafe(ref Unsafe.Add(ref l, n));
                n += BitOperations.PopCount(keep.ExtractMostSignificantBits());
            }
        }
        else if (compress)
        {
            for (; r <= count - 16; r += 16)
            {
                Vector512<int> keep = (~Vector512.Equals(Vector512.LoadUnsafe(ref Unsafe.Add(ref coef, r)) * Vector512.Create(scale), Vector512<T>.Zero)).AsInt32();
                Avx512F.Compress(Vector512<int>.Zero, keep, Vector512<int>.Indices + Vector512.Create(r)).StoreUnsafe(ref Unsafe.Add(ref l, n));
                n += BitOperations.PopCount(keep.ExtractMostSignificantBits());
            }
        }

        for (; r < count; r++)
        {
            Unsafe.Add(ref l, n) = r;
            n += scale * Unsafe.Add(ref coef, r) != T.Zero ? 1 : 0;
        }

        return n;
    }

    internal static void Check(int matrixLength, int cols, int first, int end, int vectorLength, int perRowLength)
    {
        if (cols < 1 || first < 0 || end < first || (long)end * cols > matrixLength)
        {
            throw new ArgumentException($"Rows [{first}, {end}) of {cols} columns do not fit a matrix of {matrixLength} values.");
        }

        if (vectorLength != cols)
        {
            throw new ArgumentException($"The input vector has length {vectorLength}; expected the column count {cols}.");
        }

        if (perRowLength < end)
        {
            throw new ArgumentException($"A per-row vector has length {perRowLength}; expected at least {end} rows.");
        }
    }
}
