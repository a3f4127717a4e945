using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MathNet.Numerics;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Closed-form Gaussian expectations of a ramp σ(z) = s1 + c [(z - t1)_+ - (z - t2)_+] (MATH section 4.1),
/// for G ~ N(0, 1) and a scale a (in the limit a = τ r with τ = 1 ± Δ and r = ‖w‖). With u_i = t_i / a and
/// P(a, t) = E(aG - t)_+ = a φ(t/a) - t Φ̄(t/a) (differentiate: ∂P/∂a = φ(t/a)):
/// <code>
/// q(a)             = E σ(aG)            = s1 + c [P(a, t1) - P(a, t2)]
/// q'(a)                                 = c [φ(u1) - φ(u2)]
/// E[σ(aG) He_1(G)] = a E σ'(aG)         = a c [Φ(u2) - Φ(u1)]                         (Stein)
/// E[σ(aG) He_n(G)] = E[(d/dg)² σ(ag) He_{n-2}(G)]
///                  = a c [φ(u1) He_{n-2}(u1) - φ(u2) He_{n-2}(u2)]                       (n ≥ 2)
/// </code>
/// the last by integrating by parts twice (E[f(G) He_n(G)] = E[f'(G) He_{n-1}(G)], and (d/dg)² σ(ag) =
/// a c [δ(g - u1) - δ(g - u2)]). Their a-derivatives follow from (φ He_k)' = -φ He_{k+1} and
/// u He_{n-1} = He_n + (n - 1) He_{n-2}:
/// <code>
/// d/da E[σ(aG) He_1(G)] = c [Φ(u2) - Φ(u1) + u1 φ(u1) - u2 φ(u2)]
/// d/da E[σ(aG) He_n(G)] = c Σ_i ±φ(u_i) [He_n(u_i) + n He_{n-2}(u_i)]            (n ≥ 2; + for u1)
/// </code>
/// The normalized coefficients α_n(a) = E[σ(aG) He_n(G)] / √(n!) are computed with the normalized
/// recurrence for φ(u) He_k(u) / √(k!), which cannot overflow (Cramér's bound). In terms of r the
/// coefficients are α_n(τ r) and d/dr carries the factor τ (see <see cref="RadialCoefficients"/>).
/// Small scales are safe: a = 0 is evaluated as the limit a → 0+, where σ(aG) → σ(0) is constant
/// (α_0 = σ(0), α_n = 0 for n ≥ 1); a &lt; 0 uses G ↦ -G: α_n(-a) = (-1)^n α_n(a).
/// </summary>
public sealed class RampGaussian
{
    /// <summary>The highest Hermite order the coefficient routines accept.</summary>
    public const int MaxOrder = HermiteTables.MaxOrder;

    // 1 - |c| below this counts as |c| = 1 in ProductMoment (the moment moves by at most a b slope² · 1e-13).
    private const double DegenerateCorrelation = 1e-13;

    // Standardized kinks are clamped to ±Clamp in the bivariate formulas: φ(40) underflows to 0.
    private const double Clamp = 40.0;

    private readonly double _t1, _t2, _s1, _s2, _c;

    /// <summary>Creates the closed forms of a ramp.</summary>
    /// <exception cref="ArgumentException">The ramp parameters are invalid.</exception>
    public RampGaussian(RampParameters ramp)
    {
        ArgumentNullException.ThrowIfNull(ramp);
        ramp.Validate();
        Ramp = ramp;
        (_t1, _t2, _s1, _s2, _c) = (ramp.T1, ramp.T2, ramp.S1, ramp.S2, ramp.Slope);
    }

    /// <summary>The ramp.</summary>
    public RampParameters Ramp { get; }

    /// <summary>q(a) = E σ(aG) = s1 + c [P(a, t1) - P(a, t2)].</summary>
    public double Mean(double a)
    {
        double x = Magnitude(a);
        return _s1 + (_c * (Hinge(x, _t1) - Hinge(x, _t2)));
    }

    /// <summary>dq/da = c [φ(t1/a) - φ(t2/a)] (odd in a; the a → 0+ limit at a = 0).</summary>
    public double MeanDerivative(double a)
    {
        double x = Magnitude(a);
        double value = _c * (StandardNormal.Pdf(_t1 / x) - StandardNormal.Pdf(_t2 / x));
        return a < 0 ? -value : value;
    }

    /// <summary>E[σ(aG) He_n(G)] for 0 ≤ n ≤ 170 (He_n the probabilists' Hermite polynomial).</summary>
    public double HermiteMoment(int n, double a) => Unnormalized(n, a, derivative: false);

