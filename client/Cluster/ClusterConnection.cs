using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace MeanFieldCluster.Client.Cluster;

/// <summary>
/// Where the cluster is: --redis, --cluster-id, --service-id (or MFC_REDIS, MFC_CLUSTER_ID, MFC_SERVICE_ID), and
/// the client's certificate when the cluster uses TLS: --tls-cert, --tls-key, --tls-ca (or MFC_TLS_CERT, ...).
/// </summary>
/// <param name="Redis">Redis connection in StackExchange.Redis syntax.</param>
/// <param name="ClusterId">Cluster id (default mfc).</param>
/// <param name="ServiceId">Service id (default MeanFieldCluster).</param>
internal sealed record ConnectionSettings(string? Redis, string ClusterId, string ServiceId)
{
    /// <summary>The client's certificate, key and the cluster's CA (docs/security.md); TLS is off when none is set.</summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary>How long connecting may take by default before the command gives up with exit code 2.</summary>
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How long connecting may take before the command gives up with exit code 2 (--connect-timeout).</summary>
    public TimeSpan ConnectTimeout { get; init; } = DefaultConnectTimeout;
}

/// <summary>A client connected to a cluster-mode cluster through its Redis gateway list.</summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly TlsMaterial? _tls;

    private ClusterConnection(IHost host, TlsMaterial? tls)
    {
        _host = host;
        _tls = tls;
        Client = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The connected client.</summary>
    public IClusterClient Client { get; }

    /// <summary>Connects, or returns null after printing why (no Redis setting, unreachable Redis, no gateway) within the timeout.</summary>
    public static async Task<ClusterConnection?> ConnectAsync(ConnectionSettings settings, TextWriter error, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(settings.Redis))
        {
            await error.WriteLineAsync("error: --redis: required; expected the cluster's Redis connection, e.g. --redis localhost:6379 (or set MFC_REDIS)");
            return null;
        }

        var tlsErrors = new List<string>();
        TlsMaterial? tls = TlsMaterial.Load(settings.Tls, tlsErrors, TlsRole.Client);
        foreach (string tlsError in tlsErrors)
        {
            await error.WriteLineAsync($"error: {tlsError}");
        }

        if (tlsErrors.Count > 0)
        {
            return null;
        }

        string? refusedGateway = null;
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.AddMeanFieldTelemetry("mfc");
        builder.UseOrleansClient(client => client
            .AddActivityPropagation()
            .UseRedisClustering(settings.Redis)
            .Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            })
            .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5))
            .UseMutualTls(tls, why => refusedGateway = why));

        IHost host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ConnectTimeout);
        try
        {
            await host.StartAsync(timeout.Token);
            return new ClusterConnection(host, tls);
        }
        catch (Exception ex)
        {
            host.Dispose();
            tls?.Dispose();
            string why = ex is OperationCanceledException ? $"no answer within {settings.ConnectTimeout.TotalSeconds:0.#} s (--connect-timeout)" : ex.GetBaseException().Message;
            if (MeanFieldCluster.Silo.Hosting.StorageFaults.Describe(ex) is { } refused)
            {
                // Redis is up but refuses writes (joining writes to it): the cure is on the Redis side.
                await error.WriteLineAsync($"error: --redis: Redis at '{MeanFieldCluster.Silo.Hosting.SiloOptions.Redact(settings.Redis)}' is up but refuses writes: {refused}; the cluster cannot store anything until it takes writes again (free memory or raise maxmemory; fix a failed save).");
                return null;
            }

            await error.WriteLineAsync($"error: --redis: cannot reach a MeanFieldCluster cluster '{settings.ClusterId}' through Redis at '{MeanFieldCluster.Silo.Hosting.SiloOptions.Redact(settings.Redis)}': {why}. Is Redis running and is at least one silo up (deploy/local/cluster.sh up)?");
            await error.WriteLineAsync(tls is null
                ? "  TLS is off in this client: if the cluster's silos run with --tls-cert, give --tls-cert, --tls-key and --tls-ca (or MFC_TLS_CERT, MFC_TLS_KEY, MFC_TLS_CA) with a client certificate signed by the cluster's CA"
                : refusedGateway is not null
                    ? $"  TLS: this client {refusedGateway}: --tls-ca must be the CA that signed the silos' certificates"
                    : $"  TLS is {settings.Tls.Describe()} in this client: if the silos' log says 'TLS: refused', the gateway did not accept this certificate (it must be signed by the cluster's CA, valid now, with clientAuth); if the silos run without TLS, leave out --tls-cert");
            return null;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _host.StopAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or OrleansException)
        {
            // Leaving anyway.
        }

        _host.Dispose();
        _tls?.Dispose();
    }
}
