using System.Net;
using System.Net.Sockets;
using MeanFieldCluster.Contracts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Persistence;
using Orleans.Storage;
using Orleans.Configuration;
using StackExchange.Redis;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>Cluster mode: Redis for membership, grain state (checkpoints) and reminders.</summary>
public static class ClusterSetup
{
    /// <summary>Configures a silo for cluster mode from validated options.</summary>
    public static ISiloBuilder UseRedisCluster(this ISiloBuilder silo, SiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(options);
        string redis = options.Redis!;
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = options.ClusterId;
            o.ServiceId = options.ServiceId;
        });
        IPAddress advertised = IPAddress.Parse(options.AdvertisedAddress);
        IPAddress listen = options.ListenAddress is null ? advertised : IPAddress.Parse(options.ListenAddress);
        silo.Configure<EndpointOptions>(o =>
        {
            o.AdvertisedIPAddress = advertised;
            o.SiloPort = options.SiloPort;
            o.GatewayPort = options.GatewayPort;
            o.SiloListeningEndpoint = new IPEndPoint(listen, options.SiloPort);
            o.GatewayListeningEndpoint = new IPEndPoint(listen, options.GatewayPort);
        });
        silo.UseRedisClustering(redis);
        silo.AddRedisGrainStorage(GrainKeys.Storage, o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        // Every Redis value carries a checksum (StateChecksum); the key prefix is the storage provider's.
        silo.Services.AddOptions<RedisStorageOptions>(GrainKeys.Storage).Configure<IServiceProvider>((o, services) =>
            o.GrainStorageSerializer = new ChecksummedStorageSerializer(
                services.GetRequiredService<IGrainStorageSerializer>(),
                $"{options.ServiceId}/state/",
                services.GetRequiredService<IGrainContextAccessor>(),
                services.GetRequiredService<ILogger<ChecksummedStorageSerializer>>()));
        silo.UseRedisReminderService(o => o.ConfigurationOptions = ConfigurationOptions.Parse(redis));
        if (options.FastFailureDetection)
        {
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            });
        }

        return silo;
    }

    /// <summary>Null when the port can be bound on the address, else a message saying why not.</summary>
    public static string? CheckPortFree(string option, string address, int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Parse(address), port);
            listener.Start();
            return null;
        }
        catch (SocketException ex)
        {
            return $"{option}: cannot listen on {address}:{port} ({ex.SocketErrorCode}); the port is in use or not allowed; choose another";
        }
    }
}
