using MathNet.Numerics.Distributions;
using MathNet.Numerics.Integration;

namespace MeanFieldCluster.Engine.LargeDeviations.KnownAnswers;

/// <summary>
/// The finite-N tail of the linear neuron's known answer (docs/large-deviations.md, "Splitting against the known
/// answer"): G = F/F_0 = r² with r = Π_{k&lt;K} (1 − 2(α/N) x_k²), x_k ~ N(0, 1) i.i.d., K = NT/α steps, so
/// ln G = Σ_k Y_k with Y = ln (1 − 2(α/N) x²)² a sum of K i.i.d. terms. Its upper tail P(G ≥ g) above the typical value
/// follows from the cumulant generating function Λ(θ) = ln E|1 − 2(α/N) x²|^{2θ} (θ &gt; 0: finite for every θ, by
/// quadrature split at the zero x² = N/(2α)) and the Lugannani–Rice saddle-point formula,
/// P(S_K ≥ Kȳ) ≈ 1 − Φ(w) + φ(w)(1/u − 1/w), w = √(2K(θ̂ȳ − Λ(θ̂))), u = θ̂ √(K Λ''(θ̂)), Λ'(θ̂) = ȳ,
/// whose relative error is O(1/K) (about 1% at K = 80: 0.01 in ln P).
/// </summary>
public sealed class LinearNeuronFiniteWidth
{
    private readonly double _c;
    private readonly double _kink;

    /// <summary>The law of G at width <paramref name="width"/> for step α/N and horizon T (K = round(NT/α) steps).</summary>
    public LinearNeuronFiniteWidth(double alpha, double horizon, int width)
    {
        if (!(alpha > 0) || !(horizon > 0) || width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Needs α > 0, T > 0 and N ≥ 1 (α = {alpha}, T = {horizon}, N = {width}).");
        }

        Steps = (int)Math.Round(width * horizon / alpha);
        _c = 2 * alpha / width;
        _kink = Math.Sqrt(1 / _c);
    }

    /// <summary>K, the number of steps.</summary>
    public int Steps { get; }

    /// <summary>ln P(G ≥ g) for g above the typical value e^{K E Y} (the upper tail, no singularity in the tilt).</summary>
    /// <exception cref="ArgumentOutOfRangeException">g is not above the typical value.</exception>
    public double LogUpperTail(double g)
    {
        double target = Math.Log(g) / Steps;
        if (!(target > Moments(0).Mean))
        {
            throw new ArgumentOutOfRangeException(nameof(g), g, "The level must lie above the typical value of G.");
        }

        // Λ'(θ) increases from E Y at θ = 0: double, then bisect.
        double lo = 0, hi = 0.5;
        while (Moments(hi).Mean < target)
        {
            (lo, hi) = (hi, 2 * hi);
        }

        for (int i = 0; i < 100; i++)
        {
            double mid = 0.5 * (lo + hi);
            (lo, hi) = Moments(mid).Mean < target ? (mid, hi) : (lo, mid);
        }

        double theta = 0.5 * (lo + hi);
        (double logM, _, double variance) = Moments(theta);
        double w = Math.Sqrt(2 * Steps * ((theta * target) - logM));
        double u = theta * Math.Sqrt(Steps * variance);
        double tail = Normal.CDF(0, 1, -w) + (Normal.PDF(0, 1, w) * ((1 / u) - (1 / w)));
        return Math.Log(tail);
    }

    // ln E e^{θY}, and the mean and variance of Y under the tilt e^{θY}: E|1 − c x²|^{2θ} (ln|1 − c x²|²)^j over x ≥ 0,
    // split at the zero x = 1/√c and cut at x = 40 (the Gaussian weight is below e^{−800} there).
    private (double LogM, double Mean, double Variance) Moments(double theta)
    {
        double Integral(int power)
        {
            double F(double x)
            {
                double f = Math.Abs(1 - (_c * x * x));
                if (f == 0)
                {
                    return 0;
                }

                double y = 2 * Math.Log(f);
                return Math.Exp((theta * y) - (x * x / 2)) * Math.Pow(y, power) * Math.Sqrt(2 / Math.PI);
            }

            double cut = Math.Min(_kink, 40);
            double sum = DoubleExponentialTransformation.Integrate(F, 0, cut, 1e-13);
            if (_kink < 40)
            {
                sum += DoubleExponentialTransformation.Integrate(F, _kink, 40, 1e-13);
            }

            return sum;
        }

        double m0 = Integral(0), m1 = Integral(1) / m0, m2 = Integral(2) / m0;
        return (Math.Log(m0), m1, m2 - (m1 * m1));
    }
}
