using System.Net;
using Microsoft.Extensions.Options;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// How a cluster-mode silo (<c>mfc-silo</c>) joins its cluster: ids, Redis, addresses and ports. Bound by the
/// host from section <c>Silo</c> (command line, MFC_Silo__* environment variables, appsettings.json) and
/// validated when it starts, as are the other concerns of that section: <see cref="WorkerOptions"/>,
/// <see cref="SweepPolicy"/> and <see cref="Web.WebEndpointOptions"/>.
/// </summary>
public sealed class SiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Silo";

    /// <summary>Default cluster id.</summary>
    public const string DefaultClusterId = "mfc";

    /// <summary>Default service id.</summary>
    public const string DefaultServiceId = "MeanFieldCluster";

    /// <summary>Default silo-to-silo port.</summary>
    public const int DefaultSiloPort = 11111;

    /// <summary>Default client gateway port.</summary>
    public const int DefaultGatewayPort = 30000;

    /// <summary>Default HTTP port (dashboard and metrics).</summary>
    public const int DefaultHttpPort = Web.WebEndpointOptions.DefaultPort;

    /// <summary>Default <see cref="ShutdownTimeout"/>: under Kubernetes' 60 s grace period (deploy/k8s/silo.yaml).</summary>
    public const int DefaultShutdownTimeout = 45;

    /// <summary>The largest <see cref="ShutdownTimeout"/>.</summary>
    public const int MaxShutdownTimeout = 3600;

    /// <summary>Cluster id: silos and clients with the same cluster id form one cluster.</summary>
    public string ClusterId { get; set; } = DefaultClusterId;

    /// <summary>Service id: keys grain state and reminders; keep it across deployments.</summary>
    public string ServiceId { get; set; } = DefaultServiceId;

    /// <summary>
    /// Redis connection in StackExchange.Redis syntax, e.g. <c>localhost:6379</c> or
    /// <c>redis.internal:6380,password=...,ssl=true</c> (password and TLS flags pass through).
    /// </summary>
    public string? Redis { get; set; }

    /// <summary>The address other silos and clients reach this silo at (default 127.0.0.1).</summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";

    /// <summary>The address the silo and gateway listen on (default: the advertised address).</summary>
    public string? ListenAddress { get; set; }

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = DefaultSiloPort;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; set; } = DefaultGatewayPort;

    /// <summary>
    /// Seconds a stop request (SIGTERM, Ctrl+C) may take before the process ends without leaving the cluster
    /// cleanly (<see cref="ShutdownWatchdog"/>). The graceful part (Orleans leaving the membership table, points
    /// stopping at a chunk boundary) gets two thirds of it, at most 30 s.
    /// </summary>
    public int ShutdownTimeout { get; set; } = DefaultShutdownTimeout;

    /// <summary>How long the host's graceful stop may take: two thirds of <see cref="ShutdownTimeout"/>, at most 30 s (.NET's default).</summary>
    public TimeSpan GracefulStop => TimeSpan.FromSeconds(Math.Min(30.0, ShutdownTimeout * 2.0 / 3.0));

    /// <summary>Declare a silo dead after about 3 s of silence instead of Orleans' default (for tests and small local clusters).</summary>
    public bool FastFailureDetection { get; set; }

    /// <summary>A Redis connection string fit for logs and messages: any password replaced by ***.</summary>
    public static string Redact(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return string.Join(',', connection.Split(',').Select(part => part.Trim().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : part));
    }
}

/// <summary>
/// Checks <see cref="SiloOptions"/>, naming the setting, the value and what is allowed; once the values are
/// sound, also that the silo and gateway ports can be bound.
/// </summary>
public sealed class SiloOptionsValidator : IValidateOptions<SiloOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, SiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Redis))
        {
            errors.Add("--redis: required in cluster mode; expected a Redis connection such as localhost:6379 (or set MFC_Silo__Redis)");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId))
        {
            errors.Add("--cluster-id: must not be empty");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceId))
        {
            errors.Add("--service-id: must not be empty");
        }

        OptionChecks.Range(errors, "--shutdown-timeout", options.ShutdownTimeout, SiloOptions.MaxShutdownTimeout, unit: " (seconds)");
        OptionChecks.Address(errors, "--advertised-address", options.AdvertisedAddress);
        if (options.ListenAddress is not null)
        {
            OptionChecks.Address(errors, "--listen-address", options.ListenAddress);
        }

        OptionChecks.Port(errors, "--silo-port", options.SiloPort);
        OptionChecks.Port(errors, "--gateway-port", options.GatewayPort);
        if (options.SiloPort == options.GatewayPort)
        {
            errors.Add($"--gateway-port: {options.GatewayPort} is also the silo port; expected two different ports");
        }

        if (errors.Count == 0)
        {
            string listen = options.ListenAddress ?? options.AdvertisedAddress;
            errors.AddRange(new[]
            {
                ClusterSetup.CheckPortFree("--silo-port", listen, options.SiloPort),
                ClusterSetup.CheckPortFree("--gateway-port", listen, options.GatewayPort),
            }.OfType<string>());
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Checks shared by the option validators.</summary>
internal static class OptionChecks
{
    public static void Address(List<string> errors, string name, string value)
    {
        if (!IPAddress.TryParse(value, out _))
        {
            errors.Add($"{name}: '{value}' is not an IP address; expected e.g. 127.0.0.1 or 10.0.0.5");
        }
    }

    public static void Port(List<string> errors, string name, int port)
    {
        if (port < 1 || port > 65535)
        {
            errors.Add($"{name}: {port} is not allowed; expected a port from 1 to 65535");
        }
    }

    public static void Range(List<string> errors, string name, int value, int max, string unit = "")
    {
        if (value < 1 || value > max)
        {
            errors.Add($"{name}: {value} is not allowed; expected an integer from 1 to {max}{unit}");
        }
    }
}
