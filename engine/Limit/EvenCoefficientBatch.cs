using System.Numerics;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The even-order coefficients α_{2k}(τ r) of <see cref="RampGaussian.RadialCoefficients"/> and their
/// r-derivatives for many radii at once: the hot loop of the radial field (MATH section 4.1), which needs
/// no odd orders. For radii r_j and one class scale τ it computes α_0(τ r_j), the sums Σ_j α_{2k}(τ r_j)
/// and d/dr α_{2k}(τ r_j), stored order-major (<see cref="Slope"/>). The even Hermite functions come
/// from the two-step recurrence He_{n+2} = (u² - 2n - 1) He_n - n (n - 1) He_{n-2} (two steps of
/// He_{n+1} = u He_n - n He_{n-1}), i.e. for F_n = φ He_n / √(n!):
/// F_{n+2} = [(u² - 2n - 1) F_n - √(n(n - 1)) F_{n-2}] / √((n + 1)(n + 2)), which halves the work, and are
/// vectorized across particles with <see cref="Vector{T}"/>. Lanes past the last particle are padded
/// with φ = 0, which makes them contribute 0.
/// </summary>
internal sealed class EvenCoefficientBatch
{
    private readonly double _t1, _t2, _s1, _c;
    private readonly int _stride;
    private readonly double[] _xc, _scale, _square1, _square2, _pdf1, _pdf2;
    private readonly double[]? _values;

    /// <summary>
    /// Scratch for up to <paramref name="capacity"/> radii and <paramref name="maxEvens"/> even orders; with
    /// <paramref name="keepValues"/> also every particle's α_{2k} (<see cref="Value"/>), which the
    /// anisotropic field needs for its angular moments.
    /// </summary>
    public EvenCoefficientBatch(RampParameters ramp, int capacity, int maxEvens, bool keepValues = false)
    {
        (_t1, _t2, _s1, _c) = (ramp.T1, ramp.T2, ramp.S1, ramp.Slope);
        int width = Vector<double>.Count;
        _stride = (capacity + width - 1) / width * width;
        _xc = new double[_stride];
        _scale = new double[_stride];
        _square1 = new double[_stride];
        _square2 = new double[_stride];
        _pdf1 = new double[_stride];
        _pdf2 = new double[_stride];
        Mean0 = new double[_stride];
        Slopes = new double[maxEvens * _stride];
        Sums = new double[maxEvens];
        _values = keepValues ? new double[maxEvens * _stride] : null;
    }

    /// <summary>α_0(τ r_j) = q(τ r_j).</summary>
    public double[] Mean0 { get; }

    /// <summary>Σ_j α_{2k}(τ r_j) for k = 0..evens - 1.</summary>
    public double[] Sums { get; }

    /// <summary>d/dr α_{2k}(τ r_j) at index k · stride + j (see <see cref="Slope"/>).</summary>
    public double[] Slopes { get; }

    /// <summary>The slopes of order 2k for the particles, d/dr α_{2k}(τ r_j), j = 0..count - 1.</summary>
    public ReadOnlySpan<double> Slope(int k, int count) => Slopes.AsSpan(k * _stride, count);

    /// <summary>
    /// α_{2k}(τ r_j), j = 0..count - 1, for k ≥ 1 (k = 0 is <see cref="Mean0"/>); only with keepValues.
    /// </summary>
    public ReadOnlySpan<double> Value(int k, int count) =>
        _values is null ? throw new InvalidOperationException("This batch was created without keepValues.") : _values.AsSpan(k * _stride, count);

    /// <summary>Fills the outputs for <paramref name="radii"/> and orders 0, 2, ..., 2(evens - 1).</summary>
    public void Compute(ReadOnlySpan<double> radii, double tau, int evens)
    {
        Prologue(radii, tau);
        Array.Clear(Sums, 0, evens);
        for (int j = 0; j < radii.Length; j++)
        {
            Sums[0] += Mean0[j];
        }

        if (evens > 1)
        {
            Recurrence(evens);
        }
    }

    // Per particle (scalar): α_0, its slope, and the vector inputs x c, ±τ c, u_i², φ(u_i).
    private void Prologue(ReadOnlySpan<double> radii, double tau)
    {
        Array.Clear(_pdf1);
        Array.Clear(_pdf2);
        for (int j = 0; j < radii.Length; j++)
        {
            double a = tau * radii[j];
            double x = Math.Max(Math.Abs(a), double.Epsilon);
            double u1 = _t1 / x, u2 = _t2 / x;
            double p1 = StandardNormal.Pdf(u1), p2 = StandardNormal.Pdf(u2);
            Mean0[j] = _s1 + (_c * ((x * p1) - (_t1 * StandardNormal.UpperTail(u1)) - (x * p2) + (_t2 * StandardNormal.UpperTail(u2))));
            _scale[j] = (a < 0 ? -tau : tau) * _c;
            Slopes[j] = _scale[j] * (p1 - p2);
            _xc[j] = x * _c;
            _pdf1[j] = p1;
            _pdf2[j] = p2;

            // Where φ underflows every Hermite product vanishes; u = 0 keeps ∞ · 0 out of the recurrence.
            _square1[j] = p1 == 0 ? 0.0 : u1 * u1;
            _square2[j] = p2 == 0 ? 0.0 : u2 * u2;
        }
    }

    // F_{n+2} = [(u² - 2n - 1) F_n - √(n(n-1)) F_{n-2}] / √((n+1)(n+2)) with F = φ He / √(n!), for Vector<double>.Count
    // particles per pass; α_{2k} = x c (F1 - F2)_{2k-2} / √(2k(2k-1)), α_{2k}' = ±τ c Σ ±[F_{2k} + √(2k/(2k-1)) F_{2k-2}].
    private void Recurrence(int evens)
    {
        int width = Vector<double>.Count;
        Span<Vector<double>> sums = stackalloc Vector<double>[evens];
        sums.Clear();
        double[] falling = HermiteTables.SqrtFalling, rising = HermiteTables.InvSqrtRising;
        double[] invFalling = HermiteTables.InvSqrtFalling, ratio = HermiteTables.SqrtRatio;
        for (int j = 0; j < _stride; j += width)
        {
            var xc = new Vector<double>(_xc, j);
            var scale = new Vector<double>(_scale, j);
            var square1 = new Vector<double>(_square1, j);
            var square2 = new Vector<double>(_square2, j);
            Vector<double> f1Prev = Vector<double>.Zero, f1 = new(_pdf1, j);
            Vector<double> f2Prev = Vector<double>.Zero, f2 = new(_pdf2, j);
            for (int k = 1; k < evens; k++)
            {
                int n = (2 * k) - 2;
                double shift = (2 * n) + 1;
                Vector<double> f1Next = (((square1 - new Vector<double>(shift)) * f1) - (falling[n] * f1Prev)) * rising[n];
                Vector<double> f2Next = (((square2 - new Vector<double>(shift)) * f2) - (falling[n] * f2Prev)) * rising[n];
                Vector<double> value = xc * (f1 - f2) * invFalling[2 * k];
                sums[k] += value;
                if (_values is not null)
                {
                    value.CopyTo(_values, (k * _stride) + j);
                }

                Vector<double> slope = scale * (f1Next - f2Next + (ratio[2 * k] * (f1 - f2)));
                slope.CopyTo(Slopes, (k * _stride) + j);
                (f1Prev, f1) = (f1, f1Next);
                (f2Prev, f2) = (f2, f2Next);
            }
        }

        for (int k = 1; k < evens; k++)
        {
            Sums[k] = Vector.Sum(sums[k]);
        }
    }
}
