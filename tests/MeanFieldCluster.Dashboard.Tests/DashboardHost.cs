using System.Net.Http.Json;
using System.Text.Json;
using MeanFieldCluster.Client.Embedded;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Web;

namespace MeanFieldCluster.Dashboard.Tests;

/// <summary>
/// A real embedded silo (the one <c>mfc run</c> starts) serving its dashboard on a free port, with an
/// HTTP client pointed at it through 127.0.0.1.
/// </summary>
internal sealed class DashboardHost : IAsyncDisposable
{
    private DashboardHost(EmbeddedCluster cluster, WebEndpointOptions web)
    {
        Cluster = cluster;
        Web = web;
        BaseUrl = $"http://127.0.0.1:{web.Port}";
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromSeconds(60) };
    }

    public EmbeddedCluster Cluster { get; }

    public WebEndpointOptions Web { get; }

    /// <summary>The URL the tests reach the dashboard at (always through loopback).</summary>
    public string BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>
    /// Starts a silo whose web endpoint listens on <paramref name="address"/> (a free port) with <paramref name="token"/>;
    /// <paramref name="hooks"/> are the test hooks (docs/testing.md), by default those of the environment.
    /// </summary>
    public static async Task<DashboardHost> StartAsync(string address = "127.0.0.1", string? token = null, int workers = 2, TestHooks? hooks = null)
    {
        var web = new WebEndpointOptions(address, SiloSetup.FreeTcpPort(), token);
        EmbeddedCluster cluster = await EmbeddedCluster.StartAsync(workers, stateDirectory: null, web, CancellationToken.None, hooks: hooks);
        return new DashboardHost(cluster, web);
    }

    /// <summary>Submits a sweep from YAML text and returns its id.</summary>
    public async Task<string> SubmitAsync(string yaml, string id)
    {
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(yaml, SpecFormat.Yaml));
        await Cluster.Client.GetGrain<ISweepGrain>(id).Start(specJson);
        return id;
    }

    /// <summary>Waits until the sweep reaches a final state (at most <paramref name="timeout"/>).</summary>
    public async Task<SweepStatus> WaitFinishedAsync(string id, TimeSpan timeout)
    {
        ISweepGrain sweep = Cluster.Client.GetGrain<ISweepGrain>(id);
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            SweepStatus status = await sweep.GetStatus();
            if (status.State is SweepState.Completed or SweepState.Cancelled)
            {
                return status;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"sweep {id} still {status.State} after {timeout.TotalSeconds} s");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>GETs a JSON document; asserts the status code first.</summary>
    public async Task<JsonElement> GetJsonAsync(string path, int expectedStatus = 200)
    {
        using HttpResponseMessage response = await Http.GetAsync(new Uri(path, UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == expectedStatus, $"GET {path}: expected {expectedStatus}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    /// <summary>Polls <paramref name="path"/> until <paramref name="ready"/> holds (at most <paramref name="timeout"/>).</summary>
    public async Task<JsonElement> PollJsonAsync(string path, Func<JsonElement, bool> ready, TimeSpan timeout)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            JsonElement json = await GetJsonAsync(path);
            if (ready(json))
            {
                return json;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"GET {path} did not reach the expected state within {timeout.TotalSeconds} s; last answer: {json}");
            }

            await Task.Delay(250);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Cluster.DisposeAsync();
    }
}

/// <summary>Specs the tests run.</summary>
internal static class Specs
{
    /// <summary>MMN example 1 (the radial PDE applies), 2 widths x 2 seeds, a few seconds in all.</summary>
    public const string TinyMmn = """
        name: dash-tiny
        seed: 7
        model: {preset: mmn-isotropic, activation: {kind: ramp, t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5}, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 10, delta: 0.8}
        training: {horizon: 2}
        observe: {test_samples: 300, risk_times: {count: 9, spacing: log}, snapshot_times: [0, 1, 2], quantiles: 16}
        grid: {width: [20, 40], step_size: [0.002], seeds: 2}
        """;

    /// <summary>Large deviations with a known answer (Cramér at T = 0, c ~ N(0.2, 1)): 2 widths, 2 batches each.</summary>
    public const string TinyCramer = """
        name: dash-cramer
        seed: 11
        task: large-deviations
        model: {preset: mmn-relu, activation: relu, init: {kappa: 1.0, output_mean: 0.2, output_std: 1.0}}
        data: {kind: isotropic-gaussian, d: 2}
        training: {horizon: 0}
        grid: {width: [10, 40], step_size: [0.01]}
        large_deviations: {functional: mean-output-weight, replicas: 4000, batch_size: 2000, modes: [annealed], x_grid: {from: -0.4, to: 0.8, step: 0.2}, k_grid: {from: -2.0, to: 2.0, step: 0.1}, ess_min: 100, bootstrap: 50}
        """;
}
