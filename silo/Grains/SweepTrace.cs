using System.Diagnostics;
using MeanFieldCluster.Silo.Telemetry;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Trace linking for a sweep's coordinator work: its activities join the trace of the submission, whatever
/// call or timer started them, and link to the caller's own trace when that is another one.
/// </summary>
internal static class SweepTrace
{
    /// <summary>
    /// An activity in the submission's trace: a child of the caller when the caller is in it (or the
    /// submission was not traced, <paramref name="traceParent"/> null), else a child of the submission
    /// linked to the caller (a later 'mfc results', the watchdog's timer).
    /// </summary>
    public static Activity? Start(string name, string sweepId, string? traceParent)
    {
        ActivityContext caller = Activity.Current?.Context ?? default;
        ActivityContext parent = traceParent is { } stored && ActivityContext.TryParse(stored, null, out ActivityContext submission) && submission.TraceId != caller.TraceId ? submission : caller;
        ActivityLink[]? links = caller != default && caller.TraceId != parent.TraceId ? [new ActivityLink(caller)] : null;
        Activity? activity = MeanFieldTelemetry.ActivitySource.StartActivity(name, ActivityKind.Internal, parent, links: links);
        activity?.SetTag("mfc.sweep.id", sweepId);
        return activity;
    }
}
