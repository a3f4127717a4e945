using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Aggregation;
using MeanFieldCluster.Engine.Specs;
using Orleans.Concurrency;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// The coordinator of one sweep. Expands the grid, assigns each point to its own point grain, and
/// collects progress and results. Reports are idempotent: a point's result counts once, whatever the
/// number of times it arrives. Every method body is synchronous between awaits, so interleaving is safe.
/// </summary>
[Reentrant]
public sealed class SweepGrain : Grain, ISweepGrain
{
    private string? _specJson;
    private SweepSpec? _spec;
    private PointSpec[] _points = [];
    private string? _aggregateJson;
    private string _name = "";
    private PointProgress[] _progress = [];
    private PointResult?[] _results = [];
    private DateTime _startedUtc;
    private DateTime? _finishedUtc;
    private bool _cancelled;

    /// <inheritdoc/>
    public async Task<SweepStatus> Start(string specJson)
    {
        ArgumentNullException.ThrowIfNull(specJson);
        if (_specJson is not null)
        {
            if (_specJson != specJson)
            {
                throw new InvalidOperationException($"Sweep '{this.GetPrimaryKeyString()}' already exists with a different spec; choose another sweep id.");
            }

            return Status();
        }

        SweepSpec spec;
        IReadOnlyList<PointSpec> points;
        try
        {
            spec = SpecLoader.Parse(specJson, SpecFormat.Json);
            points = SweepPlanner.Expand(spec);
        }
        catch (SpecException ex)
        {
            // Specs are validated by the client first; this guards against other callers.
            throw new ArgumentException(ex.Message, nameof(specJson));
        }

        _specJson = specJson;
        _spec = spec;
        _points = [.. points];
        _name = spec.Name;
        _startedUtc = DateTime.UtcNow;
        _progress = [.. points.Select(p => new PointProgress(p.Index, PointState.Pending, 0, p.Steps))];
        _results = new PointResult?[points.Count];
        string sweepId = this.GetPrimaryKeyString();
        await Task.WhenAll(points.Select(p => GrainFactory.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweepId, p.Index)).Start(Mapping.ToAssignment(sweepId, specJson, p))));
        return Status();
    }

    /// <inheritdoc/>
    public Task<SweepStatus> GetStatus() => Task.FromResult(Status());

    /// <inheritdoc/>
    public Task<string?> GetSpecJson() => Task.FromResult(_specJson);

    /// <inheritdoc/>
    public Task<PointResult?> GetResult(int index) =>
        Task.FromResult(index >= 0 && index < _results.Length ? _results[index] : null);

    /// <inheritdoc/>
    public Task<string?> GetAggregateJson()
    {
        if (_aggregateJson is null && _finishedUtc is not null && _spec is not null)
        {
            var outcomes = _results.Select((r, i) => Mapping.ToOutcome(_points[i], r!)).ToList();
            _aggregateJson = AggregateWriter.ToJson(SweepAggregator.Aggregate(_spec, outcomes));
        }

        return Task.FromResult(_aggregateJson);
    }

    /// <inheritdoc/>
    public Task ReportProgress(PointProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        if (InRange(progress.Index) && _results[progress.Index] is null)
        {
            _progress[progress.Index] = progress;
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task ReportResult(PointResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (InRange(result.Index) && _results[result.Index] is null)
        {
            _results[result.Index] = result;
            _progress[result.Index] = new PointProgress(result.Index, result.State, result.Steps, _progress[result.Index].TotalSteps);
            if (_results.All(r => r is not null))
            {
                _finishedUtc = DateTime.UtcNow;
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task Cancel()
    {
        _cancelled = true;
        string sweepId = this.GetPrimaryKeyString();
        await Task.WhenAll(_progress
            .Where(p => _results[p.Index] is null)
            .Select(p => GrainFactory.GetGrain<ISweepPointGrain>(GrainKeys.Point(sweepId, p.Index)).Cancel()));
    }

    private bool InRange(int index) => index >= 0 && index < _results.Length;

    private SweepStatus Status()
    {
        SweepState state = _specJson is null ? SweepState.Unknown
            : _finishedUtc is not null ? (_cancelled ? SweepState.Cancelled : SweepState.Completed)
            : SweepState.Running;
        return new SweepStatus(this.GetPrimaryKeyString(), _name, state, [.. _progress], _startedUtc, _finishedUtc);
    }
}
