using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Grains;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>How much this silo computes at once. Bound from section <c>Silo</c> in cluster mode.</summary>
public sealed class WorkerOptions
{
    /// <summary>Worker slots: how many points compute at once on this silo (setting <c>Workers</c>). Default: the processor count, which follows a cgroup CPU quota.</summary>
    [ConfigurationKeyName("Workers")]
    public int Slots { get; set; } = Environment.ProcessorCount;

    /// <summary>
    /// Worker slots (threads) one wide point (first layer of at least 20000 neurons) takes, up to
    /// <see cref="Slots"/>; 1 (the default) keeps every point on one core. Never changes the numbers.
    /// </summary>
    public int ThreadsPerWidePoint { get; set; } = 1;
}

/// <summary>Checks <see cref="WorkerOptions"/>, naming the setting, the value and what is allowed.</summary>
public sealed class WorkerOptionsValidator : IValidateOptions<WorkerOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, WorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        OptionChecks.Range(errors, "--workers", options.Slots, 1024);
        OptionChecks.Range(errors, "--threads-per-wide-point", options.ThreadsPerWidePoint, 1024);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>
/// What a silo admits (where csv data may come from, how large a point may be) and how its coordinators
/// dispatch. Bound from section <c>Silo</c> in cluster mode.
/// </summary>
public sealed class SweepPolicy
{
    /// <summary>The default of <see cref="PointsInFlight"/>.</summary>
    public const int DefaultPointsInFlight = 1024;

    /// <summary>The most points that may wait per worker slot: the largest <see cref="PointsQueuedPerSlot"/>, and the deepest short points make the queue.</summary>
    public const int MaxPointsQueuedPerSlot = 1000;

    /// <summary>When set, csv data files of submitted specs must resolve (links followed) to files under this folder.</summary>
    public string? DataRoot { get; set; }

    /// <summary>The memory one point may need, e.g. <c>2GB</c> (default: a quarter of this machine's memory).</summary>
    public string? MaxPointMemory { get; set; }

    /// <summary>The single-core hours one point may need (default 168).</summary>
    public double MaxPointHours { get; set; } = ResourceBudget.DefaultMaxPointSeconds / 3600;

    /// <summary>
    /// At most this many points of one sweep unfinished at a time (running or waiting for a slot) when this silo
    /// hosts the sweep's coordinator; the rest start as these finish. Bounds the activations a large sweep holds,
    /// together with <see cref="PointsQueuedPerSlot"/>, which usually binds first.
    /// </summary>
    public int PointsInFlight { get; set; } = DefaultPointsInFlight;

    /// <summary>
    /// Points of one sweep a coordinator keeps waiting per worker slot of a silo, beyond the one running in it
    /// (default 1): each silo holds at most slots × (1 + this) of the sweep's unfinished points, and the next
    /// point goes where a slot frees, so a faster silo runs more points. 0 starts a point only when a slot is
    /// free (a slot then idles while its next point activates); more hides slower activations. A minimum: points
    /// shorter than a start raise it for the sweep (see <c>DispatchLedger</c>).
    /// </summary>
    public int PointsQueuedPerSlot { get; set; } = 1;

    /// <summary>The largest point admitted (from <see cref="MaxPointMemory"/> and <see cref="MaxPointHours"/>).</summary>
    public ResourceBudget Budget => ResourceBudget.From(MaxPointMemory, MaxPointHours);
}

/// <summary>Checks <see cref="SweepPolicy"/>, naming the setting, the value and what is allowed.</summary>
public sealed class SweepPolicyValidator : IValidateOptions<SweepPolicy>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SweepPolicy options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.DataRoot is not null && !Directory.Exists(options.DataRoot))
        {
            errors.Add($"--data-root: '{options.DataRoot}' is not an existing folder; expected the folder csv data files must lie under");
        }

        if (options.MaxPointMemory is not null && ResourceEstimator.ParseBytes(options.MaxPointMemory) is null)
        {
            errors.Add($"--max-point-memory: '{options.MaxPointMemory}' is not a size; expected {ResourceEstimator.SizeSyntax}");
        }

        if (!(options.MaxPointHours > 0) || !double.IsFinite(options.MaxPointHours))
        {
            errors.Add($"--max-point-hours: {options.MaxPointHours} is not allowed; expected a number of hours > 0");
        }

        OptionChecks.Range(errors, "--points-in-flight", options.PointsInFlight, 1_000_000);
        if (options.PointsQueuedPerSlot is < 0 or > SweepPolicy.MaxPointsQueuedPerSlot)
        {
            errors.Add($"--points-queued-per-slot: {options.PointsQueuedPerSlot} is not allowed; expected an integer from 0 to {SweepPolicy.MaxPointsQueuedPerSlot}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The few builder calls that make a silo a MeanFieldCluster silo.</summary>
public static class SiloSetup
{
    /// <summary>
    /// Registers the worker scheduler, the placement of points by worker slots (<see cref="WorkerSlotPlacement"/>), chunk sizing, the MeanFieldCluster instruments and trace propagation
    /// across grain calls, and the options this silo computes and admits with (<see cref="WorkerOptions"/>,
    /// <see cref="SweepPolicy"/>), validated when the host starts. <paramref name="workers"/> and
    /// <paramref name="policy"/> set them in code, after whatever configuration binds.
    /// <paramref name="hooks"/> are test-only (docs/testing.md); by default they are read from the
    /// environment, where production leaves them unset.
    /// </summary>
    public static ISiloBuilder AddMeanFieldCluster(this ISiloBuilder silo, Action<WorkerOptions>? workers = null, Action<SweepPolicy>? policy = null, TestHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        TestHooks h = hooks ?? TestHooks.FromEnvironment();
        silo.Services.AddOptions<WorkerOptions>().Configure(workers ?? (_ => { })).ValidateOnStart();
        silo.Services.AddOptions<SweepPolicy>().Configure(policy ?? (_ => { })).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>());
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SweepPolicy>, SweepPolicyValidator>());

        // Grains take the values themselves.
        silo.Services.AddSingleton(services => services.GetRequiredService<IOptions<WorkerOptions>>().Value);
        silo.Services.AddSingleton(services => services.GetRequiredService<IOptions<SweepPolicy>>().Value);
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<StorageFaults>();
        silo.Services.AddSingleton(h);
        silo.Services.AddSingleton<ChunkBoundary>();
        silo.Services.AddSingleton<ChunkLoop>();
        silo.Services.AddSingleton<PointRunner>();
        if (h.ChunkSteps is { } steps)
        {
            silo.Services.AddSingleton<IChunkSizer>(new FixedChunkSizer(steps));
        }
        else
        {
            silo.Services.AddSingleton<IChunkSizer, AdaptiveChunkSizer>();
        }

        silo.Services.AddSingleton(services => new WorkScheduler(services.GetRequiredService<WorkerOptions>().Slots));

        // Point grains go to silos in proportion to their worker slots, which each silo publishes in its metadata:
        // the value is filled from WorkerOptions when the metadata options are built (configure actions run in
        // registration order, so this one runs before UseSiloMetadata's, which reads the dictionary).
        var published = new Dictionary<string, string>();
        silo.Services.AddOptions<SiloMetadata>().Configure<IOptions<WorkerOptions>>((_, w) => published[ClusterSlots.SlotsKey] = w.Value.Slots.ToString(CultureInfo.InvariantCulture));
        silo.UseSiloMetadata(published);
        silo.Services.AddSingleton<ClusterSlots>();
        silo.Services.AddPlacementDirector<WorkerSlotPlacement, WorkerSlotPlacementDirector>();
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
