using System.Numerics.Tensors;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The reduced mean field of the anisotropic example (docs/limit.md, "The anisotropic reduction") for a law
/// of M particles (r1_j, r2_j) with fixed masses p_j (Σ p_j = 1; sums over the particles below are p-weighted). Per class ± with τ = 1 ± Δ, a particle has the
/// pre-activation scale a = √(τ² r1² + r2²) and the angle cosines c = τ r1/a, s = r2/a. Two weights with
/// independent uniform directions in both blocks have, given y, pre-activations of correlation
/// ρ = c c' C1 + s s' C2 (C1, C2 the cosines of uniform directions in R^s0 and R^{d−s0}), so Mehler's formula
/// averaged over the directions gives
/// <code>
/// E_dir U = (1/2) Σ_± Σ_m α_{2m}(a) α_{2m}(a') Σ_{i≤m} C_{m,i} (c c')^{2i} (s s')^{2(m−i)},
/// C_{m,i} = binom(2m, 2i) μ^{(s0)}_{2i} μ^{(d−s0)}_{2(m−i)}
/// ψ(r1, r2) = v + Σ_± Σ_{m,i} W^±_{m,i} α_{2m}(a) c^{2i} s^{2(m−i)},   W^±_{m,i} = (1/2) C_{m,i} M^±_{m,i}
/// M^±_{m,i}  = Σ_j p_j α_{2m}(a_j) c_j^{2i} s_j^{2(m−i)},     v = -(q(a_+) - q(a_-))/2
/// R          = 1 + 2 Σ_j p_j v_j + Σ_± Σ_{m,i} W^±_{m,i} M^±_{m,i}
/// </code>
/// With Q_m = Σ_i W_{m,i} c^{2i} s^{2(m−i)} and E_m = Σ_i W_{m,i} ∂/∂(c², s²) of the monomials (see
/// <see cref="Accumulate"/>), the chain rule through (a, c, s) gives
/// ∂ψ/∂r1 = τ c G_a + τ c s² H / a and ∂ψ/∂r2 = s G_a − c² s H / a per class, with G_a = ∂_a (v + Σ_m α_{2m} Q_m)
/// and H = Σ_m α_{2m}(a) E_m. Even orders are added as in <see cref="RadialField"/>: until two consecutive
/// orders move every velocity and the risk by less than the tolerance.
/// </summary>
internal sealed class AnisotropicField
{
    private const int InitialOrder = 8;
    private const double TinyScale = 1e-300;

    private readonly double[] _tau;
    private readonly double[] _coefficient;
    private readonly double _tolerance;
    private readonly int _maxOrder;
    private readonly double _ridge;
    private readonly int _count;
    private readonly double[] _mass, _weightedAlpha;
    private readonly EvenCoefficientBatch[] _batch;

    // Per class: a_j, c_j, s_j, c_j², s_j², τ c_j, s_j / a_j; the monomials c^{2i} s^{2(m−i)} per particle
    // (triangular index, each an array over the particles); the moments M_{m,i} and weights W_{m,i}.
    private readonly double[][] _scale, _cos, _sin, _cos2, _sin2, _tauCos, _sinOverA;
    private readonly double[][][] _monomial;
    private readonly double[][] _moments, _weights;

    // Scratch over the particles, and per order the largest velocity term and the risk term.
    private readonly double[] _q, _e, _u, _angular, _t1, _t2, _g2;
    private readonly double[] _largest, _riskTerm;
    private int _workingOrder;

