using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace MeanFieldCluster.Dashboard.Tests;

/// <summary>A loopback silo with one running sweep that the tests may cancel.</summary>
public sealed class LoopbackFixture : IAsyncLifetime
{
    internal DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await DashboardHost.StartAsync();

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class LoopbackAccessTests(LoopbackFixture fixture) : IClassFixture<LoopbackFixture>
{
    private DashboardHost Host => fixture.Host;

    private static HttpRequestMessage Post(string path) => new(HttpMethod.Post, new Uri(path, UriKind.Relative));

    [Fact]
    public async Task OnLoopbackCancelNeedsNoTokenAndStopsTheSweep()
    {
        string id = await Host.SubmitAsync(Specs.TinyMmn.Replace("horizon: 2", "horizon: 20000", StringComparison.Ordinal), "to-cancel");

        using HttpResponseMessage response = await Host.Http.SendAsync(Post($"/api/sweeps/{id}/cancel"));
        JsonElement answer = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(id, answer.GetProperty("id").GetString());
        // Whether a point had started by the time the cancel arrived depends on timing: either way the answer
        // says what happened, and the sweep ends cancelled.
        string message = answer.GetProperty("message").GetString()!;
        Assert.True(message.StartsWith("cancel requested", StringComparison.Ordinal) || message == "the sweep is cancelled", message);
        JsonElement detail = await Host.PollJsonAsync($"/api/sweeps/{id}", d => d.GetProperty("state").GetString() == "cancelled", TimeSpan.FromMinutes(1));
        Assert.Equal(4, detail.GetProperty("counts").GetProperty("cancelled").GetInt32());
    }

    [Fact]
    public async Task ACrossSiteCancelIsRefused()
    {
        using HttpRequestMessage request = Post("/api/sweeps/anything/cancel");
        request.Headers.Add("Origin", "http://evil.example");

        using HttpResponseMessage response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("cross-site request refused", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARequestNamingAForeignHostIsRefusedOnLoopback()
    {
        // What a page that rebinds its DNS name to 127.0.0.1 would send.
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/sweeps", UriKind.Relative));
        request.Headers.Host = "rebound.example";

        using HttpResponseMessage response = await Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("answers only requests to a loopback host", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/api/sweeps/no-such-sweep", 404, "id: no sweep 'no-such-sweep' in this cluster")]
    [InlineData("/api/sweeps/bad%01id/risk", 400, "id: 'bad\u0001id' contains a control character")]
    [InlineData("/api/sweeps/bad%5Cid", 400, "id: 'bad\\id' contains a control character, / or \\")]
    [InlineData("/api/nothing/here", 404, "no API route /api/nothing/here")]
    public async Task BadOrUnknownIdsAndRoutesGetAJsonError(string path, int status, string message)
    {
        JsonElement error = await Host.GetJsonAsync(path, status);

        Assert.StartsWith(message, error.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ATooLongIdIsRefusedBeforeAnyGrainIsAsked()
    {
        JsonElement error = await Host.GetJsonAsync($"/api/sweeps/{new string('x', 300)}", 400);

        Assert.Equal("id: 300 characters; expected at most 256", error.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/ui/..%2F..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/ui/%2E%2E%2Fmfc-silo.dll")]
    [InlineData("/ui/appsettings.json")]
    [InlineData("/ui/nothing.js")]
    public async Task OnlyTheEmbeddedAssetsAreServed(string path)
    {
        using HttpResponseMessage response = await Host.Http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("/", "text/html", "<title>MeanFieldCluster</title>")]
    [InlineData("/ui/app.js", "text/javascript", "api/sweeps")]
    [InlineData("/ui/uPlot.iife.min.js", "text/javascript", "uPlot")]
    [InlineData("/ui/uPlot.min.css", "text/css", ".uplot")]
    public async Task ThePageAndTheBundledChartLibraryAreServedFromTheAssembly(string path, string type, string content)
    {
        using HttpResponseMessage response = await Host.Http.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(content, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePageForbidsScriptsFromElsewhere()
    {
        using HttpResponseMessage response = await Host.Http.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Contains("script-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.DoesNotContain("http", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheOrleansDashboardAnswersAtSlashDashboard()
    {
        using HttpResponseMessage response = await Host.Http.GetAsync(new Uri("/dashboard", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Orleans", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }
}

/// <summary>A silo whose web endpoint listens on every interface, without a token.</summary>
public sealed class OpenWithoutTokenFixture : IAsyncLifetime
{
    internal DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await DashboardHost.StartAsync(address: "0.0.0.0");

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class NonLoopbackWithoutTokenTests(OpenWithoutTokenFixture fixture) : IClassFixture<OpenWithoutTokenFixture>
{
    [Fact]
    public async Task ReadingNeedsNoTokenButTheListSaysCancelIsUnavailable()
    {
        JsonElement list = await fixture.Host.GetJsonAsync("/api/sweeps");

        Assert.False(list.GetProperty("can_cancel").GetBoolean());
    }

    [Fact]
    public async Task CancelIsRefusedWithA403SayingHowToConfigureAToken()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/sweeps/some-sweep/cancel", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "anything");

        using HttpResponseMessage response = await fixture.Host.Http.SendAsync(request);
        string error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("listens on 0.0.0.0, not on loopback, and no token is configured", error, StringComparison.Ordinal);
        Assert.Contains("MFC_Silo__DashboardToken", error, StringComparison.Ordinal);
    }
}

/// <summary>A silo whose web endpoint listens on every interface, with a token.</summary>
public sealed class OpenWithTokenFixture : IAsyncLifetime
{
    public const string Token = "s3cret-token-for-tests";

    internal DashboardHost Host { get; private set; } = null!;

    public async Task InitializeAsync() => Host = await DashboardHost.StartAsync(address: "0.0.0.0", token: Token);

    public async Task DisposeAsync() => await Host.DisposeAsync();
}

public sealed class NonLoopbackWithTokenTests(OpenWithTokenFixture fixture) : IClassFixture<OpenWithTokenFixture>
{
    private async Task<HttpResponseMessage> Cancel(string? authorization)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/sweeps/unknown-sweep/cancel", UriKind.Relative));
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        return await fixture.Host.Http.SendAsync(request);
    }

    [Fact]
    public async Task CancelWithoutTheTokenIsUnauthorizedAndAsksForABearerToken()
    {
        using HttpResponseMessage response = await Cancel(null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("Bearer wrong-token")]
    [InlineData("Bearer s3cret-token-for-test")]
    [InlineData("Basic czNjcmV0LXRva2VuLWZvci10ZXN0cw==")]
    public async Task CancelWithAnotherTokenIsUnauthorized(string authorization)
    {
        using HttpResponseMessage response = await Cancel(authorization);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task CancelWithTheTokenPassesTheCheckAndReachesTheSweepLookup()
    {
        using HttpResponseMessage response = await Cancel($"Bearer {OpenWithTokenFixture.Token}");
        string error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString()!;

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.StartsWith("id: no sweep 'unknown-sweep'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyHostNameMayReadWhenTheEndpointIsDeliberatelyOpen()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/api/sweeps", UriKind.Relative));
        request.Headers.Host = "silo-3.internal";

        using HttpResponseMessage response = await fixture.Host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
