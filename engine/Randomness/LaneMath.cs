using System.Runtime.CompilerServices;

namespace MeanFieldCluster.Engine.Randomness;

/// <summary>
/// The logarithm and the sine-cosine of the lane Gaussians (<see cref="LaneGaussians"/>), written only with
/// operations that are exact bit operations or correctly rounded IEEE-754 operations, so that a lane computes
/// the same bits at every vector width and on every machine (docs/large-deviations.md, "The replicas'
/// random numbers"). Accuracy (tests: LaneGaussianTests): the logarithm within 1 ulp of <see cref="Math.Log(double)"/>
/// on (0, 1], the sine and cosine of a turn fraction within 2 ulp of <see cref="Math.SinCos"/> of the same reduced angle.
/// </summary>
internal static class LaneMath
{
    // ln 2 split so that k·Ln2High is exact for |k| < 2^21 (its low 21 bits are 0); Ln2Low = ln 2 − Ln2High rounded.
    private const double Ln2High = 6.93147180369123816490e-01, Ln2Low = 1.90821492927058770002e-10;

    // 1.5·2^52: adding it to |y| < 2^51 rounds y to an integer, which sits in the low bits of the sum.
    private const double RoundingShift = 6755399441055744.0;

    private const ulong OneBits = 0x3FF0000000000000UL, MantissaMask = 0x000FFFFFFFFFFFFFUL, SignBit = 0x8000000000000000UL;

    // The bits of (about) √2/2: mantissas are reduced to [√2/2, √2).
    private const ulong HalfSqrt2Bits = 0x3FE6A09E667F3BCDUL;

    // 2/(2k + 1), k = 1..10: R/z of the logarithm's atanh series.
    private static ReadOnlySpan<double> AtanhSeries => [2.0 / 3, 2.0 / 5, 2.0 / 7, 2.0 / 9, 2.0 / 11, 2.0 / 13, 2.0 / 15, 2.0 / 17, 2.0 / 19, 2.0 / 21];

    // (−1)^{k+1}/(2k + 1)!, k = 1..8: (sin x − x)/x³ in powers of x².
    private static ReadOnlySpan<double> SineSeries => [-1.0 / 6, 1.0 / 120, -1.0 / 5040, 1.0 / 362880, -1.0 / 39916800, 1.0 / 6227020800, -1.0 / 1307674368000, 1.0 / 355687428096000];

    // (−1)^k/(2k + 4)!, k = 0..7: (cos x − 1 + x²/2)/x⁴ in powers of x².
    private static ReadOnlySpan<double> CosineSeries => [1.0 / 24, -1.0 / 720, 1.0 / 40320, -1.0 / 3628800, 1.0 / 479001600, -1.0 / 87178291200, 1.0 / 20922789888000, -1.0 / 6402373705728000];

    /// <summary>
    /// ln x for a positive normal x ≤ 1 (exact form ln x = k ln 2 + ln(1 + f), m = 1 + f ∈ [√2/2, √2), then
    /// ln(1 + f) = 2 atanh(s) with s = f/(2 + f), written as f − (f²/2 − s(f²/2 + R)), R = Σ_{k=1..10} 2 s^{2k}/(2k + 1)
    /// (|s| ≤ 0.1716, so the series' remainder is below 10⁻¹⁹ relative)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Log<TOps, TD, TU>(TD x)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TU shifted = TOps.Add(TOps.AsWord(x), TOps.Word(OneBits - HalfSqrt2Bits));

