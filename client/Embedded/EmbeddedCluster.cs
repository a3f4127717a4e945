using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using MeanFieldCluster.Silo.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeanFieldCluster.Client.Embedded;

/// <summary>
/// An in-process silo (localhost clustering on free loopback ports) with its co-hosted cluster client:
/// the embedded default of <c>mfc run</c>, nothing else to install.
/// </summary>
internal sealed class EmbeddedCluster : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _disposed;

    private EmbeddedCluster(IHost host, StorageFaults faults)
    {
        _host = host;
        Client = host.Services.GetRequiredService<IClusterClient>();
        StorageFaults = faults;
    }

    /// <summary>The client of the in-process silo.</summary>
    public IClusterClient Client { get; }

    /// <summary>Storage failures that retrying does not cure (a full disk, a read-only folder): the run ends on the first.</summary>
    public StorageFaults StorageFaults { get; }

    /// <summary>
    /// Starts the silo; <paramref name="workerSlots"/> caps the points computing at once, and grain state
    /// (checkpoints) goes to <paramref name="stateDirectory"/>, or stays in memory when it is null. With
    /// <paramref name="web"/>, the silo also serves its dashboard and metrics there. A point with at least
    /// 20000 first-layer neurons takes <paramref name="threadsPerWidePoint"/> slots and threads.
    /// <paramref name="hooks"/> are test-only (docs/testing.md); by default those of the environment.
    /// Warnings and errors go to the console on one line each, and in full (stack traces) to
    /// <paramref name="logFile"/> when given; after a permanent storage failure the console stays quiet,
    /// so the run's own message about it is the one the user reads.
    /// </summary>
    public static async Task<EmbeddedCluster> StartAsync(int workerSlots, string? stateDirectory, WebEndpointOptions? web, CancellationToken cancellationToken, int threadsPerWidePoint = 1, TestHooks? hooks = null, string? logFile = null)
    {
        var faults = new StorageFaults();
        WebApplicationBuilder? webBuilder = web is null ? null : WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] }).AddSiloWeb(web);
        IHostApplicationBuilder builder = webBuilder ?? (IHostApplicationBuilder)Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddMfcLogging(logFile, consoleOn: () => faults.First is null);
        builder.Services.AddSingleton(faults);
        builder.AddMeanFieldTelemetry("mfc");
        builder.UseOrleans(silo =>
        {
            silo.UseEmbeddedCluster(clusterId: $"embedded-{Environment.ProcessId}", stateDirectory)
                .AddMeanFieldCluster(workers => (workers.Slots, workers.ThreadsPerWidePoint) = (workerSlots, threadsPerWidePoint), policy => policy.PointsInFlight = PointsInFlight(workerSlots), hooks);
            if (web is not null)
            {
                silo.AddSiloDashboard(web);
            }
        });
        IHost host = webBuilder is null ? ((HostApplicationBuilder)builder).Build() : webBuilder.Build().MapSiloWeb();
        await host.StartAsync(cancellationToken);
        return new EmbeddedCluster(host, faults);
    }

    /// <summary>Points started at a time in embedded mode: a few per worker slot, at least 64.</summary>
    public static int PointsInFlight(int workerSlots) => Math.Max(64, 8 * workerSlots);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // Shutting down anyway: the results are already written.
        }

        _host.Dispose();
    }
}
