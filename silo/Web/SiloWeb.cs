using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Dashboard;

namespace MeanFieldCluster.Silo.Web;

/// <summary>Where a silo's HTTP endpoint (dashboard, metrics) listens, and the token for mutating actions.</summary>
/// <param name="Address">The listen address; loopback (127.0.0.1) unless configured otherwise.</param>
/// <param name="Port">The TCP port.</param>
/// <param name="Token">The token mutating dashboard actions need when the address is not loopback; null for none.</param>
public sealed record WebEndpointOptions(string Address, int Port, string? Token)
{
    /// <summary>Whether the endpoint listens on a loopback address only.</summary>
    public bool IsLoopback => IPAddress.TryParse(Address, out IPAddress? ip) && IPAddress.IsLoopback(ip);

    /// <summary>The base URL clients reach the endpoint at.</summary>
    public string BaseUrl => $"http://{(IPAddress.TryParse(Address, out IPAddress? ip) && ip.Equals(IPAddress.Any) ? "127.0.0.1" : Address)}:{Port}";
}

/// <summary>The HTTP side of a silo: Kestrel on the configured address, dashboard and metrics endpoints.</summary>
public static class SiloWeb
{
    /// <summary>Listens on <paramref name="web"/> and registers the services of the HTTP endpoints.</summary>
    public static WebApplicationBuilder AddSiloWeb(this WebApplicationBuilder builder, WebEndpointOptions web)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(web);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Parse(web.Address), web.Port));
        builder.Services.AddSingleton(web);
        builder.Services.AddMeanFieldPrometheus();
        builder.Services.AddSingleton<WebAccess>();
        builder.Services.AddSingleton<DashboardData>();
        return builder;
    }

    /// <summary>
    /// Adds the Orleans dashboard's services to a silo (every silo of a cluster needs them, HTTP endpoint or
    /// not); its page is mapped at /dashboard by <see cref="MapSiloWeb"/>. Off loopback its live log
    /// stream is turned off.
    /// </summary>
    public static ISiloBuilder AddSiloDashboard(this ISiloBuilder silo, WebEndpointOptions? web)
    {
        ArgumentNullException.ThrowIfNull(silo);
        return silo.AddDashboard(options => options.HideTrace = web is not { IsLoopback: true });
    }

    /// <summary>
    /// Maps the silo's HTTP endpoints: /healthz, the dashboard page (/) with its JSON API (/api), and the
    /// Orleans dashboard (/dashboard).
    /// </summary>
    public static WebApplication MapSiloWeb(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapMeanFieldMetrics();
        DashboardAssets.Map(app);
        DashboardApi.Map(app);
        app.MapOrleansDashboard("/dashboard");
        return app;
    }
}
