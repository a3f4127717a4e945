namespace MeanFieldCluster.Engine.LargeDeviations.Limit;

/// <summary>
/// The law of one step of a small-noise Markov chain m_{k+1} = m_k + Y(m_k)/N, through its cumulant generating
/// function H(m, p) = ln E exp(p Y(m)) (docs/large-deviations.md, "The limiting rate function"). Over ⌊N S⌋ steps the
/// path τ ↦ m(⌊Nτ⌋) obeys a large-deviation principle at speed N whose action is the Mogulskii–Wentzell action
/// ∫ L(m, ṁ) dτ with L the Legendre transform of H in p; <see cref="PathActionSolver"/> minimizes it through H.
/// </summary>
public interface IIncrementLaw
{
    /// <summary>H(m, p); +∞ where E exp(p Y(m)) is infinite.</summary>
    double H(double m, double p);

    /// <summary>∂H/∂p: the mean of Y(m) under the tilt p.</summary>
    double Hp(double m, double p);

    /// <summary>∂H/∂m.</summary>
    double Hm(double m, double p);

    /// <summary>
    /// The interval (p₋(m), p₊(m)) of costates where H(m, ·) is finite (default: all of ℝ, light tails). A bounded end
    /// means the increment has an exponential tail at the speed of the principle: one step can then move m by an O(1)
    /// amount Δ at the cost p₊(m)·Δ (Δ &gt; 0) or p₋(m)·Δ (Δ &lt; 0), evaluated at the state before the jump
    /// (docs/large-deviations.md, "Big jumps in the solver").
    /// </summary>
    (double Lower, double Upper) Domain(double m) => (double.NegativeInfinity, double.PositiveInfinity);

    /// <summary>The cost of a jump of one step from <paramref name="from"/> to <paramref name="to"/>: the recession function of L(from, ·).</summary>
    double JumpCost(double from, double to)
    {
        double delta = to - from;
        (double lower, double upper) = Domain(from);
        return delta > 0 ? upper * delta : delta < 0 ? lower * delta : 0;
    }
}

/// <summary>
/// The mean weight m = (1/N) Σ w_i of the linear neuron σ_*(x; w) = w x in d = 1 under online SGD with step α/N
/// (MATH section 3): x ~ N(0, 1), y = θ* x + σ_n ξ, ridge λ, inverse temperature β, mini-batch B. Every neuron
/// receives the same data update 2 (α/N) (y − m x) x and its own Langevin noise, so m moves by Y/N with
/// Y = α[−2λ m + 2 (θ* − m) x² + 2 σ_n ξ x] + sqrt(4α/β) Z per sample (the batch averages B such data terms).
/// With a = θ* − m and one sample, E exp(c x²) = (1 − 2c)^{−1/2} gives
/// H₁(m, p) = −2αλ m p + 2α p²/β − ½ ln(1 − 4α a p − 4α² σ_n² p²); for a batch of B,
/// H(m, p) = −2αλ m p + 2α p²/β + B h(p/B) with h the data part of H₁ (docs/large-deviations.md).
/// </summary>
public sealed class LinearNeuronIncrements : IIncrementLaw
{
    private readonly double _alpha, _teacher, _noise2, _ridge, _temperature;
    private readonly int _batch;

    /// <summary>Creates the law; <paramref name="beta"/> = +∞ is plain SGD.</summary>
    /// <param name="alpha">α of the step α/N (&gt; 0).</param>
    /// <param name="teacher">θ*.</param>
    /// <param name="noise">σ_n ≥ 0, the label noise.</param>
    /// <param name="ridge">λ ≥ 0.</param>
    /// <param name="beta">β &gt; 0 (+∞ for no Langevin noise).</param>
    /// <param name="batch">B ≥ 1.</param>
    public LinearNeuronIncrements(double alpha, double teacher, double noise, double ridge, double beta, int batch = 1)
    {
        if (!(alpha > 0) || !double.IsFinite(alpha) || !double.IsFinite(teacher) || !(noise >= 0) || !(ridge >= 0) || !(beta > 0) || batch < 1)
        {
            throw new ArgumentException($"Invalid linear-neuron increments: alpha = {alpha}, teacher = {teacher}, noise = {noise}, ridge = {ridge}, beta = {beta}, batch = {batch}.");
        }

        (_alpha, _teacher, _noise2, _ridge, _temperature, _batch) = (alpha, teacher, noise * noise, ridge, double.IsPositiveInfinity(beta) ? 0.0 : 1.0 / beta, batch);
    }

