using System.Text.RegularExpressions;
using MeanFieldCluster.Client.Embedded;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Silo.Hosting;
using MeanFieldCluster.Silo.Web;

namespace MeanFieldCluster.Client.Tests;

/// <summary>An embedded silo with its HTTP endpoint, scraped once after a small sweep ran on it.</summary>
public sealed class ScrapedSilo : IAsyncLifetime
{
    private const string Spec = """
        name: scraped
        seed: 3
        model: {preset: mmn-relu, activation: tanh, init: {kappa: 1.0, output_std: 0.5}}
        data: {kind: isotropic-gaussian, d: 6, delta: 0.5}
        training: {horizon: 2}
        observe: {test_samples: 200, risk_times: {count: 3, spacing: linear}, snapshot_times: [0, 2], quantiles: 8}
        grid: {width: [10, 20], step_size: [0.01], seeds: 2}
        """;

    /// <summary>The scrape, in the Prometheus text format.</summary>
    public string Metrics { get; private set; } = "";

    /// <summary>The content type the endpoint answered with.</summary>
    public string? ContentType { get; private set; }

    /// <summary>The names of the series of the scrape (histograms with their _bucket, _sum, _count).</summary>
    public HashSet<string> SeriesNames { get; } = [];

    public async Task InitializeAsync()
    {
        var web = new WebEndpointOptions("127.0.0.1", SiloSetup.FreeTcpPort(), null);
        await using EmbeddedCluster cluster = await EmbeddedCluster.StartAsync(2, stateDirectory: null, web, CancellationToken.None);
        ISweepGrain sweep = cluster.Client.GetGrain<ISweepGrain>($"scraped-{Guid.NewGuid():N}");
        await sweep.Start(SpecWriter.ToJson(SpecLoader.Parse(Spec, SpecFormat.Yaml)));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            while ((await sweep.GetStatus()).State == SweepState.Running)
            {
                await Task.Delay(100, timeout.Token);
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri(web.BaseUrl) };
        using HttpResponseMessage response = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        ContentType = response.Content.Headers.ContentType?.MediaType;
        Metrics = await response.Content.ReadAsStringAsync();
        foreach (string line in Metrics.Split('\n').Where(l => l.Length > 0 && l[0] != '#'))
        {
            SeriesNames.Add(Regex.Match(line, "^[a-zA-Z_:][a-zA-Z0-9_:]*").Value);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;
}

public sealed class MetricsEndpointTests(ScrapedSilo silo) : IClassFixture<ScrapedSilo>
{
    [Fact]
    public void TheSiloServesItsMetricsInThePrometheusTextFormatAtSlashMetrics()
    {
        Assert.Equal("text/plain", silo.ContentType);
        Assert.Contains("# TYPE mfc_sgd_steps_total counter", silo.Metrics, StringComparison.Ordinal);
        Assert.Contains("# TYPE mfc_point_duration_seconds histogram", silo.Metrics, StringComparison.Ordinal);
        Assert.Contains(silo.SeriesNames, n => n.StartsWith("orleans_", StringComparison.Ordinal));
    }

    [Fact]
    public void EveryPrometheusNameTheTelemetryDocumentListsIsServed()
    {
        string[] documented = [.. DocumentedPrometheusNames()];

        Assert.Equal(7, documented.Length);
        Assert.All(documented, name => Assert.True(silo.SeriesNames.Contains(name) || silo.SeriesNames.Contains(name + "_bucket"), $"{name} is documented in docs/telemetry.md but not served at /metrics"));
    }

    // The Prometheus column of the instrument table of docs/telemetry.md.
    private static IEnumerable<string> DocumentedPrometheusNames()
    {
        string[] rows = [.. File.ReadLines(Path.Combine(CliHarness.RepositoryRoot(), "docs", "telemetry.md")).Where(l => l.StartsWith("| `mfc.", StringComparison.Ordinal))];
        return rows.Select(r => Regex.Match(r, @"`(mfc_[a-z_]+)`").Groups[1].Value).Where(n => n.Length > 0);
    }
}
