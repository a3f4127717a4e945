using System.Globalization;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Silo.Web;

/// <summary>
/// The dashboard's aggregation of what points have recorded so far, on the server so the page stays light:
/// per group (all coordinates but the seed, as in aggregate.json) the mean risk over the seeds that have
/// recorded each time, and the seed-pooled quantile function of a feature at a snapshot time. Points that
/// diverged or failed are left out, as the coordinator's aggregation leaves out every point that did not
/// complete; running and cancelled points count with what they recorded. When every point completed, the
/// curves equal the risk_curves and pooled laws of aggregate.json.
/// </summary>
internal static class LiveAggregation
{
    /// <summary>A group of points that differ only in the seed.</summary>
    /// <param name="Label">Legend text: the coordinates that vary across the sweep's groups.</param>
    /// <param name="Points">The points, by index (seed order).</param>
    internal sealed record Group(string Label, IReadOnlyList<PointSpec> Points)
    {
        /// <summary>The first point (the group's coordinates).</summary>
        public PointSpec First => Points[0];
    }

    /// <summary>The groups of an SGD sweep, ordered by layers, γ, widths and step size.</summary>
    public static IReadOnlyList<Group> Groups(IReadOnlyList<PointSpec> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        var grouped = points
            .GroupBy(p => string.Join('|', Ints(p.Widths), Number(p.StepSize), p.Layers.ToString(CultureInfo.InvariantCulture), Doubles(p.Gamma)), StringComparer.Ordinal)
            .Select(g => g.OrderBy(p => p.Index).ToArray())
            .OrderBy(g => g[0].Layers)
            .ThenBy(g => Doubles(g[0].Gamma), StringComparer.Ordinal)
            .ThenBy(g => g[0].Width)
            .ThenBy(g => Ints(g[0].Widths), StringComparer.Ordinal)
            .ThenBy(g => g[0].StepSize)
            .ToList();
        bool layers = grouped.Select(g => g[0].Layers).Distinct().Count() > 1;
        bool gamma = grouped.Select(g => Doubles(g[0].Gamma)).Distinct().Count() > 1;
        bool steps = grouped.Select(g => g[0].StepSize).Distinct().Count() > 1;
        bool widths = grouped.Select(g => Ints(g[0].Widths)).Distinct().Count() > 1 || (!layers && !gamma && !steps);
        return [.. grouped.Select(g => new Group(Label(g[0], widths, steps, layers, gamma), g))];
    }

    /// <summary>The recorded times t = k ε of every point, ascending and distinct.</summary>
    public static double[] RiskTimes(IEnumerable<PointSpec> points) =>
        [.. points.SelectMany(p => p.RiskSteps.Select(k => k * p.StepSize)).Distinct().Order()];

    /// <summary>
    /// The snapshot times t = k ε of the points, ascending, with times closer than the largest step size
    /// merged into the first (step sizes that differ round a requested time to slightly different k ε).
    /// </summary>
    public static double[] SnapshotTimes(IReadOnlyList<PointSpec> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        double tolerance = TimeTolerance(points);
        var merged = new List<double>();
        foreach (double t in points.SelectMany(p => p.SnapshotSteps.Select(k => k * p.StepSize)).Distinct().Order())
        {
            if (merged.Count == 0 || t - merged[^1] > tolerance)
            {
                merged.Add(t);
            }
        }

        return [.. merged];
    }

    /// <summary>How far a point's snapshot time may be from a merged snapshot time: the largest step size.</summary>
    public static double TimeTolerance(IReadOnlyList<PointSpec> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return points.Count == 0 ? 0 : points.Max(p => p.StepSize) * (1 + 1e-9);
    }

    /// <summary>
    /// The mean risk over seeds of each group at each of <paramref name="times"/> (null where no seed has
    /// recorded it yet), from the records of points whose state is in <paramref name="states"/>.
    /// </summary>
    public static SeriesView RiskSeries(Group group, IReadOnlyList<double> times, IReadOnlyDictionary<int, PointRecord> records, IReadOnlyDictionary<int, PointState> states)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(times);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(states);
        var column = new Dictionary<double, int>(times.Count);
        for (int i = 0; i < times.Count; i++)
        {
            column[times[i]] = i;
        }

        var perTime = new List<double>?[times.Count];
        int reporting = 0;
        foreach (PointSpec p in group.Points)
        {
            if (!Counts(p, records, states, out PointRecord? record) || record.Risk.Length == 0)
            {
                continue;
            }

            reporting++;
            var seen = new HashSet<long>();
            foreach (RiskRow r in record.Risk)
            {
                if (seen.Add(r.Step) && double.IsFinite(r.Risk) && column.TryGetValue(r.Step * p.StepSize, out int i))
                {
                    (perTime[i] ??= []).Add(r.Risk);
                }
            }
        }

        var values = new double?[times.Count];
        var stderr = new double?[times.Count];
        for (int i = 0; i < times.Count; i++)
        {
            if (perTime[i] is { } v)
            {
                (values[i], stderr[i]) = MeanAndStdErr(v);
            }
        }

