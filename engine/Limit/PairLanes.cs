using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Eight doubles, the logical lanes of the population risk's pair loop (<see cref="PopulationRisk"/>,
/// PopulationRisk.Groups.cs), as one 512-bit vector, two 256-bit vectors or eight scalars. Every operation
/// is element-wise with one rounding (the multiply-add is fused in every implementation), so the three
/// compute the same bits and the loop's results do not depend on the machine's vector width.
/// </summary>
internal interface IPairLanes<TSelf>
    where TSelf : struct, IPairLanes<TSelf>
{
    static abstract TSelf Load(ref double source);

    static abstract TSelf Create(double value);

    static abstract TSelf Multiply(TSelf a, TSelf b);

    static abstract TSelf Add(TSelf a, TSelf b);

    // a·b + c, rounded once.
    static abstract TSelf MultiplyAdd(TSelf a, TSelf b, TSelf c);

    static abstract TSelf Abs(TSelf a);

    // min(max(a, -1), 1).
    static abstract TSelf ClampUnit(TSelf a);

    // The larger of a and b in each lane (exact; the values compared are never NaN or -0, so the native
    // instruction's handling of those does not matter).
    static abstract TSelf Max(TSelf a, TSelf b);

    // The largest of the lanes (exact, so the order of the comparisons does not matter).
    static abstract double MaxLane(TSelf a);

    // Whether a ≤ limit in every lane.
    static abstract bool AllAtMost(TSelf a, TSelf limit);

    // Whether a and b are ≤ limitAB and c and d ≤ limitCD in every lane (one test of the four comparisons' masks;
    // false for NaN).
    static abstract bool AllAtMost(TSelf a, TSelf b, TSelf limitAB, TSelf c, TSelf d, TSelf limitCD);

    static abstract void Store(TSelf a, ref double destination);
}