    /// <summary>Prepares the field of a setting for particles of the given masses (summing to 1).</summary>
    public AnisotropicField(AnisotropicPdeSettings settings, double[] masses)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(masses);
        int count = masses.Length;
        _mass = masses;
        _weightedAlpha = new double[count];
        _tau = [1.0 + settings.Delta, 1.0 - settings.Delta];
        _maxOrder = settings.MaxHermiteOrder - (settings.MaxHermiteOrder % 2);
        _coefficient = Coefficients(settings.Dimension, settings.InformativeDimensions, _maxOrder);
        _tolerance = settings.HermiteTolerance;
        _ridge = settings.Ridge;
        _count = count;
        int evens = (_maxOrder / 2) + 1, terms = Triangle(evens);
        _batch = [new EvenCoefficientBatch(settings.Ramp, count, evens, keepValues: true), new EvenCoefficientBatch(settings.Ramp, count, evens, keepValues: true)];
        double[][] PerClass() => [new double[count], new double[count]];
        (_scale, _cos, _sin, _cos2, _sin2, _tauCos, _sinOverA) = (PerClass(), PerClass(), PerClass(), PerClass(), PerClass(), PerClass(), PerClass());
        _monomial = [new double[terms][], new double[terms][]];
        _moments = [new double[terms], new double[terms]];
        _weights = [new double[terms], new double[terms]];
        (_q, _e, _u, _angular, _t1, _t2, _g2) = (new double[count], new double[count], new double[count], new double[count], new double[count], new double[count], new double[count]);
        _largest = new double[evens];
        _riskTerm = new double[evens];
        _workingOrder = Math.Min(InitialOrder, _maxOrder);
    }

    /// <summary>
    /// C_{m,i} = binom(2m, 2i) μ^{(s0)}_{2i} μ^{(d−s0)}_{2(m−i)} at the triangular index m(m+1)/2 + i, for
    /// 2m ≤ maxOrder; μ^{(k)} are the even cosine moments of a uniform direction in R^k
    /// (<see cref="RadialField.CosineMoments"/>), and for k = 0 (s0 = d) μ^{(0)}_0 = 1 and the rest 0.
    /// </summary>
    public static double[] Coefficients(int dimension, int informative, int maxOrder)
    {
        double[] mu1 = RadialField.CosineMoments(informative, maxOrder);
        double[] mu2 = dimension > informative ? RadialField.CosineMoments(dimension - informative, maxOrder) : [1.0, .. new double[maxOrder]];
        int evens = (maxOrder / 2) + 1;
        var c = new double[Triangle(evens)];
        for (int m = 0; m < evens; m++)
        {
            double binomial = 1.0;
            for (int i = 0; i <= m; i++)
            {
                // binom(2m, 2i) updated from binom(2m, 2i - 2).
                if (i > 0)
                {
                    double k = 2.0 * i;
                    binomial *= ((2.0 * m) - k + 2.0) * ((2.0 * m) - k + 1.0) / (k * (k - 1.0));
                }

                c[Triangle(m) + i] = binomial * mu1[2 * i] * mu2[2 * (m - i)];
            }
        }

        return c;
    }

    /// <summary>
    /// Writes ∂ψ/∂r1 + λ r1 into <paramref name="gradient1"/> and ∂ψ/∂r2 + λ r2 into <paramref name="gradient2"/>
    /// (the velocity is -2ξ times them) and returns the risk of the particles' law with the Hermite order used.
    /// </summary>
    public FieldValue Evaluate(ReadOnlySpan<double> r1, ReadOnlySpan<double> r2, Span<double> gradient1, Span<double> gradient2)
    {
        while (true)
        {
            int order = _workingOrder;
            Tabulate(r1, r2, order);
            double risk = Accumulate(r1, r2, gradient1, gradient2, order);
            int quietFrom = FirstQuietPair(order);
            if (quietFrom > 0 || order >= _maxOrder)
            {
                if (quietFrom > 0)
                {
                    _workingOrder = Math.Min(_maxOrder, Math.Max(InitialOrder, quietFrom + 4));
                }

                return new FieldValue(risk, order, quietFrom > 0 || _maxOrder == 0);
            }

            _workingOrder = Math.Min(_maxOrder, 2 * order);
        }
    }

    private static int Triangle(int m) => m * (m + 1) / 2;

    // Per class: a_j, c_j, s_j and the monomials; α_{2m}(a_j) and α'_{2m}(a_j); the moments M_{m,i} and
    // weights W_{m,i}. Every sum over the particles is a vectorized dot product or multiply-add.
    private void Tabulate(ReadOnlySpan<double> r1, ReadOnlySpan<double> r2, int order)
    {
        int evens = (order / 2) + 1, count = _count;
        for (int s = 0; s < 2; s++)
        {
            double tau = _tau[s];
            double[] scale = _scale[s], cos = _cos[s], sin = _sin[s];
            for (int j = 0; j < count; j++)
            {
                double x = tau * r1[j], y = r2[j];
                double a = Math.Sqrt((x * x) + (y * y));
                (scale[j], cos[j], sin[j]) = a > TinyScale ? (a, x / a, y / a) : (TinyScale, 1.0, 0.0);
            }

            TensorPrimitives.Multiply(cos, cos, _cos2[s]);
            TensorPrimitives.Multiply(sin, sin, _sin2[s]);
            TensorPrimitives.Multiply(cos, tau, _tauCos[s]);
            TensorPrimitives.Divide(sin, scale, _sinOverA[s]);
            EvenCoefficientBatch batch = _batch[s];
            batch.Compute(scale, 1.0, evens);
            double[][] monomial = _monomial[s];
            double[] moments = _moments[s];
            for (int m = 0; m < evens; m++)
            {
                ReadOnlySpan<double> alpha = m == 0 ? batch.Mean0.AsSpan(0, count) : batch.Value(m, count);
                TensorPrimitives.Multiply(alpha, _mass, _weightedAlpha);
                for (int i = 0; i <= m; i++)
                {
                    int t = Triangle(m) + i;
                    double[] p = monomial[t] ??= new double[count];
                    if (m == 0)
                    {
                        Array.Fill(p, 1.0);
                    }
                    else if (i < m)
                    {
                        TensorPrimitives.Multiply(monomial[Triangle(m - 1) + i], _sin2[s], p);
                    }
                    else
                    {
                        TensorPrimitives.Multiply(monomial[Triangle(m - 1) + i - 1], _cos2[s], p);
                    }

                    moments[t] = TensorPrimitives.Dot(_weightedAlpha, p);
                    _weights[s][t] = 0.5 * _coefficient[t] * moments[t];
                }
            }
        }
    }

    // The gradients (with the largest |term| of each order m ≥ 1 over particles and classes) and the risk.
    // Per class and order m ≥ 1, with Q_m = Σ_i W_{m,i} c^{2i} s^{2(m−i)} and
    // E_m = Σ_{i<m} [2(i+1) W_{m,i+1} − 2(m−i) W_{m,i}] c^{2i} s^{2(m−1−i)} (so that s ∂_c Q_m − c ∂_s Q_m = c s E_m):
    // ∂ψ/∂r1 += τ c (α'_{2m} Q_m + s A_m), ∂ψ/∂r2 += s α'_{2m} Q_m − c² A_m, with A_m = α_{2m} E_m s/a.
    private double Accumulate(ReadOnlySpan<double> r1, ReadOnlySpan<double> r2, Span<double> gradient1, Span<double> gradient2, int order)
    {
        int evens = (order / 2) + 1, count = _count;
        Array.Clear(_largest, 0, evens);
        Array.Clear(_riskTerm, 0, evens);
        double sumV = 0;
        TensorPrimitives.Multiply(r1, _ridge, gradient1);
        TensorPrimitives.Multiply(r2, _ridge, gradient2);
        for (int s = 0; s < 2; s++)
        {
            double linear = s == 0 ? -0.5 : 0.5;
            double[] weights = _weights[s];
            double[][] monomial = _monomial[s];
            EvenCoefficientBatch batch = _batch[s];
            sumV += linear * TensorPrimitives.Dot(batch.Mean0.AsSpan(0, count), _mass);

            // m = 0: v and the n = 0 interaction act through a only.
            TensorPrimitives.Multiply(batch.Slope(0, count), linear + weights[0], _u);
            TensorPrimitives.MultiplyAdd(_u, _tauCos[s], gradient1, gradient1);
            TensorPrimitives.MultiplyAdd(_u, _sin[s], gradient2, gradient2);
            for (int m = 1; m < evens; m++)
            {
                int t = Triangle(m), previous = Triangle(m - 1);
                Array.Clear(_q);
                Array.Clear(_e);
                for (int i = 0; i <= m; i++)
                {
                    TensorPrimitives.MultiplyAdd(monomial[t + i], weights[t + i], _q, _q);
                    if (i < m)
                    {
                        double v = (2.0 * (i + 1) * weights[t + i + 1]) - (2.0 * (m - i) * weights[t + i]);
                        TensorPrimitives.MultiplyAdd(monomial[previous + i], v, _e, _e);
                    }
                }

                TensorPrimitives.Multiply(batch.Slope(m, count), _q, _u);
                TensorPrimitives.Multiply(batch.Value(m, count), _e, _angular);
                TensorPrimitives.Multiply(_angular, _sinOverA[s], _angular);
                TensorPrimitives.MultiplyAdd(_angular, _sin[s], _u, _t1);
                TensorPrimitives.Multiply(_t1, _tauCos[s], _t1);
                TensorPrimitives.Multiply(_angular, _cos2[s], _t2);
                TensorPrimitives.Multiply(_u, _sin[s], _g2);
                TensorPrimitives.Subtract(_g2, _t2, _t2);
                TensorPrimitives.Add(gradient1, _t1, gradient1);
                TensorPrimitives.Add(gradient2, _t2, gradient2);
                _largest[m] = Math.Max(_largest[m], Math.Max(Math.Abs(TensorPrimitives.MaxMagnitude(_t1)), Math.Abs(TensorPrimitives.MaxMagnitude(_t2))));
            }

            for (int m = 0; m < evens; m++)
            {
                int t = Triangle(m);
                for (int i = 0; i <= m; i++)
                {
                    _riskTerm[m] += weights[t + i] * _moments[s][t + i];
                }
            }
        }

        double risk = 1.0 + (2.0 * sumV);
        for (int m = 0; m < evens; m++)
        {
            risk += _riskTerm[m];
        }

        return risk;
    }

    private int FirstQuietPair(int order) => RadialField.FirstQuietPair(order, IsQuiet);

    private bool IsQuiet(int m) => _largest[m] < _tolerance && Math.Abs(_riskTerm[m]) < _tolerance;
}
