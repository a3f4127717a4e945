using MeanFieldCluster.Contracts;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// Point grains are placed in proportion to the silos' worker slots (<see cref="WorkerSlotPlacement"/>,
/// docs/performance.md "Scale-out"): a burst of points on two silos with 3 and 1 slots goes 3 : 1.
/// </summary>
public sealed class PlacementTests : IAsyncLifetime
{
    private const int Burst = 40;

    private InProcessTestCluster _cluster = null!;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        int configured = 0;
        builder.ConfigureSilo((_, silo) =>
        {
            int slots = Interlocked.Increment(ref configured) == 1 ? 3 : 1;
            silo.AddMeanFieldCluster(w => w.Slots = slots)
                .AddMemoryGrainStorage(GrainKeys.Storage)
                .UseInMemoryReminderService();
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task ABurstOfPointsIsSpreadInProportionToWorkerSlots()
    {
        Dictionary<SiloAddress, int> slots = _cluster.Silos.ToDictionary(s => s.SiloAddress, s => s.ServiceProvider.GetRequiredService<WorkerOptions>().Slots);
        Assert.Equal([1, 3], slots.Values.Order());

        // Every silo must know the other's slots (silo metadata travels after a silo joins).
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2)))
        {
            while (!_cluster.Silos.All(s => slots.All(p => Published(s, p.Key) == p.Value)))
            {
                await Task.Delay(50, timeout.Token);
            }
        }

        // Activating a point grain (reading its attempts) places it; nothing is started.
        await Task.WhenAll(Enumerable.Range(0, Burst).Select(i => _cluster.Client.GetGrain<ISweepPointGrain>($"placement/{i}").GetAttempts()));

        SimpleGrainStatistic[] stats = await _cluster.Client.GetGrain<IManagementGrain>(0).GetSimpleGrainStatistics();
        Dictionary<SiloAddress, int> placed = stats
            .Where(s => s.GrainType.Contains("sweeppoint", StringComparison.OrdinalIgnoreCase))
            .GroupBy(s => s.SiloAddress)
            .ToDictionary(g => g.Key, g => g.Sum(s => s.ActivationCount));
        Assert.Equal(Burst, placed.Values.Sum());
        foreach ((SiloAddress silo, int count) in slots)
        {
            // Each gateway's director keeps every run of its placements within one point of 3 : 1; two gateways, two points.
            double expected = Burst * count / 4.0;
            int actual = placed.GetValueOrDefault(silo);
            Assert.True(Math.Abs(actual - expected) <= 2, $"silo with {count} slot(s): {actual} of {Burst} points, expected {expected}");
        }
    }

    private static long Published(InProcessSiloHandle silo, SiloAddress about) =>
        silo.ServiceProvider.GetRequiredService<ISiloMetadataCache>().GetSiloMetadata(about).Metadata.TryGetValue(ClusterSlots.SlotsKey, out string? v) ? long.Parse(v, System.Globalization.CultureInfo.InvariantCulture) : -1;
}
