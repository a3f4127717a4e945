using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Engine.Randomness;

/// <summary>
/// The operations the lane generators (<see cref="LaneGaussians"/>) are written with, at one vector width:
/// integer adds, multiplies, shifts and bit operations, and the IEEE-754 operations that are correctly
/// rounded in every lane (add, subtract, multiply, divide, square root, fused multiply-add). Each lane of a
/// vector computes what the scalar implementation computes for one element, so every width gives the same bits.
/// </summary>
/// <typeparam name="TD">A vector of doubles (or one double).</typeparam>
/// <typeparam name="TU">A vector of 64-bit words of the same lane count.</typeparam>
internal interface ILaneOps<TD, TU>
    where TD : struct
    where TU : struct
{
    /// <summary>Lanes per vector.</summary>
    static abstract int Count { get; }

    static abstract TU Word(ulong value);

    /// <summary>Words <paramref name="index"/> .. <paramref name="index"/> + Count − 1 of <paramref name="source"/>.</summary>
    static abstract TU Load(ReadOnlySpan<ulong> source, int index);

    static abstract TU Iota(ulong step);

    static abstract TU Add(TU a, TU b);

    static abstract TU Subtract(TU a, TU b);

    static abstract TU Multiply(TU a, TU b);

    static abstract TU Xor(TU a, TU b);

    static abstract TU Or(TU a, TU b);

    static abstract TU And(TU a, TU b);

    static abstract TU ShiftRight(TU a, int bits);

    static abstract TU ShiftLeft(TU a, int bits);

    static abstract TD AsDouble(TU a);

    static abstract TU AsWord(TD a);

    static abstract TD Constant(double value);

    static abstract TD Add(TD a, TD b);

    static abstract TD Subtract(TD a, TD b);

    static abstract TD Multiply(TD a, TD b);

    static abstract TD Divide(TD a, TD b);

    static abstract TD FusedMultiplyAdd(TD a, TD b, TD c);

    static abstract TD Sqrt(TD a);

    /// <summary>Lane-wise <paramref name="ifNonZero"/> where <paramref name="k"/> ≠ 0 (NaN included), <paramref name="otherwise"/> where k is ±0.</summary>
    static abstract TD SelectNonZero(TD k, TD ifNonZero, TD otherwise);

    /// <summary>Writes lane i to destination[offset + i·stride] (through <paramref name="scratch"/>, Count values, when the stride is not 1).</summary>
    static abstract void Store(TD value, Span<double> destination, int offset, int stride, Span<double> scratch);
}

/// <summary>One lane: the scalar reference of the lane kernels.</summary>
internal readonly struct ScalarLanes : ILaneOps<double, ulong>
{
    public static int Count => 1;

    public static ulong Word(ulong value) => value;

    public static ulong Load(ReadOnlySpan<ulong> source, int index) => source[index];

    public static ulong Iota(ulong step) => 0;

    public static ulong Add(ulong a, ulong b) => a + b;

    public static ulong Subtract(ulong a, ulong b) => a - b;

    public static ulong Multiply(ulong a, ulong b) => a * b;

    public static ulong Xor(ulong a, ulong b) => a ^ b;

    public static ulong Or(ulong a, ulong b) => a | b;

    public static ulong And(ulong a, ulong b) => a & b;

    public static ulong ShiftRight(ulong a, int bits) => a >> bits;

    public static ulong ShiftLeft(ulong a, int bits) => a << bits;

    public static double AsDouble(ulong a) => BitConverter.UInt64BitsToDouble(a);

    public static ulong AsWord(double a) => BitConverter.DoubleToUInt64Bits(a);

    public static double Constant(double value) => value;

    public static double Add(double a, double b) => a + b;

    public static double Subtract(double a, double b) => a - b;

    public static double Multiply(double a, double b) => a * b;

    public static double Divide(double a, double b) => a / b;

    public static double FusedMultiplyAdd(double a, double b, double c) => Math.FusedMultiplyAdd(a, b, c);

    public static double Sqrt(double a) => Math.Sqrt(a);

    public static double SelectNonZero(double k, double ifNonZero, double otherwise) => k != 0 ? ifNonZero : otherwise;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(double value, Span<double> destination, int offset, int stride, Span<double> scratch) => destination[offset] = value;
}

