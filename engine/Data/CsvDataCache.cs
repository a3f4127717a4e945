using System.Collections.Concurrent;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Data;

/// <summary>
/// The csv data sets of this process, one per (csv section, sweep seed, version of the file): every point of a csv
/// sweep builds its data (<see cref="DataModel.Create"/>), and each read and standardized the whole file again.
/// <see cref="CsvData"/> is immutable (sampling draws only from the caller's stream), so the points of a sweep share
/// one. A file changed on disk (another length or write time) is read again. At most <see cref="Capacity"/> data
/// sets are kept; past that the cache starts over, so a long-lived silo does not keep every file it ever read.
/// </summary>
internal static class CsvDataCache
{
    /// <summary>How many data sets are kept at most.</summary>
    public const int Capacity = 8;

    private static readonly ConcurrentDictionary<Key, Lazy<CsvData>> Sets = new();

    private readonly record struct Key(string Path, string Label, string Features, double TestFraction, bool StandardizeLabel, ulong Seed, long Length, DateTime WrittenUtc);

    /// <summary>The data set of <paramref name="csv"/> split with <paramref name="sweepSeed"/>; the exceptions of <see cref="CsvData(CsvSpec, ulong)"/>.</summary>
    public static CsvData Get(CsvSpec csv, ulong sweepSeed)
    {
        var file = new FileInfo(csv.Path);
        if (!file.Exists)
        {
            return new CsvData(csv, sweepSeed); // reports the missing file
        }

        var key = new Key(file.FullName, csv.Label, string.Join('\n', csv.Features), csv.TestFraction, csv.StandardizeLabel, sweepSeed, file.Length, file.LastWriteTimeUtc);
        if (!Sets.ContainsKey(key) && Sets.Count >= Capacity)
        {
            Sets.Clear();
        }

        Lazy<CsvData> set = Sets.GetOrAdd(key, _ => new Lazy<CsvData>(() => new CsvData(csv, sweepSeed)));
        try
        {
            return set.Value;
        }
        catch
        {
            // A file that failed to read is not remembered: the next call reads it again (and reports its error again).
            Sets.TryRemove(new KeyValuePair<Key, Lazy<CsvData>>(key, set));
            throw;
        }
    }
}