        return new SeriesView(group.Label, [.. group.First.Widths], group.First.StepSize, group.Points.Count, reporting, values, stderr);
    }

    /// <summary>
    /// The seed-pooled quantile function (<see cref="Distances.PooledQuantiles"/>) of the group's law of
    /// the records' feature at <paramref name="time"/> (each seed's snapshot nearest to it, within
    /// <paramref name="tolerance"/>), at <paramref name="levels"/> levels; all null when no seed has that
    /// snapshot yet.
    /// </summary>
    public static SeriesView QuantileSeries(Group group, double time, double tolerance, int levels, IReadOnlyDictionary<int, PointRecord> records, IReadOnlyDictionary<int, PointState> states)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(states);
        var perSeed = new List<IReadOnlyList<double>>();
        foreach (PointSpec p in group.Points)
        {
            if (Counts(p, records, states, out PointRecord? record)
                && record.Measures
                    .Where(m => m.Values.Length > 0 && Math.Abs((m.Step * p.StepSize) - time) <= tolerance)
                    .MinBy(m => Math.Abs((m.Step * p.StepSize) - time)) is { } row)
            {
                perSeed.Add(row.Values);
            }
        }

        double?[] values = perSeed.Count == 0
            ? new double?[levels]
            : [.. Distances.PooledQuantiles(perSeed, levels).Select(Finite)];
        return new SeriesView(group.Label, [.. group.First.Widths], group.First.StepSize, group.Points.Count, perSeed.Count, values, new double?[levels]);
    }

    /// <summary>The limit's risk at <paramref name="times"/>, as a series (null where the solution has no snapshot).</summary>
    public static SeriesView PdeRiskSeries(RadialPdeSolution pde, IReadOnlyList<double> times)
    {
        ArgumentNullException.ThrowIfNull(pde);
        ArgumentNullException.ThrowIfNull(times);
        double?[] values = [.. times.Select(t => Snapshot(pde, t) is { } s ? Finite(s.Risk) : null)];
        return new SeriesView(PdeLabel, [], 0, 0, 0, values, new double?[times.Count]);
    }

    /// <summary>The limit's radial quantiles at <paramref name="time"/>, or null when it has no snapshot there.</summary>
    public static SeriesView? PdeQuantileSeries(RadialPdeSolution pde, double time)
    {
        ArgumentNullException.ThrowIfNull(pde);
        return Snapshot(pde, time) is { } s
            ? new SeriesView(PdeLabel, [], 0, 0, 0, [.. s.Quantiles.Select(Finite)], new double?[s.Quantiles.Count])
            : null;
    }

    /// <summary>The legend text of the mean-field limit.</summary>
    public const string PdeLabel = "mean-field limit (PDE)";

    /// <summary>
    /// Indices of at most <paramref name="max"/> of <paramref name="count"/> items spread evenly, the first
    /// and last included (all of them when there are no more than <paramref name="max"/>).
    /// </summary>
    public static int[] Thin(int count, int max)
    {
        if (count <= max)
        {
            return [.. Enumerable.Range(0, count)];
        }

        return [.. Enumerable.Range(0, max).Select(i => (int)Math.Round(i * (count - 1) / (double)(max - 1))).Distinct()];
    }

    /// <summary>A number as the dashboard writes it: up to 4 significant digits, exponents as 1e-4.</summary>
    public static string Number(double value)
    {
        double magnitude = Math.Abs(value);
        return magnitude is > 0 and < 1e-3 or >= 1e6
            ? value.ToString("0.###e0", CultureInfo.InvariantCulture)
            : value.ToString("G4", CultureInfo.InvariantCulture);
    }

    /// <summary>A finite value, or null.</summary>
    public static double? Finite(double value) => double.IsFinite(value) ? value : null;

    private static bool Counts(PointSpec p, IReadOnlyDictionary<int, PointRecord> records, IReadOnlyDictionary<int, PointState> states, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out PointRecord? record) =>
        records.TryGetValue(p.Index, out record)
        && states.GetValueOrDefault(p.Index, PointState.Pending) is not (PointState.Diverged or PointState.Failed);

    private static (double? Mean, double? StdErr) MeanAndStdErr(List<double> values)
    {
        double mean = values.Average();
        if (values.Count < 2)
        {
            return (mean, null);
        }

        double ss = values.Sum(v => (v - mean) * (v - mean));
        return (mean, Math.Sqrt(ss / (values.Count - 1) / values.Count));
    }

    private static RadialPdeSnapshot? Snapshot(RadialPdeSolution pde, double time) =>
        pde.Snapshots.FirstOrDefault(s => Math.Abs(s.Time - time) <= 1e-9 * Math.Max(1.0, Math.Abs(time)));

    private static string Label(PointSpec p, bool widths, bool steps, bool layers, bool gamma)
    {
        var parts = new List<string>();
        if (widths)
        {
            parts.Add($"N = {string.Join('×', p.Widths)}");
        }

        if (steps)
        {
            parts.Add($"ε = {Number(p.StepSize)}");
        }

        if (layers)
        {
            parts.Add($"L = {p.Layers}");
        }

        if (gamma)
        {
            parts.Add($"γ = {string.Join('/', p.Gamma.Select(Number))}");
        }

        return string.Join(", ", parts);
    }

    private static string Ints(IEnumerable<int> values) => string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture)));

    private static string Doubles(IEnumerable<double> values) => string.Join(',', values.Select(v => v.ToString("R", CultureInfo.InvariantCulture)));
}
