using System.Diagnostics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Bench;

/// <summary>
/// Memory-bandwidth yardsticks on one core at a given working set, measured in the same run as the engine:
/// <list type="bullet">
/// <item><see cref="Gbps"/>, the roofline: a STREAM-like triad a = b + q·c over three 64-byte-aligned arrays
/// that together hold the working set, with ordinary (cached, write-allocate) stores as STREAM's reference
/// build uses, so all three arrays pass through the caches as the engine's weights do; 24 bytes counted
/// per element, as STREAM counts.</item>
/// <item><see cref="StreamingGbps"/>: the same triad by <c>TensorPrimitives.MultiplyAdd</c>, which on large
/// arrays writes a with non-temporal stores that bypass the caches. Above the L3 this keeps b and c (two
/// thirds of the working set) cache-resident, so it reads faster than any pass that must keep all of its
/// data cached can; reported for comparison, not used as the roofline.</item>
/// <item><see cref="ReadGbps"/>: a read-only sum over the whole working set, one stream, into eight independent
/// vector accumulators so that the adds' latency does not bound it (<c>TensorPrimitives.Sum</c>, used before,
/// runs one chain of adds: 34 GB/s against 94-98 GB/s with four accumulators over 256 KB at 256 bits, measured
/// on an AVX2 machine).</item>
/// </list>
/// Each is the best of <c>windows</c> timed windows after a warm-up, as STREAM reports its best rate: the
/// bandwidth the machine can give, which interference from other processes only lowers.
/// </summary>
internal static class Triad
{
    private const double Q = 3.0;

    public static double Gbps(long workingSetBytes, double seconds, int windows)
    {
        using var arrays = new Arrays(workingSetBytes / 24, 3);
        return Rate(24.0 * arrays.Length, seconds, windows, () => CachedTriad(arrays[0], arrays[1], arrays[2]));
    }

    public static double StreamingGbps(long workingSetBytes, double seconds, int windows)
    {
        using var arrays = new Arrays(workingSetBytes / 24, 3);
        return Rate(24.0 * arrays.Length, seconds, windows, () => TensorPrimitives.MultiplyAdd(arrays[2], Q, arrays[1], arrays[0]));
    }

    public static double ReadGbps(long workingSetBytes, double seconds, int windows)
    {
        using var arrays = new Arrays(workingSetBytes / 8, 1);
        double sink = 0;
        double rate = Rate(8.0 * arrays.Length, seconds, windows, () => sink += ReadSum(arrays[0]));
        return double.IsFinite(sink) ? rate : double.NaN;
    }

