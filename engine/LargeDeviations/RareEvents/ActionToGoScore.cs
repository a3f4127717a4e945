using MeanFieldCluster.Engine.LargeDeviations.Limit;

namespace MeanFieldCluster.Engine.LargeDeviations.RareEvents;

/// <summary>
/// A splitting score from the large-deviation value function (docs/large-deviations.md, "Rare events"): the least
/// remaining action W(m, τ) of a continuous path from m at τ into the target set at S, so that P(target | m at τ) ≈
/// e^{−N W}. The score −W is the same log-probability scale at every checkpoint, which is what makes the levels of
/// adaptive multilevel splitting comparable across times (a score whose scale drifts along the run, such as a
/// standardized distance, leaves the runs heavy-tailed: most runs underestimate P and a few carry it).
/// <para>
/// The target set is bounded by the roots m* of F(m) = x, each with the side it is approached from. For one root, W is
/// computed by the method of characteristics: the Hamiltonian paths ending at m* with terminal costate p_S (of the sign
/// that pushes toward the target) are integrated backwards, carrying the action ∫_τ^S (p ṁ − H) dτ'; at each checkpoint
/// they give W at the points they pass, which are interpolated in m (and continued with the slope |p| beyond the last
/// path). From a state whose typical path already ends inside the target W = 0. Jumps are ignored: the score only sets
/// the variance of the estimate, never its mean.
/// </para>
/// </summary>
public sealed class ActionToGoScore
{
    private const int StepsPerUnit = 400;
    private const int Costates = 60;

    // Per root and checkpoint: the sampled (m, W, |p|) sorted by distance from the zero-action path, and the direction.
    private readonly List<(int Direction, (double M, double W, double P)[][] Slices)> _roots = [];

    /// <summary>Builds the score for checkpoints at <paramref name="times"/> (in τ = t/α, increasing, all ≤ S).</summary>
    /// <param name="law">The increments of the chain of m.</param>
    /// <param name="horizon">S, the end of the run in τ.</param>
    /// <param name="times">The checkpoint times τ_j.</param>
    /// <param name="roots">The boundary points m* of the target set, each with +1 when the target lies above it (approached from below) or −1.</param>
    public ActionToGoScore(IIncrementLaw law, double horizon, IReadOnlyList<double> times, IReadOnlyList<(double Root, int Direction)> roots)
    {
        ArgumentNullException.ThrowIfNull(law);
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(roots);
        foreach ((double root, int direction) in roots)
        {
            var slices = new List<(double, double, double)>[times.Count];
            for (int j = 0; j < slices.Length; j++)
            {
                slices[j] = [];
            }

            (double lower, double upper) = law.Domain(root);
            double edge = direction > 0 ? upper : -lower;
            double pMax = double.IsFinite(edge) ? 0.999 * edge : 50;
            for (int i = 0; i < Costates; i++)
            {
                // p_S from 0 to pMax, denser near 0 (where the paths are close to the typical one).
                double u = (double)i / (Costates - 1);
                Backward(law, horizon, times, root, direction * pMax * u * u, slices);
            }

            _roots.Add((direction, [.. slices.Select(s => s.OrderBy(t => -direction * t.Item1).ToArray())]));
        }
    }

    /// <summary>The score −W(m, τ_j) (≥ 0 when the typical path from m already ends in the target, growing with the margin).</summary>
    public double Score(double m, int checkpoint)
    {
        double best = double.PositiveInfinity;
        foreach ((int direction, var slices) in _roots)
        {
            best = Math.Min(best, ActionToGo(slices[checkpoint], direction, m));
        }

        return -best;
    }

    // The slice is sorted from the zero-action path outwards (away from the target): W grows along it.
    private static double ActionToGo((double M, double W, double P)[] slice, int direction, double m)
    {
        if (slice.Length == 0)
        {
            return double.PositiveInfinity;
        }

        // Distance behind the zero-action path, in the direction away from the target.
        double behind = -direction * (m - slice[0].M);
        if (behind <= 0)
        {
            // Already on course: no action needed; a small negative value keeps the states ordered (no ties at 0).
            return 1e-3 * behind;
        }

        for (int i = 1; i < slice.Length; i++)
        {
            double d = -direction * (slice[i].M - slice[0].M);
            if (d >= behind)
            {
                double d0 = -direction * (slice[i - 1].M - slice[0].M);
                double w = d > d0 ? (behind - d0) / (d - d0) : 1;
                return slice[i - 1].W + (w * (slice[i].W - slice[i - 1].W));
            }
        }

        (double lastM, double lastW, double lastP) = slice[^1];
        return lastW + (lastP * Math.Abs(m - lastM));
    }

    // Integrates the Hamiltonian path ending at (root, pS) backwards from S and records (m, W, |p|) at each checkpoint.
    private static void Backward(IIncrementLaw law, double horizon, IReadOnlyList<double> times, double root, double pS, List<(double, double, double)>[] slices)
    {
        double m = root, p = pS, w = 0, tau = horizon;
        for (int j = times.Count - 1; j >= 0; j--)
        {
            double span = tau - times[j];
            int steps = Math.Max(1, (int)Math.Ceiling(span * StepsPerUnit));
            double h = -span / steps;
            for (int k = 0; k < steps; k++)
            {
                (double m1, double p1, double a1) = Field(law, m, p);
                (double m2, double p2, double a2) = Field(law, m + (0.5 * h * m1), p + (0.5 * h * p1));
                (double m3, double p3, double a3) = Field(law, m + (0.5 * h * m2), p + (0.5 * h * p2));
                (double m4, double p4, double a4) = Field(law, m + (h * m3), p + (h * p3));
                m += h / 6 * (m1 + (2 * m2) + (2 * m3) + m4);
                p += h / 6 * (p1 + (2 * p2) + (2 * p3) + p4);

                // The action to go grows as τ decreases: W(τ) = ∫_τ^S L, and h < 0.
                w -= h / 6 * (a1 + (2 * a2) + (2 * a3) + a4);
                if (!double.IsFinite(m) || !double.IsFinite(p) || !double.IsFinite(w) || !double.IsFinite(law.H(m, p)))
                {
                    return;
                }
            }

            tau = times[j];
            slices[j].Add((m, w, Math.Abs(p)));
        }
    }

    private static (double Dm, double Dp, double Lagrangian) Field(IIncrementLaw law, double m, double p)
    {
        double hp = law.Hp(m, p);
        return (hp, -law.Hm(m, p), (p * hp) - law.H(m, p));
    }
}
