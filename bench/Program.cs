using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using BenchmarkDotNet.Running;
using MeanFieldCluster.Bench;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Specs;

// dotnet run -c Release --project bench -- --json FILE [--quick] [--no-references] [--case NAME]...
// dotnet run -c Release --project bench -- kernels [BenchmarkDotNet arguments, e.g. --filter '*']
// dotnet run -c Release --project bench -- cores
// dotnet run -c Release --project bench -- together [SPEC] [SECONDS]
if (args.Length > 0 && args[0] == "kernels")
{
    BenchmarkSwitcher.FromAssembly(typeof(KernelBenchmarks).Assembly).Run(args[1..]);
    return 0;
}

if (args.Length == 1 && args[0] == "cores")
{
    // One line for scripts (bench/scale-out.sh): every core's relative speed, or nothing where it cannot be measured.
    Console.WriteLine(Cores.Describe(Cores.Measure()));
    return 0;
}

if (args.Length is >= 1 and <= 3 && args[0] == "together")
{
    // One line for scripts (bench/scale-out.sh): the sweep's point alone on each core and on all at once.
    string specPath = args.Length > 1 ? args[1] : "examples/bench-64-points.yaml";
    double seconds = 1;
    if (args.Length > 2 && (!double.TryParse(args[2], NumberStyles.Float, CultureInfo.InvariantCulture, out seconds) || !(seconds is > 0 and <= 60)))
    {
        Console.Error.WriteLine($"together: SECONDS '{args[2]}' is not allowed; expected a number of seconds per phase from 0 to 60.");
        return 2;
    }

    if (!File.Exists(specPath))
    {
        Console.Error.WriteLine($"together: SPEC '{specPath}' does not exist.");
        return 2;
    }

    try
    {
        Console.WriteLine(Together.Measure(specPath, seconds) ?? "");
    }
    catch (SpecException ex)
    {
        Console.Error.WriteLine($"together: SPEC '{specPath}': {ex.Message}");
        return 2;
    }

    return 0;
}

string? json = null;
bool quick = false, references = true;
int? pinned = null;
var only = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--json" when i + 1 < args.Length:
            json = args[++i];
            break;
        case "--quick":
            quick = true;
            break;
        case "--no-references":
            references = false;
            break;
        case "--case" when i + 1 < args.Length:
            only.Add(args[++i]);
            break;
        case "--cpu" when i + 1 < args.Length:
            if (!int.TryParse(args[++i], NumberStyles.None, CultureInfo.InvariantCulture, out int core) || !Cores.Allowed().Contains(core))
            {
                Console.Error.WriteLine($"--cpu: '{args[i]}' is not a core this process may run on; allowed: {string.Join(", ", Cores.Allowed())}.");
                return 2;
            }

            pinned = core;
            break;
        case "--help" or "-h":
            Console.WriteLine(Usage.Text);
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. {Usage.Text}");
            return 2;
    }
}

foreach (string name in only)
{
    if (!BenchCase.All.Any(c => c.Name == name) && name != LdReplicas.Name)
    {
        Console.Error.WriteLine($"--case: unknown case '{name}'; the cases are {string.Join(", ", BenchCase.All.Select(c => c.Name).Append(LdReplicas.Name))}.");
        return 2;
    }
}

IReadOnlyList<BenchCase> cases = only.Count == 0 ? BenchCase.All : [.. BenchCase.All.Where(c => only.Contains(c.Name))];
bool ldReplicas = only.Count == 0 || only.Contains(LdReplicas.Name);

if (json is null)
{
    Console.Error.WriteLine("--json FILE is required: the file the results are written to (a JSON array, one object per case).");
    return 2;
}

var clock = System.Diagnostics.Stopwatch.StartNew();
string cpu = Machine.CpuModel();
Console.WriteLine($"Machine: {cpu}, {Environment.ProcessorCount} cores, kernels at {Simd.Best}, {RuntimeInformation.FrameworkDescription}, load average {Machine.LoadAverage()}");

// Every timing of this run, and the references it starts, on one core (bench/Cores.cs): the fastest by the probe
// unless --cpu names one.
IReadOnlyList<int> allowedCores = Cores.Allowed();
IReadOnlyList<(int Core, double Speed, double Milliseconds)> speeds = Cores.Measure();
pinned ??= speeds.Count > 0 ? speeds.MaxBy(s => s.Speed).Core : null;
bool Hold() => pinned is { } core && Cores.Hold(core, allowedCores);
if (!Hold())
{
    pinned = null;
}

