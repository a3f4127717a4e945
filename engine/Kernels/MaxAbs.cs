using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// The largest magnitude max_j |x_j| of a span, NaN when any element is NaN (the divergence check of a run, every
/// <c>SgdRun.DivergenceCheckInterval</c> steps over all parameters). A maximum does not depend on the order of
/// its comparisons, so every width returns the same value. Compiled fully optimized at its first call: the
/// generic library reduction it replaces cost a run about 10 ms of compiling and slow first calls per worker.
/// </summary>
internal static class MaxAbs
{
    /// <summary>max_j |x_j| (0 for an empty span; +∞ when an element is infinite), or NaN when an element is NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Of<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ref T x = ref MemoryMarshal.GetReference(values);
        int n = values.Length, j = 0;
        T max = T.Zero;
        bool nan = false;
        if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            // |x| by clearing the sign; NaN lanes are found by x != x, since Max may drop them. 256-bit vectors
            // wherever there are vectors (also on AVX-512 machines: a check every 1024 steps does not need more).
            Vector256<T> acc = Vector256<T>.Zero, unordered = Vector256<T>.Zero;
            for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                Vector256<T> v = Vector256.LoadUnsafe(ref x, (nuint)j);
                acc = Vector256.Max(acc, Vector256.Abs(v));
                unordered |= ~Vector256.Equals(v, v);
            }

            nan = unordered != Vector256<T>.Zero;
            for (int l = 0; l < Vector256<T>.Count; l++)
            {
                max = T.Max(max, acc[l]);
            }
        }

        for (; j < n; j++)
        {
            T v = Unsafe.Add(ref x, j);
            nan |= T.IsNaN(v);
            max = T.Max(max, T.Abs(v));
        }

        return nan ? double.NaN : double.CreateChecked(max);
    }
}
