using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>The MeanFieldCluster meter and traces, observed in-process on a two-silo test cluster.</summary>
public sealed class TelemetryTests : IAsyncLifetime
{
    // Two points of 20,000 steps of a 500-neuron network: in chunks of at most 5000 steps (the test hook
    // MFC_TEST_CHUNK_STEPS, whatever the machine's speed), so each point checkpoints at least three times.
    private const string SgdSpec = """
        name: telemetry
        seed: 5
        model: {preset: mmn-relu, activation: tanh, init: {kappa: 1.0, output_std: 0.5}}
        data: {kind: isotropic-gaussian, d: 6, delta: 0.5}
        training: {horizon: 2}
        observe: {test_samples: 200, risk_times: {count: 3, spacing: linear}, snapshot_times: [0, 2], quantiles: 8}
        grid: {width: [500], step_size: [0.0001], seeds: 2}
        """;

    // Nine batches of 1,000 replicas, no SGD steps (horizon 0).
    private const string LdSpec = """
        name: telemetry-ld
        seed: 2
        task: large-deviations
        model: {preset: mmn-relu, activation: relu, init: {output_mean: 0.2, output_std: 1.0}}
        data: {kind: isotropic-gaussian, d: 2}
        training: {horizon: 0}
        grid: {width: [10], step_size: [0.01]}
        large_deviations:
          functional: mean-output-weight
          replicas: 900
          batch_size: 100
          modes: [annealed]
          x_grid: {from: -0.6, to: 1.0, step: 0.1}
          k_grid: {from: -3, to: 3, step: 0.1}
          bootstrap: 50
        """;

    private static readonly Dictionary<string, (string Unit, Type Type)> Documented = new()
    {
        ["mfc.sgd.steps"] = ("{step}", typeof(Counter<long>)),
        ["mfc.ld.replicas"] = ("{replica}", typeof(Counter<long>)),
        ["mfc.points.active"] = ("{point}", typeof(UpDownCounter<long>)),
        ["mfc.points.completed"] = ("{point}", typeof(Counter<long>)),
        ["mfc.points.failed"] = ("{point}", typeof(Counter<long>)),
        ["mfc.points.cancelled"] = ("{point}", typeof(Counter<long>)),
        ["mfc.point.duration"] = ("s", typeof(Histogram<double>)),
    };

    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // Fixed chunks (several per SGD point, whatever the speed) also make every large-deviation chunk one
        // replica, with a boundary each: the LD sweep below stays small so the suite-level chunk delay
        // (docs/testing.md) costs it a minute or two, not the ten of a 9000-replica sweep.
        TestHooks hooks = TestHooks.FromEnvironment();
        _cluster = await TestClusters.DeployAsync(w => w.Slots = 1, client => client.AddActivityPropagation(), hooks with { ChunkSteps = hooks.ChunkSteps ?? 5000 });
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public void TheMeterHasExactlyTheDocumentedInstrumentsWithTheirUnits()
    {
        using ServiceProvider services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new MeanFieldMetrics(services.GetRequiredService<IMeterFactory>());
        var found = new List<Instrument>();
        using var listener = new MeterListener { InstrumentPublished = (instrument, _) => { if (instrument.Meter == metrics.Meter) { found.Add(instrument); } } };
        listener.Start();

        Assert.Equal(MeanFieldTelemetry.Name, metrics.Meter.Name);
        Assert.Equal(Documented.Keys.Order(), found.Select(i => i.Name).Order());
        Assert.All(found, i => Assert.Equal((Documented[i.Name].Unit, Documented[i.Name].Type), (i.Unit, i.GetType())));
        Assert.All(found, i => Assert.Matches("^[a-z]+(\\.[a-z]+)+$", i.Name));
    }

