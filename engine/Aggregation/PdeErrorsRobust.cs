using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// bias ≈ b N^(-a) + β_ε: the width exponent with one free offset per step size, so that nothing is assumed about
/// how the step size enters (docs/limit.md, "Bias, step size and fluctuation fitted apart": at the end of the
/// plateau the step-size error is far from linear in ε).
/// </summary>
/// <param name="Exponent">The best a.</param>
/// <param name="ExponentLow95">Lower end of its profile 95% interval (null when it reaches 0.02).</param>
/// <param name="ExponentHigh95">Upper end (null when it reaches 4).</param>
/// <param name="B">b at the best a.</param>
/// <param name="StepSizes">The step sizes, ascending.</param>
/// <param name="Offsets">β_ε per step size at the best a.</param>
/// <param name="ChiSquare">χ² at the best a.</param>
/// <param name="DegreesOfFreedom">Cells − (step sizes + 2).</param>
public sealed record StepOffsetExponentFit(double Exponent, double? ExponentLow95, double? ExponentHigh95, double B, IReadOnlyList<double> StepSizes, IReadOnlyList<double> Offsets, double ChiSquare, int DegreesOfFreedom);

/// <summary>
/// Percentile 95% intervals of the free exponents from a bootstrap over seeds that keeps each seed's runs at all
/// step sizes together (they share the initial weights, so the cells at one width are correlated across ε; the
/// profile intervals treat them as independent).
/// </summary>
/// <param name="Resamples">Bootstrap resamples.</param>
/// <param name="BiasExponent95">[low, high] of a in bias ≈ b N^(-a) + c ε (null when fewer than 95% of the resamples could be fitted).</param>
/// <param name="BiasStepOffsetExponent95">[low, high] of a in bias ≈ b N^(-a) + β_ε.</param>
/// <param name="SdExponent95">[low, high] of the SD's exponent p/2 in SD² ≈ s² N^(-p) + q ε.</param>
public sealed record SeedBootstrapIntervals(int Resamples, IReadOnlyList<double>? BiasExponent95, IReadOnlyList<double>? BiasStepOffsetExponent95, IReadOnlyList<double>? SdExponent95);

/// <summary>The step-offset fit and the seed bootstrap of <see cref="PdeErrors"/>.</summary>
public static class PdeErrorsRobust
{
    /// <summary>Bootstrap resamples per time.</summary>
    public const int Resamples = 200;

    private const double MinExponent = 0.02, MaxExponent = 4.0, GridStep = 0.01;

    // Observation stream tag of the bootstrap (with the time's bits as the second key).
    private const ulong BootstrapTag = 0x5EEDB0075EEDB007UL;

    /// <summary>
    /// The fit of <paramref name="bias"/> (standard errors <paramref name="stdErr"/>) at widths <paramref name="widths"/>
    /// and step sizes <paramref name="stepSizes"/>; null with fewer than two widths or no degree of freedom.
    /// </summary>
    public static StepOffsetExponentFit? StepOffsets(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> bias, IReadOnlyList<double> stdErr) =>
        StepOffsets(widths, stepSizes, bias, stdErr, interval: true);

    // Without the interval the grid is coarser (step 0.02): the point estimate for resampling.
    private static StepOffsetExponentFit? StepOffsets(IReadOnlyList<double> widths, IReadOnlyList<double> stepSizes, IReadOnlyList<double> bias, IReadOnlyList<double> stdErr, bool interval)
    {
        TwoTermFit.Point[] points = TwoTermFit.Usable(widths, stepSizes, bias, stdErr);
        double[] steps = [.. points.Select(p => p.Epsilon).Distinct().Order()];
        int dof = points.Length - (steps.Length + 2);
        if (dof < 1 || points.Select(p => p.N).Distinct().Count() < 2)
        {
            return null;
        }

        double step = interval ? GridStep : 2 * GridStep;
        int count = (int)Math.Round((MaxExponent - MinExponent) / step) + 1;
        var chi = new double[count];
        int best = 0;
        for (int k = 0; k < count; k++)
        {
            chi[k] = Solve(points, steps, MinExponent + (k * step)).Chi;
            best = chi[k] < chi[best] ? k : best;
        }

        double exponent = MinExponent + (best * step);
        (double b, double[] offsets, double chiBest) = Solve(points, steps, exponent);
        double threshold = chiBest + (ChiSquared.InvCDF(1, 0.95) * Math.Max(1.0, chiBest / dof));
        int low = best, high = best;
        while (low > 0 && chi[low - 1] <= threshold)
        {
            low--;
        }

        while (high < count - 1 && chi[high + 1] <= threshold)
        {
            high++;
        }

        return new StepOffsetExponentFit(
            exponent,
            low == 0 ? null : MinExponent + (low * step),
            high == count - 1 ? null : MinExponent + (high * step),
            b,
            steps,
            offsets,
            chiBest,
            dof);
    }

