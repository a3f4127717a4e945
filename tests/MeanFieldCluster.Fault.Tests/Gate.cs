using System.Diagnostics;
using System.Globalization;
using MeanFieldCluster.Silo.Hosting;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// The test side of the chunk gate (MFC_TEST_GATE, docs/testing.md): points of the processes started with
/// <see cref="Environment"/> hold at every chunk boundary, their checkpoint stored, until released here.
/// </summary>
internal sealed class Gate
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    public Gate(string directory)
    {
        Directory = directory;
        System.IO.Directory.CreateDirectory(directory);
    }

    public string Directory { get; }

    /// <summary>
    /// The variables that put a process's points behind this gate, in chunks of <paramref name="chunkSteps"/>
    /// steps (or of the suite-level MFC_TEST_CHUNK_STEPS when it is set).
    /// </summary>
    public Dictionary<string, string> Environment(long chunkSteps) => new()
    {
        [TestHooks.GateVariable] = Directory,
        [TestHooks.ChunkStepsVariable] = (TestHooks.FromEnvironment().ChunkSteps ?? chunkSteps).ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>The points holding (or having held) at a boundary: index and the id of the process they computed in.</summary>
    public Dictionary<int, int> Held() => Announced("held").ToDictionary(a => a.Key, a => a.Value.ProcessId);

    /// <summary>The points' latest announcements of one kind ("held", "writing"): index, work done and process id.</summary>
    public Dictionary<int, (long Done, int ProcessId)> Announced(string what)
    {
        var found = new Dictionary<int, (long, int)>();
        foreach (string file in System.IO.Directory.GetFiles(Directory, what + "-*"))
        {
            string name = Path.GetFileName(file);
            if (name.EndsWith(".tmp", StringComparison.Ordinal) || !int.TryParse(name.AsSpan(what.Length + 1), CultureInfo.InvariantCulture, out int index))
            {
                continue;
            }

            string[] fields = File.ReadAllText(file).Split(' ', StringSplitOptions.TrimEntries);
            found[index] = (long.Parse(fields[2], CultureInfo.InvariantCulture), int.Parse(fields[3], CultureInfo.InvariantCulture));
        }

        return found;
    }

    /// <summary>Waits until <paramref name="condition"/> holds of the announcements of kind <paramref name="what"/>; returns them.</summary>
    public async Task<Dictionary<int, (long Done, int ProcessId)>> WaitFor(string what, Func<Dictionary<int, (long Done, int ProcessId)>, bool> condition, TimeSpan timeout, Func<string>? context = null)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var announced = Announced(what);
            if (condition(announced))
            {
                return announced;
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"gate {Directory}: '{what}' announcements [{string.Join(", ", announced.Keys.Order())}] never met the condition within {timeout}\n{context?.Invoke()}");
            }

            await Task.Delay(Poll);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds of the held points (index, process id); returns them.</summary>
    public async Task<Dictionary<int, int>> WaitUntil(Func<Dictionary<int, int>, bool> condition, TimeSpan timeout, Func<string>? context = null) =>
        (await WaitFor("held", a => condition(a.ToDictionary(x => x.Key, x => x.Value.ProcessId)), timeout, context)).ToDictionary(x => x.Key, x => x.Value.ProcessId);

    /// <summary>Releases point <paramref name="index"/> for good.</summary>
    public void Release(int index) => Write($"release-{index}", "");

    /// <summary>Releases every point for good.</summary>
    public void ReleaseAll() => Write("release-all", "");

    private void Write(string name, string text)
    {
        string path = Path.Combine(Directory, name);
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }
}