    [Fact]
    public void TheTelemetryDocumentListsEveryInstrumentWithItsUnit()
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "docs", "telemetry.md"));
        foreach (var (name, (unit, _)) in Documented)
        {
            Assert.True(lines.Any(l => l.StartsWith('|') && l.Contains($"`{name}`", StringComparison.Ordinal) && l.Contains($"`{unit}`", StringComparison.Ordinal)), $"docs/telemetry.md has no table row for {name} with unit {unit}");
        }
    }

    [Fact]
    public async Task TheStepCounterAddsExactlyTheStepsTheSweepRanAndNoMeasurementCarriesASweepOrPointTag()
    {
        using var recorder = new Recorder(_cluster);
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("telemetry-steps");

        await sweep.Start(SpecWriter.ToJson(SpecLoader.Parse(SgdSpec, SpecFormat.Yaml)));
        SweepStatus status = await TestClusters.WaitForCompletion(sweep);

        Assert.All(status.Points, p => Assert.Equal(PointState.Completed, p.State));
        long ran = 0;
        foreach (PointProgress p in status.Points)
        {
            ran += (await sweep.GetResult(p.Index))!.Steps;
        }

        Assert.Equal(40_000, ran);
        await recorder.WaitFor(MeanFieldTelemetry.PointDuration, 2);
        Assert.Equal(ran, recorder.Sum(MeanFieldTelemetry.SgdSteps));
        Assert.True(recorder.Count(MeanFieldTelemetry.SgdSteps) >= 4, $"{recorder.Count(MeanFieldTelemetry.SgdSteps)} step measurements: expected several chunks per point");
        Assert.Equal(2, recorder.Sum(MeanFieldTelemetry.PointsCompleted, ("kind", "sgd"), ("state", "completed")));
        Assert.Equal(2, recorder.Count(MeanFieldTelemetry.PointDuration, ("kind", "sgd"), ("state", "completed")));
        Assert.Equal(4, recorder.Count(MeanFieldTelemetry.PointsActive, ("kind", "sgd")));
        Assert.Equal(0, recorder.Sum(MeanFieldTelemetry.PointsActive));
        Assert.Equal(0, recorder.Sum(MeanFieldTelemetry.PointsFailed) + recorder.Sum(MeanFieldTelemetry.LdReplicas));
        Assert.All(recorder.Measurements, m => Assert.DoesNotContain(m.Tags, t => t.Key is not ("kind" or "state")));
        Assert.All(recorder.Measurements.SelectMany(m => m.Tags), t => Assert.Contains(t.Value, new[] { "sgd", "ld", "completed", "diverged", "failed", "cancelled" }));
        Assert.DoesNotContain(recorder.Measurements, m => m.Name == MeanFieldTelemetry.SgdSteps && m.Tags.Length > 0);
    }

    [Fact]
    public async Task TheReplicaCounterAddsEveryReplicaOfALargeDeviationsSweep()
    {
        using var recorder = new Recorder(_cluster);
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("telemetry-ld");

        await sweep.Start(SpecWriter.ToJson(SpecLoader.Parse(LdSpec, SpecFormat.Yaml)));
        SweepStatus status = await TestClusters.WaitForCompletion(sweep);

        Assert.Equal(9, status.Points.Count(p => p.State == PointState.Completed));
        await recorder.WaitFor(MeanFieldTelemetry.PointDuration, 9);
        Assert.Equal(900, recorder.Sum(MeanFieldTelemetry.LdReplicas));
        Assert.Equal(9, recorder.Sum(MeanFieldTelemetry.PointsCompleted, ("kind", "ld"), ("state", "completed")));
        Assert.Equal(0, recorder.Sum(MeanFieldTelemetry.SgdSteps));
    }

    [Fact]
    public async Task PointRunsCheckpointsAndALaterAggregationJoinTheTraceOfTheSubmission()
    {
        var stopped = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == MeanFieldTelemetry.Name || source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = stopped.Add,
        };
        ActivitySource.AddActivityListener(listener);
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>("telemetry-trace");

        // As 'mfc submit': the client's activity ends once the sweep is started.
        ActivityTraceId submission;
        using (Activity? submit = MeanFieldTelemetry.StartClientActivity(MeanFieldTelemetry.SubmitActivity, "telemetry-trace"))
        {
            Assert.NotNull(submit);
            submission = submit.TraceId;
            await sweep.Start(SpecWriter.ToJson(SpecLoader.Parse(SgdSpec, SpecFormat.Yaml)));
        }

        await TestClusters.WaitForCompletion(sweep);

        // As a later 'mfc results', in a trace of its own.
        ActivityContext results;
        using (Activity? export = MeanFieldTelemetry.StartClientActivity(MeanFieldTelemetry.ResultsActivity, "telemetry-trace"))
        {
            results = export!.Context;
            Assert.NotNull(await sweep.GetAggregateJson());
        }

        Activity[] trace = await Collect(stopped, submission, a => a.OperationName == MeanFieldTelemetry.PointRunActivity, 2);
        Assert.Single(trace, a => a.OperationName == MeanFieldTelemetry.SweepStartActivity);
        Assert.Equal(2, trace.Count(a => a.OperationName == MeanFieldTelemetry.PointRunActivity));
        Assert.Contains(trace, a => a.OperationName == MeanFieldTelemetry.PointCheckpointActivity);
        Assert.Contains(trace, a => a.OperationName == MeanFieldTelemetry.PointChunkActivity);
        Assert.Contains(trace, a => a.Source.Name == Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName);
        Activity aggregate = Assert.Single(trace, a => a.OperationName == MeanFieldTelemetry.SweepAggregateActivity);
        Assert.Contains(aggregate.Links, l => l.Context.TraceId == results.TraceId);
        Assert.Equal(["completed"], trace.Where(a => a.OperationName == MeanFieldTelemetry.PointRunActivity).Select(a => a.GetTagItem("mfc.point.state")).Distinct());
    }

    private static async Task<Activity[]> Collect(ConcurrentBag<Activity> stopped, ActivityTraceId trace, Func<Activity, bool> awaited, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (stopped.Count(a => a.TraceId == trace && awaited(a)) < count)
        {
            await Task.Delay(50, timeout.Token);
        }

        return [.. stopped.Where(a => a.TraceId == trace)];
    }

    internal static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MeanFieldCluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MeanFieldCluster.sln not found above the test binaries.");
    }

    /// <summary>Records the MeanFieldCluster measurements of this test cluster's silos only.</summary>
    private sealed class Recorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<Measured> _measurements = new();

        public Recorder(InProcessTestCluster cluster)
        {
            HashSet<object> scopes = [.. cluster.Silos.Select(s => (object)s.ServiceProvider.GetRequiredService<IMeterFactory>())];
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == MeanFieldTelemetry.Name && instrument.Meter.Scope is { } scope && scopes.Contains(scope))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            // The zeros each counter starts its series with are not work done: left out.
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                if (value != 0)
                {
                    _measurements.Enqueue(new Measured(instrument.Name, value, tags.ToArray()));
                }
            });
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => _measurements.Enqueue(new Measured(instrument.Name, value, tags.ToArray())));
            _listener.Start();
        }

        public IReadOnlyCollection<Measured> Measurements => _measurements;

        public double Sum(string name, params (string Key, string Value)[] tags) => Matching(name, tags).Sum(m => m.Value);

        public int Count(string name, params (string Key, string Value)[] tags) => Matching(name, tags).Count();

        public async Task WaitFor(string name, int count)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (Count(name) < count)
            {
                await Task.Delay(50, timeout.Token);
            }
        }

        public void Dispose() => _listener.Dispose();

        private IEnumerable<Measured> Matching(string name, (string Key, string Value)[] tags) =>
            _measurements.Where(m => m.Name == name && tags.All(t => m.Tags.Any(x => x.Key == t.Key && Equals(x.Value, t.Value))));
    }

    private sealed record Measured(string Name, double Value, KeyValuePair<string, object?>[] Tags);
}
