using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Bench;

/// <summary>
/// Runs a reference of bench/baselines: a Python script run by a Python that can import its library, or the
/// native C++ reference compiled here (<see cref="Native"/>). One process per reference, one thread
/// (OMP/MKL/OpenBLAS thread counts 1; the torch script sets torch to one thread), with OPENBLAS_CORETYPE and
/// OPENBLAS_L2_SIZE removed from its environment so OpenBLAS picks its own kernels.
/// </summary>
internal sealed class Reference
{
    public const string InstallHint = "install them with: sudo apt-get install python3-torch python3-numpy";

    private static readonly string[] Candidates = ["/usr/bin/python3", "python3", "/usr/local/bin/python3", "python"];

    private readonly string _program;
    private readonly string[] _leading;
    private readonly bool _native;

    private Reference(string library, string program, string[] leading, bool native)
    {
        Library = library;
        _program = program;
        _leading = leading;
        _native = native;
    }

    public string Library { get; }

    public string? Version { get; private set; }

    /// <summary>Processor microseconds per step of each case timed, by case name, when the reference reports them (the native one does).</summary>
    public Dictionary<string, double> CpuTimes { get; private set; } = [];

    public static string BaselineFolder => Path.Combine(AppContext.BaseDirectory, "baselines");

    /// <summary>The reference for <paramref name="library"/> (torch or numpy), or null (after saying why) when no Python can import it.</summary>
    public static Reference? Find(string library) => Find(library, $"{library}_baseline.py", library);

    /// <summary>The reference named <paramref name="name"/> that runs baselines/<paramref name="script"/> with a Python that can import <paramref name="library"/>, or null (after saying why).</summary>
    public static Reference? Find(string library, string script, string name)
    {
        foreach (string candidate in Candidates)
        {
            if (Succeeds(candidate, ["-c", $"import {library}"]))
            {
                return new Reference(name, candidate, [Path.Combine(BaselineFolder, script)], native: false);
            }
        }

        Console.WriteLine($"The {name} reference is skipped: no python3 here can import {library}; {InstallHint}");
        return null;
    }

    /// <summary>
    /// The native references (baselines/native_baseline.cpp) compiled into <paramref name="folder"/> with
    /// <c>g++ -O3 -march=native</c>: "native", the plain loop with one running sum in the inner product, and
    /// "native8", the same loop with eight partial sums. Empty (after saying why) when g++ is missing or the
    /// compilation fails.
    /// </summary>
    public static IReadOnlyList<Reference> Native(string folder)
    {
        Directory.CreateDirectory(folder);
        string program = Path.Combine(folder, "native_baseline");
        string source = Path.Combine(BaselineFolder, "native_baseline.cpp");
        (int exit, string errors) = Run("g++", ["-O3", "-march=native", "-std=c++17", "-o", program, source]);
        if (exit == -1)
        {
            Console.WriteLine("The native reference is skipped: g++ was not found (or took over two minutes); install it with: sudo apt-get install g++");
            return [];
        }

        if (exit != 0)
        {
            Console.WriteLine($"The native reference is skipped: g++ -O3 -march=native failed on {source} (exit code {exit}):");
            Console.WriteLine(errors);
            return [];
        }

        return
        [
            new Reference("native", program, ["--sums", "1", "--tag", "native"], native: true),
            new Reference("native8", program, ["--sums", "8", "--tag", "native8"], native: true),
        ];
    }

    /// <summary>Whether the reference implements the case's model (the native one implements mmn-isotropic only).</summary>
    public bool Supports(BenchCase c) => !_native || c.Model == Presets.MmnIsotropic;

    /// <summary>Microseconds per step of each case it supports, by case name.</summary>
    public Dictionary<string, double> Time(IReadOnlyList<BenchCase> all, string folder, double seconds, int repeats)
    {
        List<BenchCase> cases = [.. all.Where(Supports)];
        if (cases.Count == 0)
        {
            return [];
        }

        string file = Path.Combine(folder, $"cases-{Library}.{(_native ? "txt" : "json")}");
        File.WriteAllText(file, _native ? string.Concat(cases.Select(c => c.ToReferenceLine() + "\n")) : JsonSerializer.Serialize(cases.Select(c => c.ToReference()).ToList()));
        JsonNode output = RunScript(["--cases", file, "--seconds", seconds.ToString("R", CultureInfo.InvariantCulture), "--repeats", repeats.ToString(CultureInfo.InvariantCulture)]);
        Version = output["version"]?.GetValue<string>();
        CpuTimes = output["results"]!.AsArray().Where(r => r!["cpu_us_per_step"] is not null).ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!["cpu_us_per_step"]!.GetValue<double>());
        return output["results"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => r!["us_per_step"]!.GetValue<double>());
    }

    /// <summary>Runs the verification cases written to <paramref name="folder"/> (see <see cref="Verification"/>).</summary>
    public void Verify(string folder) => RunScript(["--verify", folder]);

    /// <summary>Runs the reference with <paramref name="arguments"/> (one thread) and returns the JSON of its last line of output; throws <see cref="InvalidOperationException"/> when it fails.</summary>
    public JsonNode RunScript(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(_program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = BaselineFolder,
        };
        foreach (string a in _leading.Concat(arguments))
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
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_program}.");
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

    private static bool Succeeds(string file, string[] arguments) => Run(file, arguments).Exit == 0;

    /// <summary>Runs a program to its end: its exit code (-1 when it could not be started or took over two minutes) and its standard error.</summary>
    private static (int Exit, string Errors) Run(string file, string[] arguments)
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
                return (-1, "");
            }

            Task<string> errors = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000))
            {
                process.Kill(entireProcessTree: true);
                return (-1, "");
            }

            return (process.ExitCode, errors.Result);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return (-1, "");
        }
    }
}