Console.WriteLine(speeds.Count > 0
    ? $"Cores (relative speed by a fixed probe): {Cores.Describe(speeds)}; timings and references pinned to cpu{pinned}{(speeds.Min(s => s.Speed) < 0.9 ? " (the cores differ: an unpinned timing would depend on which one the scheduler picked)" : "")}"
    : pinned is { } only1 ? $"Timings and references pinned to cpu{only1}" : "Timings not pinned to a core");
Console.WriteLine(quick ? "Mode: --quick (short timings)" : "Mode: full timings");

(double Warm, double Repeat, int Repeats, double Triad, double RefSeconds, int RefRepeats) timing = quick
    ? (0.3, 0.1, 5, 0.3, 0.3, 3)
    : (1.0, 0.4, 7, 1.0, 1.0, 5);

// The timed runs of all cases are interleaved (run r of every case before run r + 1 of any), so ratios between
// cases of this run (float64 over float32) compare the same moments of the machine's load.
var rows = new List<Row>();
IReadOnlyList<EngineTimer.Result> measured = EngineTimer.Interleaved(cases, timing.Warm, timing.Repeat, timing.Repeats, () => Hold());
foreach ((BenchCase c, EngineTimer.Result ours) in cases.Zip(measured))
{
    int size = c.Dtype == Precisions.Float32 ? 4 : 8;
    long first = (long)c.Width * c.D, matrix = (long)c.Width * c.Width, hidden = (c.Layers - 1) * matrix;

    // Bytes a fused step reads and writes: the first layer read once and its updated rows written once, each
    // inner matrix read and written once (BenchCase.InnerMatrixPasses), and the length-N vectors of the
    // step's passes (BenchCase.VectorPasses).
    double bytes = size * ((first * (1 + ours.RowsWrittenFraction)) + ((double)c.InnerMatrixPasses * matrix) + ((double)c.VectorPasses * c.Width));
    long workingSet = size * (first + hidden + ((long)c.VectorPasses * c.Width / 2));
    double roofline = Triad.Gbps(workingSet, timing.Triad, timing.Repeats);
    double streaming = Triad.StreamingGbps(workingSet, timing.Triad, timing.Repeats);
    double read = Triad.ReadGbps(workingSet, timing.Triad, timing.Repeats);
    double achieved = bytes / (ours.UsPerStep * 1e-6) / 1e9;
    rows.Add(new Row(c, ours, bytes, workingSet, achieved, roofline, streaming, read));
    Console.WriteLine($"  {c.Name,-26} {ours.UsPerStep,10:F2} us/step ({ours.CpuUsPerStep,8:F2} us cpu)  {achieved,7:F1} GB/s of {roofline,6:F1} triad  (streaming-store triad {streaming:F1}, read-only {read:F1}; {ours.RowsWrittenFraction:P0} of first-layer rows written)");
}

string work = Path.Combine(Path.GetTempPath(), $"mfc-bench-{Environment.ProcessId}");
Directory.CreateDirectory(work);
var timings = new Dictionary<string, Dictionary<string, double>>();
var found = new List<Reference>();
if (references)
{
    Hold();
    foreach (string library in new[] { "torch", "numpy" })
    {
        if (Reference.Find(library) is { } reference)
        {
            Console.WriteLine($"Running the {library} reference ...");
            try
            {
                timings[library] = reference.Time(cases, work, timing.RefSeconds, timing.RefRepeats);
                found.Add(reference);
            }
            catch (InvalidOperationException ex)
            {
                Console.WriteLine($"The {library} reference gave no timings: {ex.Message}");
            }
        }
    }

    foreach (Reference native in cases.Any(c => c.Model == Presets.MmnIsotropic) ? Reference.Native(Path.Combine(work, "native")) : [])
    {
        Console.WriteLine($"Running the {native.Library} reference (C++, g++ -O3 -march=native) ...");
        try
        {
            timings[native.Library] = native.Time(cases, work, timing.RefSeconds, timing.RefRepeats);
            found.Add(native);
        }
        catch (InvalidOperationException ex)
        {
            Console.WriteLine($"The {native.Library} reference gave no timings: {ex.Message}");
        }
    }
}

