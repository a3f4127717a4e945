using System.Collections.Concurrent;
using MeanFieldCluster.Engine.Data;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>What the binder checks of a csv file: its columns, in file order, and its number of data rows.</summary>
/// <param name="Columns">The column names.</param>
/// <param name="Rows">The data rows.</param>
internal sealed record CsvShape(IReadOnlyList<string> Columns, int Rows)
{
    private const int Capacity = 64;

    private static readonly ConcurrentDictionary<(string Path, long Length, DateTime WrittenUtc), CsvShape> Read = new();

    /// <summary>
    /// The shape of the csv file at <paramref name="fullPath"/>, read once per version of the file (its length and
    /// write time) in this process: a spec with field axes is bound again for every combination of them
    /// (<see cref="SpecAxes"/>), and each binding read the whole file again (64 combinations of a 10 MB file took
    /// 29 s to validate instead of 3 s).
    /// </summary>
    /// <exception cref="CsvFormatException">The file is missing or is not a numeric table (<see cref="CsvTable.Read"/>).</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The file cannot be read.</exception>
    public static CsvShape Of(string fullPath)
    {
        var file = new FileInfo(fullPath);
        if (!file.Exists)
        {
            return Parse(fullPath); // reports the missing file
        }

        var version = (fullPath, file.Length, file.LastWriteTimeUtc);
        if (Read.TryGetValue(version, out CsvShape? shape))
        {
            return shape;
        }

        shape = Parse(fullPath);
        if (Read.Count >= Capacity)
        {
            Read.Clear();
        }

        return Read.GetOrAdd(version, shape);
    }

    private static CsvShape Parse(string fullPath)
    {
        CsvTable table = CsvTable.Read(fullPath);
        return new CsvShape(table.Columns, table.Rows.Count);
    }
}
