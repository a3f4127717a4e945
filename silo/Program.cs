using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using MeanFieldCluster.Silo.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

// mfc-silo: one silo of a cluster-mode MeanFieldCluster (Redis membership, storage and reminders).
// Settings: command line (--redis, --silo-port, ...), MFC_Silo__* environment variables, appsettings.json.
var switches = new Dictionary<string, string>
{
    ["--redis"] = "Silo:Redis",
    ["--cluster-id"] = "Silo:ClusterId",
    ["--service-id"] = "Silo:ServiceId",
    ["--advertised-address"] = "Silo:AdvertisedAddress",
    ["--listen-address"] = "Silo:ListenAddress",
    ["--silo-port"] = "Silo:SiloPort",
    ["--gateway-port"] = "Silo:GatewayPort",
    ["--workers"] = "Silo:Workers",
    ["--threads-per-wide-point"] = "Silo:ThreadsPerWidePoint",
    ["--points-in-flight"] = "Silo:PointsInFlight",
    ["--points-queued-per-slot"] = "Silo:PointsQueuedPerSlot",
    ["--fast-failure-detection"] = "Silo:FastFailureDetection",
    ["--shutdown-timeout"] = "Silo:ShutdownTimeout",
    ["--http-address"] = "Silo:HttpAddress",
    ["--http-port"] = "Silo:HttpPort",
    ["--data-root"] = "Silo:DataRoot",
    ["--max-point-memory"] = "Silo:MaxPointMemory",
    ["--max-point-hours"] = "Silo:MaxPointHours",
    ["--log-file"] = "Silo:LogFile",
    ["--tls-cert"] = "Silo:TlsCert",
    ["--tls-key"] = "Silo:TlsKey",
    ["--tls-ca"] = "Silo:TlsCa",
};

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("mfc-silo: a MeanFieldCluster silo in cluster mode.");
    Console.WriteLine("Options (or environment variables MFC_Silo__<Name>, or appsettings.json section Silo):");
    Console.WriteLine("  (a PKCS#12 --tls-cert's password only from MFC_Silo__TlsPassword; TLS is off unless --tls-cert and --tls-ca are given: docs/security.md)");
    foreach (string option in switches.Keys)
    {
        Console.WriteLine($"  {option} <value>");
    }

    return 0;
}

if (SiloStart.CheckArguments(args, switches.Keys) is { } badArguments)
{
    Console.Error.WriteLine($"error: {badArguments}");
    return SiloStart.BadInput;
}

// Settings are read before the host is built: whether the HTTP endpoint is on decides the kind of host.
var configuration = new ConfigurationManager();
configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true);
configuration.AddJsonFile("appsettings.json", optional: true);
configuration.AddEnvironmentVariables("MFC_");
try
{
    configuration.AddCommandLine(args, switches);
}
catch (FormatException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    return 2;
}

// Every setting is bound and validated by the host when it starts (SiloOptions, WorkerOptions, SweepPolicy,
// WebEndpointOptions: one type per concern). Only whether the HTTP endpoint is on is read before, because it
// decides the kind of host.
IConfigurationSection section = configuration.GetSection(SiloOptions.Section);
WebEndpointOptions web;
try
{
    web = section.Get<WebEndpointOptions>() ?? new WebEndpointOptions();
}
catch (InvalidOperationException ex)
{
    return SiloStart.BadSetting(ex);
}

// The stop's bounds (--shutdown-timeout) go into the host's options before it is built; the value is checked with
// the other settings below.
int shutdownTimeout;
try
{
    shutdownTimeout = section.GetValue(nameof(SiloOptions.ShutdownTimeout), SiloOptions.DefaultShutdownTimeout);
}
catch (InvalidOperationException ex)
{
    return SiloStart.BadSetting(ex);
}

string? logFile = section["LogFile"];
if (logFile is not null && MfcLogging.CheckLogFile(logFile) is { } unwritable)
{
    Console.Error.WriteLine($"error: {unwritable}");
    return SiloStart.BadInput;
}

WebApplicationBuilder? webBuilder = web.Enabled ? WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] }).AddSiloWeb(section) : null;
IHostApplicationBuilder builder = webBuilder ?? (IHostApplicationBuilder)Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
builder.Configuration.AddConfiguration(configuration);
builder.Services.AddOptions<WorkerOptions>().Bind(section);
builder.Services.AddOptions<SweepPolicy>().Bind(section);
builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = new SiloOptions { ShutdownTimeout = Math.Max(1, shutdownTimeout) }.GracefulStop);
builder.Logging.AddMfcLogging(logFile);
bool otlp = builder.AddMeanFieldTelemetry("mfc-silo");
builder.UseOrleans(silo => silo
    .UseRedisCluster(section)
    .UseMutualTls(section)
    .AddMeanFieldCluster()
    .AddSiloDashboard(web.Enabled ? web : null));

IHost host = webBuilder is null ? ((HostApplicationBuilder)builder).Build() : webBuilder.Build().MapSiloWeb();
if (SiloStart.Validate(host.Services, web.Enabled) is { Count: > 0 } problems)
{
    foreach (string problem in problems)
    {
        Console.Error.WriteLine($"error: {problem}");
    }

    return SiloStart.BadInput;
}

try
{
    using var startTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    await host.StartAsync(startTimeout.Token);
}
catch (Exception ex)
{
    // Redis refusing the password is named as such; anything else is SiloStart.Failed's (both exit 2).
    return StartFailure.ReportRefusedCredentials(ex, host.Services) ? SiloStart.BadInput : SiloStart.Failed(ex, host.Services);
}

SiloOptions options = host.Services.GetRequiredService<IOptions<SiloOptions>>().Value;
WorkerOptions workers = host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value;
TlsOptions tls = host.Services.GetRequiredService<IOptions<TlsOptions>>().Value;
string workerSource = SiloStart.WorkerSource(section["Workers"] is not null);
Console.WriteLine($"mfc-silo: cluster '{options.ClusterId}', silo {options.AdvertisedAddress}:{options.SiloPort}, gateway {options.GatewayPort}, {workers.Slots} worker slot(s) ({workerSource}), Redis {SiloOptions.Redact(options.Redis!)}, TLS {tls.Describe()}, http {(web.Enabled ? web.BaseUrl : "off")}, metrics {(web.Enabled ? web.BaseUrl + TelemetrySetup.MetricsPath : "off")}{(otlp ? $", OTLP {builder.Configuration[TelemetrySetup.OtlpEndpointVariable]}" : "")}{(logFile is null ? "" : $", log {logFile}")}");
// A stop that hangs (Redis gone: Orleans waits a minute at each of two stages) ends after --shutdown-timeout seconds.
using var watchdog = new ShutdownWatchdog(
    host.Services.GetRequiredService<IHostApplicationLifetime>(),
    TimeSpan.FromSeconds(options.ShutdownTimeout),
    TimeProvider.System,
    message => Console.Error.WriteLine(message),
    Environment.Exit);
await host.WaitForShutdownAsync();
host.Dispose();
return 0;
