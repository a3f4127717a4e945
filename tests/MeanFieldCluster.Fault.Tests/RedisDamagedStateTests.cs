using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// Cluster mode: Redis values of stored states damaged while their silo was down (one truncated, one zeroed,
/// one overwritten with random bytes) are reported once each, naming the key; the points restart and the
/// results equal an embedded run's.
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class RedisDamagedStateTests
{
    private static readonly string Spec = FourPointSweep.Spec("damaged-redis", 13);

    private static readonly string[] Tables = ["points.csv", "curves.csv", "measures.csv", "histograms.csv"];

    [Fact]
    public async Task DamagedRedisValuesAreReportedOnceNamingTheKeyAndTheResultsEqualAnUndamagedRun()
    {
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "spec.yaml");
        await File.WriteAllTextAsync(spec, Spec);
        using var redis = new RedisServer();
        string clusterId = $"damaged-{Guid.NewGuid():N}";
        string[] connection = ["--redis", redis.Connection, "--cluster-id", clusterId];
        var gate = new Gate(Path.Combine(dir, "gate"));

        // Every point holds at its first chunk boundary with its checkpoint stored: kill the silo there.
        using (SiloProcess first = await SiloProcess.StartAsync(redis.Connection, clusterId, workers: 4, environment: gate.Environment(chunkSteps: 5000)))
        {
            var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", "damaged-r", .. connection]);
            Assert.True(submit.Code == 0, submit.Error);
            await gate.WaitUntil(h => h.Count == 4, TimeSpan.FromSeconds(120), () => first.Output);
            first.Kill();
        }

        string[] stored = [.. Resp.Keys(redis.Port, "*state*sweeppoint*").Order(StringComparer.Ordinal)];
        Assert.True(stored.Length >= 3, $"stored point states: {string.Join(", ", stored)}; all keys: {string.Join(", ", Resp.Keys(redis.Port, "*"))}");
        var random = new Random(5);
        Func<byte[], byte[]>[] damages =
        [
            b => b[..(b.Length / 2)],
            b => new byte[b.Length],
            b => { byte[] r = new byte[b.Length]; random.NextBytes(r); return r; },
        ];
        string[] damaged = stored[..3];
        for (int i = 0; i < damaged.Length; i++)
        {
            Resp.Damage(redis.Port, damaged[i], damages[i]);
        }

        using SiloProcess second = await SiloProcess.StartAsync(redis.Connection, clusterId, workers: 2);
        var watch = await FaultTests.Mfc(["watch", "damaged-r", .. connection]);
        Assert.True(watch.Code == 0, watch.Output + watch.Error + second.Output);
        var results = await FaultTests.Mfc(["results", "damaged-r", "--out", Path.Combine(dir, "cluster"), .. connection]);
        Assert.True(results.Code == 0, results.Output + results.Error);
        var embedded = await FaultTests.Mfc(["run", spec, "--out", Path.Combine(dir, "embedded"), "--sweep-id", "damaged-r"]);
        Assert.True(embedded.Code == 0, embedded.Error);
        foreach (string table in Tables)
        {
            Assert.True(File.ReadAllBytes(Path.Combine(dir, "cluster", table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(dir, "embedded", table))), $"{table} differs from the undamaged run");
        }

        string said = second.Output;
        foreach (string key in damaged)
        {
            string grain = key[(key.IndexOf("sweeppoint", StringComparison.Ordinal))..];
            int reports = said.Split('\n').Count(l => l.Contains("damaged state", StringComparison.Ordinal) && l.Contains(grain, StringComparison.Ordinal) && l.Contains("Redis key", StringComparison.Ordinal));
            Assert.True(reports == 1, $"{key} reported {reports} times:\n{said}");
        }

        Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
    }

    /// <summary>Just enough of the Redis protocol (binary-safe) to list keys and rewrite a stored value.</summary>
    private static class Resp
    {
        public static IEnumerable<string> Keys(int port, string pattern) =>
            ((List<object?>)Call(port, "KEYS", pattern)!).Select(k => Encoding.UTF8.GetString((byte[])k!));

        // A value is a string, or a hash whose largest field holds the state.
        public static void Damage(int port, string key, Func<byte[], byte[]> damage)
        {
            string type = (string)Call(port, "TYPE", key)!;
            if (type == "string")
            {
                Call(port, "SET", key, damage((byte[])Call(port, "GET", key)!));
                return;
            }

            Assert.Equal("hash", type);
            var fields = (List<object?>)Call(port, "HGETALL", key)!;
            int data = Enumerable.Range(0, fields.Count / 2).MaxBy(i => ((byte[])fields[(2 * i) + 1]!).Length);
            Call(port, "HSET", key, fields[2 * data], damage((byte[])fields[(2 * data) + 1]!));
        }

        private static object? Call(int port, params object?[] args)
        {
            using var client = new TcpClient("127.0.0.1", port);
            using var stream = new BufferedStream(client.GetStream());
            var request = new MemoryStream();
            request.Write(Encoding.ASCII.GetBytes($"*{args.Length}\r\n"));
            foreach (object? arg in args)
            {
                byte[] bytes = arg as byte[] ?? Encoding.UTF8.GetBytes((string)arg!);
                request.Write(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"${bytes.Length}\r\n")));
                request.Write(bytes);
                request.Write("\r\n"u8);
            }

            stream.Write(request.ToArray());
            stream.Flush();
            return Read(stream);
        }

        private static object? Read(Stream stream)
        {
            string line = ReadLine(stream);
            switch (line[0])
            {
                case '+':
                    return line[1..];
                case '-':
                    throw new InvalidOperationException($"redis: {line[1..]}");
                case ':':
                    return long.Parse(line[1..], CultureInfo.InvariantCulture);
                case '$':
                    int length = int.Parse(line[1..], CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return null;
                    }

                    byte[] bytes = new byte[length + 2];
                    stream.ReadExactly(bytes);
                    return bytes[..length];
                case '*':
                    int count = int.Parse(line[1..], CultureInfo.InvariantCulture);
                    var items = new List<object?>();
                    for (int i = 0; i < count; i++)
                    {
                        items.Add(Read(stream));
                    }

                    return items;
                default:
                    throw new InvalidOperationException($"redis: unexpected reply '{line}'");
            }
        }

        private static string ReadLine(Stream stream)
        {
            var line = new StringBuilder();
            for (int b = stream.ReadByte(); b != '\n'; b = stream.ReadByte())
            {
                if (b < 0)
                {
                    throw new EndOfStreamException("redis closed the connection");
                }

                if (b != '\r')
                {
                    line.Append((char)b);
                }
            }

            return line.ToString();
        }
    }
}
