using System.Collections.Concurrent;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Decides how much work a point does between two checkpoints (a chunk). Results never depend on it: a
/// run resumed at any step continues bit for bit. Times are read from the silo's <see cref="TimeProvider"/>.
/// </summary>
public interface IChunkSizer
{
    /// <summary>Steps of a point's first SGD chunk; <paramref name="shape"/> names the kind of point, <paramref name="multiplyAddsPerStep"/> its cost.</summary>
    long FirstSteps(string shape, double multiplyAddsPerStep);

    /// <summary>Steps of the next chunk after one of <paramref name="chunk"/> steps that did <paramref name="done"/> steps from <paramref name="startedAt"/> (a timestamp of the time provider).</summary>
    long NextSteps(string shape, long chunk, long done, long startedAt);

    /// <summary>
    /// The steps to run now when <paramref name="chunk"/> are planned and <paramref name="remaining"/> are left in
    /// the point: the planned chunk, or all that is left when the rest would be a short chunk of its own.
    /// </summary>
    long Fit(long chunk, long remaining);

    /// <summary>Replicas of a large-deviations batch's first chunk.</summary>
    int FirstReplicas();

    /// <summary>Replicas of the next chunk after one of <paramref name="chunk"/> replicas begun at <paramref name="startedAt"/>.</summary>
    int NextReplicas(int chunk, long startedAt);
}

/// <summary>
/// Chunks of about one second: a point's first chunk is half a second at the speed last measured on this
/// silo for points of its shape (model, activation, widths, d, batch, precision, threads), or about
/// 5·10^7 multiply-adds before any measurement; each next chunk is scaled to the last one's measured
/// speed, growing at most fourfold. Learning per shape means a sweep of many short points of one shape
/// does not ramp chunk lengths up, with a checkpoint and a progress report each time, for every point.
/// A point's last chunk takes in what is left when that is under half a chunk: a point of about half a second
/// runs as one chunk instead of a chunk and a short tail (a second hand-over to the thread pool and back, a
/// checkpoint written and a progress report for a few per cent of the steps).
/// </summary>
public sealed class AdaptiveChunkSizer(TimeProvider time) : IChunkSizer
{
    /// <summary>The duration a chunk aims at.</summary>
    public static readonly TimeSpan Target = TimeSpan.FromSeconds(1);

    private const int MaxShapes = 4096;
    private readonly ConcurrentDictionary<string, double> _secondsPerStep = new(StringComparer.Ordinal);

    /// <inheritdoc/>
    public long FirstSteps(string shape, double multiplyAddsPerStep)
    {
        if (_secondsPerStep.TryGetValue(shape, out double perStep) && perStep > 0)
        {
            return Math.Max(1, (long)(Target.TotalSeconds / 2 / perStep));
        }

        return Math.Max(1, (long)(5e7 / Math.Max(1, multiplyAddsPerStep)));
    }

    /// <inheritdoc/>
    public long NextSteps(string shape, long chunk, long done, long startedAt)
    {
        double seconds = Seconds(startedAt);
        if (done > 0)
        {
            if (_secondsPerStep.Count >= MaxShapes && !_secondsPerStep.ContainsKey(shape))
            {
                _secondsPerStep.Clear(); // bounded: a silo serving many shapes only forgets what it learned
            }

            _secondsPerStep[shape] = seconds / done;
        }

        return Math.Clamp((long)(chunk * Target.TotalSeconds / seconds), 1, Math.Max(1, chunk * 4));
    }

    /// <inheritdoc/>
    public long Fit(long chunk, long remaining) => remaining - chunk < chunk / 2 ? Math.Max(chunk, remaining) : chunk;

    /// <inheritdoc/>
    public int FirstReplicas() => 1;

    /// <inheritdoc/>
    public int NextReplicas(int chunk, long startedAt) =>
        (int)Math.Clamp(chunk * Target.TotalSeconds / Seconds(startedAt), 1, Math.Max(1, chunk * 4L));

    private double Seconds(long startedAt) => Math.Max(time.GetElapsedTime(startedAt).TotalSeconds, 1e-3);
}

/// <summary>Chunks of a fixed length whatever the speed: the test hook <c>MFC_TEST_CHUNK_STEPS</c> (docs/testing.md).</summary>
public sealed class FixedChunkSizer(long steps) : IChunkSizer
{
    /// <inheritdoc/>
    public long FirstSteps(string shape, double multiplyAddsPerStep) => steps;

    /// <inheritdoc/>
    public long NextSteps(string shape, long chunk, long done, long startedAt) => steps;

    /// <inheritdoc/>
    public long Fit(long chunk, long remaining) => chunk;

    /// <inheritdoc/>
    public int FirstReplicas() => 1;

    /// <inheritdoc/>
    public int NextReplicas(int chunk, long startedAt) => 1;
}
