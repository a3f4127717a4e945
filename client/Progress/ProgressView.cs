using System.Globalization;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using Spectre.Console;

namespace MeanFieldCluster.Client.Progress;

/// <summary>Shows a sweep's progress while <c>follow</c> polls the coordinator.</summary>
internal abstract class ProgressView
{
    /// <summary>
    /// Runs <paramref name="follow"/>, which calls the update callback with every fresh status, inside the
    /// view's display.
    /// </summary>
    public abstract Task<SweepStatus> RunAsync(Func<Func<SweepStatus, Task>, Task<SweepStatus>> follow);

    /// <summary>A live Spectre.Console display when the output is an interactive terminal, plain lines otherwise.</summary>
    public static ProgressView Create(TextWriter output, IReadOnlyList<PointSpec> points, bool interactive) =>
        interactive ? new LiveProgressView(output, points) : new PlainProgressView(output, points);

    /// <summary>A short description of a point for progress lines.</summary>
    public static string Describe(PointSpec p) =>
        string.Create(CultureInfo.InvariantCulture, $"point {p.Index}: N={p.Width} eps={p.StepSize:G4} L={p.Layers} seed={p.Seed}");
}

/// <summary>One bar per running point plus a total, redrawn in place.</summary>
internal sealed class LiveProgressView(TextWriter output, IReadOnlyList<PointSpec> points) : ProgressView
{
    public override Task<SweepStatus> RunAsync(Func<Func<SweepStatus, Task>, Task<SweepStatus>> follow)
    {
        IAnsiConsole console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Interactive = InteractionSupport.Yes,
        });
        double totalSteps = Math.Max(1, points.Sum(p => (double)p.Steps));
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                ProgressTask total = context.AddTask($"total ({points.Count} points)", maxValue: totalSteps);
                var bars = new Dictionary<int, ProgressTask>();
                SweepStatus final = await follow(status =>
                {
                    foreach (PointProgress p in status.Points)
                    {
                        bool finished = p.IsFinished;
                        if (!bars.TryGetValue(p.Index, out ProgressTask? bar))
                        {
                            if (p.State != PointState.Running)
                            {
                                continue;
                            }

                            bar = context.AddTask(Describe(points[p.Index]), maxValue: Math.Max(1, p.TotalSteps));
                            bars[p.Index] = bar;
                        }

                        bar.Value = finished ? bar.MaxValue : p.Step;
                        if (finished && !bar.IsFinished)
                        {
                            bar.StopTask();
                        }
                    }

                    total.Value = status.Points.Sum(p => (double)p.DoneSteps);
                    total.Description = $"total ({status.FinishedCount}/{points.Count} points)";
                    return Task.CompletedTask;
                });
                total.Value = total.MaxValue;
                return final;
            });
    }
}

/// <summary>For logs and pipes: a line per finished point and a total every few seconds.</summary>
internal sealed class PlainProgressView(TextWriter output, IReadOnlyList<PointSpec> points) : ProgressView
{
    private static readonly TimeSpan TotalEvery = TimeSpan.FromSeconds(10);

    public override Task<SweepStatus> RunAsync(Func<Func<SweepStatus, Task>, Task<SweepStatus>> follow)
    {
        var reported = new HashSet<int>();
        DateTime lastTotal = DateTime.UtcNow;
        return follow(async status =>
        {
            foreach (PointProgress p in status.Points)
            {
                if (p.IsFinished && reported.Add(p.Index))
                {
                    await output.WriteLineAsync($"[{status.FinishedCount}/{points.Count}] {Describe(points[p.Index])} {p.State.ToString().ToLowerInvariant()} after {p.Step} steps");
                }
            }

            if (DateTime.UtcNow - lastTotal > TotalEvery)
            {
                lastTotal = DateTime.UtcNow;
                double done = status.Points.Sum(p => (double)p.Step), all = Math.Max(1, status.Points.Sum(p => (double)p.TotalSteps));
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"progress: {100 * done / all:F1}% of steps, {status.FinishedCount}/{points.Count} points finished"));
            }
        });
    }
}
