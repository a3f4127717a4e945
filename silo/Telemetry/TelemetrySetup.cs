using System.Collections;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace MeanFieldCluster.Silo.Telemetry;

/// <summary>
/// OpenTelemetry for the silo, the embedded silo and the client: the MeanFieldCluster and Orleans meters
/// always; a Prometheus scrape endpoint on a silo's HTTP endpoint; OTLP export of metrics and traces when
/// the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> variable is set (with <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>,
/// <c>OTEL_EXPORTER_OTLP_HEADERS</c>, <c>OTEL_SERVICE_NAME</c>, <c>OTEL_RESOURCE_ATTRIBUTES</c> as usual).
/// </summary>
public static class TelemetrySetup
{
    /// <summary>The variable that turns OTLP export on.</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The path of the Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The meters exported: MeanFieldCluster's and Orleans'.</summary>
    public static readonly IReadOnlyList<string> Meters = [MeanFieldTelemetry.Name, MeanFieldTelemetry.OrleansMeter];

    /// <summary>
    /// The activity sources traced: MeanFieldCluster's and Orleans' grain calls (its runtime sources, with
    /// their steady system-target traffic, are left out).
    /// </summary>
    public static readonly IReadOnlyList<string> ActivitySources =
        [MeanFieldTelemetry.Name, Orleans.Diagnostics.ActivitySources.ApplicationGrainActivitySourceName];

    /// <summary>
    /// Registers OpenTelemetry in a host: the meters, and when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, OTLP
    /// exporters for metrics and traces. <paramref name="serviceName"/> names the service unless
    /// <c>OTEL_SERVICE_NAME</c> does. Returns whether OTLP export is on.
    /// </summary>
    public static bool AddMeanFieldTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);

        // The standard variables, whatever configuration sources the host has (hosts built with
        // DisableDefaults read no environment variables).
        Dictionary<string, string?> otel = [];
        foreach (DictionaryEntry variable in Environment.GetEnvironmentVariables())
        {
            if (variable.Key is string key && key.StartsWith("OTEL_", StringComparison.Ordinal) && builder.Configuration[key] is null)
            {
                otel[key] = variable.Value as string;
            }
        }

        builder.Configuration.AddInMemoryCollection(otel);
        bool otlp = !string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointVariable]);
        string service = builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } configured ? configured : serviceName;
        OpenTelemetry.OpenTelemetryBuilder telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(service, serviceVersion: typeof(TelemetrySetup).Assembly.GetName().Version?.ToString()))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter([.. Meters]);
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddSource([.. ActivitySources]).AddOtlpExporter());
        }

        return otlp;
    }

    /// <summary>Adds the Prometheus exporter behind <see cref="MapMeanFieldMetrics"/> (the meters come from <see cref="AddMeanFieldTelemetry"/>).</summary>
    public static IServiceCollection AddMeanFieldPrometheus(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter([.. Meters]).AddPrometheusExporter());
        return services;
    }

    /// <summary>Maps the Prometheus scrape endpoint at <see cref="MetricsPath"/>.</summary>
    public static IEndpointRouteBuilder MapMeanFieldMetrics(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
        return endpoints;
    }
}
