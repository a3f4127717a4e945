using System.Globalization;
using MeanFieldCluster.Silo.Hosting;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// What a point does at a chunk boundary besides checkpointing: nothing in production; under the test
/// hooks (<see cref="TestHooks"/>, docs/testing.md) it pauses for the chunk delay and passes the gate:
/// announces itself with a file <c>held-&lt;index&gt;</c> and waits for <c>release-&lt;index&gt;</c> or
/// <c>release-all</c>: an empty release file releases every boundary, one holding a number releases the
/// boundaries reached before that much work (steps, or replicas × steps). The point's checkpoint is stored
/// before it announces itself.
/// </summary>
/// <remarks>Its waits are on the wall clock, not the silo's <see cref="TimeProvider"/>: they stand for a slower machine and for files a test writes.</remarks>
public sealed class ChunkBoundary(TestHooks hooks)
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    /// <summary>Whether a boundary does anything (then the point awaits its checkpoint write first).</summary>
    public bool Active => hooks.GateDirectory is not null || hooks.ChunkDelay > TimeSpan.Zero;

    /// <summary>Passes the boundary of point <paramref name="index"/> of <paramref name="sweepId"/> after <paramref name="done"/> units of work.</summary>
    public async Task Pass(string sweepId, int index, long done, CancellationToken cancellationToken)
    {
        if (hooks.ChunkDelay > TimeSpan.Zero)
        {
            await Task.Delay(hooks.ChunkDelay, cancellationToken);
        }

        if (hooks.GateDirectory is not { } gate)
        {
            return;
        }

        await Announce(gate, "held", sweepId, index, done);
        string mine = Path.Combine(gate, $"release-{index}"), all = Path.Combine(gate, "release-all");
        while (!Releases(mine, done) && !Releases(all, done))
        {
            await Task.Delay(Poll, cancellationToken);
        }
    }

    /// <summary>Under the gate, announces with a file <c>writing-&lt;index&gt;</c> that the point has started writing its checkpoint after <paramref name="done"/> units of work.</summary>
    public Task Writing(string sweepId, int index, long done) =>
        hooks.GateDirectory is { } gate ? Announce(gate, "writing", sweepId, index, done) : Task.CompletedTask;

    // "<what>-<index>" holds "<sweep id> <index> <work done> <process id>", written whole (renamed into place).
    private static async Task Announce(string gate, string what, string sweepId, int index, long done)
    {
        Directory.CreateDirectory(gate);
        string path = Path.Combine(gate, string.Create(CultureInfo.InvariantCulture, $"{what}-{index}"));
        await File.WriteAllTextAsync(path + ".tmp", string.Create(CultureInfo.InvariantCulture, $"{sweepId} {index} {done} {Environment.ProcessId}\n"));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    // A release file releases every boundary when empty, or those before the amount of work it holds.
    private static bool Releases(string path, long done)
    {
        try
        {
            string text = File.ReadAllText(path).Trim();
            return text.Length == 0 || (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long until) && done < until);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return false;
        }
    }
}
