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

        if (width == SimdWidth.Vector512)
        {
            Layer<Lanes512>(matrix, rows, cols, x, s, bias, u);
        }
        else
        {
            Layer<Lanes256>(matrix, rows, cols, x, s, bias, u);
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

        if (Simd.Best == SimdWidth.Vector512)
        {
            Output<Lanes512>(coef, h, s, y);
        }
        else
        {
            Output<Lanes256>(coef, h, s, y);
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
        for (int i = 0; i < rows;)
        {
            // Four rows at a time, then the last rows one by one; each against 16 columns at a time.
            int count = rows - i >= 4 ? 4 : 1;
            ref double row = ref Unsafe.Add(ref m, (nint)i * cols);
            for (int half = 0; half < 2; half++)
            {
                ref double columns = ref Unsafe.Add(ref xr, 16 * half);
                if (count == 4)
                {
                    FourSums(ref row, cols, ref columns, out Lanes512 a0, out Lanes512 a1, out Lanes512 b0, out Lanes512 b1, out Lanes512 c0, out Lanes512 c1, out Lanes512 d0, out Lanes512 d1);
                    (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7]) = (a0.V, a1.V, b0.V, b1.V, c0.V, c1.V, d0.V, d1.V);
                }
                else
                {
                    OneSum(ref row, cols, ref columns, out Lanes512 a0, out Lanes512 a1);
                    (sums[0], sums[1]) = (a0.V, a1.V);
                }

                // The rows in order: Store's pre-activation, σ, then Output's fused term (one loop, so that σ's code
                // is compiled once).
                Vector512<double> lo = half == 0 ? y0 : y2, hi = half == 0 ? y1 : y3;
                for (int r = 0; r < count; r++)
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

            i += count;
        }

        var outputScale = Vector512.Create(t);
        (y0 * outputScale).CopyTo(y);
        (y1 * outputScale).CopyTo(y[8..]);
        (y2 * outputScale).CopyTo(y[16..]);
        (y3 * outputScale).CopyTo(y[24..]);
    }

    // Every row against the block's columns, two vectors of columns at a time: rows in fours, then one by one.
    private static void Layer<TL>(ReadOnlySpan<double> matrix, int rows, int cols, ReadOnlySpan<double> x, double s, ReadOnlySpan<double> bias, Span<double> u)
        where TL : struct, IBlockLanes<TL>
    {
        ref double m = ref MemoryMarshal.GetReference(matrix);
        ref double xr = ref MemoryMarshal.GetReference(x);
        ref double ur = ref MemoryMarshal.GetReference(u);
        int i = 0;
        for (; i + 4 <= rows; i += 4)
        {
            for (int c = 0; c < Block; c += 2 * TL.Count)
            {
                FourSums(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref Unsafe.Add(ref xr, c), out TL a0, out TL a1, out TL b0, out TL b1, out TL c0, out TL c1, out TL d0, out TL d1);
                ref double to = ref Unsafe.Add(ref ur, ((nint)i * Block) + c);
                Store(a0, a1, s, bias[i], ref to);
                Store(b0, b1, s, bias[i + 1], ref Unsafe.Add(ref to, Block));
                Store(c0, c1, s, bias[i + 2], ref Unsafe.Add(ref to, 2 * Block));
                Store(d0, d1, s, bias[i + 3], ref Unsafe.Add(ref to, 3 * Block));
            }
        }

        for (; i < rows; i++)
        {
            for (int c = 0; c < Block; c += 2 * TL.Count)
            {
                OneSum(ref Unsafe.Add(ref m, (nint)i * cols), cols, ref Unsafe.Add(ref xr, c), out TL a0, out TL a1);
                Store(a0, a1, s, bias[i], ref Unsafe.Add(ref ur, ((nint)i * Block) + c));
            }
        }
    }

    // The output's chains over the rows j, four vectors of columns at a time (four independent chains).
    private static void Output<TL>(ReadOnlySpan<double> coef, ReadOnlySpan<double> h, double s, Span<double> y)
        where TL : struct, IBlockLanes<TL>
    {
        ref double hr = ref MemoryMarshal.GetReference(h);
        ref double yr = ref MemoryMarshal.GetReference(y);
        int n = TL.Count;
        for (int c = 0; c < Block; c += 4 * n)
        {
            TL a0 = TL.Create(0.0), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < coef.Length; j++)
            {
                TL w = TL.Create(coef[j]);
                ref double row = ref Unsafe.Add(ref hr, ((nint)j * Block) + c);
                a0 = TL.MultiplyAdd(w, TL.Load(ref row, 0), a0);
                a1 = TL.MultiplyAdd(w, TL.Load(ref row, n), a1);
                a2 = TL.MultiplyAdd(w, TL.Load(ref row, 2 * n), a2);
                a3 = TL.MultiplyAdd(w, TL.Load(ref row, 3 * n), a3);
            }

            TL scale = TL.Create(s);
            TL.Store(TL.Multiply(a0, scale), ref yr, c);
            TL.Store(TL.Multiply(a1, scale), ref yr, c + n);
            TL.Store(TL.Multiply(a2, scale), ref yr, c + (2 * n));
            TL.Store(TL.Multiply(a3, scale), ref yr, c + (3 * n));
        }
    }

    // Rows i..i+3 against two vectors of columns: 8 accumulators, one broadcast per row and term, each lane's
    // chain the sequential fused Σ_k.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourSums<TL>(ref double row, int cols, ref double x, out TL a0, out TL a1, out TL b0, out TL b1, out TL c0, out TL c1, out TL d0, out TL d1)
        where TL : struct, IBlockLanes<TL>
    {
        TL zero = TL.Create(0.0);
        (a0, a1, b0, b1, c0, c1, d0, d1) = (zero, zero, zero, zero, zero, zero, zero, zero);
        for (int k = 0; k < cols; k++)
        {
            ref double xk = ref Unsafe.Add(ref x, (nint)k * Block);
            TL x0 = TL.Load(ref xk, 0), x1 = TL.Load(ref xk, TL.Count);
            TL w = TL.Create(Unsafe.Add(ref row, k));
            a0 = TL.MultiplyAdd(w, x0, a0);
            a1 = TL.MultiplyAdd(w, x1, a1);
            w = TL.Create(Unsafe.Add(ref row, cols + k));
            b0 = TL.MultiplyAdd(w, x0, b0);
            b1 = TL.MultiplyAdd(w, x1, b1);
            w = TL.Create(Unsafe.Add(ref row, (2 * cols) + k));
            c0 = TL.MultiplyAdd(w, x0, c0);
            c1 = TL.MultiplyAdd(w, x1, c1);
            w = TL.Create(Unsafe.Add(ref row, (3 * cols) + k));
            d0 = TL.MultiplyAdd(w, x0, d0);
            d1 = TL.MultiplyAdd(w, x1, d1);
        }
    }

    // One row against two vectors of columns.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OneSum<TL>(ref double row, int cols, ref double x, out TL a0, out TL a1)
        where TL : struct, IBlockLanes<TL>
    {
        a0 = TL.Create(0.0);
        a1 = a0;
        for (int k = 0; k < cols; k++)
        {
            ref double xk = ref Unsafe.Add(ref x, (nint)k * Block);
            TL w = TL.Create(Unsafe.Add(ref row, k));
            a0 = TL.MultiplyAdd(w, TL.Load(ref xk, 0), a0);
            a1 = TL.MultiplyAdd(w, TL.Load(ref xk, TL.Count), a1);
        }
    }

    // u = (s·sum) + bias: the product rounded, then the sum (the per-input kernels' order).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TL>(TL a0, TL a1, double s, double bias, ref double u)
        where TL : struct, IBlockLanes<TL>
    {
        TL scale = TL.Create(s), b = TL.Create(bias);
        TL.Store(TL.Add(TL.Multiply(a0, scale), b), ref u, 0);
        TL.Store(TL.Add(TL.Multiply(a1, scale), b), ref u, TL.Count);
    }

    // The vector of a block loop: 256 or 512 bits of doubles, every multiply-add fused.
    private interface IBlockLanes<TSelf>
        where TSelf : struct, IBlockLanes<TSelf>
    {
        static abstract int Count { get; }

        static abstract TSelf Load(ref double source, int offset);

        static abstract TSelf Create(double value);

        static abstract TSelf Multiply(TSelf a, TSelf b);

        static abstract TSelf Add(TSelf a, TSelf b);

        static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

        static abstract void Store(TSelf a, ref double destination, int offset);
    }

    private readonly struct Lanes256(Vector256<double> v) : IBlockLanes<Lanes256>
    {
        public static int Count => Vector256<double>.Count;

        public Vector256<double> V { get; } = v;

        public static Lanes256 Load(ref double source, int offset) => new(Vector256.LoadUnsafe(ref source, (nuint)offset));

        public static Lanes256 Create(double value) => new(Vector256.Create(value));

        public static Lanes256 Multiply(Lanes256 a, Lanes256 b) => new(a.V * b.V);

        public static Lanes256 Add(Lanes256 a, Lanes256 b) => new(a.V + b.V);

        public static Lanes256 MultiplyAdd(Lanes256 a, Lanes256 b, Lanes256 c) => new(Fma.Of(a.V, b.V, c.V));

        public static void Store(Lanes256 a, ref double destination, int offset) => a.V.StoreUnsafe(ref destination, (nuint)offset);
    }

    private readonly struct Lanes512(Vector512<double> v) : IBlockLanes<Lanes512>
    {
        public static int Count => Vector512<double>.Count;

        public Vector512<double> V { get; } = v;

        public static Lanes512 Load(ref double source, int offset) => new(Vector512.LoadUnsafe(ref source, (nuint)offset));

        public static Lanes512 Create(double value) => new(Vector512.Create(value));

        public static Lanes512 Multiply(Lanes512 a, Lanes512 b) => new(a.V * b.V);

        public static Lanes512 Add(Lanes512 a, Lanes512 b) => new(a.V + b.V);

        public static Lanes512 MultiplyAdd(Lanes512 a, Lanes512 b, Lanes512 c) => new(Fma.Of(a.V, b.V, c.V));

        public static void Store(Lanes512 a, ref double destination, int offset) => a.V.StoreUnsafe(ref destination, (nuint)offset);
    }
}