    /// <summary>d/da E[σ(aG) He_n(G)] for 0 ≤ n ≤ 170.</summary>
    public double HermiteMomentDerivative(int n, double a) => Unnormalized(n, a, derivative: true);

    /// <summary>
    /// Writes α_n(a) = E[σ(aG) He_n(G)] / √(n!) into <paramref name="alpha"/> and dα_n/da into
    /// <paramref name="alphaPrime"/> for n = 0..alpha.Length - 1 (at most <see cref="MaxOrder"/>).
    /// <paramref name="alphaPrime"/> may be empty (no derivatives) or as long as <paramref name="alpha"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The spans' lengths are invalid.</exception>
    public void Coefficients(double a, Span<double> alpha, Span<double> alphaPrime)
    {
        int count = alpha.Length;
        if (count - 1 > MaxOrder || (!alphaPrime.IsEmpty && alphaPrime.Length != count))
        {
            throw new ArgumentException($"Need at most {MaxOrder + 1} coefficients and a derivative span that is empty or of the same length.");
        }

        if (count == 0)
        {
            return;
        }

        bool derivatives = !alphaPrime.IsEmpty;
        double x = Magnitude(a);
        var k1 = new Kink(_t1 / x);
        var k2 = new Kink(_t2 / x);
        (alpha[0], double alpha1, double mass) = LowOrders(x, k1, k2);
        if (derivatives)
        {
            alphaPrime[0] = _c * (k1.Pdf - k2.Pdf);
        }

        if (count > 1)
        {
            alpha[1] = alpha1;
            if (derivatives)
            {
                alphaPrime[1] = _c * (mass + k1.UPdf - k2.UPdf);
            }
        }

        HigherOrders(x, k1, k2, alpha, alphaPrime);
        if (a < 0)
        {
            ApplyReflection(alpha, alphaPrime);
        }
    }

    /// <summary>
    /// α_n(a_l), n = 0..<paramref name="count"/> - 1, for the eight scales a_l ≥ 0 of <paramref name="scales"/> at
    /// once: order n of scale l goes to destination[n · <paramref name="step"/> + l]. The recurrence runs in the
    /// lanes of a 512-bit vector where the machine has one, else in two 256-bit vectors of four (the same
    /// operations in the same order as <see cref="Coefficients"/>, no fused multiply-add), so each scale's
    /// coefficients have the bits of <see cref="Coefficients"/>; without either it calls <see cref="Coefficients"/>
    /// per scale.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void Coefficients8(ReadOnlySpan<double> scales, ref double destination, int step, int count)
    {
        if (!Vector256.IsHardwareAccelerated || count < 2 || count - 1 > MaxOrder || scales.Length != 8 || !(scales[0] >= 0 && scales[1] >= 0 && scales[2] >= 0 && scales[3] >= 0 && scales[4] >= 0 && scales[5] >= 0 && scales[6] >= 0 && scales[7] >= 0))
        {
            Span<double> one = stackalloc double[count];
            for (int l = 0; l < scales.Length; l++)
            {
                Coefficients(scales[l], one, []);
                for (int n = 0; n < count; n++)
                {
                    Unsafe.Add(ref destination, (n * step) + l) = one[n];
                }
            }

            return;
        }

        Span<double> lanes = stackalloc double[7 * 8];
        for (int l = 0; l < 8; l++)
        {
            double x = Magnitude(scales[l]);
            var k1 = new Kink(_t1 / x);
            var k2 = new Kink(_t2 / x);
            (Unsafe.Add(ref destination, l), Unsafe.Add(ref destination, step + l), _) = LowOrders(x, k1, k2);
            lanes[l] = x * _c;
            (lanes[8 + l], lanes[16 + l], lanes[24 + l]) = (k1.URecurrence, k1.Pdf, k1.UPdf);
            (lanes[32 + l], lanes[40 + l], lanes[48 + l]) = (k2.URecurrence, k2.Pdf, k2.UPdf);
        }

        if (!Vector512.IsHardwareAccelerated)
        {
            HigherOrders4(lanes, 0, ref destination, step, count);
            HigherOrders4(lanes, 4, ref destination, step, count);
            return;
        }

        // HigherOrders, eight scales at a time.
        Vector512<double> xc = Vector512.Create<double>(lanes[..8]), u1 = Vector512.Create<double>(lanes[8..16]), u2 = Vector512.Create<double>(lanes[32..40]);
        Vector512<double> f1Prev = Vector512.Create<double>(lanes[16..24]), f1 = Vector512.Create<double>(lanes[24..32]);
        Vector512<double> f2Prev = Vector512.Create<double>(lanes[40..48]), f2 = Vector512.Create<double>(lanes[48..56]);
        double[] sqrt = HermiteTables.Sqrt, invSqrt = HermiteTables.InvSqrt, invSqrtFalling = HermiteTables.InvSqrtFalling;
        for (int n = 2; n < count; n++)
        {
            Vector512<double> root = Vector512.Create(sqrt[n - 1]), inverse = Vector512.Create(invSqrt[n]);
            Vector512<double> f1Next = ((u1 * f1) - (root * f1Prev)) * inverse;
            Vector512<double> f2Next = ((u2 * f2) - (root * f2Prev)) * inverse;
            (xc * (f1Prev - f2Prev) * Vector512.Create(invSqrtFalling[n])).StoreUnsafe(ref destination, (nuint)(n * step));
            (f1Prev, f1) = (f1, f1Next);
            (f2Prev, f2) = (f2, f2Next);
        }
    }

