using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// A real mfc-silo process computing a sweep, scraped every second by a real Prometheus (the Debian
/// package), which the tests query through its HTTP API.
/// </summary>
public sealed class MonitoredSilo : IAsyncLifetime
{
    // 40 points of 20,000 steps of a 256-neuron network, in chunks of 1000 behind the gate: a point computes
    // only once released, so the sweep runs (points holding, one worker slot) as long as the tests look at
    // it, whatever the machine's speed (the processes are killed at the end).
    private const string Spec = """
        name: monitored
        seed: 8
        model: {preset: mmn-relu, activation: tanh, init: {output_std: 1.0, bias_std: 0.3}}
        data: {kind: isotropic-gaussian, d: 20, delta: 0.5}
        training: {horizon: 4}
        observe: {test_samples: 200, risk_times: {count: 5, spacing: linear}, snapshot_times: [0, 4], quantiles: 8}
        grid: {width: [256], step_size: [0.0002], seeds: 40}
        """;

    private readonly List<int> _released = [];

    private readonly string _directory = Env.TempDirectory();
    private Gate _gate = null!;
    private RedisServer? _redis;
    private SiloProcess? _silo;
    private ChildProcess? _prometheus;

    public string SiloMetricsUrl => $"http://127.0.0.1:{_silo!.HttpPort}/metrics";

    public HttpClient Prometheus { get; private set; } = null!;

    public string Logs => $"silo:\n{_silo?.Output}\nprometheus:\n{_prometheus?.Output}";

    public async Task InitializeAsync()
    {
        _redis = new RedisServer();
        string clusterId = $"prometheus-{Guid.NewGuid():N}";
        _gate = new Gate(Path.Combine(_directory, "gate"));
        _silo = await SiloProcess.StartAsync(_redis.Connection, clusterId, workers: 1, environment: _gate.Environment(chunkSteps: 1000));

        string config = Path.Combine(_directory, "prometheus.yml");
        File.WriteAllText(config, $$"""
            global: {scrape_interval: 1s, evaluation_interval: 1s}
            scrape_configs:
              - job_name: mfc-silo
                metrics_path: /metrics
                static_configs: [{targets: ["127.0.0.1:{{_silo.HttpPort}}"]}]
            """);
        int port = Env.FreePort();
        _prometheus = new ChildProcess("prometheus", [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(_directory, "tsdb")}", $"--web.listen-address=127.0.0.1:{port}"], workingDirectory: _directory);
        Prometheus = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitUntil(async () => (await TryGet("/-/ready"))?.IsSuccessStatusCode == true, TimeSpan.FromSeconds(30), "Prometheus is not ready");

        string spec = Path.Combine(_directory, "spec.yaml");
        File.WriteAllText(spec, Spec);
        var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", "monitored-1", "--redis", _redis.Connection, "--cluster-id", clusterId]);
        Assert.True(submit.Code == 0, submit.Output + submit.Error);

        // One point runs to the end (the duration histogram gets its first observation).
        await ReleaseNextHeld();
    }

    /// <summary>Waits for a point holding at the gate that was not released yet, and lets it run to its end.</summary>
    public async Task ReleaseNextHeld()
    {
        Dictionary<int, int> held = await _gate.WaitUntil(h => h.Keys.Any(i => !_released.Contains(i)), TimeSpan.FromSeconds(60), () => Logs);
        int next = held.Keys.First(i => !_released.Contains(i));
        _released.Add(next);
        _gate.Release(next);
    }

    /// <summary>The vector an instant query returns, as (labels, value) pairs.</summary>
    public async Task<(Dictionary<string, string> Labels, double Value)[]> Query(string promql)
    {
        using JsonDocument answer = await QueryDocument(promql);
        return [.. answer.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => (
            r.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            double.Parse(r.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture)))];
    }

    /// <summary>Prometheus' whole answer to an instant query (status success, or error with the reason).</summary>
    public async Task<JsonDocument> QueryDocument(string promql)
    {
        using HttpResponseMessage response = await Prometheus.GetAsync(new Uri($"/api/v1/query?query={Uri.EscapeDataString(promql)}", UriKind.Relative));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    public async Task DisposeAsync()
    {
        Prometheus?.Dispose();
        _prometheus?.Dispose();
        _silo?.Dispose();
        _redis?.Dispose();
        await Task.Yield();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(clock.Elapsed < timeout, $"{what} within {timeout}");
            await Task.Delay(250);
        }
    }

