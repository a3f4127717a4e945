using System.Diagnostics;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using MeanFieldCluster.Client.Cluster;
using Orleans.Runtime;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// Redis and two mfc-silo processes with mutual TLS on (docs/security.md), their certificates made by
/// deploy/tls/make-demo-ca.sh into a temporary folder: a CA with silo-a, silo-b and a client, and a second,
/// unrelated CA with a rogue client.
/// </summary>
public sealed class TlsCluster : IAsyncLifetime
{
    private RedisServer? _redis;

    public string Directory { get; } = Env.TempDirectory();

    public string ClusterId { get; } = $"tls-{Guid.NewGuid():N}";

    internal SiloProcess A { get; private set; } = null!;

    internal SiloProcess B { get; private set; } = null!;

    public string[] Connection => ["--redis", _redis!.Connection, "--cluster-id", ClusterId];

    /// <summary>The files of certificate <paramref name="name"/> made by the CA in folder <paramref name="ca"/>, as TLS settings trusting that CA.</summary>
    public MeanFieldCluster.Silo.Hosting.TlsOptions Files(string ca, string name) => new()
    {
        Certificate = Path.Combine(Directory, ca, $"{name}.pem"),
        Key = Path.Combine(Directory, ca, $"{name}.key"),
        Authority = Path.Combine(Directory, ca, "ca.pem"),
    };

    /// <summary><see cref="Files"/> as options of mfc or mfc-silo.</summary>
    public string[] Tls(string ca, string name) => Files(ca, name) is var f ? ["--tls-cert", f.Certificate!, "--tls-key", f.Key!, "--tls-ca", f.Authority!] : [];

    /// <summary>Certificate <paramref name="name"/> of CA <paramref name="ca"/> (by default the cluster's) with its key.</summary>
    public X509Certificate2 Load(string name, string ca = "ca") => X509Certificate2.CreateFromPemFile(Files(ca, name).Certificate!, Files(ca, name).Key);

    public async Task InitializeAsync()
    {
        MakeCertificates("ca", "--silo", "silo-a", "--silo", "silo-b", "--client", "client");
        MakeCertificates("other", "--client", "rogue");
        _redis = new RedisServer();
        A = await SiloProcess.StartAsync(_redis.Connection, ClusterId, extraArguments: Tls("ca", "silo-a"));
        B = await SiloProcess.StartAsync(_redis.Connection, ClusterId, extraArguments: Tls("ca", "silo-b"));
    }

    public Task DisposeAsync()
    {
        A?.Dispose();
        B?.Dispose();
        _redis?.Dispose();
        return Task.CompletedTask;
    }

    private void MakeCertificates(string folder, params string[] nodes)
    {
        string script = Path.Combine(Env.RepositoryRoot(), "deploy", "tls", "make-demo-ca.sh");
        var (code, output) = Prerequisites.Run("bash", [script, Path.Combine(Directory, folder), .. nodes]);
        Assert.True(code == 0, $"make-demo-ca.sh failed (exit {code}; it needs openssl):\n{output}");
    }
}

