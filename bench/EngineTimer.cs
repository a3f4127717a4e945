using System.Diagnostics;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Bench;

/// <summary>
/// Times the engine's SGD step on a case: warm-up, then timed runs, of which the median counts. The timed runs
/// of several cases can be interleaved (<see cref="Interleaved"/>), so that cases compared with each other
/// (float32 against float64) see the same moments of a busy machine's load.
/// </summary>
internal sealed class EngineTimer
{
    private readonly BenchCase _case;
    private readonly SgdStepper _stepper;
    private readonly double _eps;
    private readonly long _count;
    private readonly double _perStep;
    private readonly List<double> _times = [];
    private TimeSpan _cpu;

    private EngineTimer(BenchCase benchCase, SgdStepper stepper, double eps, long count, double perStep)
    {
        (_case, _stepper, _eps, _count, _perStep) = (benchCase, stepper, eps, count, perStep);
    }

    /// <param name="UsPerStep">Median wall-clock microseconds per step.</param>
    /// <param name="CpuUsPerStep">Processor time of this thread per step over all timed runs (close to the wall time on a quiet machine; lower when other processes took the core).</param>
    /// <param name="RowsWrittenFraction">Fraction of first-layer rows written per step.</param>
    /// <param name="StepsPerRepeat">Steps per timed run.</param>
    public sealed record Result(double UsPerStep, double CpuUsPerStep, double RowsWrittenFraction, long StepsPerRepeat);

    public static Result Measure(BenchCase benchCase, double warmupSeconds, double repeatSeconds, int repeats) =>
        Interleaved([benchCase], warmupSeconds, repeatSeconds, repeats)[0];

    /// <summary>
    /// Warms every case up, then runs timed run r of every case before timed run r + 1 of any. <paramref name="beforeTiming"/>
    /// runs between the warm-ups and the timed runs (Program: the core pinning's release of the runtime's threads
    /// that the warm-up's compilation started on the pinned core).
    /// </summary>
    public static IReadOnlyList<Result> Interleaved(IReadOnlyList<BenchCase> cases, double warmupSeconds, double repeatSeconds, int repeats, Action? beforeTiming = null)
    {
        List<EngineTimer> timers = [.. cases.Select(c => Start(c, warmupSeconds, repeatSeconds))];
        beforeTiming?.Invoke();
        for (int r = 0; r < repeats; r++)
        {
            foreach (EngineTimer timer in timers)
            {
                timer.Repeat();
            }
        }

        return [.. timers.Select(t => t.Finish())];
    }

    private static EngineTimer Start(BenchCase benchCase, double warmupSeconds, double repeatSeconds)
    {
        SgdStepper stepper = Create(benchCase, null, out double eps);

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
        return new EngineTimer(benchCase, stepper, eps, Math.Max(32, (long)(repeatSeconds / perStep)), perStep);
    }

    private void Repeat()
    {
        TimeSpan cpuBefore = ThreadCpu.Now();
        long start = Stopwatch.GetTimestamp();
        for (long k = 0; k < _count; k++)
        {
            _stepper.Step(_eps);
        }

        _times.Add(Stopwatch.GetElapsedTime(start).TotalSeconds / _count * 1e6);
        _cpu += ThreadCpu.Now() - cpuBefore;
    }

    private Result Finish()
    {
        double cpu = _cpu.TotalSeconds / (_count * _times.Count) * 1e6;

        // The share of first-layer rows a step writes, counted outside the timed runs (the count costs a pass over δ).
        SgdStepper counting = Create(_case, new SgdStepperOptions { TrackWrittenRows = true }, out double eps);
        long counted = Math.Clamp((long)(0.2 / _perStep), 50, 5000);
        for (long k = 0; k < counted; k++)
        {
            counting.Step(eps);
        }

        double fraction = (double)counting.RowsWritten / counted / _case.Width;
        List<double> times = [.. _times.Order()];
        return new Result(times[times.Count / 2], cpu, fraction, _count);
    }

    // The case's stepper, from the initial parameters and training stream of its spec.
    private static SgdStepper Create(BenchCase benchCase, SgdStepperOptions? options, out double eps)
    {
        SweepSpec spec = benchCase.Spec();
        PointSpec point = SweepPlanner.Expand(spec)[0];
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        var init = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Initialization, PointKeys.Of(point));
        MeanFieldNetwork network = MeanFieldNetwork.Initialize(spec.Model, data.Dimension, point.Widths, point.Gamma, ref init);
        var rng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Training, PointKeys.WithStepSize(point));
        eps = point.StepSize;
        return SgdStepper.Create(spec, network, data, rng, new Xoshiro256(2), options);
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
