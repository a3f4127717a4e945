using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.Kernels;

namespace MeanFieldCluster.Client.Results;

/// <summary>
/// Where and with what a results folder was made: summary.json's <c>provenance</c> object (docs/results.md).
/// The commit is the one the tool was built from (the SDK stamps it into the informational version when
/// building from a git checkout); host, CPU and SIMD width are those of the process that wrote the folder
/// (in cluster mode the points ran on the silos, whose machines the dashboard and metrics show).
/// </summary>
/// <param name="ToolVersion">The tool's version, without the commit.</param>
/// <param name="GitCommit">The commit the tool was built from; null when it was not built from a checkout.</param>
/// <param name="Host">Host name.</param>
/// <param name="CpuModel">CPU model name (from /proc/cpuinfo; the architecture elsewhere).</param>
/// <param name="SimdBits">Widest vector width the SGD kernels use on this machine: 512, 256, or 64 (scalar).</param>
/// <param name="ProcessorCount">Logical processors the process may use.</param>
/// <param name="DotNet">The .NET runtime, e.g. ".NET 10.0.0".</param>
/// <param name="Os">The operating system.</param>
/// <param name="CommandLine">The command as typed: "mfc" and its arguments, each quoted when it needs to be.</param>
internal sealed record Provenance(string ToolVersion, string? GitCommit, string Host, string CpuModel, int SimdBits, int ProcessorCount, string DotNet, string Os, string CommandLine)
{
    private static readonly AsyncLocal<string?> CurrentCommandLine = new();

    /// <summary>Records the arguments of the command being run (set by <see cref="Cli.RunAsync"/>) for this async flow.</summary>
    public static void SetCommandLine(IEnumerable<string> args) =>
        CurrentCommandLine.Value = string.Join(' ', new[] { "mfc" }.Concat(Redact(args).Select(Quote)));

    /// <summary>
    /// The arguments with secrets replaced by "***": the value after an option whose name holds "token" or
    /// "password", and a connection string's <c>password=...</c> part (a Redis address may carry one). Results
    /// folders are shared; credentials must not travel with them.
    /// </summary>
    internal static IEnumerable<string> Redact(IEnumerable<string> args)
    {
        bool secretNext = false;
        foreach (string arg in args)
        {
            if (secretNext)
            {
                secretNext = false;
                yield return "***";
                continue;
            }

            string name = arg.Split('=', 2)[0];
            bool secretOption = arg.StartsWith("--", StringComparison.Ordinal)
                && (name.Contains("token", StringComparison.OrdinalIgnoreCase) || name.Contains("password", StringComparison.OrdinalIgnoreCase));
            if (secretOption && arg.Contains('=', StringComparison.Ordinal))
            {
                yield return name + "=***";
                continue;
            }

            secretNext = secretOption;
            yield return System.Text.RegularExpressions.Regex.Replace(arg, "(?i)(password=)[^,;]*", "$1***");
        }
    }

    /// <summary>The provenance of this process, now.</summary>
    public static Provenance Current()
    {
        string informational = typeof(Provenance).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";
        string[] parts = informational.Split('+', 2);
        return new Provenance(
            parts[0],
            parts.Length == 2 && parts[1].Length > 0 ? parts[1] : null,
            Environment.MachineName,
            ReadCpuModel(),
            Simd.Best switch { SimdWidth.Vector512 => 512, SimdWidth.Vector256 => 256, _ => 64 },
            Environment.ProcessorCount,
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription,
            CurrentCommandLine.Value ?? string.Join(' ', Redact(Environment.GetCommandLineArgs()).Select(Quote)));
    }

    /// <summary>A short hash of the resolved spec's canonical JSON: "sha256:" and 64 hex digits.</summary>
    public static string SpecHash(string specJson) =>
        "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(specJson)));

    /// <summary>summary.json's <c>provenance</c> object.</summary>
    public JsonObject ToJson() => new()
    {
        ["tool_version"] = ToolVersion,
        ["git_commit"] = GitCommit,
        ["host"] = Host,
        ["cpu_model"] = CpuModel,
        ["simd_bits"] = SimdBits,
        ["processor_count"] = ProcessorCount,
        ["dotnet"] = DotNet,
        ["os"] = Os,
        ["command_line"] = CommandLine,
    };

    private static string ReadCpuModel()
    {
        const string key = "model name";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
            {
                foreach (string line in File.ReadLines("/proc/cpuinfo"))
                {
                    int colon = line.IndexOf(':', StringComparison.Ordinal);
                    if (colon > 0 && line[..colon].Trim() == key)
                    {
                        return line[(colon + 1)..].Trim();
                    }
                }
            }
        }
        catch (IOException)
        {
            // Fall through to the architecture.
        }
        catch (UnauthorizedAccessException)
        {
            // Fall through to the architecture.
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    // POSIX shell quoting, only where needed, so the line can be pasted back into a shell.
    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
