using L = MeanFieldCluster.Engine.Specs.SpecLimits;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Expands a <see cref="SweepSpec"/> into its grid points and maps observation times to SGD steps
/// (docs/spec.md, "From times to steps").
/// </summary>
public static class SweepPlanner
{
    /// <summary>
    /// Relative slack allowed when an explicit observation time is compared with a point's horizon, so that
    /// t = T survives floating-point rounding.
    /// </summary>
    public const double HorizonTolerance = 1e-9;

    private const string RiskPath = "observe." + SpecFields.RiskTimes;
    private const string SnapshotPath = "observe." + SpecFields.SnapshotTimes;

    /// <summary>
    /// The cartesian product of the grid in the order layers (outermost), width, step size, seed
    /// (innermost), with <see cref="PointSpec.Index"/> 0..P-1 in that order.
    /// </summary>
    /// <param name="spec">A spec produced by <see cref="SpecLoader"/>.</param>
    /// <returns>The points, in index order.</returns>
    /// <exception cref="SpecException">
    /// A step size gives fewer than 1 or more than 10^12 steps for the horizon, or an explicit observation time
    /// lies beyond a point's horizon. All such problems are reported together.
    /// </exception>
    public static IReadOnlyList<PointSpec> Expand(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new ErrorSink();
        GridSpec grid = spec.Grid;
        StepSchedule?[] schedules = grid.StepSize.Select(eps => Schedule(spec, eps, errors)).ToArray();
        errors.ThrowIfAny();

        var points = new List<PointSpec>(grid.Layers.Count * grid.Width.Count * grid.StepSize.Count * grid.Seeds.Count);
        foreach (int layers in grid.Layers)
        {
            foreach (int width in grid.Width)
            {
                for (int e = 0; e < grid.StepSize.Count; e++)
                {
                    StepSchedule s = schedules[e]!;
                    foreach (int seed in grid.Seeds)
                    {
                        points.Add(new PointSpec(points.Count, width, grid.StepSize[e], layers, seed, s.Steps, s.RiskSteps, s.SnapshotSteps));
                    }
                }
            }
        }

        return points.AsReadOnly();
    }

    /// <summary>Steps and observation steps shared by every point with one step size.</summary>
    private sealed record StepSchedule(long Steps, IReadOnlyList<long> RiskSteps, IReadOnlyList<long> SnapshotSteps);

    private static StepSchedule? Schedule(SweepSpec spec, double eps, ErrorSink errors)
    {
        if (StepCount(spec.Training, eps, errors) is not { } steps)
        {
            return null;
        }

        // The largest time that maps to at most `steps`: the horizon as given, or Steps·ε when it is larger.
        double horizon = Math.Max(spec.Training.Horizon ?? 0, steps * eps);
        IReadOnlyList<long>? risk = ObservationSteps(spec.Observe.RiskTimes, RiskPath, steps, eps, horizon, errors);
        IReadOnlyList<long>? snapshots = ObservationSteps(spec.Observe.SnapshotTimes, SnapshotPath, steps, eps, horizon, errors);
        return risk is null || snapshots is null ? null : new StepSchedule(steps, risk, snapshots);
    }

    /// <summary><c>Training.Steps</c>, or round(T / ε) (half to even), which must lie in 1..10^12.</summary>
    private static long? StepCount(TrainingSpec training, double eps, ErrorSink errors)
    {
        if (training.Steps is { } steps)
        {
            return steps;
        }

        if (training.Horizon is not { } horizon)
        {
            errors.Add(SpecFields.Training, "neither horizon nor steps is given; expected exactly one of horizon (or T) and steps");
            return null;
        }

        double rounded = Math.Round(horizon / eps);
        if (rounded is >= 1 and <= L.MaxSteps)
        {
            return (long)rounded;
        }

        string bound = rounded < 1 ? "at least 1 step" : $"at most {L.MaxSteps} steps";
        errors.Add(
            $"{SpecFields.Training}.{SpecFields.Horizon}",
            $"{NodeText.Number(horizon)} is not allowed with step size {NodeText.Number(eps)}: round(T / ε) = {NodeText.Number(rounded)}; expected {bound}");
        return null;
    }

    private static IReadOnlyList<long>? ObservationSteps(TimeGrid grid, string path, long steps, double eps, double horizon, ErrorSink errors)
    {
        var result = new SortedSet<long> { 0, steps };
        if (grid.Times is { } times)
        {
            if (!AddExplicit(result, times, path, steps, eps, horizon, errors))
            {
                return null;
            }
        }
        else if (grid.Count < 2)
        {
            errors.Add($"{path}.{SpecFields.Count}", $"{grid.Count} is not allowed; expected an integer >= 2");
            return null;
        }
        else if (grid.Spacing == L.LogSpacing)
        {
            result.UnionWith(LogSteps(steps, grid.Count));
        }
        else if (grid.Spacing == L.LinearSpacing)
        {
            result.UnionWith(LinearSteps(steps, grid.Count));
        }
        else
        {
            errors.Add($"{path}.{SpecFields.Spacing}", $"unknown spacing {NodeText.Quote(grid.Spacing)}; expected one of {NodeText.List(L.Spacings)}");
            return null;
        }

        return result.ToList().AsReadOnly();
    }

    /// <summary>Adds round(t / ε) for each time; a time beyond the horizon is an error, not clamped.</summary>
    private static bool AddExplicit(SortedSet<long> result, IReadOnlyList<double> times, string path, long steps, double eps, double horizon, ErrorSink errors)
    {
        bool ok = true;
        for (int i = 0; i < times.Count; i++)
        {
            double t = times[i];
            if (t >= 0 && t <= horizon * (1 + HorizonTolerance))
            {
                // Within the tolerance t / ε may round one past the end; that is still the final step.
                result.Add(Math.Min((long)Math.Round(t / eps), steps));
                continue;
            }

            string reason = $"the points with step size {NodeText.Number(eps)} run to T = {NodeText.Number(horizon)}";
            errors.Add(SpecPath.Item(path, i), $"{NodeText.Number(t)} is not allowed; {reason}; expected a time in [0, T]");
            ok = false;
        }

        return ok;
    }

    /// <summary>t_j = T j / (n - 1), j = 0..n-1, i.e. step round(Steps j / (n - 1)).</summary>
    internal static IEnumerable<long> LinearSteps(long steps, int count) =>
        Enumerable.Range(0, count).Select(j => (long)Math.Round(steps * (double)j / (count - 1)));

    /// <summary>t_0 = 0, then n - 1 times spaced geometrically from T·10^-3 to T inclusive.</summary>
    internal static IEnumerable<long> LogSteps(long steps, int count)
    {
        yield return 0;
        if (count == 2)
        {
            yield return steps;
            yield break;
        }

        for (int k = 1; k < count; k++)
        {
            double exponent = -3.0 + (3.0 * (k - 1) / (count - 2));
            yield return k == count - 1 ? steps : (long)Math.Round(steps * Math.Pow(10, exponent));
        }
    }
}
