using System.Globalization;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using Spectre.Console;

namespace MeanFieldCluster.Client.Progress;

/// <summary>Shows a sweep's progress while <c>follow</c> reads the coordinator's progress stream.</summary>
internal abstract class ProgressView
{
    /// <summary>
    /// Runs <paramref name="follow"/>, which calls the update callback with every progress message (a
    /// snapshot, then changes; a snapshot again after a reconnect), inside the view's display.
    /// </summary>
    public abstract Task<SweepProgress> RunAsync(Func<Func<SweepProgress, Task>, Task<SweepProgress>> follow);

    /// <summary>A live Spectre.Console display when the output is an interactive terminal, plain lines otherwise.</summary>
    public static ProgressView Create(TextWriter output, IReadOnlyList<PointSpec> points, bool interactive) =>
        interactive ? new LiveProgressView(output, points) : new PlainProgressView(output, points);

    /// <summary>A short description of a point for progress lines.</summary>
    public static string Describe(PointSpec p) =>
        string.Create(CultureInfo.InvariantCulture, $"point {p.Index}: N={p.Width} eps={p.StepSize:G4} L={p.Layers} seed={p.Seed}");

    /// <summary>One line on a sweep: its state, the share of work done, and its points by state.</summary>
    public static string Describe(string sweepId, SweepProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        string counts = string.Join(", ", Enum.GetValues<PointState>().Where(s => progress.Count(s) > 0).Select(s => $"{progress.Count(s)} {s.ToString().ToLowerInvariant()}"));
        return string.Create(CultureInfo.InvariantCulture, $"{sweepId}: {progress.State.ToString().ToLowerInvariant()}, {100.0 * progress.DoneWork / Math.Max(1, progress.TotalWork):F1}% of steps; points: {counts}");
    }
}

/// <summary>One bar per running point plus a total, redrawn in place.</summary>
internal sealed class LiveProgressView(TextWriter output, IReadOnlyList<PointSpec> points) : ProgressView
{
    public override Task<SweepProgress> RunAsync(Func<Func<SweepProgress, Task>, Task<SweepProgress>> follow)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.Yes,
        });
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask total = context.AddTask($"total ({points.Count} points)", maxValue: Math.Max(1, points.Sum(p => (double)p.Steps)));
                var bars = new Dictionary<int, ProgressTask>();
                SweepProgress final = await follow(progress =>
                {
                    foreach (PointProgress p in progress.Points)
                    {
                        if (!bars.TryGetValue(p.Index, out ProgressTask? bar))
                        {
                            if (p.State != PointState.Running)
                            {
                                continue;
                            }

                            bar = context.AddTask(Describe(points[p.Index]), maxValue: Math.Max(1, p.TotalSteps));
                            bars[p.Index] = bar;
                        }

                        bar.Value = p.IsFinished ? bar.MaxValue : p.Step;
                        if (p.IsFinished)
                        {
                            Stop(bars, p.Index);
                        }
                    }

                    if (progress.Snapshot)
                    {
                        // After a reconnect: the points no longer running finished meanwhile.
                        var running = progress.Points.Select(p => p.Index).ToHashSet();
                        foreach (int index in bars.Keys.Where(i => !running.Contains(i)).ToList())
                        {
                            Stop(bars, index);
                        }
                    }

                    total.MaxValue = Math.Max(1, progress.TotalWork);
                    total.Value = progress.DoneWork;
                    total.Description = $"total ({progress.FinishedCount}/{points.Count} points)";
                    return Task.CompletedTask;
                });
                total.Value = total.MaxValue;
                return final;
            });
    }

    // A finished point's bar is filled and stopped; it is forgotten, so the bars stay as many as the running points.
    private static void Stop(Dictionary<int, ProgressTask> bars, int index)
    {
        ProgressTask bar = bars[index];
        bar.Value = bar.MaxValue;
        bar.StopTask();
        bars.Remove(index);
    }
}

/// <summary>For logs and pipes: a line per finished point and a total at the first message, then every few seconds.</summary>
internal sealed class PlainProgressView(TextWriter output, IReadOnlyList<PointSpec> points) : ProgressView
{
    private static readonly TimeSpan TotalEvery = TimeSpan.FromSeconds(10);

    public override Task<SweepProgress> RunAsync(Func<Func<SweepProgress, Task>, Task<SweepProgress>> follow)
    {
        var reported = new HashSet<int>();
        int summarized = 0;
        DateTime lastTotal = DateTime.MinValue;
        return follow(async progress =>
        {
            // A snapshot counts the points finished before it (this view began late, or reconnected) without listing them.
            int unseen = progress.FinishedCount - reported.Count - summarized - progress.Points.Count(p => p.IsFinished && !reported.Contains(p.Index));
            if (progress.Snapshot && unseen > 0)
            {
                summarized += unseen;
                await output.WriteLineAsync($"[{progress.FinishedCount}/{points.Count}] {unseen} points had finished before (or while this view reconnected)");
            }

            foreach (PointProgress p in progress.Points)
            {
                if (p.IsFinished && reported.Add(p.Index))
                {
                    await output.WriteLineAsync($"[{progress.FinishedCount}/{points.Count}] {Describe(points[p.Index])} {p.State.ToString().ToLowerInvariant()} after {p.Step} steps");
                }
            }

            if (DateTime.UtcNow - lastTotal > TotalEvery)
            {
                lastTotal = DateTime.UtcNow;
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"progress: {100.0 * progress.DoneWork / Math.Max(1, progress.TotalWork):F1}% of steps, {progress.FinishedCount}/{points.Count} points finished"));
            }
        });
    }
}