    /// <inheritdoc/>
    public double H(double m, double p)
    {
        double q = p / _batch;
        double d = Denominator(m, q);
        return d > 0 ? (-2 * _alpha * _ridge * m * p) + (2 * _alpha * p * p * _temperature) - (0.5 * _batch * Math.Log(d)) : double.PositiveInfinity;
    }

    /// <inheritdoc/>
    public double Hp(double m, double p)
    {
        double q = p / _batch;
        double d = Denominator(m, q);
        return (-2 * _alpha * _ridge * m) + (4 * _alpha * p * _temperature) + (((2 * _alpha * (_teacher - m)) + (4 * _alpha * _alpha * _noise2 * q)) / d);
    }

    /// <inheritdoc/>
    public double Hm(double m, double p)
    {
        double q = p / _batch;
        return (-2 * _alpha * _ridge * p) - (2 * _alpha * p / Denominator(m, q));
    }

    /// <summary>
    /// The roots of 1 − 4α a q − 4α² σ_n² q² (q = p/B), written without cancellation: with s = √(a² + σ_n²),
    /// p₊ = B/(2α(a + s)) and p₋ = −B/(2α(s − a)), infinite where the denominator vanishes (σ_n = 0 and a ≤ 0 or a ≥ 0).
    /// One sample with x² = cN (rate c/2) moves m by 2αac/B, so the jump cost p₊Δ = c/2 when σ_n = 0.
    /// </summary>
    public (double Lower, double Upper) Domain(double m)
    {
        double a = _teacher - m, s = Math.Sqrt((a * a) + _noise2);
        double up = a + s, down = s - a;
        return (down > 0 ? -_batch / (2 * _alpha * down) : double.NegativeInfinity, up > 0 ? _batch / (2 * _alpha * up) : double.PositiveInfinity);
    }

    // 1 − 4α a q − 4α² σ_n² q²: E exp(q · data part) is finite iff it is positive.
    private double Denominator(double m, double q) => 1 - (4 * _alpha * (_teacher - m) * q) - (4 * _alpha * _alpha * _noise2 * q * q);
}

/// <summary>
/// Gaussian increments Y(m) = μ(m) + sqrt(v) Z with a linear drift μ(m) = b − c m: H(m, p) = p μ(m) + v p²/2. The
/// chain is then an Ornstein–Uhlenbeck process whose endpoint law is Gaussian in closed form, which makes it a known
/// answer for <see cref="PathActionSolver"/> ("pure Langevin noise on a frozen data term": the linear neuron with x²
/// replaced by its mean 1 and no label noise has b = 2αθ*, c = 2α(1 + λ), v = 4α/β).
/// </summary>
/// <param name="B">Constant part b of the drift.</param>
/// <param name="C">Slope c of the drift (μ(m) = b − c m).</param>
/// <param name="V">Variance v ≥ 0 of the increment.</param>
public sealed record GaussianIncrements(double B, double C, double V) : IIncrementLaw
{
    /// <inheritdoc/>
    public double H(double m, double p) => (p * (B - (C * m))) + (0.5 * V * p * p);

    /// <inheritdoc/>
    public double Hp(double m, double p) => B - (C * m) + (V * p);

    /// <inheritdoc/>
    public double Hm(double m, double p) => -C * p;
}
