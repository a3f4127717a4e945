using System.Numerics.Tensors;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The reduced mean field of MATH section 4.1 for an equally weighted law of M radii r_j. With τ_± = 1 ± Δ,
/// α_n^± = α_n(τ_± r) (see <see cref="RampGaussian"/>), m_n^± = (1/M) Σ_j α_n^±(r_j) and μ_n = E[c^n] for the
/// cosine c of a uniform direction in R^d (μ_0 = 1, odd moments 0, μ_{2k} = Π_{j&lt;k} (2j+1)/(d+2j)):
/// <code>
/// v(r)  = -(q_+(r) - q_-(r)) / 2
/// ψ'(r) = v'(r) + (1/2) Σ_± Σ_{n even} μ_n m_n^± d/dr α_n^±(r)
/// R     = 1 + 2 (1/M) Σ_j v(r_j) + (1/2) Σ_± Σ_{n even} μ_n (m_n^±)²
/// </code>
/// The d = ∞ equation keeps n = 0 only. For finite d the even orders n = 2, 4, ... are added until two
/// consecutive orders both change ψ'(r_j) (every j) and R by less than the tolerance (see
/// <see cref="Evaluate"/>). Negative radii (a particle pushed through the origin) stand for |r|: the
/// coefficients are even in r.
/// </summary>
internal sealed class RadialField
{
    private const int InitialOrder = 8;

    private readonly double[] _tau;
    private readonly double[] _mu;
    private readonly bool _finite;
    private readonly double _tolerance;
    private readonly int _maxOrder;
    private readonly double _ridge;

    // Per class ±: the coefficients of the particles; m_{2k}; the weights (1/2) μ_{2k} m_{2k}. Per order: the
    // largest velocity term over the particles; one order's terms.
    private readonly EvenCoefficientBatch[] _batch;
    private readonly double[][] _moments;
    private readonly double[][] _weights;
    private readonly double[] _largest;
    private readonly double[] _term;
    private int _workingOrder;

    /// <summary>Prepares the field of a setting for <paramref name="count"/> particles.</summary>
    public RadialField(RadialPdeSettings settings, int count)
    {
        _tau = [1.0 + settings.Delta, 1.0 - settings.Delta];
        _finite = settings.Dimension is not null;
        _maxOrder = _finite ? settings.MaxHermiteOrder - (settings.MaxHermiteOrder % 2) : 0;
        _mu = CosineMoments(settings.Dimension, _maxOrder);
        _tolerance = settings.HermiteTolerance;
        _ridge = settings.Ridge;
        int evens = (_maxOrder / 2) + 1;
        _batch = [new EvenCoefficientBatch(settings.Ramp, count, evens), new EvenCoefficientBatch(settings.Ramp, count, evens)];
        _moments = [new double[evens], new double[evens]];
        _weights = [new double[evens], new double[evens]];
        _largest = new double[evens];
        _term = new double[count];
        _workingOrder = Math.Min(InitialOrder, _maxOrder);
    }

    /// <summary>
    /// μ_n = E[c^n] for the cosine between a fixed unit vector and a uniform one in R^d, n = 0..maxOrder:
    /// 0 for odd n, Π_{j&lt;k} (2j + 1)/(d + 2j) for n = 2k; for d = ∞ (null) only μ_0 = 1 is non-zero.
    /// </summary>
    public static double[] CosineMoments(int? dimension, int maxOrder)
    {
        var mu = new double[maxOrder + 1];
        mu[0] = 1.0;
        if (dimension is int d)
        {
            for (int k = 1; 2 * k <= maxOrder; k++)
            {
                mu[2 * k] = mu[2 * (k - 1)] * ((2.0 * k) - 1.0) / (d + (2.0 * k) - 2.0);
            }
        }

        return mu;
    }

    /// <summary>
    /// Writes ψ'(r_j) + λ r_j into <paramref name="gradient"/> (the velocity is -2ξ times it) and returns
    /// the risk R of the particles' law with the Hermite order used. Every even order up to a working
    /// order K is included; the series counts as converged when two consecutive orders n, n + 2 ≤ K each
    /// move every ψ'(r_j) and R by less than the tolerance. Otherwise K doubles (up to the maximum) and the
    /// evaluation is redone; after success the next evaluation starts from K = n + 4.
    /// </summary>
    public FieldValue Evaluate(ReadOnlySpan<double> radii, Span<double> gradient)
    {
        while (true)
        {
            int order = _workingOrder;
            Tabulate(radii, order);
            double risk = Accumulate(radii, gradient, order);
            int quietFrom = FirstQuietPair(order);
            if (quietFrom > 0 || !_finite || order >= _maxOrder)
            {
                if (quietFrom > 0)
                {
                    _workingOrder = Math.Min(_maxOrder, Math.Max(InitialOrder, quietFrom + 4));
                }

                return new FieldValue(risk, order, quietFrom > 0 || !_finite);
            }

            _workingOrder = Math.Min(_maxOrder, 2 * order);
        }
    }

