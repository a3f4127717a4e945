using System.Globalization;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>What one point is expected to need.</summary>
/// <param name="Parameters">Parameters of the point's network (all blocks, frozen ones included).</param>
/// <param name="MemoryBytes">Peak memory of the point's worker: network, checkpoint copies, observation buffers, test set, replica samples.</param>
/// <param name="Seconds">Compute time on one core: SGD steps and risk measurements (see <see cref="ResourceEstimator.SecondsPerParameterSample"/>), or replicas (see <see cref="LargeDeviations.ReplicaCost"/>).</param>
public sealed record ResourceEstimate(long Parameters, long MemoryBytes, double Seconds);

/// <summary>The largest point a cluster accepts: sweeps with a point over it are refused before anything runs.</summary>
/// <param name="MaxPointMemoryBytes">The memory one point may need.</param>
/// <param name="MaxPointSeconds">The single-core compute time one point may need.</param>
public sealed record ResourceBudget(long MaxPointMemoryBytes, double MaxPointSeconds)
{
    /// <summary>The default time budget: 7 days of one core per point.</summary>
    public const double DefaultMaxPointSeconds = 7 * 24 * 3600;

    /// <summary>A quarter of the memory this process may use (the machine's, or its container limit's), and 7 days per point.</summary>
    public static ResourceBudget Default => new(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4, DefaultMaxPointSeconds);

    /// <summary>The default largest number of points a sweep may have (<c>--max-points</c>).</summary>
    public const long DefaultMaxPoints = 100_000;

    /// <summary>The largest number of points a sweep may have: larger products of the axes are refused before planning.</summary>
    public long MaxPoints { get; init; } = DefaultMaxPoints;

    /// <summary>
    /// The budget a user's settings ask for: a size such as <c>2GB</c> (see <see cref="ResourceEstimator.ParseBytes"/>)
    /// and a number of single-core hours, each falling back to <see cref="Default"/> when not given (or not valid:
    /// check them first).
    /// </summary>
    public static ResourceBudget From(string? maxPointMemory, double? maxPointHours)
    {
        ResourceBudget budget = Default;
        return new(
            maxPointMemory is { } memory && ResourceEstimator.ParseBytes(memory) is { } bytes ? bytes : budget.MaxPointMemoryBytes,
            maxPointHours is { } hours && hours > 0 && double.IsFinite(hours) ? hours * 3600 : budget.MaxPointSeconds);
    }
}

/// <summary>
/// Estimates the memory and time of every point of a sweep, and checks them against a budget. The
/// estimates are upper-side: they count every buffer a point's worker holds at its peak (the network, the
/// copies a checkpoint makes, observation records, the test set, large-deviation samples) and time at
/// <see cref="SecondsPerParameterSample"/> per parameter and sample, several times what the engine takes
/// on the machines it was measured on.
/// </summary>
public static class ResourceEstimator
{
    /// <summary>Seconds per parameter and sample of one SGD step or forward pass (a conservative 1 ns).</summary>
    public const double SecondsPerParameterSample = 1e-9;

    /// <summary>Copies of θ alive at a checkpoint: the network, the captured copy, and its serialized form (about 2×).</summary>
    private const int CheckpointCopies = 4;

    /// <summary>The estimate for one point of <paramref name="spec"/>.</summary>
    public static ResourceEstimate Estimate(SweepSpec spec, PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        spec = spec.ForPoint(point);
        int d = spec.Data.Dimension;
        IReadOnlyList<int> n = point.Widths;
        long neurons = n.Sum(w => (long)w);
        long parameters = ((long)n[0] * d) + neurons + n[^1];
        for (int l = 1; l < n.Count; l++)
        {
            parameters += (long)n[l] * n[l - 1];
        }

        int batch = spec.Training.BatchSize;
        ObserveSpec observe = spec.Observe;
        int layers = n.Count;
        long features = 1 + observe.SlicedDirections + (spec.Model.Bias ? layers : 0) + (2L * (layers - 1)) + 1;
        long perSnapshot = features * (observe.QuantileLevels + observe.HistogramBins + 4);
        long maxFeature = Math.Max(n.Max(), observe.EdgeSample);

        long bytes = 8 * ((CheckpointCopies * parameters)
            + (4L * neurons * batch)
            + ((long)batch * (d + 1))
            + ((long)observe.TestSamples * (d + 1))
            + (point.SnapshotSteps.Count * perSnapshot)
            + (point.RawSteps.Count * parameters)
            + (point.RiskSteps.Count * 4L)
            + maxFeature
            + point.ReplicaCount);

        double perSample = parameters * SecondsPerParameterSample;
        double seconds = point.ReplicaCount > 0
            ? LargeDeviations.ReplicaCost.Seconds(spec, point)
            : perSample * ((point.Steps * (double)batch) + ((double)point.RiskSteps.Count * observe.TestSamples));
        return new ResourceEstimate(parameters, bytes, seconds);
    }

