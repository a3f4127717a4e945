using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Client.Results;

namespace MeanFieldCluster.Client.Plotting;

/// <summary>
/// The parts of a results folder the figures are drawn from: the spec (summary.json), the coordinator's
/// aggregation (aggregate.json, when every point finished) and the CSV tables.
/// </summary>
internal sealed class ResultsFolder
{
    private ResultsFolder(string directory, JsonNode? summary, JsonNode? aggregate)
    {
        Directory = directory;
        Summary = summary;
        Aggregate = aggregate;
    }

    /// <summary>The folder, as an absolute path.</summary>
    public string Directory { get; }

    /// <summary>summary.json, null when absent.</summary>
    public JsonNode? Summary { get; }

    /// <summary>aggregate.json, null when absent (a run that did not finish).</summary>
    public JsonNode? Aggregate { get; }

    /// <summary>The resolved spec from summary.json.</summary>
    public JsonNode? Spec => Summary?["spec"];

    /// <summary>The sweep name.</summary>
    public string Name => Spec?["name"]?.GetValue<string>() ?? Path.GetFileName(Directory);

    /// <summary>
    /// Opens a results folder; null (after printing why, naming the path) when the folder does not exist,
    /// is not a results folder (neither summary.json nor points.csv) or a file in it cannot be read.
    /// </summary>
    public static ResultsFolder? Open(string path, TextWriter error)
    {
        string directory = Path.GetFullPath(path);
        if (!System.IO.Directory.Exists(directory))
        {
            error.WriteLine(File.Exists(directory)
                ? $"error: DIR: '{directory}' is a file; expected a results folder written by 'mfc run' or 'mfc results'."
                : $"error: DIR: '{directory}' does not exist; expected a results folder written by 'mfc run' or 'mfc results'.");
            return null;
        }

        if (!File.Exists(Path.Combine(directory, "summary.json")) && !File.Exists(Path.Combine(directory, "points.csv")))
        {
            error.WriteLine($"error: DIR: '{directory}' is not a results folder (it has no summary.json and no points.csv); pass the folder 'mfc run' or 'mfc results' wrote.");
            return null;
        }

        try
        {
            return new ResultsFolder(directory, ReadJson(Path.Combine(directory, "summary.json")), ReadJson(Path.Combine(directory, "aggregate.json")));
        }
        catch (JsonException ex)
        {
            error.WriteLine($"error: DIR: '{directory}' holds a damaged JSON file: {ex.Message}");
            return null;
        }
    }

    /// <summary>The rows of a CSV table of the folder, as column name → text; empty when the file is absent.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string>> ReadTable(string table)
    {
        string path = Path.Combine(Directory, table + ".csv");
        if (!File.Exists(path))
        {
            return [];
        }

        // The results tables hold no quoted fields: text cells never contain commas (lists use ';').
        using var reader = new StreamReader(path);
        string[] header = reader.ReadLine()?.Split(',') ?? [];
        List<IReadOnlyDictionary<string, string>> rows = [];
        while (reader.ReadLine() is { } line)
        {
            string[] cells = line.Split(',');
            if (cells.Length != header.Length)
            {
                throw new InvalidDataException($"{path}: line {rows.Count + 2} has {cells.Length} cells; the header has {header.Length}.");
            }

            rows.Add(header.Zip(cells).ToDictionary(p => p.First, p => p.Second, StringComparer.Ordinal));
        }

        return rows;
    }

    /// <summary>Whether the run has a results table (its CSV exists).</summary>
    public bool HasTable(string table) => ResultsWriter.Tables.Contains(table) && File.Exists(Path.Combine(Directory, table + ".csv"));

    /// <summary>A number of a CSV cell; null when empty.</summary>
    public static double? Number(string text) =>
        text.Length == 0 ? null : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    private static JsonNode? ReadJson(string path) => File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
}
