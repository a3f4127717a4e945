using MathNet.Numerics;
using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

/// <summary>
/// Cramér's known answers (MATH section 6): at T = 0, F = mean of N i.i.d. output weights c, so
/// λ_N(k) = ln E e^{k c} for every N. Replica r draws its N weights from its own stream keyed by (seed, N, r).
/// </summary>
internal static class CramerSamples
{
    public const int Replicas = 100_000;

    /// <summary>The mean μ of the Gaussian weights.</summary>
    public const double Mu = 0.2;

    /// <summary>The standard deviation s of the Gaussian weights.</summary>
    public const double S = 1.0;

    private const ulong Seed = 2024;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Law, int Width), Lazy<double[]>> Cache = new();

    /// <summary>The shared Gaussian sample (μ = 0.2, s = 1, R = 10^5) of one width, generated once per test run.</summary>
    public static double[] CachedGaussian(int width) =>
        Cache.GetOrAdd(("gaussian", width), _ => new Lazy<double[]>(() => Gaussian(width, Mu, S, Seed))).Value;

    /// <summary>The shared Rademacher sample (R = 10^5) of one width, generated once per test run.</summary>
    public static double[] CachedRademacher(int width) =>
        Cache.GetOrAdd(("rademacher", width), _ => new Lazy<double[]>(() => Rademacher(width, Seed))).Value;

    /// <summary>
    /// A sample whose empirical law is exactly the law of the mean of N signs: value (2j - N)/N repeated
    /// copies × C(N, j) times, so λ̂(k) = ln cosh k and P̂(F ≥ x) is the binomial tail, without sampling noise.
    /// </summary>
    public static double[] ExactBinomial(int width, int copies)
    {
        var values = new List<double>();
        for (int j = 0; j <= width; j++)
        {
            int count = copies * (int)Math.Round(SpecialFunctions.Binomial(width, j));
            values.AddRange(Enumerable.Repeat((double)((2 * j) - width) / width, count));
        }

        return [.. values];
    }

    /// <summary>A stratified "quantile" sample of N(μ, s²/N): F_r = μ + (s/√N) Φ⁻¹((r + 1/2)/R).</summary>
    public static double[] GaussianQuantiles(int width, double mu, double s, int replicas = Replicas) =>
        [.. Enumerable.Range(0, replicas).Select(r => mu + (s / Math.Sqrt(width) * Normal.InvCDF(0, 1, (r + 0.5) / replicas)))];

    /// <summary>F_r = mean of N draws of N(μ, s²), r = 0..R-1.</summary>
    public static double[] Gaussian(int width, double mu, double s, ulong seed, int replicas = Replicas) =>
        Means(width, replicas, seed, (ref Xoshiro256 rng) => mu + (s * rng.NextGaussian()));

    /// <summary>F_r = mean of N fair signs ±1.</summary>
    public static double[] Rademacher(int width, ulong seed, int replicas = Replicas) =>
        Means(width, replicas, seed, (ref Xoshiro256 rng) => rng.NextSign());

    /// <summary>I(x) = (x - μ)² / (2 s²).</summary>
    public static double GaussianRate(double x, double mu, double s) => (x - mu) * (x - mu) / (2 * s * s);

    /// <summary>I(x) = ((1+x)/2) ln(1+x) + ((1-x)/2) ln(1-x) on (-1, 1).</summary>
    public static double RademacherRate(double x) => (((1 + x) / 2) * Math.Log(1 + x)) + (((1 - x) / 2) * Math.Log(1 - x));

    /// <summary>The exact finite-N target of the tail estimator: -(1/N) ln P(F_N ≥ x) (upper) or ≤ x (lower).</summary>
    public static double GaussianTailRate(double x, int width, double mu, double s, TailSide side)
    {
        double z = Math.Sqrt(width) * (x - mu) / s;
        double p = side == TailSide.Upper ? Normal.CDF(0, 1, -z) : Normal.CDF(0, 1, z);
        return -Math.Log(p) / width;
    }

    /// <summary>The exact binomial tail rate of the mean of N signs: F = (2J - N)/N with J ~ Bin(N, 1/2).</summary>
    public static double RademacherTailRate(double x, int width, TailSide side)
    {
        double j = width * (1 + x) / 2;
        IEnumerable<int> tail = side == TailSide.Upper
            ? Enumerable.Range(0, width + 1).Where(i => i >= j)
            : Enumerable.Range(0, width + 1).Where(i => i <= j);
        double[] logs = [.. tail.Select(i => SpecialFunctions.BinomialLn(width, i) - (width * Math.Log(2)))];
        double max = logs.Max();
        return -(max + Math.Log(logs.Sum(l => Math.Exp(l - max)))) / width;
    }

    private delegate double Draw(ref Xoshiro256 rng);

    private static double[] Means(int width, int replicas, ulong seed, Draw draw)
    {
        var values = new double[replicas];
        for (int r = 0; r < replicas; r++)
        {
            var rng = RandomStreams.Create(seed, RandomStreams.Purpose.Initialization, (ulong)width, (ulong)r);
            double sum = 0;
            for (int i = 0; i < width; i++)
            {
                sum += draw(ref rng);
            }

            values[r] = sum / width;
        }

        return values;
    }
}
