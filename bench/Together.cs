// What the cores allow a cluster of one-worker silos: one point's SGD loop alone on each core, then on every core at
// once, as bare threads (no Orleans, no storage, no telemetry).
//
// bench/scale-out.sh compares 2 silos of 1 worker with 1 silo of 1 worker on the same machine. Its ceiling is not 2:
// on the 2-vCPU virtual machines of this workplace two compute loops that share nothing but the machine run each
// 5-20% slower at once than alone (a host-level effect: the vCPUs are not SMT siblings, and the loop's weights stay
// in each core's L2), and by how much varies from minute to minute. This probe measures that in the same run, with
// the sweep's own point, so the cluster's ratio can be read against what bare threads reach on the same cores.
using System.Diagnostics;
using System.Globalization;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Bench;

/// <summary>The SGD loop of one point alone on each core, then on all of them at once (docs/performance.md, "Scale-out").</summary>
internal static class Together
{
    /// <summary>
    /// Runs <paramref name="specPath"/>'s first point for <paramref name="seconds"/> on each allowed core alone, then on
    /// every core at once, and returns one line: each phase's steps per second and the ratio of all cores together to
    /// the fastest core alone. Null where affinity is not available or fewer than 2 cores are allowed.
    /// </summary>
    public static string? Measure(string specPath, double seconds)
    {
        IReadOnlyList<int> cores = Cores.Allowed();
        if (cores.Count < 2 || cores.Count > 16)
        {
            return null;
        }

        SweepSpec spec = SpecLoader.LoadFile(specPath);
        if (spec.LargeDeviations is not null)
        {
            throw new SpecException([new SpecError("large_deviations", "a large-deviations sweep; this probe runs an SGD point (bench/scale-out.sh's sweeps are SGD sweeps)")]);
        }

        PointSpec point = SweepPlanner.Expand(spec)[0];
        SweepSpec pointSpec = spec.ForPoint(point);

        // Warm-up: the kernels compiled, and every core's loop under way once.
        _ = Rates([cores[0]], pointSpec, point, Math.Min(seconds, 0.5));
        double[] alone = [.. cores.Select(c => Rates([c], pointSpec, point, seconds)[0])];
        double[] together = Rates(cores, pointSpec, point, seconds);
        double best = alone.Max();
        string Each(double[] rates) => string.Join(", ", cores.Select((c, i) => string.Create(CultureInfo.InvariantCulture, $"cpu{c} {rates[i]:F0}")));
        return string.Create(CultureInfo.InvariantCulture, $"steps/s alone: {Each(alone)}; together: {Each(together)}; together / fastest alone = {together.Sum() / best:F2}");
    }

    // Steps per second of one thread per core in `cores`, all started together, each pinned to its core, each running
    // fresh runs of the point for the same wall time.
    private static double[] Rates(IReadOnlyList<int> cores, SweepSpec spec, PointSpec point, double seconds)
    {
        var rates = new double[cores.Count];
        using var start = new Barrier(cores.Count);
        Thread[] threads = [.. cores.Select((core, i) => new Thread(() =>
        {
            Cores.Pin([core]);
            DataModel data = DataModel.Create(spec.Data, spec.Seed);
            TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
            start.SignalAndWait();
            long steps = 0, began = Stopwatch.GetTimestamp();
            while (Stopwatch.GetElapsedTime(began).TotalSeconds < seconds)
            {
                var run = new SgdRun(spec, point, data, testSet, null, new SgdStepperOptions());
                while (run.Status == RunStatus.Running && Stopwatch.GetElapsedTime(began).TotalSeconds < seconds)
                {
                    steps += run.Advance(5_000);
                }
            }

            rates[i] = steps / Stopwatch.GetElapsedTime(began).TotalSeconds;
        })
        { IsBackground = true, Name = $"together-cpu{core}" })];
        foreach (Thread t in threads)
        {
            t.Start();
        }

        foreach (Thread t in threads)
        {
            t.Join();
        }

        return rates;
    }
}