    // Σ x_i in eight independent accumulators at the widest vector width (the order does not matter: only the
    // rate is used), the elements after the last whole group of eight vectors one at a time.
    private static double ReadSum(ReadOnlySpan<double> x)
    {
        ref double r = ref MemoryMarshal.GetReference(x);
        int n = x.Length, i = 0;
        double sum = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            int w = Vector512<double>.Count;
            Vector512<double> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (; i <= n - (8 * w); i += 8 * w)
            {
                s0 += Vector512.LoadUnsafe(ref r, (nuint)i);
                s1 += Vector512.LoadUnsafe(ref r, (nuint)(i + w));
                s2 += Vector512.LoadUnsafe(ref r, (nuint)(i + (2 * w)));
                s3 += Vector512.LoadUnsafe(ref r, (nuint)(i + (3 * w)));
                s4 += Vector512.LoadUnsafe(ref r, (nuint)(i + (4 * w)));
                s5 += Vector512.LoadUnsafe(ref r, (nuint)(i + (5 * w)));
                s6 += Vector512.LoadUnsafe(ref r, (nuint)(i + (6 * w)));
                s7 += Vector512.LoadUnsafe(ref r, (nuint)(i + (7 * w)));
            }

            sum = Vector512.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
        }
        else
        {
            int w = Vector256<double>.Count;
            Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (; i <= n - (8 * w); i += 8 * w)
            {
                s0 += Vector256.LoadUnsafe(ref r, (nuint)i);
                s1 += Vector256.LoadUnsafe(ref r, (nuint)(i + w));
                s2 += Vector256.LoadUnsafe(ref r, (nuint)(i + (2 * w)));
                s3 += Vector256.LoadUnsafe(ref r, (nuint)(i + (3 * w)));
                s4 += Vector256.LoadUnsafe(ref r, (nuint)(i + (4 * w)));
                s5 += Vector256.LoadUnsafe(ref r, (nuint)(i + (5 * w)));
                s6 += Vector256.LoadUnsafe(ref r, (nuint)(i + (6 * w)));
                s7 += Vector256.LoadUnsafe(ref r, (nuint)(i + (7 * w)));
            }

            sum = Vector256.Sum(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)));
        }

        for (; i < n; i++)
        {
            sum += Unsafe.Add(ref r, i);
        }

        return sum;
    }

    // a = b + q·c with ordinary stores, at the widest vector width.
    private static void CachedTriad(Span<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c)
    {
        ref double ar = ref MemoryMarshal.GetReference(a);
        ref double br = ref MemoryMarshal.GetReference(b);
        ref double cr = ref MemoryMarshal.GetReference(c);
        int n = a.Length, i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            Vector512<double> q = Vector512.Create(Q);
            for (; i <= n - Vector512<double>.Count; i += Vector512<double>.Count)
            {
                (Vector512.LoadUnsafe(ref br, (nuint)i) + (q * Vector512.LoadUnsafe(ref cr, (nuint)i))).StoreUnsafe(ref ar, (nuint)i);
            }
        }
        else
        {
            Vector256<double> q = Vector256.Create(Q);
            for (; i <= n - Vector256<double>.Count; i += Vector256<double>.Count)
            {
                (Vector256.LoadUnsafe(ref br, (nuint)i) + (q * Vector256.LoadUnsafe(ref cr, (nuint)i))).StoreUnsafe(ref ar, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            Unsafe.Add(ref ar, i) = Unsafe.Add(ref br, i) + (Q * Unsafe.Add(ref cr, i));
        }
    }

    // Bytes per second of `once` over timed windows of seconds / windows each, after a warm-up; the best.
    private static double Rate(double bytes, double seconds, int windows, Action once)
    {
        long start = Stopwatch.GetTimestamp();
        int warm = 0;
        while (warm < 20 || Stopwatch.GetElapsedTime(start).TotalSeconds < Math.Min(0.2, seconds / 4))
        {
            once();
            warm++;
        }

        double each = Stopwatch.GetElapsedTime(start).TotalSeconds / warm;
        long reps = Math.Max(1, (long)(seconds / windows / Math.Max(1e-7, each)));
        var rates = new List<double>();
        for (int w = 0; w < windows; w++)
        {
            long t0 = Stopwatch.GetTimestamp();
            for (long r = 0; r < reps; r++)
            {
                once();
            }

            rates.Add(bytes * reps / Stopwatch.GetElapsedTime(t0).TotalSeconds / 1e9);
        }

        return rates.Max();
    }

    // Arrays of at least 1024 doubles each, every one starting on a 64-byte boundary, filled with 1, 2, 3, ...
    private sealed unsafe class Arrays : IDisposable
    {
        private readonly double*[] _data;

        public Arrays(long length, int count)
        {
            Length = (int)Math.Clamp(length, 1024, int.MaxValue / 8);
            _data = new double*[count];
            for (int k = 0; k < count; k++)
            {
                _data[k] = (double*)NativeMemory.AlignedAlloc((nuint)Length * sizeof(double), 64);
                new Span<double>(_data[k], Length).Fill(k + 1);
            }
        }

        public int Length { get; }

        public Span<double> this[int k] => new(_data[k], Length);

        public void Dispose()
        {
            foreach (double* p in _data)
            {
                NativeMemory.AlignedFree(p);
            }
        }
    }
}
