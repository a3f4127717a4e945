using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using SkiaSharp;

namespace MeanFieldCluster.Client.Tests;

/// <summary>`mfc plot` on real results folders: the files are valid images whose series match the data.</summary>
public sealed class PlotTests
{
    private const int PngWidth = 1600, PngHeight = 1120, SvgWidth = 800, SvgHeight = 560;

    private static readonly string[] MmnFigures = ["risk", "risk_gap", "w1_pde", "w1_widths", "quantiles_w_norm"];

    // Colours of the frame, ticks, grid, text and background: everything but these belongs to a series.
    private static readonly HashSet<string> Neutral = new(StringComparer.OrdinalIgnoreCase) { "none", "white", "black", "#000000", "#010101", "#ffffff" };

    [Fact]
    public async Task PlotWritesTheMmnFiguresAsPngFilesInWhichEverySeriesIsDrawn()
    {
        string dir = await MmnCopy();

        var (code, output, error) = await CliHarness.Run("plot", dir, "--format", "png");

        Assert.True(code == 0, output + error);
        using JsonDocument index = ReadIndex(dir);
        Assert.Equal(MmnFigures.Select(f => f + ".png"), Figures(index).Select(f => f.GetProperty("file").GetString()));
        foreach (JsonElement figure in Figures(index))
        {
            string path = Path.Combine(dir, "figures", figure.GetProperty("file").GetString()!);
            Assert.Contains(path, output, StringComparison.Ordinal);
            byte[] png = File.ReadAllBytes(path);
            Assert.Equal((PngWidth, PngHeight), PngHeaderSize(png));

            // Every series is drawn in its colour: many pixels of exactly that colour (line cores, markers).
            using SKBitmap bitmap = SKBitmap.Decode(png);
            Assert.Equal(PngWidth, bitmap.Width);
            Dictionary<string, int> counts = CountColors(bitmap);
            foreach (string color in figure.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("color").GetString()!))
            {
                Assert.True(counts.GetValueOrDefault(color) >= 150, $"{path}: {counts.GetValueOrDefault(color)} pixels of {color}");
            }
        }

