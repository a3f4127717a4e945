using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MeanFieldCluster.Silo.Hosting;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The TLS settings (docs/security.md): off unless set; when set, every file is loaded and checked, and each
/// failure names the option, the value and what is allowed. Certificates are made in memory here; the
/// process tests (Fault.Tests TlsTests) use deploy/tls/make-demo-ca.sh's.
/// </summary>
public sealed class TlsOptionsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mfc-tls-options-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TlsIsOffWhenNothingIsSetAndThenNothingIsChecked()
    {
        var options = new TlsOptions();
        Assert.False(options.Enabled);
        Assert.Equal("off", options.Describe());
        Assert.True(new TlsOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public void ASiloCertificateSignedByTheCaLoadsAsPemAndAsPkcs12()
    {
        var ca = Authority("ca");
        Assert.Equal("", string.Join(Environment.NewLine, Errors(Node(ca, "silo", silo: true))));
        Assert.Empty(Errors(Pkcs12(ca, "silo", "secret")));
    }

    [Fact]
    public void TheCaIsRequiredWithACertificateAndTheKeyWithAPemCertificate()
    {
        var files = Node(Authority("ca"), "silo", silo: true);
        Assert.Equal(["--tls-ca: required with --tls-cert; expected the PEM certificate of the CA that signs every node's certificate (e.g. deploy/tls/make-demo-ca.sh's ca.pem)"], Errors(new TlsOptions { Certificate = files.Certificate, Key = files.Key }));
        Assert.Equal([$"--tls-key: required with the PEM --tls-cert '{files.Certificate}'; expected its PEM private key file"], Errors(new TlsOptions { Certificate = files.Certificate, Authority = files.Authority }));
        Assert.Equal(["--tls-cert: required with --tls-key or --tls-ca; expected a PEM certificate (with --tls-key) or a PKCS#12 file (.pfx or .p12)"], Errors(new TlsOptions { Authority = files.Authority }));
    }

    [Fact]
    public void AMissingFileIsNamedWithWhatIsExpected()
    {
        var files = Node(Authority("ca"), "silo", silo: true);
        string missing = Path.Combine(_dir, "nope.pem");
        Assert.Equal([$"--tls-cert: '{missing}' does not exist; expected a PEM certificate (with --tls-key) or a PKCS#12 file (.pfx or .p12)"], Errors(With(files, o => o.Certificate = missing)));
        Assert.Equal([$"--tls-key: '{missing}' does not exist; expected the PEM private key of --tls-cert"], Errors(With(files, o => o.Key = missing)));
        Assert.Equal([$"--tls-ca: '{missing}' does not exist; expected the PEM certificate of the cluster's CA"], Errors(With(files, o => o.Authority = missing)));
    }

    [Fact]
    public void AFileThatIsNotWhatItShouldBeIsRefusedWithoutAStackTrace()
    {
        var ca = Authority("ca");
        var files = Node(ca, "silo", silo: true);
        var other = Node(ca, "other", silo: true);
        Assert.Equal([$"--tls-ca: '{files.Key}' holds no PEM certificate (no '-----BEGIN CERTIFICATE-----'); expected the PEM certificate of the cluster's CA"], Errors(With(files, o => o.Authority = files.Key)));
        string mismatch = Assert.Single(Errors(With(files, o => o.Key = other.Key)));
        Assert.StartsWith($"--tls-cert/--tls-key: '{files.Certificate}' with key '{other.Key}' cannot be read as a PEM certificate and its matching private key: ", mismatch, StringComparison.Ordinal);
        string wrongPassword = Assert.Single(Errors(With(Pkcs12(ca, "p12", "secret"), o => o.Password = "not-it")));
        Assert.StartsWith("--tls-cert: '", wrongPassword, StringComparison.Ordinal);
        Assert.Contains("cannot be read as PKCS#12 (wrong or missing password", wrongPassword, StringComparison.Ordinal);
    }

    [Fact]
    public void ACertificateOfAnotherCaAnExpiredOneOrAClientsOneCannotServeAsASilos()
    {
        var ca = Authority("ca");
        TlsOptions foreign = With(Node(Authority("other-ca"), "foreign", silo: true), o => o.Authority = ca.Path);
        Assert.Contains("is not accepted: not signed by the cluster's CA, or not valid now", Assert.Single(Errors(foreign)), StringComparison.Ordinal);
        var expired = Node(ca, "expired", silo: true, notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Contains("not valid now (NotTimeValid)", Assert.Single(Errors(expired)), StringComparison.Ordinal);
        var client = Node(ca, "client", silo: false);
        Assert.Equal($"--tls-cert: '{client.Certificate}' (subject CN=client) is not made for this use: its extended key usage lacks serverAuth; expected a certificate signed by --tls-ca '{ca.Path}' with serverAuth and clientAuth (a silo's: deploy/tls/make-demo-ca.sh --silo)", string.Join('\n', Errors(client)));
        var errors = new List<string>();
        using (TlsMaterial? material = TlsMaterial.Load(client, errors, TlsRole.Client))
        {
            Assert.NotNull(material);
            Assert.Empty(errors);
        }
    }

    private static List<string> Errors(TlsOptions options) =>
        new TlsOptionsValidator().Validate(null, options) is { Succeeded: false } result ? [.. result.Failures ?? []] : [];

    private static TlsOptions With(TlsOptions options, Action<TlsOptions> change)
    {
        var copy = new TlsOptions { Certificate = options.Certificate, Key = options.Key, Authority = options.Authority, Password = options.Password };
        change(copy);
        return copy;
    }

    private (X509Certificate2 Certificate, ECDsa Key, string Path) Authority(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-60), DateTimeOffset.UtcNow.AddYears(1));
        string path = Path.Combine(_dir, $"{name}.pem");
        File.WriteAllText(path, certificate.ExportCertificatePem());
        return (certificate, key, path);
    }

    private TlsOptions Node((X509Certificate2 Certificate, ECDsa Key, string Path) ca, string name, bool silo, DateTimeOffset? notAfter = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 certificate = Sign(ca, name, key, silo, notAfter);
        string pem = Path.Combine(_dir, $"{name}.pem"), keyPem = Path.Combine(_dir, $"{name}.key");
        File.WriteAllText(pem, certificate.ExportCertificatePem());
        File.WriteAllText(keyPem, key.ExportPkcs8PrivateKeyPem());
        return new TlsOptions { Certificate = pem, Key = keyPem, Authority = ca.Path };
    }

    private TlsOptions Pkcs12((X509Certificate2 Certificate, ECDsa Key, string Path) ca, string name, string password)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using X509Certificate2 certificate = Sign(ca, name, key, silo: true, notAfter: null);
        using X509Certificate2 withKey = certificate.CopyWithPrivateKey(key);
        string path = Path.Combine(_dir, $"{name}.pfx");
        File.WriteAllBytes(path, withKey.Export(X509ContentType.Pfx, password));
        return new TlsOptions { Certificate = path, Authority = ca.Path, Password = password };
    }

    private static X509Certificate2 Sign((X509Certificate2 Certificate, ECDsa Key, string Path) ca, string name, ECDsa key, bool silo, DateTimeOffset? notAfter)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var usages = new OidCollection { new Oid(TlsMaterial.ClientAuthentication) };
        if (silo)
        {
            usages.Add(new Oid(TlsMaterial.ServerAuthentication));
        }

        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(usages, false));
        DateTimeOffset end = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
        return request.Create(ca.Certificate, end.AddDays(-40), end, RandomNumberGenerator.GetBytes(16));
    }
}
