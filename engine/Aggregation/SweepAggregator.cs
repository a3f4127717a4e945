using System.Globalization;
using System.Text.Json;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// Aggregates the outcomes of a sweep's points into an <see cref="AggregateReport"/> (MATH section 5).
/// </summary>
/// <remarks>
/// <para>
/// Only outcomes with status <see cref="RunStatus.Completed"/> enter the statistics; every outcome is
/// counted in <see cref="AggregateReport.Counts"/>. The result does not depend on the order of the
/// outcomes: they are sorted by grid index and seed first, and when two completed outcomes share all
/// coordinates and the seed (a point reported twice) only the first in that order is used.
/// </para>
/// <para>
/// A <em>group</em> is all coordinates but the seed: the field axes' values (docs/spec.md, "Any field is
/// an axis"), widths, resolved step size ε, layers and γ. A <em>family</em> is the field axes' values, step
/// size, layers and γ across widths, where the step size is the grid entry the point came from (its
/// step_size coordinate, so ε = c/N over several widths is one family).
/// </para>
/// <para>
/// Snapshot times are matched across widths within a relative 1e-9. Laws are pooled over seeds with
/// <see cref="Distances.PooledQuantiles"/> at the largest number of quantile levels among the snapshots
/// being compared, so all widths of a comparison share the same levels.
/// </para>
/// </remarks>
public static partial class SweepAggregator
{
    private const double TimeTolerance = 1e-9;

    /// <summary>Aggregates <paramref name="outcomes"/> of the points of <paramref name="spec"/>.</summary>
    public static AggregateReport Aggregate(SweepSpec spec, IReadOnlyList<PointOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(outcomes);

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (RunStatus status in Enum.GetValues<RunStatus>())
        {
            counts[StatusName(status)] = 0;
        }

        foreach (PointOutcome outcome in outcomes)
        {
            counts[StatusName(outcome.Status)] = counts.GetValueOrDefault(StatusName(outcome.Status)) + 1;
        }

        List<Group> groups = BuildGroups(spec, outcomes);
        List<Family> families = [.. groups
            .GroupBy(g => g.FamilyKey, StringComparer.Ordinal)
            .Select(f => new Family([.. f.OrderBy(g => g, WidthOrder.Instance)]))];

        return new AggregateReport(
            spec.Name,
            outcomes.Count,
            counts,
            [.. groups.Select(RiskCurve)],
            [.. families.Where(f => f.Groups.Count >= 2).Select(MeasureConvergence)],
            CrossLayerDependence(spec, groups, families))
        {
            PdeComparison = spec.Grid.Axes.Count == 0 ? PdeComparison.Compute(spec, outcomes) : null,
            PdeComparisons = spec.Grid.Axes.Count == 0 ? null : PdeComparisonsPerCombination(spec, outcomes),
            Scaling = ScalingAggregate.Compute(spec, outcomes),
        };
    }

    /// <summary>With field axes: the PDE comparison of each combination of their values, at that combination's spec.</summary>
    private static List<PdeComparison> PdeComparisonsPerCombination(SweepSpec spec, IReadOnlyList<PointOutcome> outcomes) =>
        [.. outcomes
            .GroupBy(o => FieldKey(o.Point), StringComparer.Ordinal)
            .OrderBy(g => g.Min(o => o.Point.Index))
            .Select(g => PdeComparison.Compute(SpecAxes.At(spec, [.. g.First().Point.FieldCoordinates]), [.. g]) is { } c ? c with { Axes = [.. g.First().Point.FieldCoordinates] } : null)
            .OfType<PdeComparison>()];

    private static string StatusName(RunStatus status) => JsonNamingPolicy.SnakeCaseLower.ConvertName(status.ToString());

    private static List<Group> BuildGroups(SweepSpec spec, IReadOnlyList<PointOutcome> outcomes)
    {
        IEnumerable<PointOutcome> completed = outcomes
            .Where(o => o.Status == RunStatus.Completed)
            .OrderBy(o => o.Point.Index)
            .ThenBy(o => o.Point.Seed);
        var byKey = new Dictionary<string, Group>(StringComparer.Ordinal);
        var rank = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (PointOutcome outcome in completed)
        {
            PointSpec p = outcome.Point;
            StepSizeSpec step = SweepPlanner.StepSizeEntry(p);
            string fields = FieldKey(p);
            rank.TryAdd(fields, rank.Count);
            string familyKey = string.Join('|', fields, p.Layers.ToString(CultureInfo.InvariantCulture), Format(p.Gamma), step.DividedByWidth ? "c/N" : "eps", Format(step.Value));
            string key = string.Join('|', familyKey, string.Join(',', p.Widths), Format(p.StepSize));
            if (!byKey.TryGetValue(key, out Group? group))
            {
                group = new Group(familyKey, p, step);
                byKey.Add(key, group);
            }

            if (!group.Seeds.ContainsKey(p.Seed))
            {
                group.Seeds.Add(p.Seed, outcome);
            }
        }

        return [.. byKey.Values
            .OrderBy(g => rank[FieldKey(g.Point)])
            .ThenBy(g => g.Point.Layers)
            .ThenBy(g => g.Point.Gamma, SequenceOrder<double>.Instance)
            .ThenBy(g => g.Step.DividedByWidth)
            .ThenBy(g => g.Step.Value)
            .ThenBy(g => g, WidthOrder.Instance)
            .ThenBy(g => g.Point.StepSize)];
    }

