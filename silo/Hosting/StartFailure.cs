using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// A start stopped by Redis refusing the credentials (wrong or missing password): said as such, with the
/// connection string's password redacted (docs/security.md, "Secrets"). Other failures are
/// <see cref="SiloStart.Failed"/>'s.
/// </summary>
public static class StartFailure
{
    /// <summary>
    /// When <paramref name="error"/> is Redis refusing the credentials, writes what to fix to standard error
    /// and returns true (the silo then exits with <see cref="SiloStart.BadInput"/>); otherwise writes nothing.
    /// </summary>
    public static bool ReportRefusedCredentials(Exception error, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(services);
        if (!IsAuthenticationFailure(error))
        {
            return false;
        }

        string redis;
        try
        {
            redis = SiloOptions.Redact((services.GetService(typeof(IOptions<SiloOptions>)) as IOptions<SiloOptions>)?.Value.Redis ?? "");
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            redis = "";
        }

        Console.Error.WriteLine($"error: --redis ({redis}): Redis refused the credentials (wrong or missing password=..., or a user=... it does not allow)");
        Console.Error.WriteLine("  the password must match the server's requirepass (or an ACL user's); pass it in MFC_Silo__Redis rather than on the command line");
        return true;
    }

    /// <summary>Whether Redis answered the connection with an authentication error (WRONGPASS, NOAUTH, a failed AUTH).</summary>
    public static bool IsAuthenticationFailure(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure }
                || e.Message.Contains("WRONGPASS", StringComparison.Ordinal)
                || e.Message.Contains("NOAUTH", StringComparison.Ordinal)
                || e.Message.Contains("authentication failure", StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