    // Coefficients8's recurrence for the four scales first..first+3 of its lanes in 256-bit vectors (AVX2): the
    // same operations per scale.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void HigherOrders4(Span<double> lanes, int first, ref double destination, int step, int count)
    {
        Vector256<double> xc = Vector256.Create<double>(lanes.Slice(first, 4)), u1 = Vector256.Create<double>(lanes.Slice(8 + first, 4)), u2 = Vector256.Create<double>(lanes.Slice(32 + first, 4));
        Vector256<double> f1Prev = Vector256.Create<double>(lanes.Slice(16 + first, 4)), f1 = Vector256.Create<double>(lanes.Slice(24 + first, 4));
        Vector256<double> f2Prev = Vector256.Create<double>(lanes.Slice(40 + first, 4)), f2 = Vector256.Create<double>(lanes.Slice(48 + first, 4));
        double[] sqrt = HermiteTables.Sqrt, invSqrt = HermiteTables.InvSqrt, invSqrtFalling = HermiteTables.InvSqrtFalling;
        for (int n = 2; n < count; n++)
        {
            Vector256<double> root = Vector256.Create(sqrt[n - 1]), inverse = Vector256.Create(invSqrt[n]);
            Vector256<double> f1Next = ((u1 * f1) - (root * f1Prev)) * inverse;
            Vector256<double> f2Next = ((u2 * f2) - (root * f2Prev)) * inverse;
            (xc * (f1Prev - f2Prev) * Vector256.Create(invSqrtFalling[n])).StoreUnsafe(ref destination, (nuint)((n * step) + first));
            (f1Prev, f1) = (f1, f1Next);
            (f2Prev, f2) = (f2, f2Next);
        }
    }

    /// <summary>
    /// The coefficients as functions of r (MATH section 4.1): α_n(τ r) into <paramref name="alpha"/> and
    /// d/dr α_n(τ r) = τ α_n'(τ r) into <paramref name="alphaPrimeR"/> (which may be empty).
    /// </summary>
    public void RadialCoefficients(double r, double tau, Span<double> alpha, Span<double> alphaPrimeR)
    {
        Coefficients(tau * r, alpha, alphaPrimeR);
        for (int n = 0; n < alphaPrimeR.Length; n++)
        {
            alphaPrimeR[n] *= tau;
        }
    }

    /// <summary>
    /// E[σ(aG)²], the diagonal of the interaction: exact, from the truncated Gaussian moments of the
    /// piecewise quadratic σ(ag)² (see <see cref="ProductMoment"/> with c = 1).
    /// </summary>
    public double SecondMoment(double a) => LineProduct(a, a);

