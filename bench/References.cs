using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeanFieldCluster.Bench;

/// <summary>
/// Runs a reference script of bench/baselines with a Python that can import its library: one process per
/// reference, one thread (OMP/MKL/OpenBLAS thread counts 1; the script sets torch to one thread), with
/// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from its environment so OpenBLAS picks its own kernels.
/// </summary>
internal sealed class Reference(string library, string script, string python)
{
    public const string InstallHint = "install them with: sudo apt-get install python3-torch python3-numpy";

    private static readonly string[] Candidates = ["/usr/bin/python3", "python3", "/usr/local/bin/python3", "python"];

    public string Library { get; } = library;

    public string? Version { get; private set; }

    public static string BaselineFolder => Path.Combine(AppContext.BaseDirectory, "baselines");

    /// <summary>The reference for <paramref name="library"/> (torch or numpy), or null (after saying why) when no Python can import it.</summary>
    public static Reference? Find(string library)
    {
        foreach (string candidate in Candidates)
        {
            if (Succeeds(candidate, ["-c", $"import {library}"]))
            {
                return new Reference(library, Path.Combine(BaselineFolder, $"{library}_baseline.py"), candidate);
            }
        }

        Console.WriteLine($"The {library} reference is skipped: no python3 here can import {library}; {InstallHint}");
        return null;
    }

    /// <summary>Microseconds per step of each case, by case name.</summary>
    public Dictionary<string, double> Time(IReadOnlyList<BenchCase> cases, string folder, double seconds, int repeats)
    {
        string file = Path.Combine(folder, $"cases-{Library}.json");
        File.WriteAllText(file, JsonSerializer.Serialize(cases.Select(c => c.ToReference()).ToList()));
        JsonNode output = RunScript(["--cases", file, "--seconds", seconds.ToString("R", CultureInfo.InvariantCulture), "--repeats", repeats.ToString(CultureInfo.InvariantCulture)]);
        Version = output["version"]?.GetValue<string>();
        return output["results"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!["us_per_step"]!.GetValue<double>());
    }

    /// <summary>Runs the verification cases written to <paramref name="folder"/> (see <see cref="Verification"/>).</summary>
    public void Verify(string folder) => RunScript(["--verify", folder]);

    private JsonNode RunScript(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(python)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = BaselineFolder,
        };
        start.ArgumentList.Add(script);
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        foreach (string threads in new[] { "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS" })
        {
            start.Environment[threads] = "1";
        }

        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.WriteLine($"  [{Library}] {e.Data}");
            }
        };
        process.BeginErrorReadLine();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"The {Library} reference failed with exit code {process.ExitCode}.");
        }

        string last = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonNode.Parse(last) ?? throw new InvalidOperationException($"The {Library} reference printed no result.");
    }

    private static bool Succeeds(string file, string[] arguments)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string a in arguments)
            {
                start.ArgumentList.Add(a);
            }

            using Process? process = Process.Start(start);
            if (process is null)
            {
                return false;
            }

            process.StandardOutput.ReadToEnd();
            process.StandardError.ReadToEnd();
            return process.WaitForExit(120_000) && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
