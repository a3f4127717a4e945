using System.Diagnostics;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Bench;

/// <summary>Times the engine's SGD step on a case: warm-up, then the median of several timed runs.</summary>
internal static class EngineTimer
{
    /// <param name="UsPerStep">Median wall-clock microseconds per step.</param>
    /// <param name="CpuUsPerStep">Processor time of this thread per step over all timed runs (close to the wall time on a quiet machine; lower when other processes took the core).</param>
    /// <param name="RowsWrittenFraction">Fraction of first-layer rows written per step.</param>
    /// <param name="StepsPerRepeat">Steps per timed run.</param>
    public sealed record Result(double UsPerStep, double CpuUsPerStep, double RowsWrittenFraction, long StepsPerRepeat);

    public static Result Measure(BenchCase benchCase, double warmupSeconds, double repeatSeconds, int repeats)
    {
        SweepSpec spec = benchCase.Spec();
        PointSpec point = SweepPlanner.Expand(spec)[0];
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        var init = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Initialization, PointKeys.Of(point));
        MeanFieldNetwork network = MeanFieldNetwork.Initialize(spec.Model, data.Dimension, point.Widths, point.Gamma, ref init);
        var rng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Training, PointKeys.WithStepSize(point));
        SgdStepper stepper = SgdStepper.Create(spec, network, data, rng, new Xoshiro256(2));
        double eps = point.StepSize;

        // Warm-up: long enough for tiered compilation to settle; also sizes the timed runs.
        long warm = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < warmupSeconds || warm < 64)
        {
            for (int k = 0; k < 16; k++)
            {
                stepper.Step(eps);
            }

            warm += 16;
        }

        double perStep = clock.Elapsed.TotalSeconds / warm;
        long count = Math.Max(32, (long)(repeatSeconds / perStep));
        var times = new List<double>();
        TimeSpan cpuBefore = ThreadCpu.Now();
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (long k = 0; k < count; k++)
            {
                stepper.Step(eps);
            }

            times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds / count * 1e6);
        }

        double cpu = (ThreadCpu.Now() - cpuBefore).TotalSeconds / (count * repeats) * 1e6;
        // The share of first-layer rows a step writes, counted outside the timed runs (the count costs a pass over δ).
        SgdStepper counting = SgdStepper.Create(spec, network, data, rng, new Xoshiro256(2), new SgdStepperOptions { TrackWrittenRows = true });
        long counted = Math.Clamp((long)(0.2 / perStep), 50, 5000);
        for (long k = 0; k < counted; k++)
        {
            counting.Step(eps);
        }

        double fraction = (double)counting.RowsWritten / counted / benchCase.Width;
        times.Sort();
        return new Result(times[times.Count / 2], cpu, fraction, count);
    }
}

/// <summary>Processor time of the calling thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID) on Linux; elsewhere the process's).</summary>
internal static partial class ThreadCpu
{
    private const int ThreadCpuClock = 3;

    public static TimeSpan Now()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(ThreadCpuClock, out TimeSpec t) == 0)
        {
            return TimeSpan.FromTicks((t.Seconds * TimeSpan.TicksPerSecond) + (t.Nanoseconds / 100));
        }

        return System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
