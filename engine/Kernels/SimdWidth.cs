using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// The vector width a kernel executes with. Every width computes the same bits: reductions follow one
/// fixed order over 64-byte logical lanes (see <see cref="Dot"/>), element-wise work is the same
/// operation per element, and every multiply-add is fused in every path.
/// </summary>
public enum SimdWidth
{
    /// <summary>Scalar code that emulates the logical lanes one by one (reference and fallback).</summary>
    Scalar = 0,

    /// <summary>256-bit vectors (AVX2 and FMA3): two vectors per 64-byte lane group.</summary>
    Vector256 = 1,

    /// <summary>512-bit vectors (AVX-512): one vector per 64-byte lane group.</summary>
    Vector512 = 2,
}

/// <summary>The widths this machine accelerates.</summary>
public static class Simd
{
    /// <summary>The widest accelerated width: the default of every kernel.</summary>
    public static SimdWidth Best { get; } =
        Vector512.IsHardwareAccelerated ? SimdWidth.Vector512
        : Vector256.IsHardwareAccelerated ? SimdWidth.Vector256
        : SimdWidth.Scalar;

    /// <summary>Whether <paramref name="width"/> can run here (scalar always can; a vector width only when accelerated).</summary>
    public static bool IsSupported(SimdWidth width) => width switch
    {
        SimdWidth.Scalar => true,
        SimdWidth.Vector256 => Vector256.IsHardwareAccelerated,
        SimdWidth.Vector512 => Vector512.IsHardwareAccelerated,
        _ => false,
    };

    /// <summary>Every width that can run here, narrowest first.</summary>
    public static IReadOnlyList<SimdWidth> Supported { get; } = [.. Enum.GetValues<SimdWidth>().Where(IsSupported)];
}
