using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using MeanFieldCluster.Silo.Telemetry;
using Microsoft.AspNetCore.Http;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;

namespace MeanFieldCluster.Silo.Web;

/// <summary>
/// Where a silo's HTTP endpoint (dashboard, metrics) listens, and the token for mutating actions. Bound from
/// section <c>Silo</c> in cluster mode (settings <c>HttpAddress</c>, <c>HttpPort</c>, <c>DashboardToken</c>).
/// </summary>
public sealed class WebEndpointOptions
{
    /// <summary>The default port.</summary>
    public const int DefaultPort = 8080;

    /// <summary>The defaults: loopback, port <see cref="DefaultPort"/>, no token.</summary>
    public WebEndpointOptions()
    {
    }

    /// <summary>An endpoint on <paramref name="address"/>:<paramref name="port"/>, with <paramref name="token"/> for mutating actions.</summary>
    public WebEndpointOptions(string address, int port, string? token)
    {
        Address = address;
        Port = port;
        Token = token;
    }

    /// <summary>The listen address; loopback (127.0.0.1) unless configured otherwise.</summary>
    [ConfigurationKeyName("HttpAddress")]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The TCP port; 0 turns the endpoint off.</summary>
    [ConfigurationKeyName("HttpPort")]
    public int Port { get; set; } = DefaultPort;

    /// <summary>
    /// The token mutating dashboard actions (cancel) need when the address is not loopback; without one they
    /// are refused there. Read it from MFC_Silo__DashboardToken rather than the command line.
    /// </summary>
    [ConfigurationKeyName("DashboardToken")]
    public string? Token { get; set; }

    /// <summary>Whether the endpoint is on (a port other than 0).</summary>
    public bool Enabled => Port != 0;

    /// <summary>Whether the endpoint listens on a loopback address only.</summary>
    public bool IsLoopback => IPAddress.TryParse(Address, out IPAddress? ip) && IPAddress.IsLoopback(ip);

    /// <summary>The base URL clients reach the endpoint at.</summary>
    public string BaseUrl => $"http://{(IPAddress.TryParse(Address, out IPAddress? ip) && ip.Equals(IPAddress.Any) ? "127.0.0.1" : Address)}:{Port}";
}

/// <summary>
/// Checks <see cref="WebEndpointOptions"/> of a cluster-mode silo: the address, the port and, once those
/// are sound, that it can be bound. (That it differs from the silo and gateway ports is checked with
/// those, in <see cref="SiloStart.Validate"/>.)
/// </summary>
public sealed class WebEndpointOptionsValidator : IValidateOptions<WebEndpointOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, WebEndpointOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            return ValidateOptionsResult.Success;
        }

        var errors = new List<string>();
        OptionChecks.Address(errors, "--http-address", options.Address);
        OptionChecks.Port(errors, "--http-port", options.Port);

        if (errors.Count == 0 && ClusterSetup.CheckPortFree("--http-port", options.Address, options.Port) is { } busy)
        {
            errors.Add(busy);
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The HTTP side of a silo: Kestrel on the configured address, dashboard and metrics endpoints.</summary>
public static class SiloWeb
{
    /// <summary>Listens on <paramref name="web"/> and registers the services of the HTTP endpoints.</summary>
    public static WebApplicationBuilder AddSiloWeb(this WebApplicationBuilder builder, WebEndpointOptions web)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(web);
        builder.Services.AddOptions<WebEndpointOptions>().Configure(o => (o.Address, o.Port, o.Token) = (web.Address, web.Port, web.Token));
        return builder.AddSiloWebServices(() => web);
    }

    /// <summary>
    /// Binds the endpoint from <paramref name="section"/> (cluster mode), validated when the host starts
    /// (<see cref="WebEndpointOptionsValidator"/>), and registers the services of the HTTP endpoints.
    /// </summary>
    public static WebApplicationBuilder AddSiloWeb(this WebApplicationBuilder builder, IConfigurationSection section)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<WebEndpointOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebEndpointOptions>, WebEndpointOptionsValidator>();
        return builder.AddSiloWebServices(() => section.Get<WebEndpointOptions>() ?? new WebEndpointOptions());
    }

    // The server is built with the host, before the host validates the endpoint: it reads the settings
    // without validating them and listens only where they are sound (the validation reports the rest).
    private static WebApplicationBuilder AddSiloWebServices(this WebApplicationBuilder builder, Func<WebEndpointOptions> read)
    {
        builder.Services.AddOptions<KestrelServerOptions>().Configure(kestrel =>
        {
            WebEndpointOptions web = read();
            if (IPAddress.TryParse(web.Address, out IPAddress? address) && web.Port is >= 1 and <= 65535)
            {
                kestrel.Listen(address, web.Port);
            }
        });
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<WebEndpointOptions>>().Value);
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
