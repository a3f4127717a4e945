using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace MeanFieldCluster.Silo.Web;

/// <summary>
/// The dashboard's JSON API under /api. Every answer is JSON; errors are <c>{"error": "..."}</c> with
/// 400 (bad id or parameter), 401/403 (refused, see <see cref="WebAccess"/>), 404 (no such sweep or
/// route) or 503 (the cluster did not answer). Nothing here touches the file system.
/// </summary>
internal static class DashboardApi
{
    /// <summary>The longest sweep id accepted.</summary>
    public const int MaxIdLength = 256;

    /// <summary>Serializer options of every answer: snake_case keys, enums as strings.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Maps the routes.</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        RouteGroupBuilder api = app.MapGroup("/api");
        api.AddEndpointFilter(async (context, next) =>
        {
            HttpContext http = context.HttpContext;
            http.Response.Headers.CacheControl = "no-store";
            return http.RequestServices.GetRequiredService<WebAccess>().CheckRead(http.Request) is { } denied
                ? Error(denied.Status, denied.Message)
                : await next(context);
        });

        api.MapGet("/sweeps", (HttpRequest request, DashboardData data, WebAccess access) =>
            Guard(async () => Ok(await data.ListAsync(canCancel: access.CheckMutation(request) is null))));
        api.MapGet("/sweeps/{id}", (string id, DashboardData data) =>
            WithSweep(id, data, async sweep => Ok(await data.DetailAsync(sweep))));
        api.MapGet("/sweeps/{id}/risk", (string id, DashboardData data) =>
            WithSweep(id, data, async sweep => Ok(await data.RiskAsync(sweep))));
        api.MapGet("/sweeps/{id}/quantiles", (string id, string? feature, string? time, DashboardData data) =>
        {
            double? t = null;
            if (time is not null)
            {
                if (!double.TryParse(time, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) || !double.IsFinite(parsed) || parsed < 0)
                {
                    return Task.FromResult(Error(StatusCodes.Status400BadRequest, $"time: '{Truncate(time)}' is not a time; expected a number t >= 0 (a snapshot time of the sweep)"));
                }

                t = parsed;
            }

            if (feature is not null && (feature.Length is 0 or > 64 || !feature.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')))
            {
                return Task.FromResult(Error(StatusCodes.Status400BadRequest, $"feature: '{Truncate(feature)}' is not a feature name; expected letters, digits and _ such as w_norm"));
            }

            return WithSweep(id, data, async sweep => Ok(await data.QuantilesAsync(sweep, feature, t)));
        });
        api.MapGet("/sweeps/{id}/rates", (string id, DashboardData data) =>
            WithSweep(id, data, async sweep => Ok(await data.RatesAsync(sweep))));
        api.MapPost("/sweeps/{id}/cancel", (string id, HttpRequest request, DashboardData data, WebAccess access) =>
            access.CheckMutation(request) is { } denied
                ? Task.FromResult(Error(denied.Status, denied.Message, bearer: denied.Status == StatusCodes.Status401Unauthorized))
                : WithSweep(id, data, async sweep =>
                {
                    Contracts.SweepStatus status = await data.CancelAsync(sweep);
                    string state = DashboardData.Name(status.State);
                    string message = status.State == Contracts.SweepState.Running
                        ? "cancel requested: running points stop after their current chunk; finished results are kept"
                        : $"the sweep is {state}";
                    return Results.Json(new CancelView(sweep.Id, state, message), Json, statusCode: StatusCodes.Status202Accepted);
                }));
        api.Map("/{**rest}", (string? rest) => Error(StatusCodes.Status404NotFound, $"no API route /api/{Truncate(rest ?? "")}; the routes are /api/sweeps, /api/sweeps/{{id}}, /api/sweeps/{{id}}/risk, /api/sweeps/{{id}}/quantiles?feature=&time=, /api/sweeps/{{id}}/rates and POST /api/sweeps/{{id}}/cancel"));
    }

    /// <summary>Null when <paramref name="id"/> has the shape of a sweep id, else why not.</summary>
    public static string? CheckId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.Length == 0 ? "id: empty; expected a sweep id as printed by mfc submit or mfc list"
            : id.Length > MaxIdLength ? $"id: {id.Length} characters; expected at most {MaxIdLength}"
            : id.Any(c => char.IsControl(c) || c is '/' or '\\') ? $"id: '{Truncate(id)}' contains a control character, / or \\; expected a sweep id as printed by mfc submit or mfc list"
            : null;
    }

    private static async Task<IResult> WithSweep(string id, DashboardData data, Func<SweepCache, Task<IResult>> action)
    {
        if (CheckId(id) is { } problem)
        {
            return Error(StatusCodes.Status400BadRequest, problem);
        }

        return await Guard(async () => await data.FindAsync(id) is { } sweep
            ? await action(sweep)
            : Error(StatusCodes.Status404NotFound, $"id: no sweep '{Truncate(id)}' in this cluster; GET /api/sweeps lists them"));
    }

    private static async Task<IResult> Guard(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (DashboardInputException ex)
        {
            return Error(StatusCodes.Status400BadRequest, ex.Message);
        }
        catch (Exception ex) when (ex is TimeoutException or OrleansException or InvalidOperationException)
        {
            return Error(StatusCodes.Status503ServiceUnavailable, $"the cluster did not answer: {ex.GetBaseException().Message}");
        }
    }

    private static IResult Ok<T>(T value) => Results.Json(value, Json);

    private static IResult Error(int status, string message, bool bearer = false) =>
        bearer ? new BearerChallenge(Results.Json(new ErrorView(message), Json, statusCode: status)) : Results.Json(new ErrorView(message), Json, statusCode: status);

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "...";

    // A 401 that says which scheme is expected.
    private sealed class BearerChallenge(IResult inner) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return inner.ExecuteAsync(httpContext);
        }
    }
}
