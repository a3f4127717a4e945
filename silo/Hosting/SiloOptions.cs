using System.Net;
using MeanFieldCluster.Engine.Specs;
using Microsoft.Extensions.Options;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Settings of a cluster-mode silo (<c>mfc-silo</c>), from the command line, MFC_-prefixed environment
/// variables and appsettings.json, section <c>Silo</c>. Validated at start.
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
    public const int DefaultHttpPort = 8080;

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

    /// <summary>The address the HTTP endpoint (dashboard, metrics) listens on (default 127.0.0.1: loopback only).</summary>
    public string HttpAddress { get; set; } = "127.0.0.1";

    /// <summary>The HTTP port of the dashboard and metrics endpoint; 0 turns the endpoint off.</summary>
    public int HttpPort { get; set; } = DefaultHttpPort;

    /// <summary>
    /// The token mutating dashboard actions (cancel) need when <see cref="HttpAddress"/> is not loopback;
    /// without one they are refused there. Read it from MFC_Silo__DashboardToken rather than the command line.
    /// </summary>
    public string? DashboardToken { get; set; }

    /// <summary>When set, csv data files of submitted specs must resolve (links followed) to files under this folder.</summary>
    public string? DataRoot { get; set; }

    /// <summary>The memory one point may need, e.g. <c>2GB</c> (default: a quarter of this machine's memory).</summary>
    public string? MaxPointMemory { get; set; }

    /// <summary>The single-core hours one point may need (default 168).</summary>
    public double MaxPointHours { get; set; } = ResourceBudget.DefaultMaxPointSeconds / 3600;

    /// <summary>The resource budget these options describe.</summary>
    public ResourceBudget Budget() => ResourceBudget.From(MaxPointMemory, MaxPointHours);

    /// <summary>Worker slots: points computing at once on this silo (default: the processor count).</summary>
    public int Workers { get; set; } = Environment.ProcessorCount;

    /// <summary>Worker slots (threads) one wide point (N_1 ≥ 20000) takes, up to <see cref="Workers"/> (default 1); never changes the numbers.</summary>
    public int ThreadsPerWidePoint { get; set; } = 1;

    /// <summary>
    /// Points of one sweep started at a time when this silo hosts the sweep's coordinator (default 1024); more
    /// than the worker slots of the whole cluster, so no slot waits for work.
    /// </summary>
    public int PointsInFlight { get; set; } = SweepPolicy.DefaultPointsInFlight;

    /// <summary>Declare a silo dead after about 3 s of silence instead of Orleans' default (for tests and small local clusters).</summary>
    public bool FastFailureDetection { get; set; }

    /// <summary>A Redis connection string fit for logs and messages: any password replaced by ***.</summary>
    public static string Redact(string connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return string.Join(',', connection.Split(',').Select(part => part.Trim().StartsWith("password=", StringComparison.OrdinalIgnoreCase) ? "password=***" : part));
    }
}

/// <summary>Checks <see cref="SiloOptions"/>, naming the setting, the value and what is allowed.</summary>
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

        CheckAddress(errors, "--advertised-address", options.AdvertisedAddress);
        if (options.ListenAddress is not null)
        {
            CheckAddress(errors, "--listen-address", options.ListenAddress);
        }

        CheckPort(errors, "--silo-port", options.SiloPort);
        CheckPort(errors, "--gateway-port", options.GatewayPort);
        if (options.SiloPort == options.GatewayPort)
        {
            errors.Add($"--gateway-port: {options.GatewayPort} is also the silo port; expected two different ports");
        }

        CheckAddress(errors, "--http-address", options.HttpAddress);
        if (options.HttpPort != 0)
        {
            CheckPort(errors, "--http-port", options.HttpPort);
            if (options.HttpPort == options.SiloPort || options.HttpPort == options.GatewayPort)
            {
                errors.Add($"--http-port: {options.HttpPort} is also the silo or gateway port; expected a different port (or 0 to turn the HTTP endpoint off)");
            }
        }

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

        if (options.Workers < 1 || options.Workers > 1024)
        {
            errors.Add($"--workers: {options.Workers} is not allowed; expected an integer from 1 to 1024");
        }

        if (options.ThreadsPerWidePoint < 1 || options.ThreadsPerWidePoint > 1024)
        {
            errors.Add($"--threads-per-wide-point: {options.ThreadsPerWidePoint} is not allowed; expected an integer from 1 to 1024");
        }

        if (options.PointsInFlight < 1 || options.PointsInFlight > 1_000_000)
        {
            errors.Add($"--points-in-flight: {options.PointsInFlight} is not allowed; expected an integer from 1 to 1000000");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void CheckAddress(List<string> errors, string name, string value)
    {
        if (!IPAddress.TryParse(value, out _))
        {
            errors.Add($"{name}: '{value}' is not an IP address; expected e.g. 127.0.0.1 or 10.0.0.5");
        }
    }

    private static void CheckPort(List<string> errors, string name, int port)
    {
        if (port < 1 || port > 65535)
        {
            errors.Add($"{name}: {port} is not allowed; expected a port from 1 to 65535");
        }
    }
}
