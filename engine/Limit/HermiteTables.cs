namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Constants of the normalized probabilists' Hermite polynomials h_n = He_n / √(n!), which satisfy
/// h_0 = 1, h_1 = u, h_{k+1} = (u h_k - √k h_{k-1}) / √(k+1) and E[h_m(G) h_n(G)] = δ_mn.
/// </summary>
internal static class HermiteTables
{
    /// <summary>The highest order the tables cover.</summary>
    public const int MaxOrder = 1024;

    /// <summary>√k for k = 0..MaxOrder + 1.</summary>
    public static readonly double[] Sqrt = [.. Enumerable.Range(0, MaxOrder + 2).Select(k => Math.Sqrt(k))];

    /// <summary>1/√k for k = 1..MaxOrder + 1 (entry 0 unused).</summary>
    public static readonly double[] InvSqrt = [0.0, .. Enumerable.Range(1, MaxOrder + 1).Select(k => 1.0 / Math.Sqrt(k))];

    /// <summary>1/√(n(n - 1)) for n ≥ 2 (entries 0, 1 unused).</summary>
    public static readonly double[] InvSqrtFalling = [0.0, 0.0, .. Enumerable.Range(2, MaxOrder - 1).Select(n => 1.0 / Math.Sqrt(n * (n - 1.0)))];

    /// <summary>√(n/(n - 1)) for n ≥ 2 (entries 0, 1 unused).</summary>
    public static readonly double[] SqrtRatio = [0.0, 0.0, .. Enumerable.Range(2, MaxOrder - 1).Select(n => Math.Sqrt(n / (n - 1.0)))];

    /// <summary>√(n(n - 1)) for n ≥ 0 (the even-order recurrence).</summary>
    public static readonly double[] SqrtFalling = [.. Enumerable.Range(0, MaxOrder + 1).Select(n => Math.Sqrt(n * (n - 1.0)))];

    /// <summary>1/√((n + 1)(n + 2)) for n ≥ 0 (the even-order recurrence).</summary>
    public static readonly double[] InvSqrtRising = [.. Enumerable.Range(0, MaxOrder + 1).Select(n => 1.0 / Math.Sqrt((n + 1.0) * (n + 2.0)))];
}
