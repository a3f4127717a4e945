using MathNet.Numerics.Integration;
using MeanFieldCluster.Engine.Activations;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The mean square of a two-hidden-layer network's initial output on given inputs, to next order in the
/// width (docs/models.md, "Control variates of the initial output", the next order at L = 2). With w_i i.i.d.
/// N(0, κ²/d I_d), no biases, W_ji i.i.d. N(0, σ_W²), output weights of mean 0 and variance σ_c² independent of
/// the rest, and ŷ_0(x) = N_2^{−γ_2} Σ_j c_j σ(u_j(x)), u_j(x) = N_1^{−γ_1} Σ_i W_ji σ(&lt;w_i, x&gt;):
/// <code>
/// E ŷ_0(x)² = σ_c² N_2^{1−2γ_2} E g(s q_N(x)),   s = σ_W² N_1^{1−2γ_1},   g(v) = E σ(√v z)²,
/// q_N(x) = (1/N_1) Σ_i σ(&lt;w_i, x&gt;)²,
/// </code>
/// exactly (given the first layer, u_j(x) is N(0, s q_N(x)), and the cross terms vanish with E c = 0).
/// q_N(x) has mean q̄(x) = E σ(a z)² and variance τ²(x)/N_1, τ² = Var σ(a z)², a = κ‖x‖/√d, so by the delta method
/// <code>
/// E g(s q_N) = g(s q̄) + ½ g''(s q̄) s² τ² / N_1 + O(s³ N_1^{−2}),
/// </code>
/// with g''(v) = E[σ(√v z)² He_4(z)] / (4v²) (the heat equation: ∂_v of the N(0, v) density is half its second
/// derivative; He_4 = z⁴ − 6z² + 3). For tanh g(v) = v − 2v² + O(v³), so the leading order σ_c² N_2^{1−2γ_2}
/// s q̄ is lowered by the factor 1 − 2 s q̄ at finite widths. The Gaussian expectations are taken by MathNet's
/// double-exponential rule over ±12 SD, split at 0 and at the activation's kinks (relative accuracy about 1e-12).
/// </summary>
public sealed class TwoLayerInitialOutput
{
    private const double Reach = 12.0;
    private const double Accuracy = 1e-13;

    private readonly Activation _sigma;
    private readonly double[] _meanSquare;
    private readonly double[] _varianceOfSquare;
    private readonly double _hiddenVariance;
    private readonly double _outputVariance;

    /// <summary>
    /// Prepares the per-input moments q̄(x_m) and τ²(x_m) for inputs with squared norms
    /// <paramref name="squaredNorms"/> in dimension <paramref name="dimension"/>.
    /// </summary>
    /// <param name="sigma">The activation of both hidden layers.</param>
    /// <param name="kappa">κ of the first layer's law N(0, κ²/d I_d).</param>
    /// <param name="hiddenStd">σ_W, the standard deviation of W_ji (mean 0).</param>
    /// <param name="outputStd">σ_c, the standard deviation of the output weights (mean 0).</param>
    /// <param name="dimension">d.</param>
    /// <param name="squaredNorms">‖x_m‖² of each input.</param>
    /// <exception cref="ArgumentException">A parameter is out of range.</exception>
    public TwoLayerInitialOutput(Activation sigma, double kappa, double hiddenStd, double outputStd, int dimension, IReadOnlyList<double> squaredNorms)
    {
        ArgumentNullException.ThrowIfNull(sigma);
        ArgumentNullException.ThrowIfNull(squaredNorms);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!(kappa > 0 && double.IsFinite(kappa)) || !(hiddenStd > 0 && double.IsFinite(hiddenStd)) || !(outputStd >= 0 && double.IsFinite(outputStd)))
        {
            throw new ArgumentOutOfRangeException(nameof(kappa), "κ and σ_W must be positive and finite, σ_c non-negative and finite.");
        }

        if (squaredNorms.Count == 0 || squaredNorms.Any(x => !(x >= 0 && double.IsFinite(x))))
        {
            throw new ArgumentException("The inputs' squared norms must be a non-empty list of finite non-negative numbers.", nameof(squaredNorms));
        }

        _sigma = sigma;
        _hiddenVariance = hiddenStd * hiddenStd;
        _outputVariance = outputStd * outputStd;
        _meanSquare = new double[squaredNorms.Count];
        _varianceOfSquare = new double[squaredNorms.Count];
        for (int m = 0; m < squaredNorms.Count; m++)
        {
            double a = kappa * Math.Sqrt(squaredNorms[m] / dimension);
            double second = Gaussian(z => Square(sigma.Value(a * z)), a);
            double fourth = Gaussian(z => Square(Square(sigma.Value(a * z))), a);
            _meanSquare[m] = second;
            _varianceOfSquare[m] = Math.Max(0.0, fourth - (second * second));
        }
    }

    /// <summary>q̄(x_m) = E σ(&lt;w, x_m&gt;)² per input.</summary>
    public IReadOnlyList<double> MeanSquare => _meanSquare;

    /// <summary>
    /// The average over the inputs of E ŷ_0(x_m)² at widths (<paramref name="n1"/>, <paramref name="n2"/>) and
    /// normalizations (<paramref name="gamma1"/>, <paramref name="gamma2"/>), to the order stated on the type.
    /// </summary>
    public double MeanSquaredOutput(int n1, int n2, double gamma1, double gamma2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n1, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(n2, 1);
        double s = _hiddenVariance * Math.Pow(n1, 1 - (2 * gamma1));
        double sum = 0;
        for (int m = 0; m < _meanSquare.Length; m++)
        {
            double v = s * _meanSquare[m];
            sum += G(v) + (0.5 * GSecond(v) * s * s * _varianceOfSquare[m] / n1);
        }

        return _outputVariance * Math.Pow(n2, 1 - (2 * gamma2)) * sum / _meanSquare.Length;
    }

    /// <summary>g(v) = E σ(√v z)², z ~ N(0, 1).</summary>
    public double G(double v)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(v);
        double r = Math.Sqrt(v);
        return Gaussian(z => Square(_sigma.Value(r * z)), r);
    }

    /// <summary>g''(v) = E[σ(√v z)² He_4(z)] / (4v²) for v &gt; 0.</summary>
    public double GSecond(double v)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(v);
        double r = Math.Sqrt(v);
        return Gaussian(z =>
        {
            double z2 = z * z;
            return Square(_sigma.Value(r * z)) * ((z2 * z2) - (6 * z2) + 3);
        }, r) / (4 * v * v);
    }

    // E f(z), z ~ N(0, 1), over ±Reach split at 0 and at the kinks of σ(scale·z).
    private double Gaussian(Func<double, double> f, double scale)
    {
        List<double> cuts = [-Reach, 0.0, Reach];
        if (scale > 0)
        {
            cuts.AddRange(_sigma.Kinks.Select(k => k / scale).Where(c => Math.Abs(c) < Reach));
        }

        double[] sorted = [.. cuts.Distinct().Order()];
        double sum = 0;
        for (int i = 0; i + 1 < sorted.Length; i++)
        {
            sum += DoubleExponentialTransformation.Integrate(z => f(z) * StandardNormal.Pdf(z), sorted[i], sorted[i + 1], Accuracy);
        }

        return sum;
    }

    private static double Square(double x) => x * x;
}