Dictionary<string, Dictionary<string, double>> checks = found.Count > 0 && cases.Count > 0 ? Verification.Run(found, Path.Combine(work, "verify")) : [];
var output = rows.Select(r => r.ToJson(timings, checks, found, cpu)).ToList();
Hold();
List<Dictionary<string, object?>> ldRows = ldReplicas ? LdReplicaRows.Run(references, work, timing.Warm, timing.Repeat, timing.Repeats, timing.RefSeconds, timing.RefRepeats, cpu) : [];
// The probe again: the cores' speeds change over minutes here (the slow core moves), so a run whose speeds changed
// between start and end may have been timed on a core that was slowed for part of it.
IReadOnlyList<(int Core, double Speed, double Milliseconds)> speedsAtEnd = Cores.Measure(allowedCores);
foreach (Dictionary<string, object?> o in output.Concat(ldRows))
{
    o["pinned_cpu"] = pinned;
    o["core_speeds"] = speeds.Count > 0 ? speeds.ToDictionary(s => $"cpu{s.Core}", s => Math.Round(s.Speed, 3)) : null;
    o["core_speeds_at_end"] = speedsAtEnd.Count > 0 ? speedsAtEnd.ToDictionary(s => $"cpu{s.Core}", s => Math.Round(s.Speed, 3)) : null;
}

File.WriteAllText(json, JsonSerializer.Serialize(output.Concat(ldRows), new JsonSerializerOptions { WriteIndented = true }));
Directory.Delete(work, recursive: true);

Console.WriteLine();
Console.WriteLine(Row.Header);
foreach (Dictionary<string, object?> o in output)
{
    Console.WriteLine(Row.Format(o));
}

Console.WriteLine();
foreach ((string model, Dictionary<string, double> perLibrary) in checks)
{
    Console.WriteLine($"Reference check, {model}: {string.Join(", ", perLibrary.Select(p => $"{p.Key} differs from the engine by at most {p.Value:E1} (relative) after {Verification.Steps} steps"))}");
}

if (found.Count(r => r.Library is "torch" or "numpy") < 2)
{
    Console.WriteLine($"Reference timings missing: {Reference.InstallHint}");
}

Console.WriteLine();
foreach (string line in Targets.Check([.. output, .. ldRows]))
{
    Console.WriteLine(line);
}

if (speedsAtEnd.Count > 0)
{
    Console.WriteLine($"Cores at the end: {Cores.Describe(speedsAtEnd)} (at the start: {Cores.Describe(speeds)}; timings on cpu{pinned})");
}

Console.WriteLine($"Wrote {json} in {clock.Elapsed.TotalSeconds:F0} s.");
return 0;

