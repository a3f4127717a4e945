using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// The passes over an inner matrix W^ℓ of a deep network (N_{ℓ+1}×N_ℓ, row j = the weights into neuron j),
/// whose rows are long (N_ℓ elements) and, for smooth activations, all written at every step
/// (docs/performance.md, "Deep networks"). At 512 and 256 bits four rows go together, and each element is loaded
/// and stored once per pass: the fused update and forward product read a row, update it and take its inner
/// product with the next sample's activations in the same loop, and the column accumulation Wᵀδ reads and
/// writes its accumulator once per four rows. Each row gets exactly the operations of the one-row code of
/// <see cref="RowKernels"/> (<see cref="RowKernels.UpdateForward{T}"/>, <see cref="RowKernels.AccumulateRows{T}"/>),
/// so every path and width gives the same bits. Scalar code runs the one-row code itself.
/// </summary>
public static class InnerLayerKernels
{
    /// <summary>
    /// For each row i in [<paramref name="first"/>, <paramref name="end"/>): row_i ← fma(v, scale·coef_i, shrink·row_i)
    /// (not written when scale·coef_i = 0 and shrink = 1), then u_i = s·&lt;row_i, next&gt; + bias_i with the
    /// updated row: the same bits as <see cref="RowKernels.UpdateForward{T}"/>.
    /// </summary>
    public static void UpdateForward<T>(Span<T> matrix, int cols, int first, int end, ReadOnlySpan<T> v, ReadOnlySpan<T> coef, T scale, T shrink, ReadOnlySpan<T> next, T s, ReadOnlySpan<T> bias, Span<T> u, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (width == SimdWidth.Scalar || end - first < 4)
        {
            RowKernels.UpdateForward(matrix, cols, first, end, v, coef, scale, shrink, next, s, bias, u, width);
            return;
        }

        Check(matrix.Length, cols, first, end, v.Length, next.Length, Math.Min(coef.Length, Math.Min(bias.Length, u.Length)));
        ref T m = ref MemoryMarshal.GetReference(matrix);
        ref T x = ref MemoryMarshal.GetReference(v);
        ref T xn = ref MemoryMarshal.GetReference(next);
        bool shrinking = shrink != T.One;
        int i = first;
        for (; i <= end - 4; i += 4)
        {
            T k0 = scale * coef[i], k1 = scale * coef[i + 1], k2 = scale * coef[i + 2], k3 = scale * coef[i + 3];
            if (!shrinking && (k0 == T.Zero || k1 == T.Zero || k2 == T.Zero || k3 == T.Zero))
            {
                // A row that is not written: the one-row code for the group.
                RowKernels.UpdateForward(matrix, cols, i, i + 4, v, coef, scale, shrink, next, s, bias, u, width);
                continue;
            }

            T d0, d1, d2, d3;
            if (width == SimdWidth.Vector512)
            {
                RowGroups.UpdateDot4(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref x, k0, k1, k2, k3, shrink, ref xn, out d0, out d1, out d2, out d3);
            }
            else
            {
                RowGroups.UpdateDot4x256(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref x, k0, k1, k2, k3, shrink, ref xn, out d0, out d1, out d2, out d3);
            }

            u[i] = (s * d0) + bias[i];
            u[i + 1] = (s * d1) + bias[i + 1];
            u[i + 2] = (s * d2) + bias[i + 2];
            u[i + 3] = (s * d3) + bias[i + 3];
        }

        if (i < end)
        {
            RowKernels.UpdateForward(matrix, cols, i, end, v, coef, scale, shrink, next, s, bias, u, width);
        }
    }

    /// <summary>
    /// acc ← fma(row_j, coef_j, acc) for rows j = <paramref name="first"/>..<paramref name="end"/>-1 in order, rows
    /// with coef_j = 0 skipped (acc += Mᵀ coef over those rows): the same bits as <see cref="RowKernels.AccumulateRows{T}"/>.
    /// <paramref name="coef"/> is indexed by row (coef[j] for row j).
    /// </summary>
    public static void AccumulateRows<T>(ReadOnlySpan<T> matrix, int cols, int first, int end, ReadOnlySpan<T> coef, Span<T> acc, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        Check(matrix.Length, cols, first, end, acc.Length, cols, coef.Length);
        if (width == SimdWidth.Scalar)
        {
            RowKernels.AccumulateRows(matrix.Slice(first * cols, (end - first) * cols), cols, end - first, coef.Slice(first, end - first), acc, width);
            return;
        }

        ref T m = ref MemoryMarshal.GetReference(matrix);
        ref T a = ref MemoryMarshal.GetReference(acc);
        int j = first;
        for (; j <= end - 4; j += 4)
        {
            T c0 = coef[j], c1 = coef[j + 1], c2 = coef[j + 2], c3 = coef[j + 3];
            if (c0 == T.Zero || c1 == T.Zero || c2 == T.Zero || c3 == T.Zero)
            {
                // A skipped row: the one-row code for the group.
                RowKernels.AccumulateRows(matrix.Slice(j * cols, 4 * cols), cols, 4, coef.Slice(j, 4), acc, width);
                continue;
            }

            if (width == SimdWidth.Vector512)
            {
                RowGroups.Accumulate4(ref Unsafe.Add(ref m, (nint)j * cols), cols, c0, c1, c2, c3, ref a);
            }
            else
            {
                RowGroups.Accumulate4x256(ref Unsafe.Add(ref m, (nint)j * cols), cols, c0, c1, c2, c3, ref a);
            }
        }

        if (j < end)
        {
            RowKernels.AccumulateRows(matrix.Slice(j * cols, (end - j) * cols), cols, end - j, coef.Slice(j, end - j), acc, width);
        }
    }

    private static void Check(int matrixLength, int cols, int first, int end, int vectorLength, int nextLength, int perRowLength)
    {
        if (cols < 1 || first < 0 || end < first || (long)end * cols > matrixLength)
        {
            throw new ArgumentException($"Rows [{first}, {end}) of {cols} columns do not fit a matrix of {matrixLength} values.");
        }

        if (vectorLength != cols || nextLength != cols)
        {
            throw new ArgumentException($"The input vectors have lengths {vectorLength} and {nextLength}; expected the column count {cols}.");
        }

        if (perRowLength < end)
        {
            throw new ArgumentException($"A per-row vector has length {perRowLength}; expected at least {end} rows.");
        }
    }
}
