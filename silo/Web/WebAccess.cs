using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace MeanFieldCluster.Silo.Web;

/// <summary>
/// Who may do what on the dashboard's API. Reading is open to whoever reaches the endpoint (loopback by
/// default). Mutating actions (cancel) are refused to cross-site requests (a foreign Origin) and, when the
/// endpoint is bound to a non-loopback address, need <c>Authorization: Bearer &lt;token&gt;</c>, compared
/// in constant time; without a configured token they are refused there. On loopback, requests must name a
/// loopback host, which keeps out pages that rebind their DNS name to 127.0.0.1.
/// </summary>
internal sealed class WebAccess(WebEndpointOptions web)
{
    private readonly byte[]? _tokenHash = string.IsNullOrEmpty(web.Token) ? null : SHA256.HashData(Encoding.UTF8.GetBytes(web.Token));

    /// <summary>Null when the request may read the API, else why not.</summary>
    public AccessDenial? CheckRead(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return web.IsLoopback && !IsLoopbackHost(request.Host.Host)
            ? new AccessDenial(StatusCodes.Status403Forbidden, $"the dashboard listens on loopback ({web.Address}) and answers only requests to a loopback host (127.0.0.1, localhost, [::1]); this one named '{request.Host.Host}'")
            : null;
    }

    /// <summary>Null when the request may perform a mutating action, else why not.</summary>
    public AccessDenial? CheckMutation(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (CheckRead(request) is { } denied)
        {
            return denied;
        }

        if (request.Headers.Origin is { Count: > 0 } origin && !SameOrigin(origin.ToString(), request))
        {
            return new AccessDenial(StatusCodes.Status403Forbidden, $"cross-site request refused: Origin '{origin}' is not this dashboard ({request.Scheme}://{request.Host})");
        }

        if (web.IsLoopback)
        {
            return null;
        }

        if (_tokenHash is null)
        {
            return new AccessDenial(StatusCodes.Status403Forbidden, $"mutating actions are disabled: the dashboard listens on {web.Address}, not on loopback, and no token is configured; set MFC_Silo__DashboardToken on the silo and send 'Authorization: Bearer <token>'");
        }

        string header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return new AccessDenial(StatusCodes.Status401Unauthorized, "this action needs the dashboard token: send 'Authorization: Bearer <token>'");
        }

        byte[] given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        return CryptographicOperations.FixedTimeEquals(given, _tokenHash)
            ? null
            : new AccessDenial(StatusCodes.Status401Unauthorized, "the bearer token is not the dashboard token");
    }

    /// <summary>Whether <paramref name="host"/> (a Host header's name) is localhost or a loopback IP.</summary>
    public static bool IsLoopbackHost(string host) =>
        string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)
        || (IPAddress.TryParse(host.Trim('[', ']'), out IPAddress? ip) && IPAddress.IsLoopback(ip));

    private static bool SameOrigin(string origin, HttpRequest request) =>
        Uri.TryCreate(origin, UriKind.Absolute, out Uri? uri)
        && string.Equals(uri.Scheme, request.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(uri.Authority, request.Host.Value, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A refused request: the HTTP status and a message saying what to do.</summary>
/// <param name="Status">401 or 403.</param>
/// <param name="Message">Why, and what would be accepted.</param>
internal sealed record AccessDenial(int Status, string Message);
