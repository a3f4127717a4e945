using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Client.Results;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Commands;

/// <summary>
/// <c>mfc runs DIR</c>: lists the results folders under DIR as a table (name, date, status, points, axes,
/// tags), newest first; and <c>mfc diff A B</c>: the spec fields in which two runs differ, with both values.
/// </summary>
internal static class RunsCommand
{
    /// <summary>How deep under DIR results folders are looked for.</summary>
    public const int MaxDepth = 4;

    private static readonly string[] Header = ["name", "date", "status", "points", "axes", "tags"];

    /// <summary>One results folder's row.</summary>
    private sealed record RunRow(string Name, DateTime? Date, string Status, string Points, string Axes, string Tags);

    public static async Task<int> ListAsync(string path, TextWriter output, TextWriter error)
    {
        string root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            await error.WriteLineAsync(File.Exists(root)
                ? $"error: DIR: '{root}' is a file; expected a folder that holds results folders (e.g. results)."
                : $"error: DIR: '{root}' does not exist; expected a folder that holds results folders (e.g. results).");
            return SpecInput.BadInput;
        }

        List<RunRow> rows = [.. Folders(root, 0).Select(f => Row(root, f))];
        if (rows.Count == 0)
        {
            await output.WriteLineAsync($"no results folders under {root} (a results folder holds summary.json, or .mfc-state/ while a run is unfinished)");
            return 0;
        }