/// <summary>
/// Mutual TLS between silos and from clients to gateways: a sweep runs across two TLS silos with a TLS client
/// and gives the embedded run's bytes; a client without the cluster's certificate cannot join, says why
/// within the connect timeout, and leaves the silos healthy.
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class TlsTests(TlsCluster cluster) : IClassFixture<TlsCluster>
{
    [Fact]
    public async Task ASweepAcrossTwoTlsSilosWithATlsClientEqualsTheEmbeddedRunByteForByte()
    {
        string dir = Env.TempDirectory();
        string spec = Path.Combine(dir, "spec.yaml");
        File.WriteAllText(spec, FourPointSweep.Spec("tls", 31));
        string[] client = [.. cluster.Connection, .. cluster.Tls("ca", "client")];
        (int a, int b) = (cluster.A.Output.Length, cluster.B.Output.Length);

        // Both silos are active members: they joined each other over TLS (the silo port speaks nothing else).
        await using (ClusterConnection? connection = await ClusterConnection.ConnectAsync(
            new ConnectionSettings(cluster.Connection[1], cluster.ClusterId, "MeanFieldCluster") { Tls = cluster.Files("ca", "client") },
            TextWriter.Null,
            CancellationToken.None))
        {
            Assert.NotNull(connection);
            await FaultTests.WaitUntil(async () => (await connection.Client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true)).Count == 2, TimeSpan.FromSeconds(60));
        }

        await FourPointSweep.RunOnClusterAndCompareWithEmbedded(dir, spec, "tls-1", client, "TLS cluster", () => cluster.A.Output + cluster.B.Output);

        Assert.DoesNotContain("TLS: refused", cluster.A.Output[a..] + cluster.B.Output[b..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task BothPortsAnswerOnlyTlsAndPresentTheSilosCertificate()
    {
        foreach (int port in new[] { cluster.A.SiloPort, cluster.A.GatewayPort })
        {
            using var tcp = new TcpClient("127.0.0.1", port);
            using X509Certificate2 mine = cluster.Load("silo-b");
            await using var tls = new SslStream(tcp.GetStream());
            X509Certificate? theirs = null;
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "silo-a",
                ClientCertificates = [mine],
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    theirs = certificate;
                    return true;
                },
            });
            Assert.Contains("CN=silo-a", theirs?.Subject, StringComparison.Ordinal);
            Assert.True(tls.IsEncrypted && tls.IsMutuallyAuthenticated, $"port {port}: encrypted {tls.IsEncrypted}, mutual {tls.IsMutuallyAuthenticated}");
        }
    }

    [Fact]
    public async Task AClientWithoutTheClustersCertificateCannotJoinSaysWhyAndTheSilosStayHealthy()
    {
        // Without TLS, and with a certificate of another CA (which it also trusts): both at once, each ends
        // within the client's default connect timeout (20 s, given explicitly: these tests' clients otherwise
        // wait 2 minutes, ClientDefaults) plus start-up; the bound below only tells an exit from a hang.
        var clock = Stopwatch.StartNew();
        string[] timeout = ["--connect-timeout", "20"];
        var both = await Task.WhenAll(FaultTests.Mfc(["list", .. cluster.Connection, .. timeout]), FaultTests.Mfc(["list", .. cluster.Connection, .. timeout, .. cluster.Tls("other", "rogue")]));
        var (plain, rogue) = (both[0], both[1]);
        Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), $"the refused clients took {clock.Elapsed}");

        Assert.Equal(2, plain.Code);
        Assert.Contains("cannot reach a MeanFieldCluster cluster", plain.Error, StringComparison.Ordinal);
        Assert.Contains("TLS is off in this client", plain.Error, StringComparison.Ordinal);
        Assert.Equal(2, rogue.Code);
        Assert.Contains("TLS: this client refused the gateway: its certificate (subject CN=silo-", rogue.Error, StringComparison.Ordinal);

        // The gateway's side. Whether the rogue mfc above sent its certificate before it gave up on the gateway's
        // depends on timing (it refuses the gateway in the same handshake), so the gateway is shown the rogue
        // certificate by a client that completes the handshake: refused, and the silo's log says why.
        using (var tcp = new TcpClient("127.0.0.1", cluster.A.GatewayPort))
        using (X509Certificate2 other = cluster.Load("rogue", "other"))
        await using (var tls = new SslStream(tcp.GetStream()))
        {
            Assert.True(await Refused(tls, other, "silo-a"), "the gateway accepted a certificate of another CA");
        }

        await FaultTests.WaitUntil(() => Task.FromResult(cluster.A.Output.Contains("TLS: refused a client connecting to the gateway: its certificate (subject CN=rogue", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        // A client certificate that the right CA signed, presented where a silo's is needed (the silo port):
        // refused too, so a client cannot pose as a silo.
        using (var tcp = new TcpClient("127.0.0.1", cluster.B.SiloPort))
        using (X509Certificate2 client = cluster.Load("client"))
        await using (var tls = new SslStream(tcp.GetStream()))
        {
            Assert.True(await Refused(tls, client, "silo-b"), "the silo port accepted a client certificate");
        }

        await FaultTests.WaitUntil(() => Task.FromResult(cluster.B.Output.Contains("TLS: refused a silo connecting to the silo port: its certificate (subject CN=client", StringComparison.Ordinal)), TimeSpan.FromSeconds(30));

        // The silos are up and serve the right client.
        Assert.False(cluster.A.HasExited || cluster.B.HasExited, cluster.A.Output + cluster.B.Output);
        var list = await FaultTests.Mfc(["list", .. cluster.Connection, .. cluster.Tls("ca", "client")]);
        Assert.True(list.Code == 0, list.Output + list.Error);
    }

    [Fact]
    public async Task ASiloWithAMissingCertificateFileExitsWithCode2NamingTheOption()
    {
        string missing = Path.Combine(cluster.Directory, "ca", "no-such.pem");
        var files = cluster.Files("ca", "silo-a");
        using var silo = new ChildProcess("dotnet", [Env.Executable("silo", "mfc-silo.dll"), "--redis", cluster.Connection[1], "--cluster-id", "tls-bad", "--silo-port", $"{Env.FreePort()}", "--gateway-port", $"{Env.FreePort()}", "--http-port", "0", "--tls-cert", missing, "--tls-key", files.Key!, "--tls-ca", files.Authority!]);
        int code = await silo.WaitForExit(TimeSpan.FromMinutes(2));
        Assert.True(code == 2, $"exit {code}\n{silo.Output}");
        Assert.Contains($"error: --tls-cert: '{missing}' does not exist; expected a PEM certificate (with --tls-key) or a PKCS#12 file (.pfx or .p12)", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }

    // Whether the server ends the connection after the handshake (TLS 1.3 checks the client's certificate
    // after the client has finished, so the refusal shows as a closed stream) or refuses the handshake itself.
    // An accepted connection gets the silo's preamble, or nothing: then the wait ends after a minute.
    private static async Task<bool> Refused(SslStream tls, X509Certificate2 certificate, string host)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = host, ClientCertificates = [certificate], RemoteCertificateValidationCallback = (_, _, _, _) => true }, timeout.Token);
            return await tls.ReadAsync(new byte[1], timeout.Token) == 0;
        }
        catch (Exception ex) when (ex is IOException or System.Security.Authentication.AuthenticationException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
