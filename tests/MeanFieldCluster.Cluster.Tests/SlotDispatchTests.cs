using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime;
using Orleans.TestingHost;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// A coordinator places each point where a worker slot frees (<see cref="Silo.Grains.DispatchLedger"/> and the
/// placement hint honoured by <see cref="WorkerSlotPlacementDirector"/>): on two silos of one slot each, while one
/// silo's points are held at their first chunk boundary (a silo that never finishes, under the test gate), the
/// other silo runs every other point of the sweep; with placement by counts alone it would receive half.
/// </summary>
public sealed class SlotDispatchTests : IAsyncLifetime
{
    private const string SweepId = "slot-dispatch";

    private readonly string _gate = Path.Combine(Path.GetTempPath(), $"mfc-slots-{Guid.NewGuid():N}");
    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        // On an injected clock that never advances, starts and points take no time, so the queue per slot stays at
        // its configured 1 (short points would deepen it: DispatchLedgerTests); Orleans' own loops keep real time.
        _cluster = await TestClusters.DeployAsync(w => w.Slots = 1, hooks: WatchdogClockTests.Gated(_gate), silo: s =>
        {
            s.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(new FakeTimeProvider()));
            s.Services.UseTimeProviderForBackgroundAreas(TimeProvider.System);
        });
    }

    public async Task DisposeAsync()
    {
        await _cluster.DisposeAsync();
        if (Directory.Exists(_gate))
        {
            Directory.Delete(_gate, recursive: true);
        }
    }

    [Fact]
    public async Task WhileOneSiloIsHeldTheOtherRunsEveryOtherPointAndTheNumbersAreThoseOfAnyRun()
    {
        // Every silo sees both as active before the sweep starts (membership travels after a silo joins).
        await ProgressStreamTests.Until(() => _cluster.Silos.All(s => s.ServiceProvider.GetRequiredService<ClusterSlots>().Active().Count == 2), "both silos active in every silo's view");
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(SweepClusterTests.EightPointSpec, SpecFormat.Yaml));
        ISweepGrain sweep = _cluster.Client.GetGrain<ISweepGrain>(SweepId);
        Directory.CreateDirectory(_gate);
        await sweep.Start(specJson);

        // The silo of point 0 is held; every point of the other silo is released as it reaches its boundary.
        // A released point may end and leave memory between two looks, so every look adds to `where`.
        var where = new Dictionary<int, SiloAddress>(await Placement());
        SiloAddress held = where[0];
        var released = new HashSet<int>();
        await ProgressStreamTests.Until(async () =>
        {
            foreach ((int index, SiloAddress silo) in await Placement())
            {
                where[index] = silo;
            }

            foreach (int index in Held().Where(i => where.TryGetValue(i, out SiloAddress? s) && !s.Equals(held) && released.Add(i)))
            {
                await File.WriteAllTextAsync(Path.Combine(_gate, $"release-{index}"), "");
            }

            return (await sweep.GetStatus()).Points.Count(p => p.State == PointState.Completed) == 6;
        }, "6 points completed on the silo not held");

        // The held silo received its first two points (one in its slot, one queued behind it) and nothing more.
        Assert.Equal(8, where.Count);
        Assert.Equal(2, where.Values.Count(s => s.Equals(held)));
        SweepStatus running = await sweep.GetStatus();
        Assert.All(running.Points.Where(p => p.State != PointState.Completed), p => Assert.Equal(held, where[p.Index]));

        await File.WriteAllTextAsync(Path.Combine(_gate, "release-all"), "");
        SweepStatus done = await TestClusters.WaitForCompletion(sweep);
        Assert.All(done.Points, p => Assert.Equal(PointState.Completed, p.State));
        Assert.Equal(8, done.Coordinator!.Starts);

        // Placement changes no number: each point's risk curve is that of a direct engine run.
        SweepSpec spec = SpecLoader.Parse(SweepClusterTests.EightPointSpec, SpecFormat.Yaml);
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
        foreach (PointSpec p in SweepPlanner.Expand(spec))
        {
            var direct = new SgdRun(spec, p, data, testSet);
            direct.Advance(long.MaxValue);
            PointResult result = (await sweep.GetResult(p.Index))!;
            Assert.Equal(direct.Risk.Select(r => (r.Step, r.Risk)), result.Risk.Select(r => (r.Step, r.Risk)));
        }
    }

    // The points held at a boundary now (files held-<index> of the gate).
    private IEnumerable<int> Held() =>
        Directory.EnumerateFiles(_gate, "held-*").Select(f => Path.GetFileName(f)["held-".Length..]).Where(s => !s.EndsWith(".tmp", StringComparison.Ordinal)).Select(int.Parse);

    // The silo of every activated point of the sweep.
    private async Task<Dictionary<int, SiloAddress>> Placement()
    {
        DetailedGrainStatistic[] stats = await _cluster.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        string prefix = SweepId + "/";
        return stats
            .Select(s => (Key: s.GrainId.Key.ToString() ?? "", s.SiloAddress))
            .Where(s => s.Key.StartsWith(prefix, StringComparison.Ordinal))
            .ToDictionary(s => int.Parse(s.Key[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture), s => s.SiloAddress);
    }
}
