using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Bench;

/// <summary>
/// The ld-replicas case (issue #20, item 2): large-deviation replicas of the linear neuron (the examples'
/// model, docs/large-deviations.md) at N = 16 and 64, d = 1 and 3, in replica-steps per second: replicas ×
/// SGD steps per replica over the wall time of whole replicas (initial weights, the K = 2N steps and the
/// risk functional), as a point grain runs them (<see cref="ReplicaRunner.RunMany"/>, one thread), against
/// bench/baselines/ld_replicas_numpy.py, the same replicas vectorized over replicas in NumPy.
/// </summary>
internal static class LdReplicas
{
    /// <summary>The name that selects the case (<c>--case ld-replicas</c>).</summary>
    public const string Name = "ld-replicas";

    /// <summary>Replicas per timed batch, on both sides.</summary>
    public const int Replicas = 4096;

    /// <summary>Steps of the verification run.</summary>
    public const int VerifySteps = 40;

    private const double Alpha = 0.25, Horizon = 0.5, Noise = 0.3, Kappa = 0.5;
    private const int TestSamples = 2000;

    /// <summary>The widths and dimensions timed.</summary>
    public static IReadOnlyList<(int Width, int D)> Shapes { get; } = [(16, 1), (16, 3), (64, 1), (64, 3)];

    public static string CaseName(int width, int d) => string.Create(CultureInfo.InvariantCulture, $"ld-replicas-N{width}-d{d}");

    /// <summary>The case's sweep: annealed replicas of the linear neuron with label noise, step α/N, horizon T.</summary>
    public static SweepSpec Spec(int width, int d) => SpecLoader.Parse(
        string.Create(CultureInfo.InvariantCulture, $"""
            name: {CaseName(width, d)}
            seed: 3
            task: large-deviations
            model: {"{"}preset: linear, activation: identity, init: {"{"}kappa: {Kappa:R}{"}"}{"}"}
            data: {"{"}kind: teacher-student, d: {d}, noise: {Noise:R}, teacher: {"{"}width: 1, activation: identity, seed: 2{"}"}{"}"}
            training: {"{"}horizon: {Horizon:R}{"}"}
            observe: {"{"}test_samples: {TestSamples}{"}"}
            grid: {"{"}width: [{width}], step_size: ["{Alpha:R}/N"]{"}"}
            large_deviations: {"{"}functional: risk, replicas: 1000000, batch_size: 1000000, modes: [annealed], x_grid: [0.1], k_grid: [-1, 0, 1]{"}"}
            """),
        SpecFormat.Yaml);

    /// <summary>The settings the NumPy script reads.</summary>
    private static Dictionary<string, object> Settings(int width, int d) => new()
    {
        ["name"] = CaseName(width, d),
        ["width"] = width,
        ["d"] = d,
        ["alpha"] = Alpha,
        ["horizon"] = Horizon,
        ["noise"] = Noise,
        ["kappa"] = Kappa,
        ["test_samples"] = TestSamples,
        ["replicas"] = Replicas,
    };

    /// <summary>
    /// The engine's median replica-steps per second over <paramref name="repeats"/> timed runs of about
    /// <paramref name="repeatSeconds"/> each (whole batches of <see cref="Replicas"/>), after batches for
    /// <paramref name="warmupSeconds"/> (at least one): long enough for tiered compilation to settle, as for the step cases
    /// (a point grain runs its replicas for seconds, in code compiled by then).
    /// </summary>
    public static (double PerSecond, double CpuPerSecond, long Steps, bool Batched, bool ClosedForm, double EstimatedSeconds) Measure(int width, int d, double warmupSeconds, double repeatSeconds, int repeats)
    {
        SweepSpec spec = Spec(width, d);
        PointSpec point = SweepPlanner.Expand(spec)[0];
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        var runner = new ReplicaRunner(spec, point, data, TestSet.For(data, spec.Observe.TestSamples, spec.Seed), null);
        var warm = Stopwatch.StartNew();
        int batch = 0;
        do
        {
            runner.RunMany(batch++ * Replicas, Replicas);
        }
        while (warm.Elapsed.TotalSeconds < warmupSeconds);

        int perRun = Math.Max(1, (int)(repeatSeconds / (warm.Elapsed.TotalSeconds / batch)));
        var rates = new List<double>();
        var cpu = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            TimeSpan cpuStart = ThreadCpu.Now();
            for (int b = 0; b < perRun; b++)
            {
                runner.RunMany(batch++ * Replicas, Replicas);
            }

            double steps = (double)perRun * Replicas * point.Steps;
            rates.Add(steps / Stopwatch.GetElapsedTime(start).TotalSeconds);
            cpu.Add(steps / Math.Max(1e-9, (ThreadCpu.Now() - cpuStart).TotalSeconds));
        }