/// <summary>Four lanes (AVX2).</summary>
internal readonly struct Lanes256 : ILaneOps<Vector256<double>, Vector256<ulong>>
{
    public static int Count => 4;

    public static Vector256<ulong> Word(ulong value) => Vector256.Create(value);

    public static Vector256<ulong> Load(ReadOnlySpan<ulong> source, int index) => Vector256.Create(source.Slice(index, 4));

    public static Vector256<ulong> Iota(ulong step) => Vector256.Create(0, step, 2 * step, 3 * step);

    public static Vector256<ulong> Add(Vector256<ulong> a, Vector256<ulong> b) => a + b;

    public static Vector256<ulong> Subtract(Vector256<ulong> a, Vector256<ulong> b) => a - b;

    public static Vector256<ulong> Multiply(Vector256<ulong> a, Vector256<ulong> b) => a * b;

    public static Vector256<ulong> Xor(Vector256<ulong> a, Vector256<ulong> b) => a ^ b;

    public static Vector256<ulong> Or(Vector256<ulong> a, Vector256<ulong> b) => a | b;

    public static Vector256<ulong> And(Vector256<ulong> a, Vector256<ulong> b) => a & b;

    public static Vector256<ulong> ShiftRight(Vector256<ulong> a, int bits) => Vector256.ShiftRightLogical(a, bits);

    public static Vector256<ulong> ShiftLeft(Vector256<ulong> a, int bits) => Vector256.ShiftLeft(a, bits);

    public static Vector256<double> AsDouble(Vector256<ulong> a) => a.AsDouble();

    public static Vector256<ulong> AsWord(Vector256<double> a) => a.AsUInt64();

    public static Vector256<double> Constant(double value) => Vector256.Create(value);

    public static Vector256<double> Add(Vector256<double> a, Vector256<double> b) => a + b;

    public static Vector256<double> Subtract(Vector256<double> a, Vector256<double> b) => a - b;

    public static Vector256<double> Multiply(Vector256<double> a, Vector256<double> b) => a * b;

    public static Vector256<double> Divide(Vector256<double> a, Vector256<double> b) => a / b;

    public static Vector256<double> FusedMultiplyAdd(Vector256<double> a, Vector256<double> b, Vector256<double> c) => Vector256.FusedMultiplyAdd(a, b, c);

    public static Vector256<double> Sqrt(Vector256<double> a) => Vector256.Sqrt(a);

    public static Vector256<double> SelectNonZero(Vector256<double> k, Vector256<double> ifNonZero, Vector256<double> otherwise) =>
        Vector256.ConditionalSelect(Vector256.Equals(k, Vector256<double>.Zero), otherwise, ifNonZero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<double> value, Span<double> destination, int offset, int stride, Span<double> scratch)
    {
        if (stride == 1)
        {
            value.CopyTo(destination[offset..]);
            return;
        }

        value.CopyTo(scratch);
        for (int i = 0; i < 4; i++)
        {
            destination[offset + (i * stride)] = scratch[i];
        }
    }
}

/// <summary>Eight lanes (AVX-512).</summary>
internal readonly struct Lanes512 : ILaneOps<Vector512<double>, Vector512<ulong>>
{
    public static int Count => 8;

    public static Vector512<ulong> Word(ulong value) => Vector512.Create(value);

    public static Vector512<ulong> Load(ReadOnlySpan<ulong> source, int index) => Vector512.Create(source.Slice(index, 8));

    public static Vector512<ulong> Iota(ulong step) => Vector512.Create(0, step, 2 * step, 3 * step, 4 * step, 5 * step, 6 * step, 7 * step);

    public static Vector512<ulong> Add(Vector512<ulong> a, Vector512<ulong> b) => a + b;

    public static Vector512<ulong> Subtract(Vector512<ulong> a, Vector512<ulong> b) => a - b;

    public static Vector512<ulong> Multiply(Vector512<ulong> a, Vector512<ulong> b) => a * b;

    public static Vector512<ulong> Xor(Vector512<ulong> a, Vector512<ulong> b) => a ^ b;

    public static Vector512<ulong> Or(Vector512<ulong> a, Vector512<ulong> b) => a | b;

    public static Vector512<ulong> And(Vector512<ulong> a, Vector512<ulong> b) => a & b;

    public static Vector512<ulong> ShiftRight(Vector512<ulong> a, int bits) => Vector512.ShiftRightLogical(a, bits);

    public static Vector512<ulong> ShiftLeft(Vector512<ulong> a, int bits) => Vector512.ShiftLeft(a, bits);

    public static Vector512<double> AsDouble(Vector512<ulong> a) => a.AsDouble();

    public static Vector512<ulong> AsWord(Vector512<double> a) => a.AsUInt64();

    public static Vector512<double> Constant(double value) => Vector512.Create(value);

    public static Vector512<double> Add(Vector512<double> a, Vector512<double> b) => a + b;

    public static Vector512<double> Subtract(Vector512<double> a, Vector512<double> b) => a - b;

    public static Vector512<double> Multiply(Vector512<double> a, Vector512<double> b) => a * b;

    public static Vector512<double> Divide(Vector512<double> a, Vector512<double> b) => a / b;

    public static Vector512<double> FusedMultiplyAdd(Vector512<double> a, Vector512<double> b, Vector512<double> c) => Vector512.FusedMultiplyAdd(a, b, c);

    public static Vector512<double> Sqrt(Vector512<double> a) => Vector512.Sqrt(a);

    public static Vector512<double> SelectNonZero(Vector512<double> k, Vector512<double> ifNonZero, Vector512<double> otherwise) =>
        Vector512.ConditionalSelect(Vector512.Equals(k, Vector512<double>.Zero), otherwise, ifNonZero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<double> value, Span<double> destination, int offset, int stride, Span<double> scratch)
    {
        if (stride == 1)
        {
            value.CopyTo(destination[offset..]);
            return;
        }

        value.CopyTo(scratch);
        for (int i = 0; i < 8; i++)
        {
            destination[offset + (i * stride)] = scratch[i];
        }
    }
}
