using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Mutual TLS for silo-to-silo and client-to-gateway traffic (docs/security.md): this node's certificate
/// and key, and the certificate authority every remote certificate must be signed by. Bound from section
/// <c>Silo</c> on a silo (<c>--tls-cert</c>, <c>--tls-key</c>, <c>--tls-ca</c>, or MFC_Silo__TlsCert, ...) and
/// from <c>mfc</c>'s options of the same names on a client; off when none is set.
/// </summary>
public sealed class TlsOptions
{
    /// <summary>
    /// This node's certificate: a PEM file (with <see cref="Key"/>) or a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>,
    /// key included, password in <see cref="Password"/>). Setting <c>TlsCert</c>.
    /// </summary>
    [ConfigurationKeyName("TlsCert")]
    public string? Certificate { get; set; }

    /// <summary>The private key of a PEM <see cref="Certificate"/> (PEM, unencrypted; keep it mode 600). Setting <c>TlsKey</c>.</summary>
    [ConfigurationKeyName("TlsKey")]
    public string? Key { get; set; }

    /// <summary>The certificate authority (PEM, one or more certificates) remote certificates must chain to. Setting <c>TlsCa</c>.</summary>
    [ConfigurationKeyName("TlsCa")]
    public string? Authority { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="Certificate"/>; from the environment only (MFC_Silo__TlsPassword, MFC_TLS_PASSWORD). Setting <c>TlsPassword</c>.</summary>
    [ConfigurationKeyName("TlsPassword")]
    public string? Password { get; set; }

    /// <summary>Whether TLS is asked for: any of the certificate, key or authority is set.</summary>
    public bool Enabled => Certificate is not null || Key is not null || Authority is not null;

    /// <summary>One line for start-up messages: off, or the files in use.</summary>
    public string Describe() => Enabled ? $"on (cert {Certificate}, CA {Authority})" : "off";
}

/// <summary>
/// Checks <see cref="TlsOptions"/> by loading what they name: every failure names the option, the value and
/// what is allowed (a missing file, a file that is not a certificate or key, a certificate not signed by the
/// CA, expired, or not made for TLS). Nothing is checked when TLS is off.
/// </summary>
public sealed class TlsOptionsValidator : IValidateOptions<TlsOptions>
{
    /// <inheritdoc/>
    public ValidateOptionsResult Validate(string? name, TlsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        TlsMaterial.Load(options, errors, TlsRole.Silo)?.Dispose();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>What a node does with its certificate: a silo serves and connects, a client only connects.</summary>
public enum TlsRole
{
    /// <summary>A silo: its certificate must allow TLS server and client authentication.</summary>
    Silo,

    /// <summary>A client (<c>mfc</c>): its certificate must allow TLS client authentication.</summary>
    Client,
}

/// <summary>
/// A node's certificate (with its private key) and the certificate authority it trusts, loaded from the
/// files <see cref="TlsOptions"/> names, and the one check every remote certificate passes: it chains to
/// that authority (and to nothing else: the system's trusted roots play no part) and is valid now.
/// </summary>
public sealed class TlsMaterial : IDisposable
{
    /// <summary>Extended key usage: TLS server authentication.</summary>
    public const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <summary>Extended key usage: TLS client authentication.</summary>
    public const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private const string CertificateRule = "expected a PEM certificate (with --tls-key) or a PKCS#12 file (.pfx or .p12)";

    private TlsMaterial(X509Certificate2 certificate, X509Certificate2Collection authority)
    {
        Certificate = certificate;
        Authority = authority;
    }

    /// <summary>This node's certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The trusted certificate authority (one or more certificates).</summary>
    public X509Certificate2Collection Authority { get; }

    /// <summary>
    /// Loads the files <paramref name="options"/> names, or returns null: when TLS is off (no error), or
    /// after adding to <paramref name="errors"/> why they cannot be used, each naming the option and value.
    /// </summary>
    public static TlsMaterial? Load(TlsOptions options, List<string> errors, TlsRole role)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(errors);
        if (!options.Enabled)
        {
            return null;
        }

        int before = errors.Count;
        if (options.Certificate is null)
        {
            errors.Add($"--tls-cert: required with --tls-key or --tls-ca; {CertificateRule}");
        }

        if (options.Authority is null)
        {
            errors.Add("--tls-ca: required with --tls-cert; expected the PEM certificate of the CA that signs every node's certificate (e.g. deploy/tls/make-demo-ca.sh's ca.pem)");
        }

        X509Certificate2Collection? authority = options.Authority is null ? null : LoadAuthority(options.Authority, errors);
        X509Certificate2? certificate = options.Certificate is null ? null : LoadCertificate(options, errors);
        if (errors.Count > before || certificate is null || authority is null)
        {
            certificate?.Dispose();
            return null;
        }

        var material = new TlsMaterial(certificate, authority);
        if (material.Reject(certificate, role == TlsRole.Silo ? [ServerAuthentication, ClientAuthentication] : [ClientAuthentication]) is { } why)
        {
            errors.Add($"--tls-cert: '{options.Certificate}' {why}; expected a certificate signed by --tls-ca '{options.Authority}' with {(role == TlsRole.Silo ? "serverAuth and clientAuth (a silo's: deploy/tls/make-demo-ca.sh --silo)" : "clientAuth (deploy/tls/make-demo-ca.sh --client)")}");
            material.Dispose();
            return null;
        }

        return material;
    }

    /// <summary>
    /// Null when <paramref name="remote"/> chains to <see cref="Authority"/>, is valid now and allows every
    /// extended key usage in <paramref name="purposes"/>; otherwise why not. Host names play no part: a
    /// certificate proves membership of the cluster (signed by its CA), not an address.
    /// </summary>
    public string? Reject(X509Certificate2 remote, IReadOnlyList<string> purposes)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentNullException.ThrowIfNull(purposes);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (!chain.Build(remote))
        {
            string status = string.Join(", ", chain.ChainStatus.Select(s => s.Status).Distinct());
            return $"(subject {remote.Subject}) is not accepted: not signed by the cluster's CA, or not valid now ({status})";
        }

        var usages = remote.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<Oid>()).Select(o => o.Value).ToHashSet();
        string[] missing = [.. purposes.Where(p => usages.Count > 0 && !usages.Contains(p))];
        return missing.Length == 0 ? null : $"(subject {remote.Subject}) is not made for this use: its extended key usage lacks {string.Join(" and ", missing.Select(p => p == ServerAuthentication ? "serverAuth" : "clientAuth"))}";
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Certificate.Dispose();
        foreach (X509Certificate2 c in Authority)
        {
            c.Dispose();
        }
    }

    private static X509Certificate2Collection? LoadAuthority(string path, List<string> errors)
    {
        if (!File.Exists(path))
        {
            errors.Add($"--tls-ca: '{path}' does not exist; expected the PEM certificate of the cluster's CA");
            return null;
        }

        var authority = new X509Certificate2Collection();
        try
        {
            authority.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException)
        {
            errors.Add($"--tls-ca: '{path}' cannot be read as PEM certificates ({ex.Message}); expected the PEM certificate of the cluster's CA");
            return null;
        }

        if (authority.Count == 0)
        {
            errors.Add($"--tls-ca: '{path}' holds no PEM certificate (no '-----BEGIN CERTIFICATE-----'); expected the PEM certificate of the cluster's CA");
            return null;
        }

        return authority;
    }

    private static X509Certificate2? LoadCertificate(TlsOptions options, List<string> errors)
    {
        string path = options.Certificate!;
        bool pkcs12 = path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase);
        if (!File.Exists(path))
        {
            errors.Add($"--tls-cert: '{path}' does not exist; {CertificateRule}");
            return null;
        }

        if (pkcs12 && options.Key is not null)
        {
            errors.Add($"--tls-key: '{options.Key}' is not allowed with a PKCS#12 --tls-cert ('{path}' holds its key); expected no --tls-key");
            return null;
        }

        if (!pkcs12 && options.Key is null)
        {
            errors.Add($"--tls-key: required with the PEM --tls-cert '{path}'; expected its PEM private key file");
            return null;
        }

        if (!pkcs12 && !File.Exists(options.Key))
        {
            errors.Add($"--tls-key: '{options.Key}' does not exist; expected the PEM private key of --tls-cert");
            return null;
        }

        try
        {
            X509Certificate2 certificate = pkcs12
                ? X509CertificateLoader.LoadPkcs12FromFile(path, options.Password)
                : X509Certificate2.CreateFromPemFile(path, options.Key);
            if (!certificate.HasPrivateKey)
            {
                certificate.Dispose();
                errors.Add($"--tls-cert: '{path}' has no private key; {CertificateRule}");
                return null;
            }

            return certificate;
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            string what = pkcs12 ? $"--tls-cert: '{path}' cannot be read as PKCS#12 (wrong or missing password in MFC_Silo__TlsPassword/MFC_TLS_PASSWORD?)" : $"--tls-cert/--tls-key: '{path}' with key '{options.Key}' cannot be read as a PEM certificate and its matching private key";
            errors.Add($"{what}: {ex.Message}; {CertificateRule}");
            return null;
        }
    }
}
