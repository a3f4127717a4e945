using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace MeanFieldCluster.Silo.Web;

/// <summary>
/// The dashboard page and its scripts and styles, served from resources embedded in the silo assembly at
/// build time (the page from Web/ui/src, uPlot from npm): a fixed set of names, read once, never a file.
/// </summary>
internal static class DashboardAssets
{
    private const string Prefix = "ui/";

    /// <summary>The chart library's script, bundled from npm at build time.</summary>
    private const string ChartLibrary = "uPlot.iife.min.js";

    // Served at / by a silo built where npm was missing: the page cannot draw its charts without uPlot.
    private const string NoChartLibraryPage = """
        <!doctype html><html><head><meta charset="utf-8"><title>MeanFieldCluster</title></head>
        <body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
        <h1>MeanFieldCluster dashboard</h1>
        <p>This silo was built without npm, so the dashboard's chart library (uPlot, bundled from npm at build
        time) is missing. Install Node.js with npm (Debian: <code>apt-get install nodejs npm</code>) and build again.</p>
        <p>Meanwhile the JSON API answers at <a href="/api/sweeps">/api/sweeps</a>, the Orleans dashboard at
        <a href="/dashboard">/dashboard</a>, and metrics at <a href="/metrics">/metrics</a>.</p>
        </body></html>
        """;

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
    }.ToFrozenDictionary();

    private static readonly Lazy<FrozenDictionary<string, Asset>> Assets = new(Load);

    /// <summary>The names of the embedded assets (for tests and diagnostics).</summary>
    public static IReadOnlyCollection<string> Names => Assets.Value.Keys;

    /// <summary>Maps / to the page and /ui/{name} to the other assets.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext context) => Serve(context, "index.html"));
        app.MapGet("/ui/{name}", (string name, HttpContext context) => Serve(context, name));
    }

    private static IResult Serve(HttpContext context, string name)
    {
        if (name == "index.html" && !Assets.Value.ContainsKey(ChartLibrary))
        {
            return Results.Content(NoChartLibraryPage, "text/html; charset=utf-8", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (!Assets.Value.TryGetValue(name, out Asset? asset))
        {
            return Results.NotFound();
        }

        IHeaderDictionary headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (name.EndsWith(".html", StringComparison.Ordinal))
        {
            headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
            headers["Referrer-Policy"] = "no-referrer";
        }

        return context.Request.Headers.IfNoneMatch == asset.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(asset.Content, asset.ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        Assembly assembly = typeof(DashboardAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (string resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            string name = resource[Prefix.Length..];
            if (!ContentTypes.TryGetValue(Path.GetExtension(name), out string? type))
            {
                continue;
            }

            using Stream stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            byte[] content = buffer.ToArray();
            assets[name] = new Asset(content, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Content, string ContentType, string ETag);
}