    /// <summary>
    /// The points over <paramref name="budget"/>, one message each naming the point, what it needs and the
    /// budget (at most <paramref name="maxMessages"/> messages, then a count of the rest).
    /// </summary>
    public static IReadOnlyList<string> Check(SweepSpec spec, IReadOnlyList<PointSpec> points, ResourceBudget budget, int maxMessages = 10)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(budget);
        var messages = new List<string>();
        int over = 0;
        foreach (PointSpec point in points)
        {
            ResourceEstimate e = Estimate(spec, point);
            var reasons = new List<string>(2);
            if (e.MemoryBytes > budget.MaxPointMemoryBytes)
            {
                reasons.Add($"needs about {FormatBytes(e.MemoryBytes)} of memory, over the budget of {FormatBytes(budget.MaxPointMemoryBytes)} per point");
            }

            if (e.Seconds > budget.MaxPointSeconds)
            {
                reasons.Add($"needs about {FormatDuration(e.Seconds)} of compute, over the budget of {FormatDuration(budget.MaxPointSeconds)} per point");
            }

            if (reasons.Count == 0)
            {
                continue;
            }

            over++;
            if (messages.Count < maxMessages)
            {
                messages.Add($"point {point.Index} (N={string.Join('x', point.Widths)}, step_size={point.StepSize.ToString("G6", CultureInfo.InvariantCulture)}): {string.Join("; ", reasons)}");
            }
        }

        if (over > messages.Count)
        {
            messages.Add($"... and {over - messages.Count} more point(s) over the budget");
        }

        return messages;
    }

    /// <summary>What a size must look like, for error messages.</summary>
    public const string SizeSyntax = "a positive number with an optional unit B, KB, MB, GB or TB (e.g. 2GB)";

    /// <summary>Parses a size such as <c>512MB</c>, <c>4GiB</c>, <c>1.5G</c> or a plain number of bytes; null when it is not one.</summary>
    public static long? ParseBytes(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        int split = t.Length;
        while (split > 0 && char.IsLetter(t[split - 1]))
        {
            split--;
        }

        string unit = t[split..].ToUpperInvariant();
        double scale = unit switch
        {
            "" or "B" => 1,
            "K" or "KB" or "KIB" => 1L << 10,
            "M" or "MB" or "MIB" => 1L << 20,
            "G" or "GB" or "GIB" => 1L << 30,
            "T" or "TB" or "TIB" => 1L << 40,
            _ => double.NaN,
        };
        if (double.IsNaN(scale)
            || !double.TryParse(t[..split], NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            || !double.IsFinite(value) || value <= 0 || value * scale >= long.MaxValue)
        {
            return null;
        }

        return (long)Math.Ceiling(value * scale);
    }

    /// <summary>"1.5 GiB", "320 KiB", "12 B".</summary>
    public static string FormatBytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        double value = bytes;
        int unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }

    /// <summary>"0.2 s", "12 min", "3.5 h", "2.1 days".</summary>
    public static string FormatDuration(double seconds) => seconds switch
    {
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{seconds:0.##} s"),
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 60:0.#} min"),
        < 86400 * 2 => string.Create(CultureInfo.InvariantCulture, $"{seconds / 3600:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400:0.#} days"),
    };
}
