using System.Diagnostics;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.Logging;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Runs one grid point. <see cref="Start"/> returns at once; the SGD work runs on the thread pool in
/// chunks while holding one worker slot, and progress goes to the coordinator after every chunk.
/// </summary>
public sealed partial class SweepPointGrain(WorkScheduler scheduler, ILogger<SweepPointGrain> logger) : Grain, ISweepPointGrain
{
    /// <summary>Target multiply-adds per chunk: long enough to amortize the hop, short enough for live progress.</summary>
    private const double ChunkWork = 5e7;

    private readonly CancellationTokenSource _cancellation = new();
    private PointAssignment? _assignment;
    private PointProgress? _progress;
    private Task? _work;
    private IGrainTimer? _keepAlive;

    /// <inheritdoc/>
    public Task Start(PointAssignment assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        if (_work is not null)
        {
            return Task.CompletedTask;
        }

        _assignment = assignment;
        _progress = new PointProgress(assignment.Index, PointState.Pending, 0, assignment.Steps);

        // A timer with KeepAlive holds the activation while the work runs, whatever the idle collection age.
        _keepAlive = this.RegisterGrainTimer(static () => Task.CompletedTask, new GrainTimerCreationOptions(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1)) { KeepAlive = true });
        _work = RunAsync(assignment);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<PointProgress> GetProgress() =>
        Task.FromResult(_progress ?? new PointProgress(-1, PointState.Pending, 0, 0));

    /// <inheritdoc/>
    public Task Cancel()
    {
        _cancellation.Cancel();
        return Task.CompletedTask;
    }

    private async Task RunAsync(PointAssignment assignment)
    {
        ISweepGrain sweep = GrainFactory.GetGrain<ISweepGrain>(assignment.SweepId);
        var clock = Stopwatch.StartNew();
        PointResult result;
        SgdRun? run = null;
        try
        {
            using IDisposable slot = await scheduler.AcquireAsync(_cancellation.Token);
            clock.Restart();
            SweepSpec spec = SpecLoader.Parse(assignment.SpecJson, SpecFormat.Json);
            PointSpec point = Mapping.ToPointSpec(assignment);
            run = await Task.Run(() =>
            {
                DataModel data = DataModel.Create(spec.Data, spec.Seed);
                return new SgdRun(spec, point, data, TestSet.For(data, spec.Observe.TestSamples, spec.Seed));
            });
            long chunk = Math.Max(1, (long)(ChunkWork / (WorkPerSample(point, spec.Data.Dimension) * spec.Training.BatchSize)));
            await Report(sweep, PointState.Running, run);
            while (run.Status == RunStatus.Running)
            {
                SgdRun current = run;
                await Task.Run(() => current.Advance(chunk, _cancellation.Token));
                await Report(sweep, run.Status == RunStatus.Running ? PointState.Running : MapState(run.Status), run);
            }

            result = Mapping.ToResult(assignment.Index, MapState(run.Status), run, null, clock.Elapsed.TotalSeconds);
        }
        catch (OperationCanceledException) when (_cancellation.IsCancellationRequested)
        {
            result = Mapping.ToResult(assignment.Index, PointState.Cancelled, run, null, clock.Elapsed.TotalSeconds);
        }
        catch (Exception ex)
        {
            LogPointFailed(logger, ex, assignment.SweepId, assignment.Index);
            result = Mapping.ToResult(assignment.Index, PointState.Failed, run, ex.Message, clock.Elapsed.TotalSeconds);
        }

        _progress = new PointProgress(assignment.Index, result.State, result.Steps, assignment.Steps);
        await sweep.ReportResult(result);
        _keepAlive?.Dispose();
        DeactivateOnIdle();
    }

    private Task Report(ISweepGrain sweep, PointState state, SgdRun run)
    {
        _progress = new PointProgress(_assignment!.Index, state, run.Step, run.TotalSteps);
        return sweep.ReportProgress(_progress);
    }

    private static PointState MapState(RunStatus status) => status switch
    {
        RunStatus.Completed => PointState.Completed,
        RunStatus.Diverged => PointState.Diverged,
        _ => PointState.Running,
    };

    // Multiply-adds of one forward and backward pass: N_1 d for the first layer plus N_{ℓ+1} N_ℓ per inner layer.
    private static double WorkPerSample(PointSpec point, int dimension)
    {
        double work = (double)point.Widths[0] * dimension;
        for (int l = 1; l < point.Layers; l++)
        {
            work += (double)point.Widths[l] * point.Widths[l - 1];
        }

        return Math.Max(1, 2 * work);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Point {Index} of sweep {SweepId} failed")]
    private static partial void LogPointFailed(ILogger logger, Exception exception, string sweepId, int index);
}
