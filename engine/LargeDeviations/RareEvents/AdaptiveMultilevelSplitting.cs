using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.LargeDeviations.RareEvents;

/// <summary>
/// A Markov process observed at checkpoints 0..K and a target event at checkpoint K, for splitting: a state is an
/// immutable array (never written after it is returned), so paths may share their common prefix. The score at
/// checkpoints before K guides the splitting (any score keeps the estimate unbiased; a good one approximates the
/// probability of reaching the target from there, e.g. the standardized distance of the predicted final F to the
/// level); at K the event itself decides.
/// </summary>
public abstract class SplittingModel
{
    /// <summary>K ≥ 1: the number of segments between checkpoints.</summary>
    public abstract int Segments { get; }

    /// <summary>A state at checkpoint 0, drawn from <paramref name="rng"/> (or fixed, when quenched).</summary>
    public abstract double[] Start(ref Xoshiro256 rng);

    /// <summary>The state at checkpoint segment + 1, from the state at checkpoint <paramref name="segment"/>; null when the path diverged.</summary>
    public abstract double[]? Advance(double[] state, int segment, ref Xoshiro256 rng);

    /// <summary>The score of a state at checkpoint 0 ≤ j &lt; K (finite; larger is closer to the target).</summary>
    public abstract double Score(double[] state, int checkpoint);

    /// <summary>Whether a state at checkpoint K is in the target event (F ≥ x, or F ≤ x for the lower tail).</summary>
    public abstract bool Reached(double[] state);
}

/// <summary>Settings of one splitting estimate.</summary>
/// <param name="Particles">n ≥ 2 particles per run.</param>
/// <param name="KillFraction">At least ⌈fraction·n⌉ particles (all tied at the k-th lowest level) are killed per iteration, in (0, 1).</param>
/// <param name="Runs">Independent runs averaged (≥ 2: the interval comes from their spread).</param>
/// <param name="MaxReplicas">Budget of trajectories, initial and resimulated, over all runs; past it the estimate is censored.</param>
public sealed record SplittingSettings(int Particles, double KillFraction, int Runs, long MaxReplicas);

/// <summary>
/// Adaptive multilevel splitting for P(F(X_K) ≥ x) (Cérou–Guyader 2007; the generalized form of Bréhier, Gazeau,
/// Goudenège, Lelièvre and Rousset 2016, whose estimator is unbiased for any score; docs/large-deviations.md, "Rare
/// events"). A path's level is the largest score over its checkpoints, +∞ when it ends in the target. Each iteration
/// finds the k-th lowest level Z among n particles, stops if Z = +∞, else kills every particle with level ≤ Z (K_q of
/// them, ties included), and replaces each by a copy of a uniformly chosen survivor up to the first checkpoint where
/// the survivor's score exceeds Z, continued with fresh randomness (all killed: the run's estimate is 0). The
/// estimate is Π_q (1 − K_q/n) · (1/n) Σ_i 1{X_K^i in the target}.
/// <para>
/// The particles of a run interact, so a run is reproducible as a whole from its stream (sweep seed, width, run
/// index), not particle by particle (MATH section 6). Runs are independent; the estimate is their mean and its 95%
/// interval uses Student's t over runs.
/// </para>
/// </summary>
public static class AdaptiveMultilevelSplitting
{
    /// <summary>The estimate over <see cref="SplittingSettings.Runs"/> runs; run r uses the stream <paramref name="runStream"/>(r).</summary>
    /// <param name="model">The process, its score and target event (the level and side are only recorded).</param>
    /// <param name="level">The level x of the target event.</param>
    /// <param name="side">The tail of the target event.</param>
    /// <param name="settings">Particles, kill fraction, runs and budget.</param>
    /// <param name="runStream">The stream of run r.</param>
    public static RareEventEstimate Estimate(SplittingModel model, double level, TailSide side, SplittingSettings settings, Func<int, Xoshiro256> runStream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(runStream);
        if (settings.Runs < 2 || settings.Particles < 2 || !(settings.KillFraction > 0 && settings.KillFraction < 1))
        {
            throw new ArgumentException($"Invalid splitting settings {settings}.", nameof(settings));
        }

        var logs = new double[settings.Runs];
        long replicas = 0;
        for (int r = 0; r < settings.Runs; r++)
        {
            Xoshiro256 rng = runStream(r);
            (double log, long used, string? reason) = Run(model, level, settings.Particles, settings.KillFraction, settings.MaxReplicas - replicas, ref rng);
            replicas += used;
            if (reason is not null)
            {
                return new RareEventEstimate(level, side, double.NaN, double.NaN, replicas, r + 1, null, reason);
            }

            logs[r] = log;
        }

        double max = logs.Max();
        if (double.IsNegativeInfinity(max))
        {
            return new RareEventEstimate(level, side, double.NegativeInfinity, double.NaN, replicas, settings.Runs, null, $"every run went extinct before x = {level}: increase the particles");
        }

        double[] scaled = [.. logs.Select(l => Math.Exp(l - max))];
        double mean = scaled.Average();
        double quantile = StudentT.InvCDF(0, 1, settings.Runs - 1, 0.975);
        if (logs.Any(double.IsNegativeInfinity))
        {
            // A run with no hit: Student's t on the plain mean of the runs.
            double sd = Math.Sqrt(scaled.Sum(v => (v - mean) * (v - mean)) / (settings.Runs - 1));
            return new RareEventEstimate(level, side, max + Math.Log(mean), sd / (Math.Sqrt(settings.Runs) * mean), replicas, settings.Runs, null, null, quantile);
        }

        // The runs' estimates are skewed (close to log-normal): Cox's interval for a log-normal mean, written as a
        // relative half-width around the plain mean of the runs (which stays the unbiased point estimate).
        double mu = logs.Average(), s2 = logs.Sum(l => (l - mu) * (l - mu)) / (settings.Runs - 1);
        double half = quantile * Math.Sqrt((s2 / settings.Runs) + (s2 * s2 / (2 * (settings.Runs - 1))));
        double center = mu + (s2 / 2), logMean = max + Math.Log(mean);
        return new RareEventEstimate(level, side, logMean, double.NaN, replicas, settings.Runs, null, null, quantile)
        {
            LogInterval = (center - half, center + half),
        };
    }

