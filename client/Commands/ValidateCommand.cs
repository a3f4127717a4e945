using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Commands;

/// <summary><c>mfc validate</c>: checks a spec, its grid and its resource needs without running anything.</summary>
internal static class ValidateCommand
{
    public static async Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, ResourceBudget budget, TextWriter output, TextWriter error)
    {
        if (SpecInput.Load(specPath, overrides, error, budget) is not var (spec, points))
        {
            return SpecInput.BadInput;
        }

        long steps = points.Sum(p => p.Steps);
        await output.WriteLineAsync($"{specPath}: valid. Sweep '{spec.Name}': {points.Count} points, {steps:N0} SGD steps in all.");
        foreach (GridAxis axis in SweepPlanner.Axes(spec))
        {
            await output.WriteLineAsync($"  axis {axis.Path}: {axis.Values.Count} value{(axis.Values.Count == 1 ? "" : "s")} ({string.Join(", ", axis.Values.Take(8).Select(v => v.ToString()))}{(axis.Values.Count > 8 ? ", ..." : "")})");
        }

        var estimates = points.Select(p => (Point: p, Estimate: ResourceEstimator.Estimate(spec, p))).ToList();
        var memory = estimates.MaxBy(e => e.Estimate.MemoryBytes);
        var time = estimates.MaxBy(e => e.Estimate.Seconds);
        double total = estimates.Sum(e => e.Estimate.Seconds);
        await output.WriteLineAsync($"  estimated per point: memory up to {ResourceEstimator.FormatBytes(memory.Estimate.MemoryBytes)} (point {memory.Point.Index}, {memory.Estimate.Parameters:N0} parameters), compute up to {ResourceEstimator.FormatDuration(time.Estimate.Seconds)} (point {time.Point.Index})");
        await output.WriteLineAsync($"  estimated in all: {ResourceEstimator.FormatDuration(total)} of single-core compute; budget per point: {ResourceEstimator.FormatBytes(budget.MaxPointMemoryBytes)}, {ResourceEstimator.FormatDuration(budget.MaxPointSeconds)}");
        return 0;
    }
}