    // Weighted least squares of y on (N^(-a), one indicator per step size): b from the within-step-size
    // deviations, each offset the weighted mean of y − b N^(-a) over its step size.
    private static (double B, double[] Offsets, double Chi) Solve(TwoTermFit.Point[] points, double[] steps, double exponent)
    {
        var sw = new double[steps.Length];
        var sx = new double[steps.Length];
        var sy = new double[steps.Length];
        foreach (TwoTermFit.Point p in points)
        {
            int g = Array.IndexOf(steps, p.Epsilon);
            double w = 1 / (p.Sigma * p.Sigma), x = Math.Pow(p.N, -exponent);
            sw[g] += w;
            sx[g] += w * x;
            sy[g] += w * p.Y;
        }

        double sxx = 0, sxy = 0;
        foreach (TwoTermFit.Point p in points)
        {
            int g = Array.IndexOf(steps, p.Epsilon);
            double w = 1 / (p.Sigma * p.Sigma), dx = Math.Pow(p.N, -exponent) - (sx[g] / sw[g]), dy = p.Y - (sy[g] / sw[g]);
            sxx += w * dx * dx;
            sxy += w * dx * dy;
        }

        double b = sxx > 0 ? sxy / sxx : 0;
        double[] offsets = [.. steps.Select((_, g) => (sy[g] - (b * sx[g])) / sw[g])];
        double chi = 0;
        foreach (TwoTermFit.Point p in points)
        {
            double r = (p.Y - (b * Math.Pow(p.N, -exponent)) - offsets[Array.IndexOf(steps, p.Epsilon)]) / p.Sigma;
            chi += r * r;
        }

        return (b, offsets, chi);
    }

    /// <summary>
    /// The seed bootstrap at one time from the per-run gaps (width, step size, seed, R_{N,ε}(t) − R(t)):
    /// <see cref="Resamples"/> times, per width draw as many seeds as it has with replacement, take every run of
    /// each drawn seed (all its step sizes), rebuild the cells and refit. The draws come from the sweep seed's
    /// observation stream keyed by t, so the intervals are reproducible. Null with fewer than 2 step sizes.
    /// </summary>
    public static SeedBootstrapIntervals? Bootstrap(ulong sweepSeed, double time, IReadOnlyList<(int N, double Eps, int Seed, double Gap)> gaps) =>
        Bootstrap(sweepSeed, time, gaps, Resamples);

    /// <summary>As <see cref="Bootstrap(ulong, double, IReadOnlyList{ValueTuple{int, double, int, double}})"/> with <paramref name="resamples"/> resamples.</summary>
    public static SeedBootstrapIntervals? Bootstrap(ulong sweepSeed, double time, IReadOnlyList<(int N, double Eps, int Seed, double Gap)> gaps, int resamples)
    {
        ArgumentNullException.ThrowIfNull(gaps);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 20);
        if (gaps.Select(g => g.Eps).Distinct().Count() < 2)
        {
            return null;
        }

        var byWidth = gaps.GroupBy(g => g.N).OrderBy(g => g.Key)
            .Select(g => g.GroupBy(x => x.Seed).OrderBy(s => s.Key).Select(s => s.ToArray()).ToArray())
            .ToArray();
        Xoshiro256 rng = RandomStreams.Create(sweepSeed, RandomStreams.Purpose.Observation, BootstrapTag, BitConverter.DoubleToUInt64Bits(time));
        List<double> bias = [], offset = [], sd = [];
        for (int r = 0; r < resamples; r++)
        {
            var cells = new Dictionary<(int N, double Eps), List<double>>();
            foreach (var seeds in byWidth)
            {
                for (int k = 0; k < seeds.Length; k++)
                {
                    foreach (var run in seeds[(int)(rng.NextUInt64() % (ulong)seeds.Length)])
                    {
                        if (!cells.TryGetValue((run.N, run.Eps), out var list))
                        {
                            cells[(run.N, run.Eps)] = list = [];
                        }

                        list.Add(run.Gap);
                    }
                }
            }

            var usable = cells.Where(c => c.Value.Count >= 2).Select(c => (c.Key.N, c.Key.Eps, Stats: MeanAndVariance(c.Value), Count: c.Value.Count)).Where(c => c.Stats.Variance > 0).ToArray();
            double[] n = [.. usable.Select(c => (double)c.N)];
            double[] eps = [.. usable.Select(c => c.Eps)];
            double[] mean = [.. usable.Select(c => c.Stats.Mean)];
            double[] se = [.. usable.Select(c => Math.Sqrt(c.Stats.Variance / c.Count))];
            TwoTermFit.Point[] points = TwoTermFit.Usable(n, eps, mean, se);
            if (points.Length >= 4 && TwoTermFit.BestExponent(p => TwoTermFit.Solve(points, p)) is { } free)
            {
                bias.Add(free);
            }

            if (StepOffsets(n, eps, mean, se, interval: false) is { } off)
            {
                offset.Add(off.Exponent);
            }

            TwoTermFit.Point[] variances = TwoTermFit.VarianceUsable(n, eps, [.. usable.Select(c => c.Stats.Variance)], [.. usable.Select(c => c.Count)]);
            if (variances.Length >= 4 && TwoTermFit.BestExponent(p => TwoTermFit.SolveVariance(variances, p)) is { } variance)
            {
                sd.Add(variance / 2);
            }
        }

        return new SeedBootstrapIntervals(resamples, Percentiles(bias, resamples), Percentiles(offset, resamples), Percentiles(sd, resamples));
    }

    private static (double Mean, double Variance) MeanAndVariance(List<double> values)
    {
        double mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    // The 2.5% and 97.5% points (linear interpolation between order statistics); null when fewer than 95% of the
    // resamples gave a value.
    private static double[]? Percentiles(List<double> values, int resamples)
    {
        if (values.Count < 0.95 * resamples)
        {
            return null;
        }

        double[] sorted = [.. values.Order()];
        return [LargeDeviations.Bootstrap.Percentile(sorted, 0.025), LargeDeviations.Bootstrap.Percentile(sorted, 0.975)];
    }
}
