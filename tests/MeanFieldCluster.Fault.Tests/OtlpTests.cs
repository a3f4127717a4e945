using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>A silo process and the mfc client exporting over OTLP (HTTP/protobuf) to a receiver on loopback.</summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class OtlpTests
{
    // Two points of 20,000 steps: a few chunks each, so checkpoints are written.
    private const string Spec = """
        name: traced
        seed: 5
        model: {preset: mmn-relu, activation: tanh, init: {kappa: 1.0, output_std: 0.5}}
        data: {kind: isotropic-gaussian, d: 6, delta: 0.5}
        training: {horizon: 2}
        observe: {test_samples: 200, risk_times: {count: 3, spacing: linear}, snapshot_times: [0, 2], quantiles: 8}
        grid: {width: [500], step_size: [0.0001], seeds: 2}
        """;

    [Fact]
    public async Task WithAnOtlpEndpointSiloAndClientExportOneTraceFromSubmitThroughPointRunsToTheLaterAggregation()
    {
        using var receiver = new OtlpReceiver();
        var otel = new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Url,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
        };
        string dir = Env.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "spec.yaml"), Spec);
        using var redis = new RedisServer();
        string clusterId = $"otlp-{Guid.NewGuid():N}";
        using SiloProcess silo = await SiloProcess.StartAsync(redis.Connection, clusterId, environment: otel);
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];

        await Mfc(otel, ["submit", Path.Combine(dir, "spec.yaml"), "--sweep-id", "traced-1", .. connection]);
        await FaultTests.WaitUntil(async () => (await FaultTests.Mfc(["status", "traced-1", .. connection])).Output.Contains("traced-1: completed", StringComparison.Ordinal), TimeSpan.FromSeconds(60));
        await Mfc(otel, ["results", "traced-1", "--out", Path.Combine(dir, "results"), .. connection]);

        Span submit = await receiver.WaitForSpan(s => s.Name == "mfc.submit", silo.Output);
        Span results = await receiver.WaitForSpan(s => s.Name == "mfc.results", silo.Output);
        Span aggregate = await receiver.WaitForSpan(s => s.Name == "mfc.sweep.aggregate", silo.Output);
        await receiver.WaitForSpan(s => s.Name == "mfc.point.run" && s.TraceId == submit.TraceId, silo.Output, count: 2);
        Span[] trace = [.. receiver.Spans.Where(s => s.TraceId == submit.TraceId)];

        Assert.Equal("mfc", submit.Service);
        Assert.Equal("mfc-silo", aggregate.Service);
        Assert.NotEqual(submit.TraceId, results.TraceId);
        Assert.Equal(submit.TraceId, aggregate.TraceId);
        Assert.Contains(results.TraceId, aggregate.LinkedTraceIds);
        Assert.Contains(trace, s => s.Name == "mfc.sweep.start" && s.Service == "mfc-silo");
        Assert.Contains(trace, s => s.Name == "mfc.point.checkpoint" && s.Service == "mfc-silo");
        Assert.All(trace.Where(s => s.Name == "mfc.point.run"), s => Assert.Equal("mfc-silo", s.Service));

        // Every span of the trace hangs from the client's submit span, through parents exported by client or silo.
        var byId = trace.ToDictionary(s => s.SpanId);
        Assert.All(trace.Where(s => s.Name.StartsWith("mfc.point.", StringComparison.Ordinal)), s =>
        {
            Span at = s;
            while (at.ParentSpanId.Length > 0 && byId.TryGetValue(at.ParentSpanId, out Span? parent))
            {
                at = parent;
            }

            Assert.Equal(submit.SpanId, at.SpanId);
        });
        await FaultTests.WaitUntil(() => Task.FromResult(receiver.MetricsPayloads.Any(p => p.Contains("mfc.sgd.steps", StringComparison.Ordinal))), TimeSpan.FromSeconds(20));
    }

    private static async Task Mfc(Dictionary<string, string> environment, string[] args)
    {
        using var mfc = new ChildProcess("dotnet", [Env.Executable("client", "mfc.dll"), .. args], environment: environment);
        int code = await mfc.WaitForExit(TimeSpan.FromSeconds(90));
        Assert.True(code == 0, $"mfc {string.Join(' ', args)} exited {code}:\n{mfc.Output}");
    }

    internal sealed record Span(string Service, string Name, string TraceId, string SpanId, string ParentSpanId, string[] LinkedTraceIds);

    /// <summary>An OTLP/HTTP receiver: accepts every export and decodes the spans of trace exports.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly ConcurrentQueue<Span> _spans = new();
        private readonly ConcurrentQueue<string> _metrics = new();
        private readonly Task _loop;

        public OtlpReceiver()
        {
            Url = $"http://127.0.0.1:{Env.FreePort()}";
            _listener.Prefixes.Add(Url + "/");
            _listener.Start();
            _loop = Task.Run(Serve);
        }

        public string Url { get; }

        public IReadOnlyCollection<Span> Spans => _spans;

        /// <summary>The metric exports, as Latin-1 text (instrument names are plain ASCII in protobuf).</summary>
        public IReadOnlyCollection<string> MetricsPayloads => _metrics;

        public async Task<Span> WaitForSpan(Func<Span, bool> match, string logs, int count = 1)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (_spans.Count(match) < count)
            {
                Assert.False(timeout.IsCancellationRequested, $"span not exported; exported: {string.Join(", ", _spans.Select(s => $"{s.Service}/{s.Name}"))}\nsilo:\n{logs}");
                await Task.Delay(100, CancellationToken.None);
            }

            return _spans.First(match);
        }

        public void Dispose()
        {
            _listener.Stop();
            _listener.Close();
            try
            {
                _loop.Wait(TimeSpan.FromSeconds(5));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task Serve()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
                {
                    return;
                }

                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                byte[] bytes = body.ToArray();
                string path = context.Request.Url?.AbsolutePath ?? "";
                if (path == "/v1/traces")
                {
                    foreach (Span span in DecodeTraces(ByteString.CopyFrom(bytes)))
                    {
                        _spans.Enqueue(span);
                    }
                }
                else if (path == "/v1/metrics")
                {
                    _metrics.Enqueue(System.Text.Encoding.Latin1.GetString(bytes));
                }

                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }

        // ExportTraceServiceRequest: resource_spans = 1 { resource = 1 { attributes = 1 }, scope_spans = 2 { spans = 2 } }.
        // Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, links = 13 { trace_id = 1 }.
        private static IEnumerable<Span> DecodeTraces(ByteString request)
        {
            foreach (ByteString resourceSpans in Fields(request, 1))
            {
                string service = Fields(resourceSpans, 1).SelectMany(r => Fields(r, 1))
                    .Where(kv => Text(kv, 1) == "service.name")
                    .Select(kv => Fields(kv, 2).Select(v => Text(v, 1)).FirstOrDefault() ?? "")
                    .FirstOrDefault() ?? "";
                foreach (ByteString span in Fields(resourceSpans, 2).SelectMany(scope => Fields(scope, 2)))
                {
                    yield return new Span(service, Text(span, 5), Hex(span, 1), Hex(span, 2), Hex(span, 4), [.. Fields(span, 13).Select(link => Hex(link, 1))]);
                }
            }
        }

        private static string Text(ByteString message, int field) => Fields(message, field).Select(b => b.ToStringUtf8()).FirstOrDefault() ?? "";

        private static string Hex(ByteString message, int field) => Fields(message, field).Select(b => Convert.ToHexStringLower(b.ToByteArray())).FirstOrDefault() ?? "";

        // The length-delimited fields numbered `field` of a message; other fields are skipped.
        private static List<ByteString> Fields(ByteString message, int field)
        {
            var found = new List<ByteString>();
            var input = new CodedInputStream(message.ToByteArray());
            for (uint tag = input.ReadTag(); tag != 0; tag = input.ReadTag())
            {
                if (WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                {
                    ByteString value = input.ReadBytes();
                    if (WireFormat.GetTagFieldNumber(tag) == field)
                    {
                        found.Add(value);
                    }
                }
                else
                {
                    input.SkipLastField();
                }
            }

            return found;
        }
    }
}
