using Microsoft.Extensions.Options;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>What <c>mfc-silo</c> says when it cannot start, and where its worker count came from.</summary>
public static class SiloStart
{
    /// <summary>The exit code of a silo that cannot start: a setting, or what a setting points at, is wrong.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// Validates every concern of the settings at once (SiloOptions, WorkerOptions, SweepPolicy, TlsOptions and, when
    /// the HTTP endpoint is on, WebEndpointOptions) and the ports across them; returns the failures, each
    /// naming the setting, the value and what is allowed. The host validates them again when it starts.
    /// </summary>
    public static IReadOnlyList<string> Validate(IServiceProvider services, bool web)
    {
        ArgumentNullException.ThrowIfNull(services);
        var errors = new List<string>();
        SiloOptions? silo = Read<SiloOptions>(services, errors);
        Read<WorkerOptions>(services, errors);
        Read<SweepPolicy>(services, errors);
        Read<TlsOptions>(services, errors);
        if (web && Read<Web.WebEndpointOptions>(services, errors) is { } http && silo is not null && (http.Port == silo.SiloPort || http.Port == silo.GatewayPort))
        {
            errors.Add($"--http-port: {http.Port} is also the silo or gateway port; expected a different port (or 0 to turn the HTTP endpoint off)");
        }

        return errors;
    }

    private static T? Read<T>(IServiceProvider services, List<string> errors)
        where T : class
    {
        try
        {
            return ((IOptions<T>)services.GetService(typeof(IOptions<T>))!).Value;
        }
        catch (OptionsValidationException ex)
        {
            errors.AddRange(ex.Failures);
        }
        catch (InvalidOperationException ex)
        {
            errors.Add(Describe(ex));
        }

        return null;
    }

    /// <summary>
    /// Why the command line is not made of known options with their values ("--name value" or "--name=value"), or null
    /// when it is: an unknown option (a typo such as --worker) is named with the nearest known ones instead of being
    /// ignored, as the configuration's command-line source would do.
    /// </summary>
    public static string? CheckArguments(IReadOnlyList<string> args, IReadOnlyCollection<string> options)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(options);
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                return $"'{arg}' is not allowed here; expected options of the form --name value (mfc-silo --help lists them)";
            }

            string name = arg.Split('=', 2)[0];
            if (!options.Contains(name))
            {
                List<string> nearest = [.. options
                    .Select(o => (Option: o, Shared: o.Zip(name).TakeWhile(p => p.First == p.Second).Count()))
                    .Where(x => x.Shared > 2)
                    .OrderByDescending(x => x.Shared)
                    .ThenBy(x => x.Option, StringComparer.Ordinal)
                    .Take(3)
                    .Select(x => x.Option)];
                string hint = nearest.Count > 0 ? $"nearest: {string.Join(", ", nearest)}; " : "";
                return $"{name}: unknown option; {hint}mfc-silo --help lists the options";
            }

            if (!arg.Contains('=', StringComparison.Ordinal) && ++i >= args.Count)
            {
                return $"{name}: no value; expected {name} <value>";
            }
        }

        return null;
    }

    /// <summary>A setting that cannot be read as its type (e.g. --workers many): one line, exit 2.</summary>
    public static int BadSetting(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        Console.Error.WriteLine($"error: {Describe(exception)}");
        return BadInput;
    }

    // "Failed to convert configuration value 'many' at 'Silo:Workers' to type 'System.Int32'." becomes
    // "--workers: 'many' is not allowed; expected an integer": the option, the value and what is allowed.
    private static string Describe(Exception exception)
    {
        var match = System.Text.RegularExpressions.Regex.Match(exception.Message, "^Failed to convert configuration value '(?<value>.*)' at '[^:']*:(?<key>[^']+)' to type '(?<type>[^']+)'");
        if (!match.Success)
        {
            return $"{exception.Message}{(exception.InnerException is null ? "" : $" ({exception.InnerException.Message})")}";
        }

        string option = "--" + System.Text.RegularExpressions.Regex.Replace(match.Groups["key"].Value, "(?<=[a-z0-9])([A-Z])", "-$1").ToLowerInvariant();
        string expected = match.Groups["type"].Value switch
        {
            "System.Int32" or "System.Int64" => "an integer",
            "System.Double" => "a number",
            "System.Boolean" => "true or false",
            var type => $"a value of type {type}",
        };
        return $"{option}: '{match.Groups["value"].Value}' is not allowed; expected {expected}";
    }

    /// <summary>
    /// A start that failed: every failed validation on a line of its own (naming the setting, the value and
    /// what is allowed), a setting that could not be converted, or whatever else stopped the start (Redis
    /// unreachable, a port taken meanwhile, a timeout). Exit 2.
    /// </summary>
    public static int Failed(Exception exception, IServiceProvider services)
    {
        ArgumentNullException.ThrowIfNull(exception);
        ArgumentNullException.ThrowIfNull(services);
        var validation = Flatten(exception).OfType<OptionsValidationException>().SelectMany(e => e.Failures).Distinct().ToList();
        if (validation.Count > 0)
        {
            foreach (string failure in validation)
            {
                Console.Error.WriteLine($"error: {failure}");
            }

            return BadInput;
        }

        if (Flatten(exception).OfType<InvalidOperationException>().FirstOrDefault(e => e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal)) is { } conversion)
        {
            return BadSetting(conversion);
        }

        SiloOptions? options = null;
        try
        {
            options = (services.GetService(typeof(IOptions<SiloOptions>)) as IOptions<SiloOptions>)?.Value;
        }
        catch (Exception ex) when (ex is OptionsValidationException or InvalidOperationException)
        {
            // Reported below without the settings.
        }

        Console.Error.WriteLine($"error: the silo could not start: {exception.GetBaseException().Message}");
        if (options is not null)
        {
            Console.Error.WriteLine($"  check --redis ({SiloOptions.Redact(options.Redis ?? "")}) is reachable and the ports {options.SiloPort}/{options.GatewayPort} are free");
        }

        return BadInput;
    }

    /// <summary>
    /// Where the worker count came from: the setting when <paramref name="explicitSetting"/>, else .NET's
    /// processor count, which follows a cgroup CPU quota (a container's or a SLURM job's) when one is set.
    /// </summary>
    public static string WorkerSource(bool explicitSetting)
    {
        if (explicitSetting)
        {
            return "set by --workers";
        }

        if (Environment.GetEnvironmentVariable("DOTNET_PROCESSOR_COUNT") is { Length: > 0 } forced)
        {
            return $"the processor count, DOTNET_PROCESSOR_COUNT={forced}";
        }

        return CgroupQuota() is { } quota
            ? $"the cgroup CPU quota, {quota}"
            : "the processor count";
    }

    // cgroup v2's cpu.max ("200000 100000" is 2 CPUs; "max 100000" is no quota), else null.
    private static string? CgroupQuota()
    {
        try
        {
            const string path = "/sys/fs/cgroup/cpu.max";
            if (!File.Exists(path))
            {
                return null;
            }

            string[] fields = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length == 2 && double.TryParse(fields[0], System.Globalization.CultureInfo.InvariantCulture, out double quota) && double.TryParse(fields[1], System.Globalization.CultureInfo.InvariantCulture, out double period) && period > 0)
            {
                return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{quota / period:0.##} CPUs");
            }

            return null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static IEnumerable<Exception> Flatten(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}