        string[][] cells =
        [
            Header,
            .. rows.OrderByDescending(r => r.Date ?? DateTime.MinValue).ThenBy(r => r.Name, StringComparer.Ordinal)
                .Select(r => new[] { r.Name, r.Date?.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture) ?? "-", r.Status, r.Points, r.Axes, r.Tags }),
        ];
        int[] widths = [.. Enumerable.Range(0, Header.Length).Select(c => cells.Max(r => r[c].Length))];
        foreach (string[] row in cells)
        {
            await output.WriteLineAsync(string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd());
        }

        return 0;
    }

    public static async Task<int> DiffAsync(string a, string b, TextWriter output, TextWriter error)
    {
        if (Load(a, "A", error) is not { } left || Load(b, "B", error) is not { } right)
        {
            return SpecInput.BadInput;
        }

        var lines = new List<string>();
        Compare("", left.Spec, right.Spec, lines);
        foreach (string field in new[] { "git_commit", "tool_version" })
        {
            JsonNode? x = left.Provenance?[field], y = right.Provenance?[field];
            if (left.Provenance is not null && right.Provenance is not null && !JsonNode.DeepEquals(x, y))
            {
                lines.Add($"(provenance) {field}: {Show(x)} | {Show(y)}");
            }
        }

        if (left.NumericsVersion is { } vx && right.NumericsVersion is { } vy && vx != vy)
        {
            lines.Add($"(engine) numerics_version: {vx} | {vy} (the engines compute different numbers: the same spec does not give the same bits)");
        }

        await output.WriteLineAsync($"A: {left.Label}");
        await output.WriteLineAsync($"B: {right.Label}");
        if (lines.Count == 0)
        {
            await output.WriteLineAsync("the specs are the same");
            return 0;
        }

        await output.WriteLineAsync($"{lines.Count} difference(s), as field path: value in A | value in B");
        foreach (string line in lines)
        {
            await output.WriteLineAsync(line);
        }

        return 0;
    }

    /// <summary>
    /// A run's spec, provenance and engine numerics version (1 for a folder written before it was recorded; null for
    /// a spec file), from a results folder, its summary.json, or a spec file.
    /// </summary>
    private sealed record RunSpec(string Label, JsonNode Spec, JsonNode? Provenance, int? NumericsVersion = null);

    private static RunSpec? Load(string path, string which, TextWriter error)
    {
        string full = Path.GetFullPath(path);
        string summary = Directory.Exists(full) ? Path.Combine(full, "summary.json") : full;
        if (!File.Exists(summary))
        {
            error.WriteLine(Directory.Exists(full)
                ? $"error: {which}: '{full}' has no summary.json; expected a results folder written by 'mfc run' or 'mfc results' (an unfinished run has none yet), or a spec file."
                : $"error: {which}: '{full}' does not exist; expected a results folder, its summary.json, or a spec file (.yaml, .yml, .json).");
            return null;
        }

        if (Path.GetFileName(summary) != "summary.json")
        {
            try
            {
                SweepSpec spec = SpecLoader.LoadFile(summary, [], SpecInput.DataRoot);
                return new RunSpec($"{full} (spec file)", JsonNode.Parse(SpecWriter.ToJson(spec))!, null);
            }
            catch (SpecException ex)
            {
                error.WriteLine($"error: {which}: '{full}' is not a valid spec:");
                foreach (SpecError e in ex.Errors)
                {
                    error.WriteLine($"error: {e}");
                }

                return null;
            }
        }

        try
        {
            if (JsonNode.Parse(File.ReadAllText(summary)) is not JsonObject node || node["spec"] is not JsonObject spec)
            {
                error.WriteLine($"error: {which}: '{summary}' holds no spec; expected the summary.json of a results folder.");
                return null;
            }

            if (SpecVersion.Check(IntegerField(node, "spec_version"), $"'{summary}'") is { } versionError)
            {
                error.WriteLine($"error: {which}: {versionError}.");
                return null;
            }

            string folder = Path.GetDirectoryName(summary)!;
            int numerics = IntegerField(node, "numerics_version") ?? Engine.Training.NumericsVersion.Unversioned;
            return new RunSpec($"{folder} (sweep {(node["sweep_id"] is JsonValue id && id.TryGetValue(out string? sweepId) ? sweepId : "?")})", spec, node["provenance"], numerics);
        }
        catch (JsonException ex)
        {
            error.WriteLine($"error: {which}: '{summary}' is not valid JSON: {ex.Message}");
            return null;
        }
        catch (Exception ex) when (ex is InvalidOperationException or InvalidDataException)
        {
            // Valid JSON of another shape: not an object, or a field of the wrong type.
            error.WriteLine($"error: {which}: '{summary}' is not the summary.json of a results folder: {ex.Message}");
            return null;
        }
    }

    /// <summary>An integer field of summary.json; null when absent; a field of another type is named.</summary>
    private static int? IntegerField(JsonNode node, string field) => node[field] switch
    {
        null => null,
        JsonValue value when value.TryGetValue(out int number) => number,
        JsonNode other => throw new InvalidDataException($"field {field}: {other.ToJsonString()} is not allowed; expected an integer"),
    };

    // Objects are compared field by field, lists of objects of equal length item by item; anything else as a whole.
    private static void Compare(string path, JsonNode? x, JsonNode? y, List<string> lines)
    {
        if (JsonNode.DeepEquals(x, y))
        {
            return;
        }

        if (x is JsonObject xo && y is JsonObject yo)
        {
            foreach (string key in xo.Select(p => p.Key).Concat(yo.Select(p => p.Key).Where(k => !xo.ContainsKey(k))))
            {
                Compare(path.Length == 0 ? key : $"{path}.{key}", xo[key], yo[key], lines);
            }

            return;
        }

        if (x is JsonArray xa && y is JsonArray ya && xa.Count == ya.Count && xa.All(i => i is JsonObject) && ya.All(i => i is JsonObject))
        {
            for (int i = 0; i < xa.Count; i++)
            {
                Compare($"{path}[{i}]", xa[i], ya[i], lines);
            }

            return;
        }

        lines.Add($"{(path.Length == 0 ? "(root)" : path)}: {Show(x)} | {Show(y)}");
    }

    private static string Show(JsonNode? node) => node is null ? "(absent)" : node.ToJsonString(new JsonSerializerOptions { WriteIndented = false });

    private static IEnumerable<string> Folders(string directory, int depth)
    {
        if (IsResultsFolder(directory))
        {
            yield return directory;
            yield break;
        }

        if (depth >= MaxDepth)
        {
            yield break;
        }

        IEnumerable<string> children;
        try
        {
            children = [.. Directory.EnumerateDirectories(directory).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal)];
        }
        catch (UnauthorizedAccessException)
        {
            yield break;
        }

        foreach (string child in children.SelectMany(c => Folders(c, depth + 1)))
        {
            yield return child;
        }
    }

    private static bool IsResultsFolder(string directory) =>
        File.Exists(Path.Combine(directory, "summary.json")) || Directory.Exists(Path.Combine(directory, RunCommand.StateFolder));

    private static RunRow Row(string root, string folder)
    {
        string name = Path.GetRelativePath(root, folder);
        string summaryPath = Path.Combine(folder, "summary.json");
        bool unfinished = Directory.Exists(Path.Combine(folder, RunCommand.StateFolder));
        if (!File.Exists(summaryPath))
        {
            return new RunRow(name, Directory.GetLastWriteTimeUtc(folder), "unfinished", "-", "-", "");
        }

        try
        {
            JsonNode summary = JsonNode.Parse(File.ReadAllText(summaryPath)) ?? throw new JsonException("empty document");
            DateTime? date = summary["started_utc"]?.GetValue<string>() is { } started
                && DateTime.TryParse(started, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out DateTime d) ? d : null;
            string status = summary["status"]?.GetValue<string>() ?? "?";
            if (unfinished && status != "completed")
            {
                status += " (resumable)";
            }

            int total = summary["points"] is JsonArray points ? points.Count : 0;
            int completed = summary["point_counts"]?["completed"]?.GetValue<int>() ?? 0;
            string axes = summary["axes"] is JsonArray a
                ? string.Join(',', a.Select(x => Short(x!.GetValue<string>())))
                : string.Join(',', AxesOf(summary["spec"]));
            string tags = summary["tags"] is JsonArray t ? string.Join(',', t.Select(x => x!.GetValue<string>())) : "";
            return new RunRow(name, date, status, $"{completed}/{total}", axes.Length == 0 ? "-" : axes, tags);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return new RunRow(name, File.GetLastWriteTimeUtc(summaryPath), "damaged summary.json", "-", "-", "");
        }
    }

    // "grid.width" -> "width"; other paths as they are.
    private static string Short(string axis) => axis.StartsWith("grid.", StringComparison.Ordinal) ? axis["grid.".Length..] : axis;

    // Summaries written before "axes" existed: the grid lists with more than one entry.
    private static IEnumerable<string> AxesOf(JsonNode? spec) =>
        (spec?["grid"] as JsonObject ?? new JsonObject()).Where(p => p.Value is JsonArray { Count: > 1 }).Select(p => p.Key);
}
