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
    ["--fast-failure-detection"] = "Silo:FastFailureDetection",
    ["--http-address"] = "Silo:HttpAddress",
    ["--http-port"] = "Silo:HttpPort",
    ["--data-root"] = "Silo:DataRoot",
    ["--max-point-memory"] = "Silo:MaxPointMemory",
    ["--max-point-hours"] = "Silo:MaxPointHours",
};

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine("mfc-silo: a MeanFieldCluster silo in cluster mode.");
    Console.WriteLine("Options (or environment variables MFC_Silo__<Name>, or appsettings.json section Silo):");
    foreach (string option in switches.Keys)
    {
        Console.WriteLine($"  {option} <value>");
    }

    return 0;
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

var options = new SiloOptions();
try
{
    configuration.GetSection(SiloOptions.Section).Bind(options);
}
catch (InvalidOperationException ex)
{
    Console.Error.WriteLine($"error: {ex.Message}{(ex.InnerException is null ? "" : $" ({ex.InnerException.Message})")}");
    return 2;
}

ValidateOptionsResult validation = new SiloOptionsValidator().Validate(null, options);
List<string> problems = validation.Failed ? [.. validation.Failures] : [];
string listen = options.ListenAddress ?? options.AdvertisedAddress;
if (problems.Count == 0)
{
    problems.AddRange(new[]
    {
        ClusterSetup.CheckPortFree("--silo-port", listen, options.SiloPort),
        ClusterSetup.CheckPortFree("--gateway-port", listen, options.GatewayPort),
        options.HttpPort == 0 ? null : ClusterSetup.CheckPortFree("--http-port", options.HttpAddress, options.HttpPort),
    }.OfType<string>());
}

if (problems.Count > 0)
{
    foreach (string problem in problems)
    {
        Console.Error.WriteLine($"error: {problem}");
    }

    return 2;
}

WebEndpointOptions? web = options.HttpPort == 0 ? null : new WebEndpointOptions(options.HttpAddress, options.HttpPort, options.DashboardToken);
WebApplicationBuilder? webBuilder = web is null ? null : WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] }).AddSiloWeb(web);
IHostApplicationBuilder builder = webBuilder ?? (IHostApplicationBuilder)Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
builder.Configuration.AddConfiguration(configuration);
builder.Services.AddSingleton(Options.Create(options));
builder.Logging.AddFilter("Orleans", LogLevel.Warning);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
bool otlp = builder.AddMeanFieldTelemetry("mfc-silo");
builder.UseOrleans(silo => silo
    .UseRedisCluster(options)
    .AddMeanFieldCluster(new WorkerOptions { Slots = options.Workers, ThreadsPerWidePoint = options.ThreadsPerWidePoint, PointsInFlight = options.PointsInFlight, DataRoot = options.DataRoot, Budget = options.Budget() })
    .AddSiloDashboard(web));

IHost host = webBuilder is null ? ((HostApplicationBuilder)builder).Build() : webBuilder.Build().MapSiloWeb();

try
{
    using var startTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    await host.StartAsync(startTimeout.Token);
}
catch (Exception ex)
{
    // Whatever stops the start (Redis unreachable or refusing the password, a port taken meanwhile, a
    // timeout) is a setup problem.
    foreach (string line in StartFailure.Describe(ex, options))
    {
        Console.Error.WriteLine(line);
    }

    return 2;
}

Console.WriteLine($"mfc-silo: cluster '{options.ClusterId}', silo {options.AdvertisedAddress}:{options.SiloPort}, gateway {options.GatewayPort}, {options.Workers} worker slot(s), Redis {SiloOptions.Redact(options.Redis!)}, http {(web is null ? "off" : web.BaseUrl)}, metrics {(web is null ? "off" : web.BaseUrl + TelemetrySetup.MetricsPath)}{(otlp ? $", OTLP {builder.Configuration[TelemetrySetup.OtlpEndpointVariable]}" : "")}");
await host.WaitForShutdownAsync();
host.Dispose();
return 0;
