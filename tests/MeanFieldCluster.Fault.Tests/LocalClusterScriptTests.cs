namespace MeanFieldCluster.Fault.Tests;

/// <summary>README's cluster section, run as written: cluster.sh up 2, submit, watch, results, down.</summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class LocalClusterScriptTests
{
    [Fact]
    public async Task TheReadmeClusterWalkthroughWorksAndDownStopsExactlyWhatUpStarted()
    {
        string root = Env.RepositoryRoot();
        string clusterDir = Env.TempDirectory();
        int redisPort = Env.FreePort();
        int httpPort = Env.FreePorts(2);
        Dictionary<string, string> environment = ClusterEnvironment(clusterDir, redisPort, httpPort);
        string script = Path.Combine(root, "deploy", "local", "cluster.sh");
        try
        {
            using (var up = new ChildProcess("bash", [script, "up", "2"], root, environment))
            {
                Assert.True(await up.WaitForExit(TimeSpan.FromMinutes(10)) == 0, up.Output);
                Assert.Contains($"export MFC_REDIS=\"$(cat {clusterDir}/mfc-redis)\"", up.Output, StringComparison.Ordinal);
            }

            using (var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
            {
                foreach (int port in new[] { httpPort, httpPort + 1 })
                {
                    Assert.Equal("ok", await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/healthz")));
                }
            }

            int[] pids = [.. File.ReadLines(Path.Combine(clusterDir, "pids")).Select(l => int.Parse(l.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture))];
            Assert.Equal(3, pids.Length);
            // Redis requires the password kept (mode 600) beside the cluster's state; it is on no command line.
            string redis = File.ReadAllText(Path.Combine(clusterDir, "mfc-redis")).Trim();
            Assert.Matches($"^127\\.0\\.0\\.1:{redisPort},password=[A-Za-z0-9]{{20,}}$", redis);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(clusterDir, "mfc-redis")));
            }

            Assert.StartsWith("-NOAUTH", Ping(redisPort), StringComparison.Ordinal);
            string[] connection = ["--redis", redis];
            string spec = Path.Combine(root, "examples", "mmn-fig1-small.yaml");

            var submit = await FaultTests.Mfc(["submit", spec, "--sweep-id", "readme", .. connection]);
            Assert.True(submit.Code == 0, submit.Error);
            Assert.Equal("readme", submit.Output.Trim());
            // The point count goes to standard error, where bench/scale-out.sh reads it to wait for the sweep.
            Assert.Matches("(?m)^6 points, [0-9,]+ SGD steps; follow with: mfc watch readme$", submit.Error);
            var watch = await FaultTests.Mfc(["watch", "readme", .. connection]);
            Assert.True(watch.Code == 0, watch.Output + watch.Error);
            string outDir = Path.Combine(clusterDir, "results");
            var results = await FaultTests.Mfc(["results", "readme", "--out", outDir, .. connection]);
            Assert.True(results.Code == 0, results.Output + results.Error);
            Assert.Equal(7, File.ReadLines(Path.Combine(outDir, "points.csv")).Count());
            Assert.Contains("readme", (await FaultTests.Mfc(["list", .. connection])).Output, StringComparison.Ordinal);

            using (var down = new ChildProcess("bash", [script, "down"], root, environment))
            {
                Assert.True(await down.WaitForExit(TimeSpan.FromMinutes(2)) == 0, down.Output);
                Assert.Contains("down", down.Output, StringComparison.Ordinal);
            }

            Assert.All(pids, pid => Assert.False(IsAlive(pid), $"pid {pid} still running after down"));
        }
        finally
        {
            using var cleanup = new ChildProcess("bash", [script, "down"], root, environment);
            await cleanup.WaitForExit(TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task WithMfcTlsTheScriptMakesADemoCaStartsTlsSilosAndPrintsTheClientsCertificate()
    {
        string root = Env.RepositoryRoot();
        string clusterDir = Env.TempDirectory();
        Dictionary<string, string> environment = ClusterEnvironment(clusterDir, Env.FreePort(), Env.FreePorts(2));
        environment["MFC_TLS"] = "1";
        string script = Path.Combine(root, "deploy", "local", "cluster.sh");
        try
        {
            string exports;
            using (var up = new ChildProcess("bash", [script, "up", "1"], root, environment))
            {
                Assert.True(await up.WaitForExit(TimeSpan.FromMinutes(10)) == 0, up.Output);
                exports = up.Output.Split('\n').Single(l => l.StartsWith("export MFC_TLS_CERT=", StringComparison.Ordinal)).Trim();
            }

            Assert.Equal($"export MFC_TLS_CERT={clusterDir}/tls/client.pem MFC_TLS_KEY={clusterDir}/tls/client.key MFC_TLS_CA={clusterDir}/tls/ca.pem", exports);
            Assert.Contains($"TLS on (cert {clusterDir}/tls/silo-0.pem, CA {clusterDir}/tls/ca.pem)", File.ReadAllText(Path.Combine(clusterDir, "logs", "silo-0.log")), StringComparison.Ordinal);
            string redis = File.ReadAllText(Path.Combine(clusterDir, "mfc-redis")).Trim();
            var list = await FaultTests.Mfc(["list", "--redis", redis, "--tls-cert", $"{clusterDir}/tls/client.pem", "--tls-key", $"{clusterDir}/tls/client.key", "--tls-ca", $"{clusterDir}/tls/ca.pem"]);
            Assert.True(list.Code == 0, list.Output + list.Error);
        }
        finally
        {
            using var down = new ChildProcess("bash", [script, "down"], root, environment);
            Assert.True(await down.WaitForExit(TimeSpan.FromMinutes(2)) == 0, down.Output);
        }
    }

    [Fact]
    public async Task UpRefusesOverlappingOrInvalidPortRangesBeforeStartingAnything()
    {
        string root = Env.RepositoryRoot();
        string script = Path.Combine(root, "deploy", "local", "cluster.sh");
        int first = Env.FreePorts(4);
        (string Variable, string Value, string Message)[] cases =
        [
            // Two silos: the silo ports are first and first + 1, and the gateways start at first + 1.
            ("MFC_GATEWAY_PORT", $"{first + 1}", $"port {first + 1} is in both MFC_SILO_PORT's and MFC_GATEWAY_PORT's ranges"),
            ("MFC_HTTP_PORT", "65535", "MFC_HTTP_PORT: '65535' is not allowed; expected a port from 1 to 65534"),
            ("MFC_HTTP_PORT", "http", "MFC_HTTP_PORT: 'http' is not allowed"),
        ];
        foreach ((string variable, string value, string message) in cases)
        {
            string clusterDir = Env.TempDirectory();
            Dictionary<string, string> environment = ClusterEnvironment(clusterDir, Env.FreePort(), Env.FreePorts(2));
            environment["MFC_SILO_PORT"] = $"{first}";
            environment[variable] = value;
            using var up = new ChildProcess("bash", [script, "up", "2"], root, environment);
            Assert.True(await up.WaitForExit(TimeSpan.FromMinutes(2)) == 2, up.Output);
            Assert.Contains(message, up.Output, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(clusterDir, "pids")), "nothing is started");
        }
    }

    // cluster.sh's settings: its folder, free ports, one worker slot per silo.
    private static Dictionary<string, string> ClusterEnvironment(string clusterDir, int redisPort, int httpPort) => new()
    {
        ["MFC_CLUSTER_DIR"] = clusterDir,
        ["MFC_REDIS_PORT"] = $"{redisPort}",
        ["MFC_SILO_PORT"] = $"{Env.FreePorts(2)}",
        ["MFC_GATEWAY_PORT"] = $"{Env.FreePorts(2)}",
        ["MFC_HTTP_PORT"] = $"{httpPort}",
        ["MFC_WORKERS"] = "1",
    };

    // Redis's first reply line to an unauthenticated PING.
    private static string Ping(int port)
    {
        using var client = new System.Net.Sockets.TcpClient("127.0.0.1", port);
        using System.Net.Sockets.NetworkStream stream = client.GetStream();
        stream.Write("PING\r\n"u8);
        var buffer = new byte[256];
        return System.Text.Encoding.ASCII.GetString(buffer, 0, stream.Read(buffer)).Split("\r\n")[0];
    }

    // Running: /proc has the pid and it is not a zombie (exited, waiting to be reaped by its new parent).
    private static bool IsAlive(int pid)
    {
        string stat = $"/proc/{pid}/stat";
        if (!File.Exists(stat))
        {
            return false;
        }

        try
        {
            string text = File.ReadAllText(stat);
            return text[(text.LastIndexOf(')') + 2)..][0] is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
