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
    public static void Forward(ReadOnlySpan<double> matrix, int rows, int cols, ReadOnlySpan<double> x, double s, ReadOnlySpan<double> bias, Span<double> u) =>
        Forward(matrix, rows, cols, x, s, bias, u, Simd.Best);

    /// <summary>
    /// <see cref="Forward(ReadOnlySpan{double}, int, int, ReadOnlySpan{double}, double, ReadOnlySpan{double}, Span{double})"/>
    /// with 512-bit vectors when <paramref name="width"/> is <see cref="SimdWidth.Vector512"/>, else 256-bit ones: the
    /// same bits either way, since every output is its own lane's sequential chain.
    /// </summary>
    /// <param name="matrix">rows × cols, row-major.</param>
    /// <param name="rows">Rows of the matrix (neurons of the layer).</param>
    /// <param name="cols">Columns of the matrix (inputs of the layer).</param>
    /// <param name="x">cols × <see cref="Block"/>: one input per column.</param>
    /// <param name="s">The scale applied to each sum.</param>
    /// <param name="bias">Per row, added after the scale.</param>
    /// <param name="u">rows × <see cref="Block"/>: the pre-activations.</param>
    /// <param name="width">The vector width to run with.</param>
    public static void Forward(ReadOnlySpan<double> matrix, int rows, int cols, ReadOnlySpan<double> x, double s, ReadOnlySpan<double> bias, Span<double> u, SimdWidth width)
    {
        if (matrix.Length < rows * cols || x.Length < cols * Block || bias.Length < rows || u.Length < rows * Block)
        {
            throw new ArgumentException($"a {rows} x {cols} layer needs a matrix of {rows * cols}, inputs of {cols * Block}, {rows} biases and {rows * Block} outputs; got {matrix.Length}, {x.Length}, {bias.Length}, {u.Length}.");
        }

        ref double m = ref MemoryMarshal.GetReference(matrix);
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double ur = ref MemoryMarshal.GetReference(u);
        int i = 0;
        if (width == SimdWidth.Vector512)
        {
            // The same rows and terms as below, 16 columns to a pair of vectors.
            for (; i + 4 <= rows; i += 4)
            {
                for (int c = 0; c < Block; c += 16)
                {
                    FourRows512(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref Unsafe.Add(ref xr, c), s, bias.Slice(i, 4), ref Unsafe.Add(ref ur, ((nint)i * Block) + c));
                }
            }

            for (; i < rows; i++)
            {
                for (int c = 0; c < Block; c += 16)
                {
                    OneRow512(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref Unsafe.Add(ref xr, c), s, bias[i], ref Unsafe.Add(ref ur, ((nint)i * Block) + c));
                }
            }

            return;
        }

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
        if (Simd.Best == SimdWidth.Vector512)
        {
            // The same chains, all 32 columns at once in four 512-bit accumulators.
            Vector512<double> y0 = Vector512<double>.Zero, y1 = Vector512<double>.Zero, y2 = Vector512<double>.Zero, y3 = Vector512<double>.Zero;
            for (int j = 0; j < coef.Length; j++)
            {
                var w = Vector512.Create(coef[j]);
                ref double row = ref Unsafe.Add(ref hr, (nint)j * Block);
                y0 = Fma.Of(w, Vector512.LoadUnsafe(ref row), y0);
                y1 = Fma.Of(w, Vector512.LoadUnsafe(ref row, 8), y1);
                y2 = Fma.Of(w, Vector512.LoadUnsafe(ref row, 16), y2);
                y3 = Fma.Of(w, Vector512.LoadUnsafe(ref row, 24), y3);
            }

            var scale512 = Vector512.Create(s);
            (y0 * scale512).CopyTo(y);
            (y1 * scale512).CopyTo(y[8..]);
            (y2 * scale512).CopyTo(y[16..]);
            (y3 * scale512).CopyTo(y[24..]);
            return;
        }

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

    /// <summary>
    /// The last layer and the output layer in one pass, with 512-bit vectors:
    /// y[m] = t·Σ_i coef[i]·σ(s·Σ_k matrix[i·cols + k]·x[k·Block + m] + bias_i) for m &lt; <see cref="Block"/>, i
    /// ascending. The same bits as <see cref="Forward(ReadOnlySpan{double}, int, int, ReadOnlySpan{double}, double, ReadOnlySpan{double}, Span{double})"/>,
    /// then σ's <see cref="ActivationKernel{T}.Apply"/>, then <see cref="Output"/>: each pre-activation is the same
    /// chain, σ the same operations per element, and each output the same chain over i; only the layer's
    /// pre-activations and activations are never written out.
    /// </summary>
    /// <param name="matrix">rows × cols, row-major.</param>
    /// <param name="rows">Rows of the matrix (neurons of the last layer).</param>
    /// <param name="cols">Columns of the matrix (inputs of the layer).</param>
    /// <param name="x">cols × <see cref="Block"/>: one input per column.</param>
    /// <param name="s">The scale applied to each sum of the layer.</param>
    /// <param name="bias">Per row, added after the scale.</param>
    /// <param name="sigma">The layer's activation (ramp or relu: <see cref="Activations.Activation.FusableKernel"/>).</param>
    /// <param name="coef">The output weights, one per row.</param>
    /// <param name="t">The output's scale.</param>
    /// <param name="y"><see cref="Block"/> outputs.</param>
    internal static void ForwardToOutput(ReadOnlySpan<double> matrix, int rows, int cols, ReadOnlySpan<double> x, double s, ReadOnlySpan<double> bias, ActivationKernel<double> sigma, ReadOnlySpan<double> coef, double t, Span<double> y)
    {
        if (matrix.Length < rows * cols || x.Length < cols * Block || bias.Length < rows || coef.Length != rows || y.Length < Block)
        {
            throw new ArgumentException($"a {rows} x {cols} layer needs a matrix of {rows * cols}, inputs of {cols * Block}, {rows} biases, {rows} output weights and {Block} outputs; got {matrix.Length}, {x.Length}, {bias.Length}, {coef.Length}, {y.Length}.");
        }

        ref double m = ref MemoryMarshal.GetReference(matrix);
        ref double xr = ref MemoryMarshal.GetReference(x);
        var scale = Vector512.Create(s);
        Span<Vector512<double>> sums = stackalloc Vector512<double>[8];

        // The four outputs' vectors (columns 0-7, 8-15, 16-23, 24-31) stay in registers over the whole pass.
        Vector512<double> y0 = Vector512<double>.Zero, y1 = Vector512<double>.Zero, y2 = Vector512<double>.Zero, y3 = Vector512<double>.Zero;
        int i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            ref double row = ref Unsafe.Add(ref m, (nint)i * cols);
            for (int half = 0; half < 2; half++)
            {
                Vector512<double> a0 = Vector512<double>.Zero, a1 = Vector512<double>.Zero, b0 = Vector512<double>.Zero, b1 = Vector512<double>.Zero;
                Vector512<double> c0 = Vector512<double>.Zero, c1 = Vector512<double>.Zero, d0 = Vector512<double>.Zero, d1 = Vector512<double>.Zero;
                for (int k = 0; k < cols; k++)
                {
                    ref double xk = ref Unsafe.Add(ref xr, ((nint)k * Block) + (16 * half));
                    Vector512<double> x0 = Vector512.LoadUnsafe(ref xk), x1 = Vector512.LoadUnsafe(ref xk, 8);
                    var w = Vector512.Create(Unsafe.Add(ref row, k));
                    a0 = Fma.Of(w, x0, a0);
                    a1 = Fma.Of(w, x1, a1);
                    w = Vector512.Create(Unsafe.Add(ref row, cols + k));
                    b0 = Fma.Of(w, x0, b0);
                    b1 = Fma.Of(w, x1, b1);
                    w = Vector512.Create(Unsafe.Add(ref row, (2 * cols) + k));
                    c0 = Fma.Of(w, x0, c0);
                    c1 = Fma.Of(w, x1, c1);
                    w = Vector512.Create(Unsafe.Add(ref row, (3 * cols) + k));
                    d0 = Fma.Of(w, x0, d0);
                    d1 = Fma.Of(w, x1, d1);
                }

                // Rows i..i+3 in order: Store512's pre-activation, σ, then Output's fused term (one loop, so that σ's
                // code is compiled once).
                sums[0] = a0;
                sums[1] = a1;
                sums[2] = b0;
                sums[3] = b1;
                sums[4] = c0;
                sums[5] = c1;
                sums[6] = d0;
                sums[7] = d1;
                Vector512<double> lo = half == 0 ? y0 : y2, hi = half == 0 ? y1 : y3;
                for (int r = 0; r < 4; r++)
                {
                    var b = Vector512.Create(bias[i + r]);
                    var weight = Vector512.Create(coef[i + r]);
                    lo = Fma.Of(weight, sigma.Value((sums[2 * r] * scale) + b), lo);
                    hi = Fma.Of(weight, sigma.Value((sums[(2 * r) + 1] * scale) + b), hi);
                }

                if (half == 0)
                {
                    (y0, y1) = (lo, hi);
                }
                else
                {
                    (y2, y3) = (lo, hi);
                }
            }
        }

        for (; i < rows; i++)
        {
            ref double row = ref Unsafe.Add(ref m, (nint)i * cols);
            Vector512<double> a0 = Vector512<double>.Zero, a1 = Vector512<double>.Zero, a2 = Vector512<double>.Zero, a3 = Vector512<double>.Zero;
            for (int k = 0; k < cols; k++)
            {
                ref double xk = ref Unsafe.Add(ref xr, (nint)k * Block);
                var w = Vector512.Create(Unsafe.Add(ref row, k));
                a0 = Fma.Of(w, Vector512.LoadUnsafe(ref xk), a0);
                a1 = Fma.Of(w, Vector512.LoadUnsafe(ref xk, 8), a1);
                a2 = Fma.Of(w, Vector512.LoadUnsafe(ref xk, 16), a2);
                a3 = Fma.Of(w, Vector512.LoadUnsafe(ref xk, 24), a3);
            }

            sums[0] = a0;
            sums[1] = a1;
            sums[2] = a2;
            sums[3] = a3;
            var b = Vector512.Create(bias[i]);
            var weight = Vector512.Create(coef[i]);
            for (int v = 0; v < 4; v++)
            {
                sums[4 + v] = Fma.Of(weight, sigma.Value((sums[v] * scale) + b), v switch { 0 => y0, 1 => y1, 2 => y2, _ => y3 });
            }

            (y0, y1, y2, y3) = (sums[4], sums[5], sums[6], sums[7]);
        }

        var outputScale = Vector512.Create(t);
        (y0 * outputScale).CopyTo(y);
        (y1 * outputScale).CopyTo(y[8..]);
        (y2 * outputScale).CopyTo(y[16..]);
        (y3 * outputScale).CopyTo(y[24..]);
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

    // FourRows with 512-bit vectors: rows i..i+3 against 16 columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRows512(ref double row, int cols, ref double x, double s, ReadOnlySpan<double> bias, ref double u)
    {
        Vector512<double> a0 = Vector512<double>.Zero, a1 = Vector512<double>.Zero, b0 = Vector512<double>.Zero, b1 = Vector512<double>.Zero;
        Vector512<double> c0 = Vector512<double>.Zero, c1 = Vector512<double>.Zero, d0 = Vector512<double>.Zero, d1 = Vector512<double>.Zero;
        for (int k = 0; k < cols; k++)
        {
            ref double xk = ref Unsafe.Add(ref x, (nint)k * Block);
            Vector512<double> x0 = Vector512.LoadUnsafe(ref xk), x1 = Vector512.LoadUnsafe(ref xk, 8);
            var w = Vector512.Create(Unsafe.Add(ref row, k));
            a0 = Fma.Of(w, x0, a0);
            a1 = Fma.Of(w, x1, a1);
            w = Vector512.Create(Unsafe.Add(ref row, cols + k));
            b0 = Fma.Of(w, x0, b0);
            b1 = Fma.Of(w, x1, b1);
            w = Vector512.Create(Unsafe.Add(ref row, (2 * cols) + k));
            c0 = Fma.Of(w, x0, c0);
            c1 = Fma.Of(w, x1, c1);
            w = Vector512.Create(Unsafe.Add(ref row, (3 * cols) + k));
            d0 = Fma.Of(w, x0, d0);
            d1 = Fma.Of(w, x1, d1);
        }

        Store512(a0, a1, s, bias[0], ref u);
        Store512(b0, b1, s, bias[1], ref Unsafe.Add(ref u, Block));
        Store512(c0, c1, s, bias[2], ref Unsafe.Add(ref u, 2 * Block));
        Store512(d0, d1, s, bias[3], ref Unsafe.Add(ref u, 3 * Block));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneRow512(ref double row, int cols, ref double x, double s, double bias, ref double u)
    {
        Vector512<double> a0 = Vector512<double>.Zero, a1 = Vector512<double>.Zero;
        for (int k = 0; k < cols; k++)
        {
            ref double xk = ref Unsafe.Add(ref x, (nint)k * Block);
            var w = Vector512.Create(Unsafe.Add(ref row, k));
            a0 = Fma.Of(w, Vector512.LoadUnsafe(ref xk), a0);
            a1 = Fma.Of(w, Vector512.LoadUnsafe(ref xk, 8), a1);
        }

        Store512(a0, a1, s, bias, ref u);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(Vector512<double> a0, Vector512<double> a1, double s, double bias, ref double u)
    {
        var scale = Vector512.Create(s);
        var b = Vector512.Create(bias);
        ((a0 * scale) + b).StoreUnsafe(ref u);
        ((a1 * scale) + b).StoreUnsafe(ref u, 8);
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
