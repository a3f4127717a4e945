using MeanFieldCluster.Engine.LargeDeviations.Limit;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.LargeDeviations.RareEvents;

/// <summary>
/// Importance sampling of P(F ≥ x) at T = 0, where F = (1/N) Σ c_j is the mean of N i.i.d. initial weights
/// (docs/large-deviations.md, "Rare events"). The weights are drawn from the exponentially tilted law
/// dQ/dP(c) = e^{θc − Λ₀(θ)}, with θ chosen so that the tilted mean Λ₀'(θ) is x: for c ~ N(μ, s²) the tilted law is
/// N(μ + θ s², s²); for c = μ ± s it is μ ± s with P(+) = e^{θs}/(e^{θs} + e^{−θs}). Each sample carries the
/// likelihood ratio w = exp(−θ N F + N Λ₀(θ)), so P̂ = (1/R) Σ w 1{F ≥ x} is unbiased, with the standard error of the
/// weighted sample. Computed in logarithms: P may be far below the smallest double.
/// </summary>
public static class TiltedInitialSampler
{
    /// <summary>The estimate of P(F ≥ x) (x above the mean) or P(F ≤ x) (below) at width N.</summary>
    /// <param name="law">The law of one weight: <see cref="GaussianInitialLaw"/> or <see cref="RademacherInitialLaw"/>.</param>
    /// <param name="width">N.</param>
    /// <param name="level">x.</param>
    /// <param name="replicas">R ≥ 2 samples.</param>
    /// <param name="essMin">The hits' effective sample size below which the estimate is censored.</param>
    /// <param name="rng">The run's stream (replicas are drawn in order from it: reproducible per run).</param>
    public static RareEventEstimate Estimate(IInitialLaw law, int width, double level, int replicas, double essMin, ref Xoshiro256 rng)
    {
        ArgumentNullException.ThrowIfNull(law);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 2);
        TailSide side = level >= law.Mean ? TailSide.Upper : TailSide.Lower;
        double? theta = Tilt(law, level);
        if (theta is not { } t)
        {
            return new RareEventEstimate(level, side, double.NaN, double.NaN, 0, 1, null, $"x = {level} is outside the support of the mean of the initial weights");
        }

        double cgf = law.Cgf(t);
        var logWeights = new List<double>();
        for (int r = 0; r < replicas; r++)
        {
            double sum = 0;
            for (int j = 0; j < width; j++)
            {
                sum += Draw(law, t, ref rng);
            }

            double f = sum / width;
            if (side == TailSide.Upper ? f >= level : f <= level)
            {
                logWeights.Add((-t * sum) + (width * cgf));
            }
        }

        if (logWeights.Count == 0)
        {
            return new RareEventEstimate(level, side, double.NegativeInfinity, double.NaN, replicas, 1, 0, $"no tilted sample reached x = {level}");
        }

        double max = logWeights.Max();
        double s1 = logWeights.Sum(l => Math.Exp(l - max)), s2 = logWeights.Sum(l => Math.Exp(2 * (l - max)));
        double ess = s1 * s1 / s2;
        double mean = s1 / replicas, second = s2 / replicas;
        double relative = Math.Sqrt(Math.Max(0, second - (mean * mean)) / (replicas - 1)) / mean;
        string? reason = ess < essMin ? $"the effective sample size of the tilted hits is {ess:G3} < ess_min = {essMin}" : null;
        return new RareEventEstimate(level, side, reason is null ? max + Math.Log(mean) : double.NaN, relative, replicas, 1, ess, reason);
    }

    /// <summary>θ with Λ₀'(θ) = x (bisection on the increasing tilted mean); null when x is outside the support.</summary>
    public static double? Tilt(IInitialLaw law, double level)
    {
        ArgumentNullException.ThrowIfNull(law);
        double lo = -1, hi = 1;
        for (int i = 0; i < 80 && law.TiltedMean(lo) > level; i++)
        {
            lo *= 2;
        }

        for (int i = 0; i < 80 && law.TiltedMean(hi) < level; i++)
        {
            hi *= 2;
        }

        if (law.TiltedMean(lo) > level || law.TiltedMean(hi) < level)
        {
            return null;
        }

        for (int i = 0; i < 200; i++)
        {
            double mid = 0.5 * (lo + hi);
            (lo, hi) = law.TiltedMean(mid) < level ? (mid, hi) : (lo, mid);
        }

        double theta = 0.5 * (lo + hi);
        return Math.Abs(law.TiltedMean(theta) - level) <= 1e-9 * (1 + Math.Abs(level)) ? theta : null;
    }

    private static double Draw(IInitialLaw law, double theta, ref Xoshiro256 rng) => law switch
    {
        GaussianInitialLaw g => g.Mu + (g.S * g.S * theta) + (g.S * rng.NextGaussian()),
        RademacherInitialLaw b => b.Mu + (rng.NextDouble() < 1 / (1 + Math.Exp(-2 * b.S * theta)) ? b.S : -b.S),
        _ => throw new ArgumentException($"No tilted sampler for {law.GetType().Name}.", nameof(law)),
    };
}
