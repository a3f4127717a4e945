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
    private const string RawPath = "observe." + SpecFields.RawTimes;

    /// <summary>
    /// The cartesian product of the grid in the order layers (outermost), width, gamma, step size, seed
    /// (innermost), with <see cref="PointSpec.Index"/> 0..P-1 in that order. Uniform width entries are
    /// replicated to the point's L layers; a step size c/N is resolved with N_1 = <see cref="PointSpec.Width"/>;
    /// γ is the γ-axis value (or a one-value <see cref="ModelSpec.Gamma"/>) replicated to L layers.
    /// </summary>
    /// <param name="spec">A spec produced by <see cref="SpecLoader"/>.</param>
    /// <returns>The points, in index order.</returns>
    /// <exception cref="SpecException">
    /// A step size gives fewer than 1 or more than 10^12 steps for the horizon, an explicit observation time
    /// lies beyond a point's horizon, or (for specs not built by the loader) a per-layer width list or γ list
    /// does not match a layer count. All such problems are reported together.
    /// </exception>
    public static IReadOnlyList<PointSpec> Expand(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.LargeDeviations is not null)
        {
            return ExpandLargeDeviations(spec);
        }

        if (spec.Grid.Axes.Count == 0)
        {
            return ExpandGrid(spec, []);
        }

        // Field axes are outermost: each combination is a spec of its own, planned as before.
        var points = new List<PointSpec>();
        foreach (AxisCoordinate[] combination in Combinations(spec.Grid.Axes))
        {
            foreach (PointSpec p in ExpandGrid(SpecAxes.At(spec, combination), combination))
            {
                points.Add(p with { Index = points.Count });
            }
        }

        return points.AsReadOnly();
    }

    /// <summary>
    /// The axes of the grid in product order, outermost first: the field axes (<see cref="GridSpec.Axes"/>),
    /// then layers, width, gamma (only when the grid has a γ axis), step_size and seed, with their values as
    /// <see cref="PointSpec.Coordinates"/> holds them. Large-deviation studies have none.
    /// </summary>
    public static IReadOnlyList<GridAxis> Axes(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.LargeDeviations is not null)
        {
            return [];
        }

        GridSpec g = spec.Grid;
        List<GridAxis> axes = [.. g.Axes];
        axes.Add(new GridAxis(GridAxisNames.Layers, [.. g.Layers.Select(l => Value(l))]));
        axes.Add(new GridAxis(GridAxisNames.Width, [.. g.Width.Select(WidthValue)]));
        if (g.Gamma is { } gamma)
        {
            axes.Add(new GridAxis(GridAxisNames.Gamma, [.. gamma.Select(v => Value(v))]));
        }

        axes.Add(new GridAxis(GridAxisNames.StepSize, [.. g.StepSize.Select(StepSizeValue)]));
        axes.Add(new GridAxis(GridAxisNames.Seed, [.. g.Seeds.Select(s => Value(s))]));
        return axes;
    }

    /// <summary>The number of points <see cref="Expand"/> gives, without expanding.</summary>
    public static long Count(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.LargeDeviations is not null ? ExpandLargeDeviations(spec).Count : Axes(spec).Aggregate(1L, (n, a) => n * a.Values.Count);
    }

    /// <summary>The grid's step-size entry a point came from (its step_size coordinate).</summary>
    public static StepSizeSpec StepSizeEntry(PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return point.CoordinateOf(GridAxisNames.StepSize)?.Value switch
        {
            string text => new StepSizeSpec(double.Parse(text[..text.IndexOf('/', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture), DividedByWidth: true),
            long l => new StepSizeSpec(l),
            double d => new StepSizeSpec(d),
            _ => new StepSizeSpec(point.StepSize),
        };
    }

    private static AxisValue Value<T>(T value) => AxisValue.Of(System.Text.Json.Nodes.JsonValue.Create(value));

    private static AxisValue WidthValue(IReadOnlyList<int> entry) =>
        entry.Count == 1 ? Value(entry[0]) : AxisValue.Of(new System.Text.Json.Nodes.JsonArray([.. entry.Select(n => (System.Text.Json.Nodes.JsonNode)n)]));

    private static AxisValue StepSizeValue(StepSizeSpec step) =>
        step.DividedByWidth ? Value(SpecWriter.StepSizeText(step)) : Value(step.Value);

    private static IEnumerable<AxisCoordinate[]> Combinations(IReadOnlyList<GridAxis> axes) =>
        SpecAxes.Odometer([.. axes.Select(a => a.Values.Count)]).Select(choice => axes.Select((a, i) => new AxisCoordinate(a.Path, a.Values[choice[i]])).ToArray());

    /// <summary>The grid's own axes of one spec, each point's coordinates starting with <paramref name="fields"/>.</summary>
    private static List<PointSpec> ExpandGrid(SweepSpec spec, IReadOnlyList<AxisCoordinate> fields)
    {
        var errors = new ErrorSink();
        GridSpec grid = spec.Grid;
        IReadOnlyList<IReadOnlyList<double>> gammaAxis = grid.Gamma is { } axis ? [.. axis.Select(g => (IReadOnlyList<double>)[g])] : [spec.Model.Gamma];
        var schedules = new Dictionary<double, StepSchedule?>();
        var widths = new Dictionary<(int Layers, int Entry), IReadOnlyList<int>>();
        var gammas = new Dictionary<(int Layers, int Entry), IReadOnlyList<double>>();
        foreach (int layers in grid.Layers)
        {
            for (int w = 0; w < grid.Width.Count; w++)
            {
                widths[(layers, w)] = PerLayer(grid.Width[w], layers, SpecPath.Item("grid." + SpecFields.Width, w), "widths", errors);
                foreach (StepSizeSpec step in grid.StepSize)
                {
                    double eps = step.Resolve(grid.Width[w][0]);
                    if (!schedules.ContainsKey(eps))
                    {
                        schedules[eps] = Schedule(spec, step, grid.Width[w][0], errors);
                    }
                }
            }

            for (int g = 0; g < gammaAxis.Count; g++)
            {
                string path = grid.Gamma is null ? $"{SpecFields.Model}.{SpecFields.Gamma}" : SpecPath.Item("grid." + SpecFields.Gamma, g);
                gammas[(layers, g)] = PerLayer(gammaAxis[g], layers, path, "values", errors);
            }
        }

        errors.ThrowIfAny();

        var points = new List<PointSpec>(grid.Layers.Count * grid.Width.Count * gammaAxis.Count * grid.StepSize.Count * grid.Seeds.Count);
        foreach (int layers in grid.Layers)
        {
            for (int w = 0; w < grid.Width.Count; w++)
            {
                IReadOnlyList<int> pointWidths = widths[(layers, w)];
                for (int g = 0; g < gammaAxis.Count; g++)
                {
                    IReadOnlyList<double> gamma = gammas[(layers, g)];
                    foreach (StepSizeSpec step in grid.StepSize)
                    {
                        double eps = step.Resolve(pointWidths[0]);
                        StepSchedule s = schedules[eps]!;
                        foreach (int seed in grid.Seeds)
                        {
                            List<AxisCoordinate> coordinates = [.. fields, new(GridAxisNames.Layers, Value(layers)), new(GridAxisNames.Width, WidthValue(grid.Width[w]))];
                            if (grid.Gamma is { } gammaValues)
                            {
                                coordinates.Add(new(GridAxisNames.Gamma, Value(gammaValues[g])));
                            }

                            coordinates.Add(new(GridAxisNames.StepSize, StepSizeValue(step)));
                            coordinates.Add(new(GridAxisNames.Seed, Value(seed)));
                            points.Add(new PointSpec(points.Count, pointWidths, eps, layers, gamma, seed, s.Steps, s.RiskSteps, s.SnapshotSteps, s.RawSteps) { Coordinates = coordinates });
                        }
                    }
                }
            }
        }

        return points;
    }

    /// <summary>One value replicated to <paramref name="layers"/> values, or a list of exactly that many.</summary>
    private static IReadOnlyList<T> PerLayer<T>(IReadOnlyList<T> values, int layers, string path, string noun, ErrorSink errors)
    {
        if (values.Count == 1)
        {
            return Enumerable.Repeat(values[0], layers).ToList().AsReadOnly();
        }

        if (values.Count != layers)
        {
            errors.Add(path, $"a list of {values.Count} {noun} is not allowed with L = {layers}; expected one per hidden layer, or a single value for every layer");
        }

        return values;
    }

    /// <summary>Steps and observation steps shared by every point with one (resolved) step size.</summary>
    private sealed record StepSchedule(long Steps, IReadOnlyList<long> RiskSteps, IReadOnlyList<long> SnapshotSteps, IReadOnlyList<long> RawSteps);

    private static StepSchedule? Schedule(SweepSpec spec, StepSizeSpec step, int width, ErrorSink errors)
    {
        double eps = step.Resolve(width);
        string shown = step.DividedByWidth
            ? $"{SpecWriter.StepSizeText(step)} = {NodeText.Number(eps)} (N_1 = {width})"
            : NodeText.Number(eps);
        if (StepCount(spec.Training, eps, shown, errors) is not { } steps)
        {
            return null;
        }

        // The largest time that maps to at most `steps`: the horizon as given, or Steps·ε when it is larger.
        double horizon = Math.Max(spec.Training.Horizon ?? 0, steps * eps);
        var run = new Run(steps, eps, shown, horizon);
        IReadOnlyList<long>? risk = ObservationSteps(spec.Observe.RiskTimes, RiskPath, run, errors);
        IReadOnlyList<long>? snapshots = ObservationSteps(spec.Observe.SnapshotTimes, SnapshotPath, run, errors);
        IReadOnlyList<long>? raw = RawSteps(spec.Observe.RawTimes, run, errors);
        return risk is null || snapshots is null || raw is null ? null : new StepSchedule(steps, risk, snapshots, raw);
    }

    /// <summary>The run of one step size: its steps, ε (and how to name it in errors), and its horizon.</summary>
    private sealed record Run(long Steps, double Eps, string Shown, double Horizon);

    private static IReadOnlyList<long>? RawSteps(IReadOnlyList<double>? times, Run run, ErrorSink errors)
    {
        var result = new SortedSet<long>();
        if (times is not null && !AddExplicit(result, times, RawPath, run, errors))
        {
            return null;
        }

        return result.ToList().AsReadOnly();
    }

    /// <summary><c>Training.Steps</c>, or round(T / ε) (half to even), which must lie in 1..10^12.</summary>
    private static long? StepCount(TrainingSpec training, double eps, string shown, ErrorSink errors)
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
            $"{NodeText.Number(horizon)} is not allowed with step size {shown}: round(T / ε) = {NodeText.Number(rounded)}; expected {bound}");
        return null;
    }

    private static IReadOnlyList<long>? ObservationSteps(TimeGrid grid, string path, Run run, ErrorSink errors)
    {
        long steps = run.Steps;
        var result = new SortedSet<long> { 0, steps };
        if (grid.Times is { } times)
        {
            if (!AddExplicit(result, times, path, run, errors))
            {
                return null;
            }
        }
        else if (grid.Count < 2)
        {
            errors.Add($"{path}.{SpecFields.Count}", $"{grid.Count} is not allowed; expected an integer >= 2");
            return null;
        }
        else if (grid.Spacing == Spacings.Log)
        {
            result.UnionWith(LogSteps(steps, grid.Count));
        }
        else if (grid.Spacing == Spacings.Linear)
        {
            result.UnionWith(LinearSteps(steps, grid.Count));
        }
        else
        {
            errors.Add($"{path}.{SpecFields.Spacing}", $"unknown spacing {NodeText.Quote(grid.Spacing)}; expected one of {NodeText.List(Spacings.All)}");
            return null;
        }

        return result.ToList().AsReadOnly();
    }

    /// <summary>Adds round(t / ε) for each time; a time beyond the horizon is an error, not clamped.</summary>
    private static bool AddExplicit(SortedSet<long> result, IReadOnlyList<double> times, string path, Run run, ErrorSink errors)
    {
        (long steps, double eps, string shown, double horizon) = run;
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

            string reason = $"the points with step size {shown} run to T = {NodeText.Number(horizon)}";
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

    /// <summary>
    /// Large deviations: for each mode (outermost), quenched draw, and width, the replicas 0..R-1 in batches
    /// of the spec's batch size, one point per batch. Every replica runs round(T/ε) steps (T = 0 allowed).
    /// </summary>
    private static List<PointSpec> ExpandLargeDeviations(SweepSpec spec)
    {
        LargeDeviationsSpec ld = spec.LargeDeviations!;
        GridSpec grid = spec.Grid;
        int layers = grid.Layers[0];
        IReadOnlyList<double> gamma = grid.Gamma is { } g ? [.. Enumerable.Repeat(g[0], layers)] : spec.Model.Gamma.Count == layers ? spec.Model.Gamma : [.. Enumerable.Repeat(spec.Model.Gamma[0], layers)];
        var points = new List<PointSpec>();
        foreach (string mode in ld.Modes)
        {
            int draws = mode == LdModes.Quenched ? ld.QuenchedDraws : 1;
            for (int draw = 0; draw < draws; draw++)
            {
                foreach (IReadOnlyList<int> entry in grid.Width)
                {
                    IReadOnlyList<int> widths = entry.Count == layers ? entry : [.. Enumerable.Repeat(entry[0], layers)];
                    double eps = grid.StepSize[0].Resolve(widths[0]);
                    long steps = spec.Training.Steps ?? (long)Math.Round(spec.Training.Horizon!.Value / eps);
                    for (int start = 0; start < ld.Replicas; start += ld.BatchSize)
                    {
                        points.Add(new PointSpec(points.Count, widths, eps, layers, gamma, 0, steps, [], [], [], mode, start, Math.Min(ld.BatchSize, ld.Replicas - start), draw));
                    }
                }
            }
        }

        return points;
    }
}
