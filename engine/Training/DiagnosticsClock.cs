using System.Diagnostics;

namespace MeanFieldCluster.Engine.Training;

/// <summary>
/// Wall time of the end-of-run diagnostics in this process, apart from the steps and in-run observations of
/// <see cref="SgdRun.ProcessAdvanceTime"/>: the cross-layer dependence measured at a point's final step
/// (<see cref="DependenceProbe"/>, on the worker) and the sweep's aggregation (the limit's solves, the fits,
/// the chaos test's distance correlations and permutation p-values; on the coordinator, once every point has
/// finished). <c>mfc run</c> prints them on a line of their own (docs/performance.md).
/// </summary>
public static class DiagnosticsClock
{
    private static long s_finalStepTicks, s_aggregationTicks;

    /// <summary>Time spent measuring the cross-layer dependence at the final step of points, summed over threads.</summary>
    public static TimeSpan FinalStepTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref s_finalStepTicks));

    /// <summary>Time spent aggregating sweeps (pooling, limit solves, fits, distance correlations and permutation tests).</summary>
    public static TimeSpan AggregationTime => Stopwatch.GetElapsedTime(0, Interlocked.Read(ref s_aggregationTicks));

    /// <summary>Runs <paramref name="aggregate"/> and counts its time in <see cref="AggregationTime"/>.</summary>
    public static T Aggregation<T>(Func<T> aggregate)
    {
        ArgumentNullException.ThrowIfNull(aggregate);
        long began = Stopwatch.GetTimestamp();
        try
        {
            return aggregate();
        }
        finally
        {
            Interlocked.Add(ref s_aggregationTicks, Stopwatch.GetTimestamp() - began);
        }
    }

    /// <summary>Adds final-step measurement time, in stopwatch ticks.</summary>
    internal static void AccountFinalStep(long ticks) => Interlocked.Add(ref s_finalStepTicks, ticks);
}