        rates.Sort();
        cpu.Sort();
        // validate's estimate of one replica (ReplicaCost with this machine's calibration, ReplicaCostCalibration.ThisMachine), to compare with the processor time measured.
        double estimated = ReplicaCost.Seconds(spec, point) / point.ReplicaCount;
        return (rates[rates.Count / 2], cpu[cpu.Count / 2], point.Steps, runner.Batched, runner.ClosedFormRisk, estimated);
    }

    /// <summary>The NumPy reference's replica-steps per second (wall, processor) by case name (throws <see cref="InvalidOperationException"/> when the script fails).</summary>
    public static Dictionary<string, (double Wall, double Cpu)> TimeReference(Reference script, string folder, double seconds, int repeats)
    {
        string file = Path.Combine(folder, "ld-cases.json");
        File.WriteAllText(file, JsonSerializer.Serialize(Shapes.Select(s => Settings(s.Width, s.D)).ToList()));
        JsonNode output = script.RunScript(["--cases", file, "--seconds", seconds.ToString("R", CultureInfo.InvariantCulture), "--repeats", repeats.ToString(CultureInfo.InvariantCulture)]);
        return output["results"]!.AsArray().ToDictionary(r => r!["name"]!.GetValue<string>(), r => (r!["replica_steps_per_second"]!.GetValue<double>(), r!["cpu_replica_steps_per_second"]!.GetValue<double>()));
    }

    /// <summary>
    /// Checks that the script computes the engine's replicas: the same initial weights and the same samples per
    /// replica go through <see cref="VerifySteps"/> steps of <see cref="ReplicaBatch"/> and of the script (N = 16,
    /// d = 3, one vector of replicas); returns the largest difference of the final weights relative to max(1, |w|).
    /// </summary>
    public static double Verify(Reference script, string folder)
    {
        const int width = 16, d = 3;
        Directory.CreateDirectory(folder);
        SweepSpec spec = Spec(width, d);
        PointSpec point = SweepPlanner.Expand(spec)[0];
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        var runner = new ReplicaRunner(spec, point, data, null, null);
        int count = ReplicaBatch.Width;
        List<MeanFieldNetwork> networks = [.. Enumerable.Range(0, count).Select(runner.InitialNetwork)];
        string basePath = Path.Combine(folder, "ld-verify");
        Verification.Write(basePath + ".w.bin", [.. networks.SelectMany(n => n.FirstLayer.ToArray())]);

        // Samples per replica from its own stream; the batch draws them lane by lane, one draw per lane at a time
        // (the priming draw, then one per step): the replay hands them out in that order.
        var x = new double[(VerifySteps + 1) * count * d];
        var y = new double[(VerifySteps + 1) * count];
        for (int r = 0; r < count; r++)
        {
            var rng = new Xoshiro256((ulong)(50 + r));
            for (int t = 0; t <= VerifySteps; t++)
            {
                y[(t * count) + r] = data.Sample(ref rng, x.AsSpan(((t * count) + r) * d, d));
            }
        }

        Verification.Write(basePath + ".x.bin", x.AsSpan(0, VerifySteps * count * d).ToArray());
        Verification.Write(basePath + ".y.bin", y.AsSpan(0, VerifySteps * count).ToArray());
        var json = Settings(width, d);
        json["replicas"] = count;
        json["steps"] = VerifySteps;
        File.WriteAllText(basePath + ".json", JsonSerializer.Serialize(json));
        ReplicaBatch.For(spec, networks[0], new ReplayData(x, y, d)).Train(networks, [.. Enumerable.Range(0, count).Select(_ => 1UL)], VerifySteps, _ => point.StepSize);
        script.RunScript(["--verify", folder]);
        double[] theirs = Verification.Read(basePath + ".numpy.w.bin");
        double[] ours = [.. networks.SelectMany(n => n.FirstLayer.ToArray())];
        if (theirs.Length != ours.Length)
        {
            throw new InvalidOperationException($"The NumPy replica reference returned {theirs.Length} weights, expected {ours.Length}.");
        }

        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]) / Math.Max(1, Math.Abs(ours[i])));
        }

        return double.IsNaN(worst) ? double.PositiveInfinity : worst;
    }
}