    /// <summary>The point's field coordinates, or null without field axes.</summary>
    private static List<AxisCoordinate>? FieldAxes(PointSpec p) => p.FieldCoordinates.ToList() is { Count: > 0 } axes ? axes : null;

    /// <summary>The point's field coordinates as one key ("" without field axes): aggregates group by it.</summary>
    internal static string FieldKey(PointSpec p) => string.Join('|', p.FieldCoordinates.Select(c => $"{c.Axis}={c.Value.Json}"));

    private static RiskCurveGroup RiskCurve(Group group)
    {
        var steps = new SortedDictionary<long, (double Time, List<double> Risks)>();
        foreach (PointOutcome outcome in group.Seeds.Values)
        {
            var seen = new HashSet<long>();
            foreach (RiskPoint r in outcome.Risk)
            {
                if (!seen.Add(r.Step))
                {
                    continue;
                }

                if (!steps.TryGetValue(r.Step, out (double Time, List<double> Risks) entry))
                {
                    entry = (r.Time, []);
                    steps.Add(r.Step, entry);
                }

                entry.Risks.Add(r.Risk);
            }
        }

        List<RiskCurvePoint> curve = [];
        foreach ((long step, (double time, List<double> risks)) in steps)
        {
            (double mean, double? stdErr) = MeanAndStdErr(risks);
            curve.Add(new RiskCurvePoint(step, time, mean, stdErr, risks.Count));
        }

        PointSpec p = group.Point;
        return new RiskCurveGroup(p.Widths, p.StepSize, p.Layers, p.Gamma, [.. group.Seeds.Keys], curve) { Axes = FieldAxes(p) };
    }

    private static ConvergenceFamily MeasureConvergence(Family family)
    {
        Group reference = family.Groups[^1];
        List<FeatureConvergence> features = [];
        IEnumerable<string> names = family.Groups
            .SelectMany(g => g.Seeds.Values)
            .SelectMany(o => o.Snapshots)
            .Select(s => s.Feature)
            .Where(f => !f.StartsWith(FeatureNames.ProjectionPrefix, StringComparison.Ordinal))
            .Where(f => !FeatureNames.IsProbe(f))
            .Distinct()
            .Order(StringComparer.Ordinal);
        foreach (string feature in names)
        {
            List<FeatureAtTime> times = [];
            foreach (double time in SnapshotTimes(reference, feature))
            {
                List<List<IReadOnlyList<double>>> perGroup = [.. family.Groups.Select(g => SeedLaws(g, feature, time))];
                if (perGroup.Any(l => l.Count == 0))
                {
                    continue;
                }

                int levels = perGroup.SelectMany(l => l).Max(v => v.Count);
                double[][] pooled = [.. perGroup.Select(l => Distances.PooledQuantiles(l, levels))];
                double[] referenceLaw = pooled[^1];
                List<WidthLaw> widths = [];
                for (int i = 0; i < pooled.Length; i++)
                {
                    widths.Add(new WidthLaw(family.Groups[i].Point.Widths, perGroup[i].Count, Distances.W1(pooled[i], referenceLaw), Distances.W2(pooled[i], referenceLaw), pooled[i]));
                }

                times.Add(new FeatureAtTime(time, widths, FitToReference(widths, w => w.Widths, w => w.W1), FitToReference(widths, w => w.Widths, w => w.W2)));
            }

            if (times.Count > 0)
            {
                features.Add(new FeatureConvergence(feature, times));
            }
        }

        PointSpec p = reference.Point;
        return new ConvergenceFamily(
            family.Step.Value,
            family.Step.DividedByWidth,
            p.Layers,
            p.Gamma,
            ReferenceKinds.LargestWidth,
            p.Widths,
            [.. family.Groups.Select(g => g.Point.Widths)],
            features,
            SlicedConvergence(family)) { Axes = FieldAxes(p) };
    }