    /// <summary>
    /// E[σ(a G1) σ(b G2)] for standard normals G1, G2 with correlation <paramref name="c"/> in [-1, 1],
    /// exactly (not a series). Writing σ = s1 + c_σ Σ_i ε_i (z - t_i)_+ (ε_1 = 1, ε_2 = -1) it is
    /// s1 (q(a) + q(b)) - s1² + c_σ² Σ_{i,j} ε_i ε_j E[(aG1 - t_i)_+ (bG2 - t_j)_+], and with u = t/a,
    /// v = t'/b, s = √(1 - c²) and L the upper orthant probability of <see cref="BivariateNormal"/>,
    /// <code>
    /// E[(aG1 - t)_+ (bG2 - t')_+] = (a b c + t t') L(u, v; c) - a t' φ(u) Φ̄((v - c u)/s)
    ///                               - b t φ(v) Φ̄((u - c v)/s) + a b s φ(u) φ((v - c u)/s)
    /// </code>
    /// (Gaussian integration by parts). For |c| within 1e-13 of 1 it integrates σ(ag) σ(±bg) piecewise.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">c is not in [-1, 1].</exception>
    public double ProductMoment(double a, double b, double c)
    {
        if (!(Math.Abs(c) <= 1.0))
        {
            throw new ArgumentOutOfRangeException(nameof(c), c, "The correlation must lie in [-1, 1].");
        }

        if (a < 0)
        {
            (a, c) = (-a, -c);
        }

        if (b < 0)
        {
            (b, c) = (-b, -c);
        }

        if (a == 0 || b == 0)
        {
            return Mean(a) * Mean(b);
        }

        if (1.0 - Math.Abs(c) < DegenerateCorrelation)
        {
            return LineProduct(a, c > 0 ? b : -b);
        }

        double sum = (_s1 * (Mean(a) + Mean(b))) - (_s1 * _s1);
        sum += _c * _c * (HingeProduct(a, _t1, b, _t1, c) - HingeProduct(a, _t1, b, _t2, c) - HingeProduct(a, _t2, b, _t1, c) + HingeProduct(a, _t2, b, _t2, c));
        return sum;
    }

    // a → 0 is taken as the limit from above: the kinks t/a go to ±∞ (or stay at 0 when t = 0).
    private static double Magnitude(double a) => Math.Max(Math.Abs(a), double.Epsilon);

    // P(x, t) = E(xG - t)_+ = x φ(t/x) - t Φ̄(t/x) for x > 0.
    private static double Hinge(double x, double t)
    {
        double u = t / x;
        return (x * StandardNormal.Pdf(u)) - (t * StandardNormal.UpperTail(u));
    }

    // α_0 = E σ(xG) and α_1 = x c [Φ(u2) - Φ(u1)] for x > 0, and that mass Φ̄(u1) - Φ̄(u2) (to 2e-16 absolute).
    private (double Alpha0, double Alpha1, double Mass) LowOrders(double x, Kink k1, Kink k2)
    {
        double tail1 = StandardNormal.UpperTail(k1.U), tail2 = StandardNormal.UpperTail(k2.U);
        double mass = tail1 - tail2;
        return (_s1 + (_c * ((x * k1.Pdf) - (_t1 * tail1) - (x * k2.Pdf) + (_t2 * tail2))), x * _c * mass, mass);
    }

    // α_n and α_n' for n ≥ 2 from F_k(u) = φ(u) He_k(u) / √(k!) at both kinks:
    // α_n = x c [F_{n-2}(u1) - F_{n-2}(u2)] / √(n(n-1)),  α_n' = c Σ ±[F_n(u) + √(n/(n-1)) F_{n-2}(u)].
    private void HigherOrders(double x, Kink k1, Kink k2, Span<double> alpha, Span<double> alphaPrime)
    {
        bool derivatives = !alphaPrime.IsEmpty;
        double f1Prev = k1.Pdf, f1 = k1.UPdf, f2Prev = k2.Pdf, f2 = k2.UPdf;
        double[] sqrt = HermiteTables.Sqrt, invSqrt = HermiteTables.InvSqrt;
        for (int n = 2; n < alpha.Length; n++)
        {
            // (f1Prev, f1) = (F_{n-2}, F_{n-1}); advance to F_n.
            double f1Next = ((k1.URecurrence * f1) - (sqrt[n - 1] * f1Prev)) * invSqrt[n];
            double f2Next = ((k2.URecurrence * f2) - (sqrt[n - 1] * f2Prev)) * invSqrt[n];
            alpha[n] = x * _c * (f1Prev - f2Prev) * HermiteTables.InvSqrtFalling[n];
            if (derivatives)
            {
                double ratio = HermiteTables.SqrtRatio[n];
                alphaPrime[n] = _c * (f1Next + (ratio * f1Prev) - f2Next - (ratio * f2Prev));
            }

            (f1Prev, f1) = (f1, f1Next);
            (f2Prev, f2) = (f2, f2Next);
        }
    }