    // α_0^±(r_j), d/dr α_n^±(r_j) and m_n^± for even n ≤ order, then the weights (1/2) μ_n m_n^±.
    private void Tabulate(ReadOnlySpan<double> radii, int order)
    {
        int evens = (order / 2) + 1;
        for (int s = 0; s < 2; s++)
        {
            _batch[s].Compute(radii, _tau[s], evens);
            for (int k = 0; k < evens; k++)
            {
                _moments[s][k] = _batch[s].Sums[k] / radii.Length;
                _weights[s][k] = 0.5 * _mu[2 * k] * _moments[s][k];
            }
        }
    }

    // ψ'(r_j) + λ r_j into gradient (with the largest |term| of each order n ≥ 2), and the risk.
    private double Accumulate(ReadOnlySpan<double> radii, Span<double> gradient, int order)
    {
        int evens = (order / 2) + 1, count = radii.Length;
        double[] wPlus = _weights[0], wMinus = _weights[1];
        ReadOnlySpan<double> sp = _batch[0].Slope(0, count), sm = _batch[1].Slope(0, count);
        ReadOnlySpan<double> qPlus = _batch[0].Mean0.AsSpan(0, count), qMinus = _batch[1].Mean0.AsSpan(0, count);
        double sumV = 0;
        for (int j = 0; j < count; j++)
        {
            // v'(r) = -(d/dr q_+ - d/dr q_-)/2; the n = 0 interaction; the ridge.
            gradient[j] = (-0.5 * (sp[j] - sm[j])) + (wPlus[0] * sp[j]) + (wMinus[0] * sm[j]) + (_ridge * radii[j]);
            sumV += -0.5 * (qPlus[j] - qMinus[j]);
        }

        Span<double> term = _term.AsSpan(0, count);
        for (int k = 1; k < evens; k++)
        {
            TensorPrimitives.Multiply(_batch[0].Slope(k, count), wPlus[k], term);
            TensorPrimitives.MultiplyAdd(_batch[1].Slope(k, count), wMinus[k], term, term);
            TensorPrimitives.Add(gradient, term, gradient);
            _largest[k] = Math.Abs(TensorPrimitives.MaxMagnitude(term));
        }

        double risk = 1.0 + (2.0 * sumV / count);
        for (int k = 0; k < evens; k++)
        {
            risk += (wPlus[k] * _moments[0][k]) + (wMinus[k] * _moments[1][k]);
        }

        return risk;
    }

    // The first even n ≥ 2 such that orders n and n + 2 (both ≤ order) are below the tolerance in every
    // velocity and in the risk; 0 when there is none.
    private int FirstQuietPair(int order) => FirstQuietPair(order, IsQuiet);

    /// <summary>
    /// The first even n ≥ 2 such that the even orders n and n + 2 (both ≤ <paramref name="order"/>) are quiet,
    /// <paramref name="isQuiet"/>(n/2), or 0 when there is none (shared with <see cref="AnisotropicField"/>).
    /// </summary>
    internal static int FirstQuietPair(int order, Func<int, bool> isQuiet)
    {
        int evens = (order / 2) + 1;
        for (int k = 1; k + 1 < evens; k++)
        {
            if (isQuiet(k) && isQuiet(k + 1))
            {
                return 2 * k;
            }
        }

        return 0;
    }

    private bool IsQuiet(int k) =>
        _largest[k] < _tolerance && (_weights[0][k] * _moments[0][k]) + (_weights[1][k] * _moments[1][k]) < _tolerance;
}

/// <summary>The risk of a particle law and the Hermite order used to evaluate its field.</summary>
/// <param name="Risk">R = E(y - ŷ)² of the law.</param>
/// <param name="Order">The highest even Hermite order included (0 for d = ∞).</param>
/// <param name="Converged">Whether the series met the tolerance (false when it stopped at the maximum order).</param>
internal readonly record struct FieldValue(double Risk, int Order, bool Converged);
