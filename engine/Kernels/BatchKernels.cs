using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// Layers evaluated for a block of inputs at once (a test set's forward pass): a matrix times a block of
/// columns, so that each weight is loaded once per block instead of once per input. Every output is the
/// sequential fused chain Σ_k over k = 0, 1, … (one rounding per term) in its own lane, so the result does not
/// depend on the vector width or on the block's other columns.
/// </summary>
public static class BatchKernels
{
    /// <summary>The number of inputs in a block: a multiple of every vector width's lane count.</summary>
    public const int Block = 32;

    /// <summary>
    /// u[i·Block + m] = s·Σ_k matrix[i·cols + k]·x[k·Block + m] + bias_i for every row i &lt; rows and column
    /// m &lt; Block (x and u are row-major, Block columns).
    /// </summary>
    /// <param name="matrix">rows × cols, row-major.</param>
    /// <param name="rows">Rows of the matrix (neurons of the layer).</param>
    /// <param name="cols">Columns of the matrix (inputs of the layer).</param>
    /// <param name="x">cols × <see cref="Block"/>: one input per column.</param>
    /// <param name="s">The scale applied to each sum.</param>
    /// <param name="bias">Per row, added after the scale.</param>
    /// <param name="u">rows × <see cref="Block"/>: the pre-activations.</param>
    public static void Forward(ReadOnlySpan<double> matrix, int rows, int cols, ReadOnlySpan<double> x, double s, ReadOnlySpan<double> bias, Span<double> u)
    {
        if (matrix.Length < rows * cols || x.Length < cols * Block || bias.Length < rows || u.Length < rows * Block)
        {
            throw new ArgumentException($"a {rows} x {cols} layer needs a matrix of {rows * cols}, inputs of {cols * Block}, {rows} biases and {rows * Block} outputs; got {matrix.Length}, {x.Length}, {bias.Length}, {u.Length}.");
        }

        ref double m = ref MemoryMarshal.GetReference(matrix);
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double ur = ref MemoryMarshal.GetReference(u);
        int i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            for (int c = 0; c < Block; c += 8)
            {
                FourRows(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref Unsafe.Add(ref xr, c), s, bias.Slice(i, 4), ref Unsafe.Add(ref ur, ((nint)i * Block) + c));
            }
        }

        for (; i < rows; i++)
        {
            for (int c = 0; c < Block; c += 8)
            {
                OneRow(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref Unsafe.Add(ref xr, c), s, bias[i], ref Unsafe.Add(ref ur, ((nint)i * Block) + c));
            }
        }
    }

    /// <summary>
    /// y[m] = s·Σ_j coef[j]·h[j·Block + m] for m &lt; <see cref="Block"/>, j ascending (the output layer).
    /// </summary>
    /// <param name="coef">The output weights.</param>
    /// <param name="h">coef.Length × <see cref="Block"/>: the last layer's activations.</param>
    /// <param name="s">The scale applied to each sum.</param>
    /// <param name="y">Block outputs.</param>
    public static void Output(ReadOnlySpan<double> coef, ReadOnlySpan<double> h, double s, Span<double> y)
    {
        if (h.Length < coef.Length * Block || y.Length < Block)
        {
            throw new ArgumentException($"{coef.Length} output weights need {coef.Length * Block} activations and {Block} outputs; got {h.Length} and {y.Length}.");
        }

        ref double hr = ref MemoryMarshal.GetReference(h);
        for (int c = 0; c < Block; c += 8)
        {
            Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
            for (int j = 0; j < coef.Length; j++)
            {
                var w = Vector256.Create(coef[j]);
                ref double row = ref Unsafe.Add(ref hr, ((nint)j * Block) + c);
                a0 = Fma.Of(w, Vector256.LoadUnsafe(ref row), a0);
                a1 = Fma.Of(w, Vector256.LoadUnsafe(ref row, 4), a1);
            }

            var scale = Vector256.Create(s);
            (a0 * scale).CopyTo(y[c..]);
            (a1 * scale).CopyTo(y[(c + 4)..]);
        }
    }

    // Rows i..i+3 against 8 columns: 8 accumulators, one broadcast per row and term.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRows(ref double row, int cols, ref double x, double s, ReadOnlySpan<double> bias, ref double u)
    {
        Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero, b0 = Vector256<double>.Zero, b1 = Vector256<double>.Zero;
        Vector256<double> c0 = Vector256<double>.Zero, c1 = Vector256<double>.Zero, d0 = Vector256<double>.Zero, d1 = Vector256<double>.Zero;
        for (int k = 0; k < cols; k++)
        {
            ref double xk = ref Unsafe.Add(ref x, (nint)k * Block);
            Vector256<double> x0 = Vector256.LoadUnsafe(ref xk), x1 = Vector256.LoadUnsafe(ref xk, 4);
            var w = Vector256.Create(Unsafe.Add(ref row, k));
            a0 = Fma.Of(w, x0, a0);
            a1 = Fma.Of(w, x1, a1);
            w = Vector256.Create(Unsafe.Add(ref row, cols + k));
            b0 = Fma.Of(w, x0, b0);
            b1 = Fma.Of(w, x1, b1);
            w = Vector256.Create(Unsafe.Add(ref row, (2 * cols) + k));
            c0 = Fma.Of(w, x0, c0);
            c1 = Fma.Of(w, x1, c1);
            w = Vector256.Create(Unsafe.Add(ref row, (3 * cols) + k));
            d0 = Fma.Of(w, x0, d0);
            d1 = Fma.Of(w, x1, d1);
        }

        Store(a0, a1, s, bias[0], ref u);
        Store(b0, b1, s, bias[1], ref Unsafe.Add(ref u, Block));
        Store(c0, c1, s, bias[2], ref Unsafe.Add(ref u, 2 * Block));
        Store(d0, d1, s, bias[3], ref Unsafe.Add(ref u, 3 * Block));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneRow(ref double row, int cols, ref double x, double s, double bias, ref double u)
    {
        Vector256<double> a0 = Vector256<double>.Zero, a1 = Vector256<double>.Zero;
        for (int k = 0; k < cols; k++)
        {
            ref double xk = ref Unsafe.Add(ref x, (nint)k * Block);
            var w = Vector256.Create(Unsafe.Add(ref row, k));
            a0 = Fma.Of(w, Vector256.LoadUnsafe(ref xk), a0);
            a1 = Fma.Of(w, Vector256.LoadUnsafe(ref xk, 4), a1);
        }

        Store(a0, a1, s, bias, ref u);
    }

    // u = (s·sum) + bias: the product rounded, then the sum (the per-input kernels' order).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<double> a0, Vector256<double> a1, double s, double bias, ref double u)
    {
        var scale = Vector256.Create(s);
        var b = Vector256.Create(bias);
        ((a0 * scale) + b).StoreUnsafe(ref u);
        ((a1 * scale) + b).StoreUnsafe(ref u, 4);
    }
}