    // σ(-aG) has the law of σ(aG') with G' = -G: α_n(-a) = (-1)^n α_n(a), α_n'(-a) = (-1)^{n+1} α_n'(a).
    private static void ApplyReflection(Span<double> alpha, Span<double> alphaPrime)
    {
        for (int n = 1; n < alpha.Length; n += 2)
        {
            alpha[n] = -alpha[n];
        }

        for (int n = 0; n < alphaPrime.Length; n += 2)
        {
            alphaPrime[n] = -alphaPrime[n];
        }
    }

    private double Unnormalized(int n, double a, bool derivative)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(n, 170);
        Span<double> alpha = stackalloc double[n + 1];
        Span<double> alphaPrime = stackalloc double[n + 1];
        Coefficients(a, alpha, alphaPrime);
        double scale = Math.Exp(0.5 * SpecialFunctions.FactorialLn(n));
        return scale * (derivative ? alphaPrime[n] : alpha[n]);
    }

    // E[σ(λ1 G) σ(λ2 G)] for any real λ1, λ2: on each interval between the kinks t_i/λ the product is a
    // quadratic p0 + p1 g + p2 g², integrated exactly with the truncated moments of G.
    private double LineProduct(double lambda1, double lambda2)
    {
        Span<double> breaks = stackalloc double[4];
        int count = 0;
        foreach (double lambda in (ReadOnlySpan<double>)[lambda1, lambda2])
        {
            foreach (double t in (ReadOnlySpan<double>)[_t1, _t2])
            {
                double g = t / lambda;
                if (lambda != 0 && double.IsFinite(g))
                {
                    breaks[count++] = g;
                }
            }
        }

        breaks = breaks[..count];
        breaks.Sort();
        double sum = 0, lo = double.NegativeInfinity;
        for (int k = 0; k <= count; k++)
        {
            double hi = k < count ? breaks[k] : double.PositiveInfinity;
            if (hi > lo)
            {
                double g = Inside(lo, hi);
                (double a1, double b1) = Piece(lambda1, g);
                (double a2, double b2) = Piece(lambda2, g);
                (double m0, double m1, double m2) = StandardNormal.TruncatedMoments(lo, hi);
                sum += (a1 * a2 * m0) + (((a1 * b2) + (a2 * b1)) * m1) + (b1 * b2 * m2);
                lo = hi;
            }
        }

        return sum;
    }

    // σ(λ g) = A + B g on the interval containing g.
    private (double A, double B) Piece(double lambda, double g)
    {
        double z = lambda * g;
        return z <= _t1 ? (_s1, 0.0) : z >= _t2 ? (_s2, 0.0) : (_s1 - (_c * _t1), _c * lambda);
    }

    private static double Inside(double lo, double hi) =>
        double.IsNegativeInfinity(lo) && double.IsPositiveInfinity(hi) ? 0.0
        : double.IsNegativeInfinity(lo) ? hi - Math.Max(1.0, Math.Abs(hi))
        : double.IsPositiveInfinity(hi) ? lo + Math.Max(1.0, Math.Abs(lo))
        : (0.5 * lo) + (0.5 * hi);

    // E[(aG1 - t)_+ (bG2 - t')_+] for a, b > 0 and |ρ| < 1 (see ProductMoment).
    private static double HingeProduct(double a, double t, double b, double tPrime, double rho)
    {
        double u = Math.Clamp(t / a, -Clamp, Clamp);
        double v = Math.Clamp(tPrime / b, -Clamp, Clamp);
        double s = Math.Sqrt((1.0 - rho) * (1.0 + rho));
        double pu = StandardNormal.Pdf(u), pv = StandardNormal.Pdf(v);
        double zv = (v - (rho * u)) / s, zu = (u - (rho * v)) / s;
        return (((a * b * rho) + (t * tPrime)) * BivariateNormal.UpperOrthant(u, v, rho))
            - (a * tPrime * pu * StandardNormal.UpperTail(zv))
            - (b * t * pv * StandardNormal.UpperTail(zu))
            + (a * b * s * pu * StandardNormal.Pdf(zv));
    }

    // A kink u = t/a with φ(u) and u φ(u); where φ underflows all Hermite products vanish, and the
    // recurrence runs with u = 0 so that an infinite u cannot produce ∞ · 0.
    private readonly struct Kink
    {
        public Kink(double u)
        {
            U = u;
            Pdf = StandardNormal.Pdf(u);
            UPdf = StandardNormal.TimesPdf(u, Pdf);
            URecurrence = Pdf == 0 ? 0.0 : u;
        }

        public double U { get; }

        public double Pdf { get; }

        public double UPdf { get; }

        public double URecurrence { get; }
    }
}