/// <summary>Issue #4's and #20's targets, checked on the cases of this run (a case not run, or a reference not measured, says so).</summary>
internal static class Targets
{
    public static IEnumerable<string> Check(IReadOnlyList<Dictionary<string, object?>> cases)
    {
        Dictionary<string, Dictionary<string, object?>> byName = cases.ToDictionary(o => (string)o["name"]!);
        yield return "Targets (issues #4 and #20):";
        yield return Ratio(byName, "mmn-isotropic-N800-f64", "ratio_vs_torch", 6);
        yield return Ratio(byName, "mmn-isotropic-N800-f64", "ratio_vs_numpy", 6);
        yield return Ratio(byName, "mmn-isotropic-N800-f32", "ratio_vs_torch", 10);
        yield return Ratio(byName, "mmn-isotropic-N800-f64", "ratio_vs_native", 2);
        yield return Ratio(byName, "mmn-isotropic-N20000-f64", "ratio_vs_native", 1.5);
        yield return Ratio(byName, "mmn-isotropic-N800-f64", "cpu_ratio_vs_native", 2);
        yield return Ratio(byName, "mmn-isotropic-N20000-f64", "cpu_ratio_vs_native", 1.5);
        yield return Informational(byName, "mmn-isotropic-N800-f64", "ratio_vs_native8", 2);
        yield return Informational(byName, "mmn-isotropic-N20000-f64", "ratio_vs_native8", 1.5);
        yield return Informational(byName, "mmn-isotropic-N800-f64", "cpu_ratio_vs_native8", 2);
        yield return Informational(byName, "mmn-isotropic-N20000-f64", "cpu_ratio_vs_native8", 1.5);
        foreach (Dictionary<string, object?> o in cases.Where(o => o["width"] is int n && n >= 4000 && o["model"] is string m && m != Presets.ThreeLayer && m != Presets.DeepFixedEnds))
        {
            yield return Ratio(byName, (string)o["name"]!, "roofline_fraction", 0.6);
        }

        yield return Stretch(byName, "mmn-isotropic-N800-f64", 2.5);
        foreach ((int width, double target) in new[] { (800, 1.5), (20_000, 1.7) })
        {
            yield return Float32Gain(byName, width, "us_per_step", target);
            yield return Float32Gain(byName, width, "cpu_us_per_step", target);
        }

        foreach (string model in new[] { Presets.ThreeLayer, Presets.DeepFixedEnds })
        {
            yield return Ratio(byName, $"{model}-N256-f64", "ratio_vs_torch", 5);
            yield return Ratio(byName, $"{model}-N256-f64", "cpu_ratio_vs_torch", 5);
            yield return Ratio(byName, $"{model}-N1024-f64", "roofline_fraction", 0.6);
            yield return Ratio(byName, $"{model}-N1024-f64", "cpu_roofline_fraction", 0.6);
            yield return Ratio(byName, $"{model}-N4096-f64", "roofline_fraction", 0.6);
            yield return Ratio(byName, $"{model}-N4096-f64", "cpu_roofline_fraction", 0.6);
        }

        foreach ((int width, int d) in LdReplicas.Shapes)
        {
            yield return Ratio(byName, LdReplicas.CaseName(width, d), "ratio_vs_numpy", 10);
            yield return Ratio(byName, LdReplicas.CaseName(width, d), "cpu_ratio_vs_numpy", 10);
            yield return Within(byName, LdReplicas.CaseName(width, d), "estimate_over_cpu", 0.5, 2);
        }
    }

    private static string Ratio(Dictionary<string, Dictionary<string, object?>> byName, string name, string field, double target)
    {
        if (!byName.TryGetValue(name, out Dictionary<string, object?>? o))
        {
            return $"  {name} {field} >= {target}: not run";
        }

        return o[field] is double v
            ? string.Create(CultureInfo.InvariantCulture, $"  {name} {field} = {v:F2} >= {target}: {(v >= target ? "met" : "MISSED")}")
            : $"  {name} {field} >= {target}: not measured";
    }

    /// <summary>
    /// A ratio shown beside a target without being one: the native targets' thresholds against native8, the loop with
    /// eight partial sums (issue #20 set its targets against the plain loop, native). It says above or below, never met or MISSED.
    /// </summary>
    private static string Informational(Dictionary<string, Dictionary<string, object?>> byName, string name, string field, double threshold)
    {
        if (!byName.TryGetValue(name, out Dictionary<string, object?>? o) || o[field] is not double v)
        {
            return $"  {name} {field} (informational, not a target): not measured";
        }

        return string.Create(CultureInfo.InvariantCulture, $"  {name} {field} = {v:F2} (informational, not a target: {(v >= threshold ? "at or above" : "below")} the native target's {threshold})");
    }

    /// <summary>Issue #20's float32 target: the float64 case's time per step over the float32 case's, both of this run, at least <paramref name="target"/>.</summary>
    private static string Float32Gain(Dictionary<string, Dictionary<string, object?>> byName, int width, string field, double target)
    {
        string f64 = $"mmn-isotropic-N{width}-f64", f32 = $"mmn-isotropic-N{width}-f32", name = $"mmn-isotropic-N{width} f64/f32 {field}";
        if (!byName.TryGetValue(f64, out Dictionary<string, object?>? a) || !byName.TryGetValue(f32, out Dictionary<string, object?>? b) || a[field] is not double t64 || b[field] is not double t32)
        {
            return $"  {name} >= {target}: not run (needs --case {f64} --case {f32})";
        }

        double ratio = t64 / t32;
        return string.Create(CultureInfo.InvariantCulture, $"  {name} = {ratio:F2} >= {target}: {(ratio >= target ? "met" : "MISSED")}");
    }

