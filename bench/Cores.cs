// The speed of each core the bench may run on, and pinning of the timing thread to one of them.
//
// On the 2-vCPU virtual machines of this workplace one vCPU can deliver only about 60% of the other (measured:
// 0.54–0.68 for a scalar Python loop, a streamed multiply-add and the engine's AVX-512 replica lanes, steady within
// a process and for hours; the same dependent latency chain runs as fast on both), presumably because the host
// shares that core with other work. An unpinned timing then depends on which
// vCPU the scheduler picked, and a ratio against a reference compares two cores when the reference process landed
// on the other one. The bench therefore measures every allowed core with a fixed probe and pins its timing thread
// to the fastest (or to --cpu K); the references it starts inherit that thread's affinity, so every ratio of a run
// compares the same core. The runtime's own threads (tiered compilation, GC) stay unpinned.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace MeanFieldCluster.Bench;

internal static partial class Cores
{
    // cpu_set_t of glibc: 1024 bits.
    private const int MaskWords = 16;

    /// <summary>The cores the calling thread may run on (empty where affinity is not available).</summary>
    public static IReadOnlyList<int> Allowed()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var mask = new ulong[MaskWords];
        if (SchedGetAffinity(0, MaskWords * sizeof(ulong), mask) != 0)
        {
            return [];
        }

        return [.. Enumerable.Range(0, MaskWords * 64).Where(c => (mask[c / 64] & (1UL << (c % 64))) != 0)];
    }

    /// <summary>Restricts the calling thread (and the processes it starts from now on) to <paramref name="cores"/>.</summary>
    public static bool Pin(IEnumerable<int> cores) => OperatingSystem.IsLinux() && SetAffinity(0, cores);

    /// <summary>
    /// Pins the calling thread to <paramref name="core"/> and gives every other thread of the process all of
    /// <paramref name="allowed"/> again: a thread the runtime created from the pinned one (the tiered compiler's
    /// worker, the GC's) inherits its mask and would otherwise compete with the timing on the same core.
    /// </summary>
    public static bool Hold(int core, IReadOnlyList<int> allowed)
    {
        if (!Pin([core]))
        {
            return false;
        }

        int self = GetTid();
        foreach (string task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out int tid) && tid != self)
            {
                _ = SetAffinity(tid, allowed);
            }
        }

        return true;
    }

    // sched_setaffinity of thread tid (0: the calling thread) to the cores.
    private static bool SetAffinity(int tid, IEnumerable<int> cores)
    {
        var mask = new ulong[MaskWords];
        foreach (int c in cores)
        {
            mask[c / 64] |= 1UL << (c % 64);
        }

        return SchedSetAffinity(tid, MaskWords * sizeof(ulong), mask) == 0;
    }

    /// <summary>
    /// Each core's speed relative to the fastest (1.0), from the probe's best of five runs pinned to it; the calling
    /// thread's affinity is restored afterwards. Empty with fewer than 2 cores, more than 16, or no affinity.
    /// </summary>
    /// <param name="cores">The cores to measure (default: those the calling thread may run on now).</param>
    public static IReadOnlyList<(int Core, double Speed, double Milliseconds)> Measure(IReadOnlyList<int>? cores = null)
    {
        IReadOnlyList<int> restore = Allowed();
        IReadOnlyList<int> allowed = cores ?? restore;
        if (allowed.Count < 2 || allowed.Count > 16)
        {
            return [];
        }

        var seconds = new List<(int Core, double Seconds)>();
        try
        {
            foreach (int core in allowed)
            {
                if (!Pin([core]))
                {
                    return [];
                }

                Probe();
                double best = double.PositiveInfinity;
                for (int r = 0; r < 5; r++)
                {
                    long start = Stopwatch.GetTimestamp();
                    Probe();
                    best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
                }

                seconds.Add((core, best));
            }
        }
        finally
        {
            Pin(restore);
        }

        double fastest = seconds.Min(s => s.Seconds);
        return [.. seconds.Select(s => (s.Core, fastest / s.Seconds, s.Seconds * 1e3))];
    }

    /// <summary>One line: every core's relative speed, with the probe's time (the same work on every machine, so the times compare across runs of one machine; both cores can be slowed at once).</summary>
    public static string Describe(IReadOnlyList<(int Core, double Speed, double Milliseconds)> speeds) =>
        string.Join(", ", speeds.Select(s => string.Create(CultureInfo.InvariantCulture, $"cpu{s.Core} {s.Speed:F2} ({s.Milliseconds:F1} ms)")));

    // About 10 ms: multiply-adds streamed through a 16 KB block (a load, a fused multiply-add and a store per
    // vector, independent across elements), the throughput-bound work of the kernels. A dependent latency chain or a
    // pointer chase does not show the difference between the cores of these machines; a stream does (0.68 here).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static double Probe()
    {
        Span<Vector256<double>> block = stackalloc Vector256<double>[512];
        block.Clear();
        Vector256<double> k = Vector256.Create(1.0000001);
        for (int r = 0; r < 65_536; r++)
        {
            for (int j = 0; j < block.Length; j++)
            {
                block[j] = Vector256.FusedMultiplyAdd(block[j], k, k);
            }
        }

        return Vector256.Sum(block[0] + block[^1]);
    }

    [LibraryImport("libc", EntryPoint = "sched_getaffinity", SetLastError = true)]
    private static partial int SchedGetAffinity(int pid, nint size, [Out] ulong[] mask);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetTid();

    [LibraryImport("libc", EntryPoint = "sched_setaffinity", SetLastError = true)]
    private static partial int SchedSetAffinity(int pid, nint size, ulong[] mask);
}
