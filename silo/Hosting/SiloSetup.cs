using System.Net;
using System.Net.Sockets;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Grains;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Configuration;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>Options shared by every silo of MeanFieldCluster.</summary>
public sealed class WorkerOptions
{
    /// <summary>Worker slots: how many points compute at once on this silo. Default: the processor count.</summary>
    public int Slots { get; set; } = Environment.ProcessorCount;

    /// <summary>When set, csv data files of submitted specs must lie under this folder.</summary>
    public string? DataRoot { get; set; }

    /// <summary>The largest point this silo accepts in a submitted sweep.</summary>
    public ResourceBudget Budget { get; set; } = ResourceBudget.Default;

    /// <summary>
    /// Worker slots (threads) one wide point (first layer of at least 20000 neurons) takes, up to
    /// <see cref="Slots"/>; 1 (the default) keeps every point on one core. Never changes the numbers.
    /// </summary>
    public int ThreadsPerWidePoint { get; set; } = 1;

    /// <summary>
    /// Points of one sweep started at a time (running or waiting for a slot) when this silo hosts the sweep's
    /// coordinator; the rest start as these finish. Bounds the activations a large sweep holds. It should exceed
    /// the worker slots of the whole cluster. Default <see cref="SweepPolicy.DefaultPointsInFlight"/>.
    /// </summary>
    public int PointsInFlight { get; set; } = SweepPolicy.DefaultPointsInFlight;
}

/// <summary>What a silo admits (where csv data may come from, how large a point may be) and how its coordinators dispatch.</summary>
/// <param name="DataRoot">When set, csv data files must resolve to files under this folder.</param>
/// <param name="Budget">The largest point admitted.</param>
/// <param name="PointsInFlight">Points of one sweep started at a time (see <see cref="WorkerOptions.PointsInFlight"/>).</param>
public sealed record SweepPolicy(string? DataRoot, ResourceBudget Budget, int PointsInFlight = SweepPolicy.DefaultPointsInFlight)
{
    /// <summary>The default of <see cref="PointsInFlight"/>.</summary>
    public const int DefaultPointsInFlight = 1024;
}

/// <summary>The few builder calls that make a silo a MeanFieldCluster silo.</summary>
public static class SiloSetup
{
    /// <summary>
    /// Registers the worker scheduler, chunk sizing, the MeanFieldCluster instruments and trace propagation
    /// across grain calls. <paramref name="hooks"/> are test-only (docs/testing.md); by default they are read
    /// from the environment, where production leaves them unset.
    /// </summary>
    public static ISiloBuilder AddMeanFieldCluster(this ISiloBuilder silo, WorkerOptions? options = null, TestHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        WorkerOptions o = options ?? new WorkerOptions();
        TestHooks h = hooks ?? TestHooks.FromEnvironment();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.AddSingleton(h);
        silo.Services.AddSingleton<ChunkBoundary>();
        silo.Services.AddSingleton<ChunkLoop>();
        if (h.ChunkSteps is { } steps)
        {
            silo.Services.AddSingleton<IChunkSizer>(new FixedChunkSizer(steps));
        }
        else
        {
            silo.Services.AddSingleton<IChunkSizer, AdaptiveChunkSizer>();
        }

        silo.Services.AddSingleton(_ => new WorkScheduler(o.Slots));
        silo.Services.AddSingleton(o);
        silo.Services.AddSingleton(new SweepPolicy(o.DataRoot, o.Budget, o.PointsInFlight));
        silo.Services.AddMetrics();
        silo.Services.TryAddSingleton<MeanFieldMetrics>();
        silo.AddActivityPropagation();
        return silo;
    }

    /// <summary>
    /// Embedded mode: a single in-process silo with localhost clustering on free loopback ports (so several
    /// runs on one machine never collide), in-memory reminders, and grain state in
    /// <paramref name="stateDirectory"/> (durable, for --resume) or in memory when it is null.
    /// </summary>
    public static ISiloBuilder UseEmbeddedCluster(this ISiloBuilder silo, string clusterId, string? stateDirectory)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.UseLocalhostClustering(siloPort: FreeTcpPort(), gatewayPort: FreeTcpPort(), serviceId: "MeanFieldCluster", clusterId: clusterId);
        silo.Configure<EndpointOptions>(o => o.AdvertisedIPAddress = IPAddress.Loopback);
        silo.UseInMemoryReminderService();
        if (stateDirectory is null)
        {
            silo.AddMemoryGrainStorage(GrainKeys.Storage);
        }
        else
        {
            silo.AddFileGrainStorage(GrainKeys.Storage, stateDirectory);
        }

        return silo;
    }

    /// <summary>A TCP port on loopback that was free a moment ago.</summary>
    public static int FreeTcpPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