        // k + 1023 in the exponent field of the shifted bits; as a double by the 2^52 trick (exact).
        TD k = TOps.Subtract(TOps.AsDouble(TOps.Or(TOps.ShiftRight(shifted, 52), TOps.Word(0x4330000000000000UL))), TOps.Constant(4503599627370496.0 + 1023.0));
        TD m = TOps.AsDouble(TOps.Add(TOps.And(shifted, TOps.Word(MantissaMask)), TOps.Word(HalfSqrt2Bits)));
        TD f = TOps.Subtract(m, TOps.Constant(1.0));
        TD s = TOps.Divide(f, TOps.Add(TOps.Constant(2.0), f));
        TD z = TOps.Multiply(s, s);
        TD r = TOps.Multiply(Horner<TOps, TD, TU>(z, AtanhSeries), z);
        TD halfSquare = TOps.Multiply(TOps.Multiply(TOps.Constant(0.5), f), f);
        TD log1p = TOps.Subtract(f, TOps.Subtract(halfSquare, TOps.Multiply(s, TOps.Add(halfSquare, r))));
        return TOps.Add(TOps.Multiply(k, TOps.Constant(Ln2High)), TOps.Add(log1p, TOps.Multiply(k, TOps.Constant(Ln2Low))));
    }

    /// <summary>
    /// cos(2πu) and sin(2πu) for u ∈ [0, 1) a multiple of 2⁻⁵³: 4u = q + t exactly (q the nearest integer,
    /// |t| ≤ 1/2), x = (π/2)t ∈ [−π/4, π/4], the Taylor polynomials of sin x (to x¹⁷) and cos x (to x¹⁸), whose
    /// remainders are below 10⁻¹⁸, then the quarter turns q by swapping and sign flips (exact).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (TD Cos, TD Sin) CosSinOfTurn<TOps, TD, TU>(TD u)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TD y = TOps.Multiply(u, TOps.Constant(4.0));
        TD big = TOps.Add(y, TOps.Constant(RoundingShift));
        TU q = TOps.AsWord(big);
        TD t = TOps.Subtract(y, TOps.Subtract(big, TOps.Constant(RoundingShift)));
        (TD cos, TD sin) = CosSin<TOps, TD, TU>(TOps.Multiply(t, TOps.Constant(Math.PI / 2)));

        // Quarter turns: q odd swaps cos and sin (swap = −(q & 1), all ones then); cos changes sign for q ≡ 1, 2 and
        // sin for q ≡ 2, 3 (mod 4).
        TU swap = TOps.Subtract(TOps.Word(0), TOps.And(q, TOps.Word(1)));
        TU cosBits = TOps.AsWord(cos), sinBits = TOps.AsWord(sin);
        TU exchanged = TOps.And(TOps.Xor(cosBits, sinBits), swap);
        TU cosFlip = TOps.ShiftLeft(TOps.And(TOps.Add(q, TOps.Word(1)), TOps.Word(2)), 62);
        TU sinFlip = TOps.ShiftLeft(TOps.And(q, TOps.Word(2)), 62);
        return (TOps.AsDouble(TOps.Xor(TOps.Xor(cosBits, exchanged), cosFlip)), TOps.AsDouble(TOps.Xor(TOps.Xor(sinBits, exchanged), sinFlip)));
    }

    /// <summary>
    /// Box–Muller: (ρ cos 2πu₂, ρ sin 2πu₂) with ρ = √(−2 ln u₁), for u₁ ∈ (0, 1] a positive normal number and u₂ ∈ [0, 1) a
    /// multiple of 2⁻⁵³, with <see cref="Log"/> and <see cref="CosSinOfTurn"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (TD Cos, TD Sin) BoxMuller<TOps, TD, TU>(TD u1, TD u2)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TD radius = TOps.Sqrt(TOps.Multiply(TOps.Constant(-2.0), Log<TOps, TD, TU>(u1)));
        (TD cos, TD sin) = CosSinOfTurn<TOps, TD, TU>(u2);
        return (TOps.Multiply(radius, cos), TOps.Multiply(radius, sin));
    }

    /// <summary>cos x and sin x for |x| ≤ π/4 (the Taylor polynomials of <see cref="CosSinOfTurn"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (TD Cos, TD Sin) CosSin<TOps, TD, TU>(TD x)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TD x2 = TOps.Multiply(x, x);
        TD sin = TOps.FusedMultiplyAdd(TOps.Multiply(x, x2), Horner<TOps, TD, TU>(x2, SineSeries), x);
        TD c = Horner<TOps, TD, TU>(x2, CosineSeries);
        TD cos = TOps.Subtract(TOps.Constant(1.0), TOps.Subtract(TOps.Multiply(TOps.Constant(0.5), x2), TOps.Multiply(TOps.Multiply(x2, x2), c)));
        return (cos, sin);
    }

    // Σ_k c[k] z^k by Horner's rule, highest power first, one fused multiply-add per coefficient.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TD Horner<TOps, TD, TU>(TD z, ReadOnlySpan<double> c)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TD p = TOps.Constant(c[^1]);
        for (int k = c.Length - 2; k >= 0; k--)
        {
            p = TOps.FusedMultiplyAdd(p, z, TOps.Constant(c[k]));
        }

        return p;
    }

    /// <summary>The sign bit of a 64-bit word as a double's sign: bit 63 of <paramref name="word"/> moved onto 1.0 (±1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TD Sign<TOps, TD, TU>(TU word)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct => TOps.AsDouble(TOps.Or(TOps.And(word, TOps.Word(SignBit)), TOps.Word(OneBits)));
}
