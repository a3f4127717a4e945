using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Nodes;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Loads sweep specifications from YAML or JSON: text → tree → overrides → validated <see cref="SweepSpec"/>.
/// Every problem found is reported at once, each with the path of the offending field (docs/spec.md).
/// </summary>
public static class SpecLoader
{
    /// <summary>
    /// Loads a spec file; the format follows the extension (.yaml, .yml or .json). Relative paths inside the
    /// spec (csv data files) are resolved against the spec file's folder.
    /// </summary>
    /// <param name="path">The spec file.</param>
    /// <param name="overrides"><c>path=value</c> overrides applied after parsing, in order.</param>
    /// <returns>The validated spec.</returns>
    /// <exception cref="SpecException">The file is missing or unreadable, or the spec is invalid.</exception>
    /// <param name="dataRoot">When set, csv data files must resolve (links followed) to a file under this folder.</param>
    public static SweepSpec LoadFile(string path, IReadOnlyList<string>? overrides = null, string? dataRoot = null) =>
        TryLoadFile(path, overrides, out SweepSpec? spec, out IReadOnlyList<SpecError> errors, dataRoot) ? spec : throw new SpecException(errors);

    /// <summary>
    /// Parses spec text. Relative paths inside the spec (csv data files) are resolved against the current
    /// directory; csv files are read and checked.
    /// </summary>
    /// <param name="text">The spec text.</param>
    /// <param name="format">Its format.</param>
    /// <param name="overrides"><c>path=value</c> overrides applied after parsing, in order.</param>
    /// <returns>The validated spec.</returns>
    /// <exception cref="SpecException">The spec is invalid.</exception>
    /// <param name="dataRoot">When set, csv data files must resolve (links followed) to a file under this folder.</param>
    public static SweepSpec Parse(string text, SpecFormat format, IReadOnlyList<string>? overrides = null, string? dataRoot = null) =>
        TryParse(text, format, overrides, out SweepSpec? spec, out IReadOnlyList<SpecError> errors, dataRoot) ? spec : throw new SpecException(errors);

    /// <summary>Like <see cref="LoadFile"/>, but returns the errors instead of throwing.</summary>
    /// <param name="path">The spec file.</param>
    /// <param name="overrides"><c>path=value</c> overrides, or null.</param>
    /// <param name="spec">The validated spec, when the result is true.</param>
    /// <param name="errors">Every problem found; empty when the result is true.</param>
    /// <param name="dataRoot">When set, csv data files must resolve (links followed) to a file under this folder.</param>
    /// <returns>Whether the spec is valid.</returns>
    public static bool TryLoadFile(
        string path,
        IReadOnlyList<string>? overrides,
        [NotNullWhen(true)] out SweepSpec? spec,
        out IReadOnlyList<SpecError> errors,
        string? dataRoot = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        spec = null;
        var sink = new ErrorSink();
        if (FormatOf(path) is not { } format)
        {
            sink.Add(SpecError.FilePath, $"{NodeText.Quote(path)} has an unknown extension {NodeText.Quote(Path.GetExtension(path))}; expected .yaml, .yml or .json");
        }
        else if (ReadText(path, sink) is { } text)
        {
            string folder = Path.GetDirectoryName(Path.GetFullPath(path)) ?? Directory.GetCurrentDirectory();
            spec = ParseCore(text, format, overrides, new SpecLocation(folder, dataRoot), sink);
        }

        errors = sink.Errors;
        return spec is not null && !sink.HasErrors;
    }

    /// <summary>Like <see cref="Parse"/>, but returns the errors instead of throwing.</summary>
    /// <param name="text">The spec text.</param>
    /// <param name="format">Its format.</param>
    /// <param name="overrides"><c>path=value</c> overrides, or null.</param>
    /// <param name="spec">The validated spec, when the result is true.</param>
    /// <param name="errors">Every problem found; empty when the result is true.</param>
    /// <param name="dataRoot">When set, csv data files must resolve (links followed) to a file under this folder.</param>
    /// <returns>Whether the spec is valid.</returns>
    public static bool TryParse(
        string text,
        SpecFormat format,
        IReadOnlyList<string>? overrides,
        [NotNullWhen(true)] out SweepSpec? spec,
        out IReadOnlyList<SpecError> errors,
        string? dataRoot = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sink = new ErrorSink();
        spec = ParseCore(text, format, overrides, new SpecLocation(Directory.GetCurrentDirectory(), dataRoot), sink);
        errors = sink.Errors;
        return spec is not null && !sink.HasErrors;
    }

    /// <summary>The format implied by a file name's extension (case-insensitive), or null when unknown.</summary>
    /// <param name="path">A file name or path.</param>
    /// <returns><see cref="SpecFormat.Yaml"/> for .yaml/.yml, <see cref="SpecFormat.Json"/> for .json, else null.</returns>
    public static SpecFormat? FormatOf(string path) => Path.GetExtension(path).ToUpperInvariant() switch
    {
        ".YAML" or ".YML" => SpecFormat.Yaml,
        ".JSON" => SpecFormat.Json,
        _ => null,
    };

    private static string? ReadText(string path, ErrorSink errors)
    {
        if (!File.Exists(path))
        {
            errors.Add(SpecError.FilePath, $"file {NodeText.Quote(path)} does not exist");
            return null;
        }

        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(SpecError.FilePath, $"file {NodeText.Quote(path)} cannot be read: {e.Message}");
            return null;
        }
    }

    private static SweepSpec? ParseCore(string text, SpecFormat format, IReadOnlyList<string>? overrides, SpecLocation location, ErrorSink errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return SpecBinder.Bind(null, errors, location);
        }

        JsonNode? root = ParseTree(text, format, errors);
        if (errors.HasErrors)
        {
            return null;
        }

        if (root is not null && overrides is { Count: > 0 })
        {
            SpecOverrides.Apply(root, overrides, errors);
        }

        // Field axes (docs/spec.md, "Any field is an axis"): the tree binds as their first combination, then every combination is checked.
        var axes = SpecAxes.Extract(root, errors);
        if (axes.Count == 0)
        {
            return SpecBinder.Bind(root, errors, location);
        }

        var first = new ErrorSink();
        SweepSpec? spec = SpecBinder.Bind(root, first, location);
        SpecAxes.Rebase(first.Errors, axes, errors);
        return spec is null || errors.HasErrors ? null : SpecAxes.Attach(spec, axes, errors);
    }

    private static JsonNode? ParseTree(string text, SpecFormat format, ErrorSink errors)
    {
        string? syntaxError;
        JsonNode? root = format switch
        {
            SpecFormat.Yaml => YamlTree.Load(text, SpecPath.Root, errors, out syntaxError),
            SpecFormat.Json => JsonTree.Load(text, errors, out syntaxError),
            _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown spec format"),
        };
        if (syntaxError is not null)
        {
            errors.Add(format == SpecFormat.Yaml ? SpecError.YamlPath : SpecError.JsonPath, syntaxError);
        }

        return root;
    }
}

/// <summary>Where a spec's relative paths start, and the folder its data files must lie under (when set).</summary>
/// <param name="BaseDirectory">The folder relative csv paths are resolved against.</param>
/// <param name="DataRoot">When set, csv data files must resolve to a file under this folder.</param>
internal sealed record SpecLocation(string BaseDirectory, string? DataRoot);
