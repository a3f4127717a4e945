using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeanFieldCluster.Client.Plotting;
using MeanFieldCluster.Client.Results;

namespace MeanFieldCluster.Client.Commands;

/// <summary>
/// <c>mfc plot DIR</c>: draws the figures a results folder supports into DIR/figures (PNG or SVG) and
/// lists them, with their series, in DIR/figures/figures.json. Each file is written under a temporary
/// name and renamed.
/// </summary>
internal static class PlotCommand
{
    /// <summary>The image formats <c>--format</c> accepts.</summary>
    public static readonly IReadOnlyList<string> Formats = ["png", "svg"];

    /// <summary>The index of the figures, written beside them.</summary>
    public const string IndexFile = "figures.json";

    public static async Task<int> ExecuteAsync(string directory, string format, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        format = format.ToLowerInvariant();
        if (!Formats.Contains(format))
        {
            await error.WriteLineAsync($"error: --format: '{format}' is not allowed; expected one of: {string.Join(", ", Formats)}.");
            return SpecInput.BadInput;
        }

        if (ResultsFolder.Open(directory, error) is not { } folder)
        {
            return SpecInput.BadInput;
        }

        IReadOnlyList<Figure> figures;
        try
        {
            figures = FigureCatalog.Build(folder);
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException or KeyNotFoundException)
        {
            await error.WriteLineAsync($"error: DIR: '{folder.Directory}' has a table or aggregate.json that cannot be read: {ex.Message}");
            return SpecInput.BadInput;
        }

        string figuresDirectory = Path.Combine(folder.Directory, ResultsWriter.FiguresFolder);
        Directory.CreateDirectory(figuresDirectory);
        if (SkiaSharp.SKFontManager.Default.FontFamilyCount == 0)
        {
            await error.WriteLineAsync("warning: no fonts found, so the figures have no text; install a font package (on Debian: apt-get install fonts-dejavu-core).");
        }

        List<string> written = [];
        foreach (Figure figure in figures)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string path = Path.Combine(figuresDirectory, $"{figure.Name}.{format}");
            if (format == "png")
            {
                await WriteAtomicallyAsync(path, FigureRenderer.Png(figure));
            }
            else
            {
                await WriteAtomicallyAsync(path, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(FigureRenderer.Svg(figure)));
            }

            written.Add(path);
        }

        string index = Path.Combine(figuresDirectory, IndexFile);
        await WriteAtomicallyAsync(index, Encoding.UTF8.GetBytes(Index(folder, figures, format).ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n"));

        if (figures.Count == 0)
        {
            await output.WriteLineAsync($"no figures: '{folder.Directory}' holds no risk curves, aggregation or rate functions to draw");
        }
        else
        {
            await output.WriteLineAsync($"{figures.Count} figure{(figures.Count == 1 ? "" : "s")} ({format}) in {figuresDirectory}:");
        }

        foreach (string path in written.Append(index))
        {
            await output.WriteLineAsync($"  {path}");
        }

        return 0;
    }

    // figures.json: per figure its file, labels, scales, note and series (name, kind, colour, points drawn, band).
    private static JsonObject Index(ResultsFolder folder, IReadOnlyList<Figure> figures, string format) => new()
    {
        ["results"] = folder.Directory,
        ["format"] = format,
        ["width"] = format == "png" ? FigureRenderer.Width * FigureRenderer.PngScale : FigureRenderer.Width,
        ["height"] = format == "png" ? FigureRenderer.Height * FigureRenderer.PngScale : FigureRenderer.Height,
        ["figures"] = new JsonArray([.. figures.Select(f => (JsonNode)new JsonObject
        {
            ["file"] = $"{f.Name}.{format}",
            ["title"] = f.Title,
            ["x_label"] = f.XLabel,
            ["y_label"] = f.YLabel,
            ["x_scale"] = f.LogX ? "log" : "linear",
            ["y_scale"] = f.LogY ? "log" : "linear",
            ["note"] = f.Note,
            ["series"] = new JsonArray([.. f.Series.Select(s => (JsonNode)new JsonObject
            {
                ["name"] = s.Name,
                ["kind"] = s.Kind.ToString().ToLowerInvariant(),
                ["color"] = s.Color,
                ["points"] = FigureRenderer.VisiblePoints(f, s),
                ["band"] = s.Band,
            })]),
        })]),
    };

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes)
    {
        string temporary = path + ".partial";
        await File.WriteAllBytesAsync(temporary, bytes);
        File.Move(temporary, path, overwrite: true);
    }
}