    /// <summary>A field that must lie in [<paramref name="low"/>, <paramref name="high"/>] (validate's LD estimate against the processor time measured).</summary>
    private static string Within(Dictionary<string, Dictionary<string, object?>> byName, string name, string field, double low, double high)
    {
        if (!byName.TryGetValue(name, out Dictionary<string, object?>? o) || o[field] is not double v)
        {
            return $"  {name} {field} in [{low}, {high}]: not run";
        }

        return string.Create(CultureInfo.InvariantCulture, $"  {name} {field} = {v:F2} in [{low}, {high}]: {(v >= low && v <= high ? "met" : "MISSED")}");
    }

    /// <summary>Issue #20's stretch target: microseconds per step at most <paramref name="target"/>, also stated as a multiple of the L2 floor.</summary>
    private static string Stretch(Dictionary<string, Dictionary<string, object?>> byName, string name, double target)
    {
        if (!byName.TryGetValue(name, out Dictionary<string, object?>? o) || o["us_per_step"] is not double us)
        {
            return $"  {name} us_per_step <= {target} (stretch): not run";
        }

        string floor = o["floor_us_per_step"] is double f ? string.Create(CultureInfo.InvariantCulture, $", {us / f:F2}x the cache floor of {f:F2} us") : "";
        return string.Create(CultureInfo.InvariantCulture, $"  {name} us_per_step = {us:F2} <= {target} (stretch{floor}): {(us <= target ? "met" : "MISSED")}");
    }
}

/// <summary>The command line.</summary>
internal static class Usage
{
    public const string Text = """
        Usage: mfc-bench --json FILE [--quick] [--no-references] [--cpu K] [--case NAME]...
               mfc-bench kernels [BenchmarkDotNet arguments, e.g. --filter '*']
               mfc-bench cores   (prints every core's speed relative to the fastest, by a short probe)
               mfc-bench together [SPEC] [SECONDS]   (SPEC's first point alone on each core, then on all cores
                                 at once, SECONDS per phase, default examples/bench-64-points.yaml and 1: the
                                 ceiling that bench/scale-out.sh's ratio is read against)
          --json FILE       where the results go (a JSON array, one object per case)
          --quick           short timings (about 3 minutes with every reference, against about 8 for a full run)
          --no-references   skip the PyTorch, NumPy and native (C++) references
          --cpu K           time on core K (default: the fastest core by a short probe; the references
                            started by the bench run on the same core)
          --case NAME       run only this case (repeatable), e.g. --case mmn-isotropic-N20000-f64;
                            --case ld-replicas runs the large-deviation replica cases (N = 16, 64; d = 1, 3)
        """;
}

/// <summary>One case's figures.</summary>
internal sealed record Row(BenchCase Case, EngineTimer.Result Ours, double Bytes, long WorkingSet, double Achieved, double Roofline, double StreamingTriad, double ReadOnly)
{
    public const string Header = "case                        us/step   torch   numpy  native native8  x torch  x numpy x native x native8   GB/s  triad  roofline";