    /// <summary>One run: ln P̂ (−∞ when no final particle reached x), the trajectories used, and a reason when the budget ran out.</summary>
    public static (double LogProbability, long Replicas, string? Reason) Run(SplittingModel model, double level, int particles, double killFraction, long budget, ref Xoshiro256 rng)
    {
        ArgumentNullException.ThrowIfNull(model);
        int n = particles, segments = model.Segments;
        var states = new double[]?[n][];
        var scores = new double[n][];
        var levels = new double[n];
        long used = 0;
        for (int i = 0; i < n; i++)
        {
            states[i] = new double[]?[segments + 1];
            scores[i] = new double[segments + 1];
            states[i][0] = model.Start(ref rng);
            Continue(model, states[i], scores[i], 0, ref rng);
            levels[i] = scores[i].Max();
            used++;
        }

        int kill = Math.Max(1, (int)Math.Ceiling(killFraction * n));
        double logWeight = 0;
        while (true)
        {
            double z = levels.Order().ElementAt(kill - 1);
            if (double.IsPositiveInfinity(z))
            {
                break;
            }

            int[] killed = [.. Enumerable.Range(0, n).Where(i => levels[i] <= z)];
            int[] survivors = [.. Enumerable.Range(0, n).Where(i => levels[i] > z)];
            if (survivors.Length == 0)
            {
                return (double.NegativeInfinity, used, null);
            }

            if (used + killed.Length > budget)
            {
                return (double.NaN, used, $"the splitting budget of max_replicas trajectories ran out at score {z:G4}, before x = {level}");
            }

            logWeight += Math.Log(1 - ((double)killed.Length / n));
            foreach (int i in killed)
            {
                int s = survivors[(int)(rng.NextDouble() * survivors.Length)];
                int branch = Array.FindIndex(scores[s], v => v > z);
                var path = new double[]?[segments + 1];
                var pathScores = new double[segments + 1];
                Array.Copy(states[s], path, branch + 1);
                Array.Copy(scores[s], pathScores, branch + 1);
                var fresh = new Xoshiro256(rng.NextUInt64());
                Continue(model, path, pathScores, branch, ref fresh);
                (states[i], scores[i], levels[i]) = (path, pathScores, pathScores.Max());
                used++;
            }
        }

        int hits = Enumerable.Range(0, n).Count(i => double.IsPositiveInfinity(scores[i][segments]));
        return (hits == 0 ? double.NegativeInfinity : logWeight + Math.Log((double)hits / n), used, null);
    }

    // Simulates a path from checkpoint `from` (its state is set) to K. Scores: the model's before K, +∞ at K when the
    // target is reached (−∞ otherwise); a diverged path (null state) or a NaN score is −∞.
    private static void Continue(SplittingModel model, double[]?[] path, double[] scores, int from, ref Xoshiro256 rng)
    {
        scores[from] = ScoreOf(model, path[from], from);
        for (int j = from; j < model.Segments; j++)
        {
            path[j + 1] = path[j] is { } s ? model.Advance(s, j, ref rng) : null;
            scores[j + 1] = ScoreOf(model, path[j + 1], j + 1);
        }
    }

    private static double ScoreOf(SplittingModel model, double[]? state, int checkpoint)
    {
        if (state is null)
        {
            return double.NegativeInfinity;
        }

        if (checkpoint == model.Segments)
        {
            return model.Reached(state) ? double.PositiveInfinity : double.NegativeInfinity;
        }

        double v = model.Score(state, checkpoint);
        return double.IsNaN(v) || double.IsPositiveInfinity(v) ? double.NegativeInfinity : v;
    }
}