/// <summary>Runs the ld-replicas cases, their NumPy reference and its check, prints them, and returns their rows for the JSON and the targets.</summary>
internal static class LdReplicaRows
{
    public static List<Dictionary<string, object?>> Run(bool references, string work, double warmupSeconds, double repeatSeconds, int repeats, double refSeconds, int refRepeats, string cpu)
    {
        var measured = LdReplicas.Shapes.Select(s => (s.Width, s.D, Engine: LdReplicas.Measure(s.Width, s.D, warmupSeconds, repeatSeconds, repeats))).ToList();
        Dictionary<string, (double Wall, double Cpu)> numpy = [];
        double? check = null;
        string? version = null;
        if (references && Reference.Find("numpy", "ld_replicas_numpy.py", "numpy (replicas)") is { } script)
        {
            Console.WriteLine("Running the NumPy replica reference ...");
            try
            {
                string folder = Path.Combine(work, "ld");
                Directory.CreateDirectory(folder);
                numpy = LdReplicas.TimeReference(script, folder, refSeconds, refRepeats);
                check = LdReplicas.Verify(script, Path.Combine(folder, "verify"));
                version = script.Version;
            }
            catch (InvalidOperationException ex)
            {
                Console.WriteLine($"The NumPy replica reference gave no timings: {ex.Message}");
            }
        }

        Console.WriteLine();
        Console.WriteLine("case                      replica-steps/s (cpu)      numpy (cpu)             x numpy (cpu)  steps lanes closed-form  validate's estimate / cpu time");
        var rows = new List<Dictionary<string, object?>>();
        foreach ((int width, int d, (double perSecond, double cpuPerSecond, long steps, bool batched, bool closedForm, double estimated)) in measured)
        {
            double estimateRatio = estimated / (steps / cpuPerSecond);
            string name = LdReplicas.CaseName(width, d);
            (double Wall, double Cpu)? theirs = numpy.TryGetValue(name, out var v) ? v : null;
            double? ratio = perSecond / theirs?.Wall, cpuRatio = cpuPerSecond / theirs?.Cpu;
            var c = CultureInfo.InvariantCulture;
            string their = theirs is { } t ? string.Create(c, $"{t.Wall:E2} ({t.Cpu:E2})") : "-";
            string ratios = ratio is { } r && cpuRatio is { } rc ? string.Create(c, $"{r:F1} ({rc:F1})") : "-";
            Console.WriteLine(string.Create(c, $"{name,-25} {perSecond:E2} ({cpuPerSecond:E2})  {their,-22}  {ratios,-13} {steps,6} {(batched ? ReplicaBatch.Width : 1),5} {closedForm,-12} {estimateRatio:F2}"));
            rows.Add(new Dictionary<string, object?>
            {
                ["name"] = name,
                ["model"] = Presets.Linear,
                ["width"] = width,
                ["d"] = d,
                ["dtype"] = Precisions.Float64,
                ["replicas_per_batch"] = LdReplicas.Replicas,
                ["steps_per_replica"] = steps,
                ["replica_steps_per_second"] = Math.Round(perSecond),
                ["cpu_replica_steps_per_second"] = Math.Round(cpuPerSecond),
                ["numpy_replica_steps_per_second"] = theirs is { } n ? Math.Round(n.Wall) : null,
                ["numpy_cpu_replica_steps_per_second"] = theirs is { } m ? Math.Round(m.Cpu) : null,
                ["ratio_vs_numpy"] = ratio is { } q ? Math.Round(q, 4) : null,
                ["cpu_ratio_vs_numpy"] = cpuRatio is { } qc ? Math.Round(qc, 4) : null,
                ["lanes"] = batched ? ReplicaBatch.Width : 1,
                ["closed_form_risk"] = closedForm,
                ["estimated_us_per_replica"] = Math.Round(estimated * 1e6, 4),
                ["cpu_us_per_replica"] = Math.Round(steps / cpuPerSecond * 1e6, 4),
                ["estimate_over_cpu"] = Math.Round(estimateRatio, 4),
                ["numpy_max_rel_diff"] = check,
                ["numpy_version"] = version,
                ["cpu"] = cpu,
            });
        }

        if (check is { } worst)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Reference check, ld-replicas: numpy differs from the engine by at most {worst:E1} (relative) after {LdReplicas.VerifySteps} steps of {ReplicaBatch.Width} replicas"));
        }

        return rows;
    }
}