        Assert.Contains(Path.Combine(dir, "figures", "figures.json"), output, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(dir, "figures"), "*.partial"));
    }

    [Fact]
    public async Task TheRiskSvgHasOneCurvePerWidthAndTheDashedPdeCurve()
    {
        string dir = await MmnCopy();

        var (code, output, error) = await CliHarness.Run("plot", dir, "--format", "svg");

        Assert.True(code == 0, output + error);
        using JsonDocument index = ReadIndex(dir);
        JsonElement risk = Figure(index, "risk.svg");
        string[] widths = [.. Csv(dir, "points").Select(r => r["width_1"]).Distinct()];
        Assert.Equal(3, widths.Length);
        Assert.Equal([.. widths.Select(n => $"N = {n}"), "mean-field limit (radial PDE, d = 40)"], SeriesNames(risk));
        Assert.Equal(["curve", "curve", "curve", "reference"], risk.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("kind").GetString()));

        // Each width's curve has one point per recorded time t > 0 (t = 0 is off the log axis).
        var curves = Csv(dir, "curves");
        var points = Csv(dir, "points").ToDictionary(r => r["point"], r => r["width_1"]);
        foreach (JsonElement series in risk.GetProperty("series").EnumerateArray().Take(3))
        {
            string width = series.GetProperty("name").GetString()!["N = ".Length..];
            int times = curves.Where(r => points[r["point"]] == width && double.Parse(r["t"], CultureInfo.InvariantCulture) > 0).Select(r => r["t"]).Distinct().Count();
            Assert.Equal(times, series.GetProperty("points").GetInt32());
        }

        XDocument svg = LoadSvg(dir, "risk.svg");
        Assert.Equal(SeriesColors(risk), DataColors(svg));

        // Each series is a polyline through all its points in its colour (the legend's sample has 2 vertices).
        foreach (JsonElement series in risk.GetProperty("series").EnumerateArray())
        {
            int vertices = series.GetProperty("points").GetInt32();
            Assert.True(vertices > 30, series.ToString());
            Assert.Contains(Strokes(svg, series.GetProperty("color").GetString()!), e => Vertices(e) == vertices);
        }

        string pde = risk.GetProperty("series")[3].GetProperty("color").GetString()!;
        Assert.All(Strokes(svg, pde), e => Assert.NotNull(e.Attribute("stroke-dasharray")));
        Assert.All(risk.GetProperty("series").EnumerateArray().Take(3), s => Assert.All(Strokes(svg, s.GetProperty("color").GetString()!), e => Assert.Null(e.Attribute("stroke-dasharray"))));

        // The ±1 s.e. bands: a translucent fill in each width's colour.
        Assert.All(risk.GetProperty("series").EnumerateArray().Take(3), s => Assert.Contains(svg.Descendants(), e => Same(e.Attribute("fill")?.Value, s.GetProperty("color").GetString()!) && e.Attribute("fill-opacity") is not null));
        string[] texts = Texts(svg);
        Assert.All(SeriesNames(risk), name => Assert.Contains(name, texts));
        Assert.Contains("t = kε (mean-field time, log scale)", texts);
        Assert.Contains("0.1", texts);
        Assert.Contains("10", texts);
    }

    [Fact]
    public async Task TheW1AgainstNSvgHasOnePointSeriesPerSnapshotTimeEachWithItsFittedLine()
    {
        string dir = await MmnCopy();

        var (code, output, error) = await CliHarness.Run("plot", dir, "--format", "svg");

        Assert.True(code == 0, output + error);
        using JsonDocument index = ReadIndex(dir);
        using JsonDocument aggregate = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "aggregate.json")));
        JsonElement family = aggregate.RootElement.GetProperty("pde_comparison").GetProperty("families")[0];
        JsonElement[] fits = [.. family.GetProperty("w1_fits").EnumerateArray()];
        int widths = family.GetProperty("widths").GetArrayLength();
        JsonElement w1 = Figure(index, "w1_pde.svg");
        JsonElement[] series = [.. w1.GetProperty("series").EnumerateArray()];

        Assert.Equal(("log", "log"), (w1.GetProperty("x_scale").GetString(), w1.GetProperty("y_scale").GetString()));
        Assert.Equal(2 * fits.Length, series.Length);
        XDocument svg = LoadSvg(dir, "w1_pde.svg");
        string[] texts = Texts(svg);
        for (int k = 0; k < fits.Length; k++)
        {
            JsonElement points = series[2 * k], fit = series[(2 * k) + 1];
            string time = fits[k].GetProperty("time").GetDouble().ToString("G4", CultureInfo.InvariantCulture);
            Assert.Equal(($"t = {time}", "points", widths), (points.GetProperty("name").GetString(), points.GetProperty("kind").GetString(), points.GetProperty("points").GetInt32()));
            Assert.Equal("fit", fit.GetProperty("kind").GetString());
            Assert.Equal(points.GetProperty("color").GetString(), fit.GetProperty("color").GetString());

            // The slope in the legend is the aggregation's fitted exponent.
            string exponent = fits[k].GetProperty("fit").GetProperty("exponent").GetDouble().ToString("F2", CultureInfo.InvariantCulture).Replace('-', '−');
            Assert.Contains($"a = {exponent} ±", fit.GetProperty("name").GetString(), StringComparison.Ordinal);
            Assert.Contains(texts, t => t.StartsWith($"t = {time} · fit", StringComparison.Ordinal) && t.Contains("95% CI", StringComparison.Ordinal));

            // One marker per width, plus the legend's.
            Assert.Equal(widths + 1, svg.Descendants().Count(e => e.Name.LocalName == "ellipse" && Same(e.Attribute("fill")?.Value, points.GetProperty("color").GetString()!)));
            Assert.Contains(Strokes(svg, fit.GetProperty("color").GetString()!), e => e.Attribute("stroke-dasharray") is not null);
        }

        Assert.Equal(SeriesColors(w1), DataColors(svg));
        Assert.Contains("100", texts);
        Assert.Contains("400", texts);
    }

    [Fact]
    public async Task TheQuantileFigureDrawsTheWholeQuantileFunctionOfEachWidth()
    {
        string dir = await MmnCopy();

        var (code, output, error) = await CliHarness.Run("plot", dir, "--format", "svg");

        Assert.True(code == 0, output + error);
        using JsonDocument index = ReadIndex(dir);
        JsonElement quantiles = Figure(index, "quantiles_w_norm.svg");
        Assert.Equal(["N = 100", "N = 200", "N = 400"], SeriesNames(quantiles));
        Assert.All(quantiles.GetProperty("series").EnumerateArray(), s => Assert.Equal(256, s.GetProperty("points").GetInt32()));
        XDocument svg = LoadSvg(dir, "quantiles_w_norm.svg");
        Assert.Equal(SeriesColors(quantiles), DataColors(svg));
        Assert.All(quantiles.GetProperty("series").EnumerateArray(), s => Assert.Contains(Strokes(svg, s.GetProperty("color").GetString()!), e => Vertices(e) == 256));
    }

    [Fact]
    [Trait("Category", "Slow")]
    public async Task PlotDrawsTheEstimatorsSideBySideAgainstTheKnownRateFunction()
    {
        string dir = await PlottedCopyOf("ld-quenched-vs-annealed.yaml");
        using JsonDocument index = ReadIndex(dir);
        JsonElement side = Figures(index).Single(f => f.GetProperty("file").GetString() == "rate_function_estimators.svg");
        Assert.Equal(
            ["quenched, gartner-ellis, N → ∞", "quenched, tail, N → ∞", "annealed, gartner-ellis, N → ∞", "annealed, tail, N → ∞",
             "quenched, known: exact I (linear neuron, docs/large-deviations.md)", "annealed, known: exact I (linear neuron, docs/large-deviations.md)"],
            SeriesNames(side));
        foreach (JsonElement figure in Figures(index).Where(f => f.GetProperty("file").GetString()!.StartsWith("rate_function_", StringComparison.Ordinal) && !f.GetProperty("file").GetString()!.StartsWith("rate_function_vs_limit_", StringComparison.Ordinal)))
        {
            Assert.Contains(SeriesNames(figure), n => n.Contains("known: exact I", StringComparison.Ordinal));
        }
    }

    // docs/models.md, "The next order at L = 2": the t = 0 controlled means against N with ±1 SE bars, moved by one
    // constant onto the derived curve, and the curve itself dashed in the same colour with the effective and leading
    // exponents and the fit's p-value of aggregate.json in its legend.
    [Fact]
    [Trait("Category", "Slow")]
    public async Task PlotDrawsTheTwoLayerInitialRiskOnItsDerivedNextOrderCurve()
    {
        string dir = await PlottedCopyOf("normalization-gamma-deep-lazy.yaml");
        using JsonDocument index = ReadIndex(dir);
        using JsonDocument aggregate = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "aggregate.json")));
        JsonElement correction = aggregate.RootElement.GetProperty("scaling").GetProperty("families")[0].GetProperty("risk_extrapolation")[0].GetProperty("controlled").GetProperty("correction");
        JsonElement figure = Figure(index, "initial_risk_next_order.svg");
        JsonElement[] series = [.. figure.GetProperty("series").EnumerateArray()];

        Assert.Equal(("log", "log"), (figure.GetProperty("x_scale").GetString(), figure.GetProperty("y_scale").GetString()));
        Assert.Equal(2, series.Length);
        Assert.Equal(("points", 5), (series[0].GetProperty("kind").GetString(), series[0].GetProperty("points").GetInt32()));
        Assert.StartsWith("L = 2, γ = 0.5: controlled means − ", series[0].GetProperty("name").GetString(), StringComparison.Ordinal);
        Assert.Equal("fit", series[1].GetProperty("kind").GetString());
        Assert.Equal(series[0].GetProperty("color").GetString(), series[1].GetProperty("color").GetString());
        string F2(string field) => correction.GetProperty(field).GetDouble().ToString("F2", CultureInfo.InvariantCulture);
        Assert.Equal($"derived: p {F2("expected_p")} (leading {F2("expected_p_leading_order")}), fit p-value {F2("expected_curve_p_value")}", series[1].GetProperty("name").GetString());
        XDocument svg = LoadSvg(dir, "initial_risk_next_order.svg");
        Assert.Equal(SeriesColors(figure), DataColors(svg));
        Assert.Contains(Strokes(svg, series[1].GetProperty("color").GetString()!), e => e.Attribute("stroke-dasharray") is not null);
    }

    [Fact]
    public async Task PlotDrawsTheRateFunctionsWithTheirBandsAndNoOtherFigureForALargeDeviationRun()
    {
        string dir = await PlottedCopyOf("ld-cramer.yaml");
        using JsonDocument index = ReadIndex(dir);
        Assert.Equal(["rate_function_gartner-ellis.svg", "rate_function_tail.svg", "rate_function_vs_limit_annealed.svg"], Figures(index).Select(f => f.GetProperty("file").GetString()));
        var rows = Csv(dir, "rate_functions").Where(r => r["censored"] == "false" && r["value"].Length > 0).ToList();
        var censoredRows = Csv(dir, "rate_functions").Where(r => r["censored"] == "true" && r["value"].Length > 0).ToList();
        Assert.NotEmpty(censoredRows);
        // The solver's comparison figure (rate_function_vs_limit_<mode>) has series of its own.
        foreach (JsonElement figure in Figures(index).Where(f => !f.GetProperty("file").GetString()!.StartsWith("rate_function_vs_limit_", StringComparison.Ordinal)))
        {
            string estimator = figure.GetProperty("file").GetString()!["rate_function_".Length..^".svg".Length];
            string[] widths = [.. rows.Where(r => r["estimator"] == estimator && r["extrapolated"] == "false").Select(r => r["width"]).Distinct()];
            // Censored rows (no replica reached x) are drawn as lower bounds (1/N) ln R, one marker series per width.
            var censored = censoredRows.Where(r => r["estimator"] == estimator && r["extrapolated"] == "false").GroupBy(r => r["width"]).ToList();
            Assert.Equal([.. widths.Select(n => $"N = {n}"), .. censored.Select(g => $"N = {g.Key}: no hit, I ≥ (1/N) ln R"), "N → ∞ (fit Î_N = I + b/N)"], SeriesNames(figure));
            XDocument svg = LoadSvg(dir, figure.GetProperty("file").GetString()!);
            Assert.Equal(SeriesColors(figure), DataColors(svg));
            JsonElement[] all = [.. figure.GetProperty("series").EnumerateArray()];
            JsonElement[] bounds = [.. all.Where(s => s.GetProperty("kind").GetString() == "lowerbound")];
            Assert.Equal(censored.Select(g => g.Count()), bounds.Select(b => b.GetProperty("points").GetInt32()));

            // Each curve is drawn through all its points; each finite width's curve has its bootstrap band.
            Assert.All(all.Where(s => s.GetProperty("kind").GetString() != "lowerbound"), s => Assert.Contains(Strokes(svg, s.GetProperty("color").GetString()!), e => Vertices(e) == s.GetProperty("points").GetInt32()));
            foreach (JsonElement series in all.Where(s => s.GetProperty("kind").GetString() != "lowerbound").SkipLast(1))
            {
                Assert.Contains(svg.Descendants(), e => Same(e.Attribute("fill")?.Value, series.GetProperty("color").GetString()!) && e.Attribute("fill-opacity") is not null);
            }
        }
    }

    [Fact]
    public async Task RunWithPlotWritesTheFiguresWhenTheRunEnds()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, """
            name: tiny-plot
            seed: 3
            model: {preset: mmn-relu, activation: relu}
            data: {kind: isotropic-gaussian, d: 4, delta: 0.5}
            training: {horizon: 1}
            observe: {test_samples: 200, risk_times: {count: 5, spacing: log}, snapshot_times: [0, 1], quantiles: 16}
            grid: {width: [8, 16], step_size: [0.01], seeds: 2}
            """);
        string outDir = Path.Combine(dir, "out");

        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir, "--plot");

        Assert.True(code == 0, output + error);
        Assert.Contains(Path.Combine(outDir, "figures", "risk.png"), output, StringComparison.Ordinal);
        Assert.Equal((PngWidth, PngHeight), PngHeaderSize(File.ReadAllBytes(Path.Combine(outDir, "figures", "risk.png"))));
        using JsonDocument index = ReadIndex(outDir);
        Assert.Equal(["N = 8", "N = 16"], SeriesNames(Figure(index, "risk.png")));
    }

    [Fact]
    public async Task PlotRefusesAMissingFolderWithExitCode2NamingIt()
    {
        string missing = Path.Combine(CliHarness.TempDirectory(), "no-such-results");

        var (code, _, error) = await CliHarness.Run("plot", missing);

        Assert.Equal(2, code);
        Assert.Contains(missing, error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlotRefusesAFolderThatIsNotAResultsFolderWithExitCode2NamingIt()
    {
        string dir = CliHarness.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "not results");

        var (code, _, error) = await CliHarness.Run("plot", dir);

        Assert.Equal(2, code);
        Assert.Contains(dir, error, StringComparison.Ordinal);
        Assert.Contains("not a results folder", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "figures")));
    }

    [Fact]
    public async Task PlotRefusesAnUnknownFormatWithExitCode2NamingTheAllowedOnes()
    {
        var (code, _, error) = await CliHarness.Run("plot", CliHarness.TempDirectory(), "--format", "jpg");

        Assert.Equal(2, code);
        Assert.Contains("--format: 'jpg' is not allowed; expected one of: png, svg", error, StringComparison.Ordinal);
    }

    private static async Task<string> MmnCopy()
    {
        RunOutcome run = await SharedRuns.Example("mmn-fig1-small.yaml");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        return SharedRuns.CopyOf(run.Directory);
    }

    private static JsonDocument ReadIndex(string dir) => JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "figures", "figures.json")));

    // A private copy of an example's results, plotted as SVG.
    private static async Task<string> PlottedCopyOf(string example)
    {
        RunOutcome run = await SharedRuns.Example(example);
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        string dir = SharedRuns.CopyOf(run.Directory);
        var (code, output, error) = await CliHarness.Run("plot", dir, "--format", "svg");
        Assert.True(code == 0, output + error);
        return dir;
    }

    private static IEnumerable<JsonElement> Figures(JsonDocument index) => index.RootElement.GetProperty("figures").EnumerateArray();

    private static JsonElement Figure(JsonDocument index, string file) => Figures(index).Single(f => f.GetProperty("file").GetString() == file);

    private static string[] SeriesNames(JsonElement figure) => [.. figure.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("name").GetString()!)];

    private static HashSet<string> SeriesColors(JsonElement figure) => [.. figure.GetProperty("series").EnumerateArray().Select(s => s.GetProperty("color").GetString()!.ToLowerInvariant())];

    private static XDocument LoadSvg(string dir, string file)
    {
        XDocument svg = XDocument.Load(Path.Combine(dir, "figures", file));
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        Assert.Equal((SvgWidth.ToString(CultureInfo.InvariantCulture), SvgHeight.ToString(CultureInfo.InvariantCulture)), (svg.Root.Attribute("width")?.Value, svg.Root.Attribute("height")?.Value));
        return svg;
    }

    // Every stroke and fill colour of the drawing that is not the frame's, grid's, text's or background's.
    private static HashSet<string> DataColors(XDocument svg) =>
        [.. svg.Descendants().SelectMany(e => new[] { e.Attribute("stroke")?.Value, e.Attribute("fill")?.Value }).OfType<string>().Where(c => !Neutral.Contains(c)).Select(c => c.ToLowerInvariant())];

    private static IEnumerable<XElement> Strokes(XDocument svg, string color) => svg.Descendants().Where(e => e.Name.LocalName == "path" && Same(e.Attribute("stroke")?.Value, color));

    // The vertices of an SVG path: its moveto and lineto commands.
    private static int Vertices(XElement path) => (path.Attribute("d")?.Value ?? "").Count(c => c is 'M' or 'L');

    private static string[] Texts(XDocument svg) => [.. svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim())];

    private static bool Same(string? a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static List<Dictionary<string, string>> Csv(string dir, string table) => CliHarness.ReadCsv(Path.Combine(dir, table + ".csv"));

    // The PNG signature, then the IHDR chunk first with the image's width and height (big-endian).
    private static (int Width, int Height) PngHeaderSize(byte[] png)
    {
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal(13, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(8)));
        Assert.Equal("IHDR", Encoding.ASCII.GetString(png, 12, 4));
        return (BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    private static Dictionary<string, int> CountColors(SKBitmap bitmap)
    {
        var counts = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        foreach (SKColor pixel in bitmap.Pixels)
        {
            string key = $"#{pixel.Red:x2}{pixel.Green:x2}{pixel.Blue:x2}";
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }

        return counts;
    }
}