/// <summary>The eight lanes as one <see cref="Vector512{T}"/> (AVX-512).</summary>
internal readonly struct PairLanes512 : IPairLanes<PairLanes512>
{
    private readonly Vector512<double> _v;

    private PairLanes512(Vector512<double> v) => _v = v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes512 Load(ref double source) => new(Vector512.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes512 Create(double value) => new(Vector512.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes512 Multiply(PairLanes512 a, PairLanes512 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes512 Add(PairLanes512 a, PairLanes512 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes512 MultiplyAdd(PairLanes512 a, PairLanes512 b, PairLanes512 c) => new(Vector512.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes512 Abs(PairLanes512 a) => new(Vector512.Abs(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes512 ClampUnit(PairLanes512 a) => new(Vector512.Min(Vector512.Max(a._v, Vector512.Create(-1.0)), Vector512<double>.One));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes512 Max(PairLanes512 a, PairLanes512 b) => new(Vector512.MaxNative(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxLane(PairLanes512 a) => HalfLanes256.MaxLane(new HalfLanes256(Vector256.MaxNative(a._v.GetLower(), a._v.GetUpper())));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllAtMost(PairLanes512 a, PairLanes512 limit) => Vector512.LessThanOrEqualAll(a._v, limit._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllAtMost(PairLanes512 a, PairLanes512 b, PairLanes512 limitAB, PairLanes512 c, PairLanes512 d, PairLanes512 limitCD) =>
        (Vector512.LessThanOrEqual(a._v, limitAB._v) & Vector512.LessThanOrEqual(b._v, limitAB._v) & Vector512.LessThanOrEqual(c._v, limitCD._v) & Vector512.LessThanOrEqual(d._v, limitCD._v)).ExtractMostSignificantBits() == 0xFF;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(PairLanes512 a, ref double destination) => a._v.StoreUnsafe(ref destination);
}

/// <summary>The eight lanes as two <see cref="Vector256{T}"/> (AVX2 and FMA3).</summary>
internal readonly struct PairLanes256 : IPairLanes<PairLanes256>
{
    private readonly Vector256<double> _lo, _hi;

    private PairLanes256(Vector256<double> lo, Vector256<double> hi) => (_lo, _hi) = (lo, hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 Load(ref double source) => new(Vector256.LoadUnsafe(ref source), Vector256.LoadUnsafe(ref source, 4));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 Create(double value) => new(Vector256.Create(value), Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 Multiply(PairLanes256 a, PairLanes256 b) => new(a._lo * b._lo, a._hi * b._hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 Add(PairLanes256 a, PairLanes256 b) => new(a._lo + b._lo, a._hi + b._hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 MultiplyAdd(PairLanes256 a, PairLanes256 b, PairLanes256 c) =>
        new(Vector256.FusedMultiplyAdd(a._lo, b._lo, c._lo), Vector256.FusedMultiplyAdd(a._hi, b._hi, c._hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 Abs(PairLanes256 a) => new(Vector256.Abs(a._lo), Vector256.Abs(a._hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 ClampUnit(PairLanes256 a)
    {
        Vector256<double> minusOne = Vector256.Create(-1.0);
        return new(Vector256.Min(Vector256.Max(a._lo, minusOne), Vector256<double>.One), Vector256.Min(Vector256.Max(a._hi, minusOne), Vector256<double>.One));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 Max(PairLanes256 a, PairLanes256 b) => new(Vector256.MaxNative(a._lo, b._lo), Vector256.MaxNative(a._hi, b._hi));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxLane(PairLanes256 a) => HalfLanes256.MaxLane(new HalfLanes256(Vector256.MaxNative(a._lo, a._hi)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllAtMost(PairLanes256 a, PairLanes256 limit) => Vector256.LessThanOrEqualAll(a._lo, limit._lo) && Vector256.LessThanOrEqualAll(a._hi, limit._hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllAtMost(PairLanes256 a, PairLanes256 b, PairLanes256 limitAB, PairLanes256 c, PairLanes256 d, PairLanes256 limitCD)
    {
        Vector256<double> lo = Vector256.LessThanOrEqual(a._lo, limitAB._lo) & Vector256.LessThanOrEqual(b._lo, limitAB._lo) & Vector256.LessThanOrEqual(c._lo, limitCD._lo) & Vector256.LessThanOrEqual(d._lo, limitCD._lo);
        Vector256<double> hi = Vector256.LessThanOrEqual(a._hi, limitAB._hi) & Vector256.LessThanOrEqual(b._hi, limitAB._hi) & Vector256.LessThanOrEqual(c._hi, limitCD._hi) & Vector256.LessThanOrEqual(d._hi, limitCD._hi);
        return (lo & hi).ExtractMostSignificantBits() == 0xF;
    }

    // Lanes 0-3 and 4-7 as half-lane values, and the eight lanes from them.
    public HalfLanes256 Lower => new(_lo);

    public HalfLanes256 Upper => new(_hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static PairLanes256 Join(HalfLanes256 lower, HalfLanes256 upper) => new(lower.Vector, upper.Vector);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(PairLanes256 a, ref double destination)
    {
        a._lo.StoreUnsafe(ref destination);
        a._hi.StoreUnsafe(ref destination, 4);
    }
}

/// <summary>
/// Four of the eight lanes as one <see cref="Vector256{T}"/>: at 256 bits a loop whose eight-lane values would not fit the
/// sixteen registers runs each half of the lanes on its own (the same operations per lane, so the same bits).
/// </summary>
internal readonly struct HalfLanes256 : IPairLanes<HalfLanes256>
{
    private readonly Vector256<double> _v;

    internal HalfLanes256(Vector256<double> v) => _v = v;

    internal Vector256<double> Vector => _v;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HalfLanes256 Load(ref double source) => new(Vector256.LoadUnsafe(ref source));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HalfLanes256 Create(double value) => new(Vector256.Create(value));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HalfLanes256 Multiply(HalfLanes256 a, HalfLanes256 b) => new(a._v * b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HalfLanes256 Add(HalfLanes256 a, HalfLanes256 b) => new(a._v + b._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HalfLanes256 MultiplyAdd(HalfLanes256 a, HalfLanes256 b, HalfLanes256 c) => new(Vector256.FusedMultiplyAdd(a._v, b._v, c._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HalfLanes256 Abs(HalfLanes256 a) => new(Vector256.Abs(a._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HalfLanes256 ClampUnit(HalfLanes256 a) => new(Vector256.Min(Vector256.Max(a._v, Vector256.Create(-1.0)), Vector256<double>.One));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static HalfLanes256 Max(HalfLanes256 a, HalfLanes256 b) => new(Vector256.MaxNative(a._v, b._v));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double MaxLane(HalfLanes256 a)
    {
        Vector128<double> two = Vector128.MaxNative(a._v.GetLower(), a._v.GetUpper());
        return Math.Max(two.GetElement(0), two.GetElement(1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllAtMost(HalfLanes256 a, HalfLanes256 limit) => Vector256.LessThanOrEqualAll(a._v, limit._v);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AllAtMost(HalfLanes256 a, HalfLanes256 b, HalfLanes256 limitAB, HalfLanes256 c, HalfLanes256 d, HalfLanes256 limitCD) =>
        (Vector256.LessThanOrEqual(a._v, limitAB._v) & Vector256.LessThanOrEqual(b._v, limitAB._v) & Vector256.LessThanOrEqual(c._v, limitCD._v) & Vector256.LessThanOrEqual(d._v, limitCD._v)).ExtractMostSignificantBits() == 0xF;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(HalfLanes256 a, ref double destination) => a._v.StoreUnsafe(ref destination);
}

/// <summary>The eight lanes one by one (the reference, and the path of machines without AVX2).</summary>
internal struct PairLanesScalar : IPairLanes<PairLanesScalar>
{
    private Eight _e;

    public static PairLanesScalar Load(ref double source)
    {
        var r = default(PairLanesScalar);
        for (int l = 0; l < 8; l++)
        {
            r._e[l] = Unsafe.Add(ref source, l);
        }

        return r;
    }

    public static PairLanesScalar Create(double value)
    {
        var r = default(PairLanesScalar);
        ((Span<double>)r._e).Fill(value);
        return r;
    }

    public static PairLanesScalar Multiply(PairLanesScalar a, PairLanesScalar b) => Map(a, b, static (x, y) => x * y);

    public static PairLanesScalar Add(PairLanesScalar a, PairLanesScalar b) => Map(a, b, static (x, y) => x + y);

    public static PairLanesScalar MultiplyAdd(PairLanesScalar a, PairLanesScalar b, PairLanesScalar c)
    {
        var r = default(PairLanesScalar);
        for (int l = 0; l < 8; l++)
        {
            r._e[l] = Math.FusedMultiplyAdd(a._e[l], b._e[l], c._e[l]);
        }

        return r;
    }

    public static PairLanesScalar Abs(PairLanesScalar a) => Map(a, a, static (x, _) => Math.Abs(x));

    public static PairLanesScalar ClampUnit(PairLanesScalar a) => Map(a, a, static (x, _) => Math.Min(Math.Max(x, -1.0), 1.0));

    public static PairLanesScalar Max(PairLanesScalar a, PairLanesScalar b) => Map(a, b, static (x, y) => Math.Max(x, y));

    public static double MaxLane(PairLanesScalar a)
    {
        double m = a._e[0];
        for (int l = 1; l < 8; l++)
        {
            m = Math.Max(m, a._e[l]);
        }

        return m;
    }

    public static bool AllAtMost(PairLanesScalar a, PairLanesScalar limit)
    {
        for (int l = 0; l < 8; l++)
        {
            if (!(a._e[l] <= limit._e[l]))
            {
                return false;
            }
        }

        return true;
    }

    public static bool AllAtMost(PairLanesScalar a, PairLanesScalar b, PairLanesScalar limitAB, PairLanesScalar c, PairLanesScalar d, PairLanesScalar limitCD) =>
        AllAtMost(a, limitAB) & AllAtMost(b, limitAB) & AllAtMost(c, limitCD) & AllAtMost(d, limitCD);

    public static void Store(PairLanesScalar a, ref double destination)
    {
        for (int l = 0; l < 8; l++)
        {
            Unsafe.Add(ref destination, l) = a._e[l];
        }
    }

    private static PairLanesScalar Map(PairLanesScalar a, PairLanesScalar b, Func<double, double, double> f)
    {
        var r = default(PairLanesScalar);
        for (int l = 0; l < 8; l++)
        {
            r._e[l] = f(a._e[l], b._e[l]);
        }

        return r;
    }

    [InlineArray(8)]
    private struct Eight
    {
        private double _first;
    }
}
