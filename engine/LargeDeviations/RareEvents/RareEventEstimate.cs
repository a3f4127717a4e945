namespace MeanFieldCluster.Engine.LargeDeviations.RareEvents;

/// <summary>The names of the rare-event estimators, as written in the <c>estimator</c> column of the rows.</summary>
public static class RareEventEstimators
{
    /// <summary>Importance sampling by exponential tilting of the initial law (T = 0).</summary>
    public const string ImportanceSampling = "importance-sampling";

    /// <summary>Adaptive multilevel splitting on F (T &gt; 0).</summary>
    public const string Splitting = "splitting";

    /// <summary>All rare-event estimators.</summary>
    public static readonly IReadOnlyList<string> All = [ImportanceSampling, Splitting];
}

/// <summary>A rare-event estimate of a tail probability P(F ≥ x) (or P(F ≤ x) for the lower side).</summary>
/// <param name="Level">The level x.</param>
/// <param name="Side">Which tail.</param>
/// <param name="LogProbability">ln P̂ (−∞ when the estimate is 0); NaN when censored.</param>
/// <param name="RelativeStdErr">Standard error of P̂ divided by P̂.</param>
/// <param name="Replicas">Replicas simulated for this estimate (over all runs).</param>
/// <param name="Runs">Independent runs averaged.</param>
/// <param name="Ess">Importance sampling: effective sample size of the weights of the hits; null otherwise.</param>
/// <param name="Reason">Why the estimate is censored (null when it is a number).</param>
/// <param name="Quantile">The 97.5% quantile used for the interval: normal (one weighted sample) or Student's t with runs − 1 degrees of freedom.</param>
public sealed record RareEventEstimate(double Level, TailSide Side, double LogProbability, double RelativeStdErr, long Replicas, int Runs, double? Ess, string? Reason, double Quantile = WidthExtrapolation.Z975)
{
    /// <summary>
    /// The 95% interval of ln P when it is not symmetric in P (splitting: Cox's log-normal interval over runs); null
    /// when the interval is P̂(1 ± q·SE/P̂).
    /// </summary>
    public (double Low, double High)? LogInterval { get; init; }

    /// <summary>Whether the exact probability exp(<paramref name="logProbability"/>) lies in the 95% interval.</summary>
    public bool Covers(double logProbability)
    {
        if (LogInterval is { } interval)
        {
            return logProbability >= interval.Low && logProbability <= interval.High;
        }

        double ratio = Math.Exp(logProbability - LogProbability), z = Quantile * RelativeStdErr;
        return ratio >= 1 - z && ratio <= 1 + z;
    }

    /// <summary>True when the estimator could not give a number (see <see cref="Reason"/>).</summary>
    public bool Censored => Reason is not null;

    /// <summary>
    /// −(1/N) ln P̂ with the 95% interval from P̂(1 ± q SE/P̂) (the high end is null when the lower end of P is ≤ 0):
    /// the same quantity as the tail estimator's, at probabilities plain sampling cannot reach.
    /// </summary>
    public RatePoint Rate(int width)
    {
        if (Censored || double.IsNegativeInfinity(LogProbability))
        {
            return new RatePoint(Level, null, null, null, Censored);
        }

        double value = -LogProbability / width;
        if (LogInterval is { } interval)
        {
            return new RatePoint(Level, value, -interval.High / width, -interval.Low / width, false);
        }

        double z = Quantile * RelativeStdErr;
        double? low = value - (Math.Log(1 + z) / width);
        double? high = z < 1 ? value - (Math.Log(1 - z) / width) : null;
        return new RatePoint(Level, value, low, high, false);
    }
}
