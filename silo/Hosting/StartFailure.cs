using StackExchange.Redis;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Turns whatever stopped a silo's start into the lines an operator reads before exit code 2: a Redis
/// that refused the password is named as such, and the connection string is shown with its password
/// redacted (docs/security.md, "Secrets").
/// </summary>
public static class StartFailure
{
    /// <summary>The error lines for <paramref name="error"/>, raised while starting a silo with <paramref name="options"/>.</summary>
    public static IReadOnlyList<string> Describe(Exception error, SiloOptions options)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(options);
        string redis = SiloOptions.Redact(options.Redis ?? "");
        if (IsAuthenticationFailure(error))
        {
            return
            [
                $"error: --redis ({redis}): Redis refused the credentials (wrong or missing password=..., or user=... not allowed)",
                "  the password must match the server's requirepass (or an ACL user's); pass it in MFC_Silo__Redis rather than on the command line",
            ];
        }

        return
        [
            $"error: the silo could not start: {error.GetBaseException().Message}",
            $"  check --redis ({redis}) is reachable and the ports {options.SiloPort}/{options.GatewayPort} are free",
        ];
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
