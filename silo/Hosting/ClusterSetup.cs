using System.Net;
using System.Net.Sockets;
using MeanFieldCluster.Contracts;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Clustering.Redis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Configuration;
using StackExchange.Redis;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>Cluster mode: Redis for membership, grain state (checkpoints) and reminders.</summary>
public static class ClusterSetup
{
    /// <summary>
    /// Configures a silo for cluster mode from <see cref="SiloOptions"/>, bound from <paramref name="section"/>
    /// and validated when the host starts (<see cref="SiloOptionsValidator"/>).
    /// </summary>
    public static ISiloBuilder UseRedisCluster(this ISiloBuilder silo, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddOptions<SiloOptions>().Bind(section).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        silo.Services.AddOptions<ClusterOptions>().Configure<IOptions<SiloOptions>>((o, s) =>
        {
            o.ClusterId = s.Value.ClusterId;
            o.ServiceId = s.Value.ServiceId;
        });
        silo.Services.AddOptions<EndpointOptions>().Configure<IOptions<SiloOptions>>((o, s) =>
        {
            SiloOptions options = s.Value;
            IPAddress advertised = IPAddress.Parse(options.AdvertisedAddress);
            IPAddress listen = options.ListenAddress is null ? advertised : IPAddress.Parse(options.ListenAddress);
            o.AdvertisedIPAddress = advertised;
            o.SiloPort = options.SiloPort;
            o.GatewayPort = options.GatewayPort;
            o.SiloListeningEndpoint = new IPEndPoint(listen, options.SiloPort);
            o.GatewayListeningEndpoint = new IPEndPoint(listen, options.GatewayPort);
        });
        silo.UseRedisClustering(_ => { });
        silo.Services.AddOptions<RedisClusteringOptions>().Configure<IOptions<SiloOptions>>((o, s) => o.ConfigurationOptions = ConfigurationOptions.Parse(s.Value.Redis!));
        silo.AddRedisGrainStorage(GrainKeys.Storage, (Action<RedisStorageOptions>)(_ => { }));
        // Every Redis value carries a checksum (StateChecksum); the key prefix is the storage provider's.
        silo.Services.AddOptions<RedisStorageOptions>(GrainKeys.Storage).Configure<IServiceProvider, IOptions<SiloOptions>>((o, services, s) =>
        {
            o.ConfigurationOptions = ConfigurationOptions.Parse(s.Value.Redis!);
            o.GrainStorageSerializer = new ChecksummedStorageSerializer(
                new OrleansGrainStorageSerializer(services.GetRequiredService<Serializer>()),
                services.GetRequiredService<IGrainStorageSerializer>(),
                services.GetRequiredService<ILogger<ChecksummedStorageSerializer>>());
        });
        NameDamagedReads(silo.Services);
        silo.UseRedisReminderService(_ => { });
        silo.Services.AddOptions<RedisReminderTableOptions>().Configure<IOptions<SiloOptions>>((o, s) => o.ConfigurationOptions = ConfigurationOptions.Parse(s.Value.Redis!));
        silo.Services.AddOptions<ClusterMembershipOptions>().Configure<IOptions<SiloOptions>>((o, s) =>
        {
            if (s.Value.FastFailureDetection)
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
            }
        });
        return silo;
    }

    // The Redis storage, wrapped so that a damaged value is reported under its own key.
    private static void NameDamagedReads(IServiceCollection services)
    {
        ServiceDescriptor redis = services.Last(d => d.IsKeyedService && d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, GrainKeys.Storage));
        Func<IServiceProvider, object?, object> create = redis.KeyedImplementationFactory
            ?? throw new InvalidOperationException("the Redis grain storage is not registered by a factory; cannot name damaged reads");
        services.Remove(redis);
        services.AddKeyedSingleton<IGrainStorage>(GrainKeys.Storage, (provider, key) =>
            new ReadNamingGrainStorage((IGrainStorage)create(provider, key), $"{provider.GetRequiredService<IOptions<SiloOptions>>().Value.ServiceId}/state/"));
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
