using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// Inner products with one fixed summation order, whatever the vector width, so silos with different
/// SIMD hardware compute the same bits.
/// <para>
/// The order: L = 64 bytes / sizeof(T) logical lanes (8 doubles, 16 floats). Element j of every full block
/// of L elements is fused-multiply-added into lane j mod L, blocks in index order. Then, with m = L and
/// r the elements left over: while m &gt; 1, halve m by adding lane i + m/2 into lane i (i &lt; m/2), and
/// when r ≥ m, fused-multiply-add the next m elements into lanes 0..m-1. The result is lane 0. A
/// 512-bit vector holds all L lanes; 256-bit code holds them in two vectors; scalar code emulates them.
/// </para>
/// </summary>
public static class Dot
{
    /// <summary>Σ_j a_j b_j in the fixed order, at the widest width this machine accelerates.</summary>
    public static T Compute<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Compute(a, b, Simd.Best);

    /// <summary>
    /// The Euclidean norm of each row of the row-major matrix <paramref name="rows"/> (rows of
    /// <paramref name="columns"/> values; one per element of <paramref name="destination"/>), each √(Σ_j x_j²) with the
    /// sum in the fixed order: the same bits at every vector width.
    /// </summary>
    public static void RowNorms(ReadOnlySpan<double> rows, int columns, Span<double> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            ReadOnlySpan<double> row = rows.Slice(i * columns, columns);
            destination[i] = Math.Sqrt(Compute(row, row));
        }
    }

    /// <summary>Σ_j a_j b_j in the fixed order, executed at <paramref name="width"/> (same bits at every width).</summary>
    public static T Compute<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (a.Length != b.Length)
        {
            throw new ArgumentException($"The vectors have lengths {a.Length} and {b.Length}; expected equal lengths.", nameof(b));
        }

        return Core(ref MemoryMarshal.GetReference(a), ref MemoryMarshal.GetReference(b), a.Length, width);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Core<T>(ref T a, ref T b, int n, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => width switch
        {
            SimdWidth.Vector512 => Core512(ref a, ref b, n),
            SimdWidth.Vector256 => Core256(ref a, ref b, n),
            _ => CoreScalar(ref a, ref b, n),
        };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Core512<T>(ref T a, ref T b, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lanes = Vector512<T>.Count;
        Vector512<T> acc = Vector512<T>.Zero;
        int j = 0;
        for (; j <= n - lanes; j += lanes)
        {
            acc = Fma.Of(Vector512.LoadUnsafe(ref a, (nuint)j), Vector512.LoadUnsafe(ref b, (nuint)j), acc);
        }

        return Tail(acc.GetLower() + acc.GetUpper(), ref a, ref b, j, n - j);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Core256<T>(ref T a, ref T b, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int half = Vector256<T>.Count;
        Vector256<T> low = Vector256<T>.Zero, high = Vector256<T>.Zero;
        int j = 0;
        for (; j <= n - (2 * half); j += 2 * half)
        {
            low = Fma.Of(Vector256.LoadUnsafe(ref a, (nuint)j), Vector256.LoadUnsafe(ref b, (nuint)j), low);
            high = Fma.Of(Vector256.LoadUnsafe(ref a, (nuint)(j + half)), Vector256.LoadUnsafe(ref b, (nuint)(j + half)), high);
        }

        return Tail(low + high, ref a, ref b, j, n - j);
    }

    /// <summary>The scalar emulation of the logical lanes: the reference the vector paths must equal.</summary>
    internal static T CoreScalar<T>(ref T a, ref T b, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int count = 64 / Unsafe.SizeOf<T>();
        Span<T> lane = stackalloc T[count];
        lane.Clear();
        int j = 0;
        for (; j <= n - count; j += count)
        {
            for (int i = 0; i < count; i++)
            {
                lane[i] = Fma.Of(Unsafe.Add(ref a, j + i), Unsafe.Add(ref b, j + i), lane[i]);
            }
        }

        int rest = n - j;
        for (int m = count; m > 1;)
        {
            m /= 2;
            for (int i = 0; i < m; i++)
            {
                lane[i] += lane[i + m];
            }

            if (rest >= m)
            {
                for (int i = 0; i < m; i++)
                {
                    lane[i] = Fma.Of(Unsafe.Add(ref a, j + i), Unsafe.Add(ref b, j + i), lane[i]);
                }

                j += m;
                rest -= m;
            }
        }

        return lane[0];
    }

    // The reduction from half the logical lanes (one 256-bit vector) down to one, taking the left-over
    // elements in as the order prescribes. Needs 256- and 128-bit vectors.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static T Tail<T>(Vector256<T> s, ref T a, ref T b, int j, int rest)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (rest >= Vector256<T>.Count)
        {
            s = Fma.Of(Vector256.LoadUnsafe(ref a, (nuint)j), Vector256.LoadUnsafe(ref b, (nuint)j), s);
            j += Vector256<T>.Count;
            rest -= Vector256<T>.Count;
        }

        Vector128<T> q = s.GetLower() + s.GetUpper();
        if (rest >= Vector128<T>.Count)
        {
            q = Fma.Of(Vector128.LoadUnsafe(ref a, (nuint)j), Vector128.LoadUnsafe(ref b, (nuint)j), q);
            j += Vector128<T>.Count;
            rest -= Vector128<T>.Count;
        }

        T r;
        if (Vector128<T>.Count == 4)
        {
            T t0 = q.GetElement(0) + q.GetElement(2);
            T t1 = q.GetElement(1) + q.GetElement(3);
            if (rest >= 2)
            {
                t0 = Fma.Of(Unsafe.Add(ref a, j), Unsafe.Add(ref b, j), t0);
                t1 = Fma.Of(Unsafe.Add(ref a, j + 1), Unsafe.Add(ref b, j + 1), t1);
                j += 2;
                rest -= 2;
            }

            r = t0 + t1;
        }
        else
        {
            r = q.GetElement(0) + q.GetElement(1);
        }

        if (rest >= 1)
        {
            r = Fma.Of(Unsafe.Add(ref a, j), Unsafe.Add(ref b, j), r);
        }

        return r;
    }
}
