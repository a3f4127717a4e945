namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The reduced radial field of MATH section 4.1 on a fixed grid of radii r_i (cell centres) for a law given by
/// cell masses P_i (Σ P_i = 1): the even Hermite coefficients α_n^±(r_i) = α_n(τ_± r_i) are tabulated once,
/// and for any masses
/// <code>
/// m_n^± = Σ_i P_i α_n^±(r_i),   ψ(r_i) = v(r_i) + (1/2) Σ_± Σ_{n even} μ_n m_n^± α_n^±(r_i),
/// R     = 1 + 2 Σ_i P_i v(r_i) + (1/2) Σ_± Σ_{n even} μ_n (m_n^±)²,     v = -(q_+ - q_-)/2.
/// </code>
/// Every even order up to the maximum is summed (the grid is fixed, so the table costs nothing per step);
/// <see cref="LastTerm"/> reports the size of the highest order's contribution to ψ as the truncation check.
/// Used by the noisy (Fokker–Planck) solver and its fixed-point solver (docs/limit.md "The noisy limit").
/// </summary>
internal sealed class RadialGridField
{
    private readonly double[][] _alpha;
    private readonly double[] _mu;
    private readonly double[] _v;
    private readonly int _evens;

    /// <summary>Tabulates the coefficients at <paramref name="radii"/> up to <paramref name="maxOrder"/> (even orders only).</summary>
    public RadialGridField(RampParameters ramp, double delta, int? dimension, IReadOnlyList<double> radii, int maxOrder)
    {
        Radii = [.. radii];
        int order = dimension is null ? 0 : maxOrder - (maxOrder % 2);
        _evens = (order / 2) + 1;
        _mu = RadialField.CosineMoments(dimension, order);
        var gauss = new RampGaussian(ramp);
        double[] tau = [1.0 + delta, 1.0 - delta];
        _alpha = [new double[_evens * Radii.Length], new double[_evens * Radii.Length]];
        _v = new double[Radii.Length];
        var alpha = new double[order + 1];
        for (int s = 0; s < 2; s++)
        {
            for (int i = 0; i < Radii.Length; i++)
            {
                gauss.Coefficients(tau[s] * Radii[i], alpha, []);
                for (int k = 0; k < _evens; k++)
                {
                    _alpha[s][(k * Radii.Length) + i] = alpha[2 * k];
                }

                _v[i] += (s == 0 ? -0.5 : 0.5) * alpha[0];
            }
        }
    }

    /// <summary>The grid radii.</summary>
    public double[] Radii { get; }

    /// <summary>The largest |contribution| of the highest even order to ψ at the last evaluation.</summary>
    public double LastTerm { get; private set; }

    /// <summary>Writes ψ(r_i; P) into <paramref name="psi"/> and returns the risk R of the law P.</summary>
    public double Evaluate(ReadOnlySpan<double> masses, Span<double> psi)
    {
        int cells = Radii.Length;
        double linear = 0;
        for (int i = 0; i < cells; i++)
        {
            psi[i] = _v[i];
            linear += masses[i] * _v[i];
        }

        double risk = 1.0 + (2.0 * linear);
        LastTerm = 0;
        for (int s = 0; s < 2; s++)
        {
            for (int k = 0; k < _evens; k++)
            {
                ReadOnlySpan<double> column = _alpha[s].AsSpan(k * cells, cells);
                double m = 0;
                for (int i = 0; i < cells; i++)
                {
                    m += masses[i] * column[i];
                }

                double weight = 0.5 * _mu[2 * k] * m;
                risk += weight * m;
                double largest = 0;
                for (int i = 0; i < cells; i++)
                {
                    psi[i] += weight * column[i];
                    largest = Math.Max(largest, Math.Abs(weight * column[i]));
                }

                if (k == _evens - 1 && k > 0)
                {
                    LastTerm = Math.Max(LastTerm, largest);
                }
            }
        }

        return risk;
    }
}