    private static List<SlicedConvergence> SlicedConvergence(Family family)
    {
        Group reference = family.Groups[^1];
        List<SlicedConvergence> result = [];
        foreach (double time in SnapshotTimes(reference, FeatureNames.Projection(0)))
        {
            // Directions: the projections every seed of the reference recorded at this time.
            List<string> directions = [];
            for (int k = 0; reference.Seeds.Values.All(o => Find(o, FeatureNames.Projection(k), time) is not null); k++)
            {
                directions.Add(FeatureNames.Projection(k));
            }

            var perGroup = new List<(int Seeds, List<List<IReadOnlyList<double>>> PerDirection)>();
            foreach (Group g in family.Groups)
            {
                List<PointOutcome> seeds = [.. g.Seeds.Values.Where(o => directions.All(d => Find(o, d, time) is not null))];
                perGroup.Add((seeds.Count, [.. directions.Select(d => seeds.Select(o => Find(o, d, time)!.Values).ToList())]));
            }

            if (directions.Count == 0 || perGroup.Any(g => g.Seeds == 0))
            {
                continue;
            }

            int levels = perGroup.SelectMany(g => g.PerDirection).SelectMany(l => l).Max(v => v.Count);
            List<IReadOnlyList<double>[]> pooled = [.. perGroup.Select(g => g.PerDirection.Select(l => (IReadOnlyList<double>)Distances.PooledQuantiles(l, levels)).ToArray())];
            List<SlicedWidth> widths = [];
            for (int i = 0; i < pooled.Count; i++)
            {
                widths.Add(new SlicedWidth(family.Groups[i].Point.Widths, perGroup[i].Seeds, Distances.SlicedW2(pooled[i], pooled[^1])));
            }

            result.Add(new SlicedConvergence(time, directions.Count, widths, FitToReference(widths, w => w.Widths, w => w.SlicedW2)));
        }

        return result;
    }

    /// <summary>The fit against N_1 over all widths but the last (the reference).</summary>
    private static FitSummary? FitToReference<T>(IReadOnlyList<T> items, Func<T, IReadOnlyList<int>> widths, Func<T, double> distance)
    {
        List<T> others = [.. items.Take(items.Count - 1)];
        return FitSummary.From(PowerLawFit.Fit([.. others.Select(w => (double)widths(w)[0])], [.. others.Select(distance)]));
    }

    /// <summary>Distinct times (within tolerance, ascending) at which some seed of the group recorded the feature.</summary>
    private static List<double> SnapshotTimes(Group group, string feature)
    {
        List<double> times = [];
        foreach (double t in group.Seeds.Values.SelectMany(o => o.Snapshots).Where(s => s.Feature == feature).Select(s => s.Time).Order())
        {
            if (times.Count == 0 || !Close(times[^1], t, TimeTolerance))
            {
                times.Add(t);
            }
        }

        return times;
    }

    /// <summary>The quantile values of the feature at the time, one list per seed that recorded it.</summary>
    private static List<IReadOnlyList<double>> SeedLaws(Group group, string feature, double time) =>
        [.. group.Seeds.Values.Select(o => Find(o, feature, time)).OfType<MeasureSnapshot>().Select(s => s.Values)];

    private static MeasureSnapshot? Find(PointOutcome outcome, string feature, double time) =>
        outcome.Snapshots.FirstOrDefault(s => s.Feature == feature && s.Values.Count > 0 && Close(s.Time, time, TimeTolerance));

    private static (double Mean, double? StdErr) MeanAndStdErr(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        if (values.Count < 2)
        {
            return (mean, null);
        }

        double ss = values.Sum(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(ss / (values.Count - 1) / values.Count));
    }

    private static bool Close(double a, double b, double relative) =>
        a == b || Math.Abs(a - b) <= relative * Math.Max(Math.Abs(a), Math.Abs(b));

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static string Format(IReadOnlyList<double> values) => string.Join(',', values.Select(Format));

    /// <summary>The completed seeds of one group, by seed index.</summary>
    private sealed class Group(string familyKey, PointSpec point, StepSizeSpec step)
    {
        public string FamilyKey { get; } = familyKey;

        public PointSpec Point { get; } = point;

        public StepSizeSpec Step { get; } = step;

        public SortedDictionary<int, PointOutcome> Seeds { get; } = [];
    }

    /// <summary>The groups of one family, by ascending width (the reference last).</summary>
    private sealed class Family(List<Group> groups)
    {
        public List<Group> Groups { get; } = groups;

        public StepSizeSpec Step => Groups[0].Step;
    }

    /// <summary>Orders groups by N_1, then by the widths lexicographically.</summary>
    private sealed class WidthOrder : IComparer<Group>
    {
        public static readonly WidthOrder Instance = new();

        public int Compare(Group? x, Group? y)
        {
            int c = x!.Point.Width.CompareTo(y!.Point.Width);
            return c != 0 ? c : SequenceOrder<int>.Instance.Compare(x.Point.Widths, y.Point.Widths);
        }
    }

    /// <summary>Lexicographic order of sequences (a proper prefix first).</summary>
    private sealed class SequenceOrder<T> : IComparer<IReadOnlyList<T>>
        where T : IComparable<T>
    {
        public static readonly SequenceOrder<T> Instance = new();

        public int Compare(IReadOnlyList<T>? x, IReadOnlyList<T>? y)
        {
            for (int i = 0; i < Math.Min(x!.Count, y!.Count); i++)
            {
                int c = x[i].CompareTo(y[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return x.Count.CompareTo(y.Count);
        }
    }
}
