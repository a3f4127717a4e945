using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// Fused multiply-add a·b + c with one rounding, for scalars and every vector width, for float and double.
/// All kernels use these (never a separate multiply and add where a fused one is meant), so every
/// execution width computes the same bits.
/// </summary>
internal static class Fma
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T Of<T>(T a, T b, T c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => T.FusedMultiplyAdd(a, b, c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<T> Of<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            return Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        throw new NotSupportedException($"Kernels support float and double, not {typeof(T).Name}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<T> Of<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            return Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        throw new NotSupportedException($"Kernels support float and double, not {typeof(T).Name}.");
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<T> Of<T>(Vector128<T> a, Vector128<T> b, Vector128<T> c)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(double))
        {
            return Vector128.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
        }

        if (typeof(T) == typeof(float))
        {
            return Vector128.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>();
        }

        throw new NotSupportedException($"Kernels support float and double, not {typeof(T).Name}.");
    }
}