    public Dictionary<string, object?> ToJson(Dictionary<string, Dictionary<string, double>> timings, Dictionary<string, Dictionary<string, double>> checks, IReadOnlyList<Reference> references, string cpu)
    {
        double? torch = timings.TryGetValue("torch", out var t) && t.TryGetValue(Case.Name, out double tv) ? tv : null;
        double? numpy = timings.TryGetValue("numpy", out var n) && n.TryGetValue(Case.Name, out double nv) ? nv : null;
        double? native = timings.TryGetValue("native", out var c) && c.TryGetValue(Case.Name, out double cv) ? cv : null;
        double? native8 = timings.TryGetValue("native8", out var c8) && c8.TryGetValue(Case.Name, out double cv8) ? cv8 : null;
        double? ReferenceCpu(string library) => references.FirstOrDefault(r => r.Library == library) is { } r && r.CpuTimes.TryGetValue(Case.Name, out double v) ? v : null;
        checks.TryGetValue(Case.Model, out Dictionary<string, double>? check);
        return new Dictionary<string, object?>
        {
            ["name"] = Case.Name,
            ["model"] = Case.Model,
            ["width"] = Case.Width,
            ["d"] = Case.D,
            ["dtype"] = Case.Dtype,
            ["us_per_step"] = Round(Ours.UsPerStep),
            ["torch_us_per_step"] = Round(torch),
            ["numpy_us_per_step"] = Round(numpy),
            ["native_us_per_step"] = Round(native),
            ["native8_us_per_step"] = Round(native8),
            ["ratio_vs_torch"] = Round(torch / Ours.UsPerStep),
            ["ratio_vs_numpy"] = Round(numpy / Ours.UsPerStep),
            ["ratio_vs_native"] = Round(native / Ours.UsPerStep),
            ["ratio_vs_native8"] = Round(native8 / Ours.UsPerStep),
            ["native_cpu_us_per_step"] = Round(ReferenceCpu("native")),
            ["native8_cpu_us_per_step"] = Round(ReferenceCpu("native8")),
            ["cpu_ratio_vs_native"] = Round(ReferenceCpu("native") / Ours.CpuUsPerStep),
            ["torch_cpu_us_per_step"] = Round(ReferenceCpu("torch")),
            ["numpy_cpu_us_per_step"] = Round(ReferenceCpu("numpy")),
            ["cpu_ratio_vs_torch"] = Round(ReferenceCpu("torch") / Ours.CpuUsPerStep),
            ["cpu_ratio_vs_numpy"] = Round(ReferenceCpu("numpy") / Ours.CpuUsPerStep),
            ["cpu_ratio_vs_native8"] = Round(ReferenceCpu("native8") / Ours.CpuUsPerStep),
            ["bytes_per_step"] = Math.Round(Bytes),
            ["achieved_gbps"] = Round(Achieved),
            ["roofline_gbps"] = Round(Roofline),
            ["roofline_fraction"] = Round(Achieved / Roofline),
            ["cpu_roofline_fraction"] = Round(Bytes / (Ours.CpuUsPerStep * 1e-6) / 1e9 / Roofline),
            ["working_set_bytes"] = WorkingSet,
            ["triad_streaming_gbps"] = Round(StreamingTriad),
            ["read_gbps"] = Round(ReadOnly),
            ["floor_us_per_step"] = Round(Bytes / (ReadOnly * 1e9) * 1e6),
            ["first_layer_rows_written_fraction"] = Round(Ours.RowsWrittenFraction),
            ["cpu_us_per_step"] = Round(Ours.CpuUsPerStep),
            ["steps_per_repeat"] = Ours.StepsPerRepeat,
            ["kernel_width"] = Simd.Best.ToString(),
            ["torch_version"] = references.FirstOrDefault(r => r.Library == "torch")?.Version,
            ["numpy_version"] = references.FirstOrDefault(r => r.Library == "numpy")?.Version,
            ["native_version"] = references.FirstOrDefault(r => r.Library == "native")?.Version,
            ["torch_max_rel_diff"] = check is not null && check.TryGetValue("torch", out double dt) ? dt : null,
            ["numpy_max_rel_diff"] = check is not null && check.TryGetValue("numpy", out double dn) ? dn : null,
            ["native_max_rel_diff"] = check is not null && check.TryGetValue("native", out double dc) ? dc : null,
            ["native8_max_rel_diff"] = check is not null && check.TryGetValue("native8", out double dc8) ? dc8 : null,
            ["cpu"] = cpu,
        };
    }

    public static string Format(Dictionary<string, object?> o)
    {
        static string F(object? v, string format) => v is double d ? d.ToString(format, CultureInfo.InvariantCulture) : "-";
        return $"{o["name"],-26} {F(o["us_per_step"], "F2"),9} {F(o["torch_us_per_step"], "F1"),7} {F(o["numpy_us_per_step"], "F1"),7} {F(o["native_us_per_step"], "F1"),7} {F(o["native8_us_per_step"], "F1"),7} {F(o["ratio_vs_torch"], "F1"),8} {F(o["ratio_vs_numpy"], "F1"),8} {F(o["ratio_vs_native"], "F1"),8} {F(o["ratio_vs_native8"], "F1"),9} {F(o["achieved_gbps"], "F1"),6} {F(o["roofline_gbps"], "F1"),6} {F(o["roofline_fraction"], "F2"),9}";
    }

    private static double? Round(double? v) => v is { } x && double.IsFinite(x) ? Math.Round(x, 4) : null;
}

/// <summary>What the machine is.</summary>
internal static class Machine
{
    public static string CpuModel()
    {
        try
        {
            string? line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return line?.Split(':', 2)[1].Trim() ?? RuntimeInformation.ProcessArchitecture.ToString();
        }
        catch (IOException)
        {
            return RuntimeInformation.ProcessArchitecture.ToString();
        }
    }

    public static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