    private async Task<HttpResponseMessage?> TryGet(string path)
    {
        try
        {
            return await Prometheus.GetAsync(new Uri(path, UriKind.Relative));
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}

[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class PrometheusTests(MonitoredSilo monitored) : IClassFixture<MonitoredSilo>
{
    [Fact]
    public async Task PrometheusScrapesTheSiloAndSeesTheStepCounterIncreaseDuringASweep()
    {
        double first = 0;
        await MonitoredSilo.WaitUntil(
            async () => (await monitored.Query("mfc_sgd_steps_total{job=\"mfc-silo\"}")) is [var only] && (first = only.Value) > 0,
            TimeSpan.FromSeconds(45),
            $"no positive mfc_sgd_steps_total in Prometheus\n{monitored.Logs}");

        // Let one more point run: Prometheus sees the counter grow.
        await monitored.ReleaseNextHeld();
        double second = 0;
        await MonitoredSilo.WaitUntil(
            async () => (await monitored.Query("mfc_sgd_steps_total{job=\"mfc-silo\"}")) is [var only] && (second = only.Value) > first,
            TimeSpan.FromSeconds(45),
            $"mfc_sgd_steps_total stayed at {first} while a point ran\n{monitored.Logs}");
        Assert.True(second > first);
        var (labels, _) = Assert.Single(await monitored.Query("mfc_sgd_steps_total{job=\"mfc-silo\"}"));
        Assert.Equal("MeanFieldCluster", labels["otel_scope_name"]);
        var (_, up) = Assert.Single(await monitored.Query("up{job=\"mfc-silo\"}"));
        Assert.Equal(1, up);
        var (_, active) = Assert.Single(await monitored.Query("max_over_time(mfc_points_active{job=\"mfc-silo\",kind=\"sgd\"}[1m])"));
        Assert.True(active >= 1, $"at most {active} points computing while the sweep runs");
    }

    [Fact]
    public async Task EveryQueryOfTheGrafanaDashboardNamesOnlyServedMetricsAndHasDataInPrometheusDuringASweep()
    {
        // A histogram's series appear with its first observation: wait for the first point to finish.
        using var http = new HttpClient();
        string scrape = "";
        await MonitoredSilo.WaitUntil(
            async () => (scrape = await http.GetStringAsync(new Uri(monitored.SiloMetricsUrl))).Contains("mfc_point_duration_seconds_count", StringComparison.Ordinal),
            TimeSpan.FromSeconds(45),
            $"no point finished\n{monitored.Logs}");
        await MonitoredSilo.WaitUntil(
            async () => (await monitored.Query("count_over_time(mfc_point_duration_seconds_count[1m])")).Sum(r => r.Value) >= 3,
            TimeSpan.FromSeconds(20),
            "Prometheus has not scraped the point duration three times");
        HashSet<string> served = [.. scrape.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => Regex.Match(l, "^[a-zA-Z_:][a-zA-Z0-9_:]*").Value)];
        using JsonDocument dashboard = JsonDocument.Parse(File.ReadAllText(Path.Combine(Env.RepositoryRoot(), "deploy", "grafana", "mfc-dashboard.json")));
        JsonElement[] panels = [.. Panels(dashboard.RootElement.GetProperty("panels"))];

        Assert.True(panels.Length >= 8, $"{panels.Length} panels");
        foreach (JsonElement panel in panels)
        {
            string title = panel.GetProperty("title").GetString()!;
            string[] queries = [.. panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!)];
            Assert.True(queries.Length > 0, $"panel '{title}' has no query");
            foreach (string query in queries)
            {
                string[] metrics = [.. Regex.Matches(query, @"\b(?:mfc|orleans)_[a-z0-9_]+\b").Select(m => m.Value)];
                Assert.True(metrics.Length > 0, $"panel '{title}': '{query}' names no mfc_ or orleans_ metric");
                Assert.All(metrics, m => Assert.True(served.Contains(m), $"panel '{title}': {m} is not served at /metrics"));

                // Grafana's variables as Grafana would substitute them.
                string promql = query.Replace("$__rate_interval", "1m", StringComparison.Ordinal).Replace("$__range", "5m", StringComparison.Ordinal).Replace("$instance", ".*", StringComparison.Ordinal);
                using JsonDocument answer = await monitored.QueryDocument(promql);
                Assert.True(answer.RootElement.GetProperty("status").GetString() == "success", $"panel '{title}': Prometheus refused '{promql}': {answer.RootElement}");
                Assert.True(answer.RootElement.GetProperty("data").GetProperty("result").GetArrayLength() > 0, $"panel '{title}': '{promql}' has no data while a sweep runs");
            }
        }
    }

    [Fact]
    public async Task TheDeployedPrometheusConfigurationIsValid()
    {
        using var promtool = new ChildProcess("promtool", ["check", "config", Path.Combine(Env.RepositoryRoot(), "deploy", "prometheus", "prometheus.yml")]);
        int code = await promtool.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.True(code == 0, promtool.Output);
    }

    private static IEnumerable<JsonElement> Panels(JsonElement panels)
    {
        foreach (JsonElement panel in panels.EnumerateArray())
        {
            if (panel.GetProperty("type").GetString() != "row")
            {
                yield return panel;
            }
            else if (panel.TryGetProperty("panels", out JsonElement nested))
            {
                foreach (JsonElement p in Panels(nested))
                {
                    yield return p;
                }
            }
        }
    }
}
