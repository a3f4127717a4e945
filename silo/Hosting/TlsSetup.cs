using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Connections.Security;
using OrleansTlsOptions = Orleans.Connections.Security.TlsOptions;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Wires <see cref="TlsOptions"/> into Orleans' connection pipelines (Microsoft.Orleans.Connections.Security):
/// every silo-to-silo and client-to-gateway connection is TLS 1.2/1.3, both ends present a certificate, and
/// each end accepts the other's only when <see cref="TlsMaterial.Reject"/> finds nothing wrong with it.
/// </summary>
public static class TlsSetup
{
    /// <summary>
    /// Binds <see cref="TlsOptions"/> from <paramref name="section"/>, validated when the host starts, and when
    /// they are set turns on mutual TLS for the silo port (peers must present a silo certificate: serverAuth
    /// and clientAuth), the gateway port (clients: clientAuth) and this silo's outbound connections.
    /// </summary>
    public static ISiloBuilder UseMutualTls(this ISiloBuilder silo, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddOptions<TlsOptions>().Bind(section).ValidateOnStart();
        silo.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TlsOptions>, TlsOptionsValidator>());
        silo.Services.AddOptions<SiloConnectionOptions>().Configure<IOptions<TlsOptions>, ILoggerFactory>((connections, tls, logs) =>
        {
            if (!tls.Value.Enabled)
            {
                return;
            }

            var errors = new List<string>();
            TlsMaterial material = TlsMaterial.Load(tls.Value, errors, TlsRole.Silo) ?? throw new OptionsValidationException(nameof(TlsOptions), typeof(TlsOptions), errors);
            ILogger log = logs.CreateLogger(typeof(TlsSetup).FullName!);
            connections.ConfigureSiloInboundConnection(c => c.UseServerTls(Options(material, [TlsMaterial.ServerAuthentication, TlsMaterial.ClientAuthentication], "a silo connecting to the silo port", log)));
            connections.ConfigureGatewayInboundConnection(c => c.UseServerTls(Options(material, [TlsMaterial.ClientAuthentication], "a client connecting to the gateway", log)));
            connections.ConfigureSiloOutboundConnection(c => c.UseClientTls(Options(material, [TlsMaterial.ServerAuthentication], "the silo this silo connects to", log)));
        });
        return silo;
    }

    /// <summary>
    /// A client's connections to gateways over mutual TLS with <paramref name="material"/> (the client's
    /// certificate and the cluster's CA); nothing changes when it is null (TLS off). <paramref name="refused"/>
    /// hears why a gateway's certificate was refused.
    /// </summary>
    public static IClientBuilder UseMutualTls(this IClientBuilder client, TlsMaterial? material, Action<string>? refused = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        return material is null ? client : client.Configure<ClientConnectionOptions>(connections =>
            connections.ConfigureConnection(c => c.UseClientTls(Options(material, [TlsMaterial.ServerAuthentication], "the gateway", null, refused))));
    }

    // Both ends present their certificate and require the other's; the other's is accepted only when it chains
    // to the cluster's CA, is valid now and carries the extended key usages of its role.
    private static OrleansTlsOptions Options(TlsMaterial material, string[] purposes, string remote, ILogger? log, Action<string>? refused = null) => new()
    {
        LocalCertificate = material.Certificate,
        RemoteCertificateMode = RemoteCertificateMode.RequireCertificate,
        ClientCertificateMode = RemoteCertificateMode.RequireCertificate,
        RemoteCertificateValidation = (certificate, _, _) =>
        {
            string? why = material.Reject(certificate, purposes);
            if (why is not null)
            {
                log?.LogWarning("TLS: refused {Remote}: its certificate {Why}", remote, why);
                refused?.Invoke($"refused {remote}: its certificate {why}");
            }

            return why is null;
        },
    };
}
