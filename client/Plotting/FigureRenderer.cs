using System.Globalization;
using System.Xml.Linq;
using ScottPlot;
using ScottPlot.Plottables;
using ScottPlot.TickGenerators;

namespace MeanFieldCluster.Client.Plotting;

/// <summary>
/// Draws a <see cref="Figure"/> with ScottPlot 5. Log axes are linear axes over log10 of the data with
/// ticks from <see cref="LogTicks"/>; points that a log axis cannot show (zero or negative) are left out.
/// PNG is rendered at twice the SVG's scale for print. Skia's SVG backend has no dash effect, so in SVG a
/// dashed line is drawn solid in a tag colour one unit away from its own and then given its colour and a
/// stroke-dasharray in the document: true SVG dashes, editable in a vector editor.
/// </summary>
internal static class FigureRenderer
{
    /// <summary>Figure size in SVG units (points on the page).</summary>
    public const int Width = 800, Height = 560;

    /// <summary>PNG scale: <see cref="Width"/> × <see cref="Height"/> drawn at this many pixels per unit.</summary>
    public const int PngScale = 2;

    private const string PreferredFont = "DejaVu Sans";

    /// <summary>The figure as PNG bytes (<see cref="Width"/>·<see cref="PngScale"/> × <see cref="Height"/>·<see cref="PngScale"/> pixels).</summary>
    public static byte[] Png(Figure figure)
    {
        using Plot plot = Build(figure, PngScale, svg: false);
        return plot.GetImageBytes(Width * PngScale, Height * PngScale, ImageFormat.Png);
    }

    /// <summary>The figure as an SVG document.</summary>
    public static string Svg(Figure figure)
    {
        using Plot plot = Build(figure, 1, svg: true);
        XDocument document = XDocument.Parse(plot.GetSvgXml(Width, Height));
        Dictionary<string, FigureSeries> tagged = figure.Series.Where(s => Dash(s) is not null).DistinctBy(s => Tag(s.Color)).ToDictionary(s => Tag(s.Color), StringComparer.OrdinalIgnoreCase);
        foreach (XElement element in document.Descendants())
        {
            if (element.Attribute("stroke")?.Value is { } stroke && tagged.TryGetValue(stroke, out FigureSeries? series))
            {
                element.SetAttributeValue("stroke", series.Color);
                element.SetAttributeValue("stroke-dasharray", Dash(series));
            }
        }

        return document.Declaration + "\n" + document.ToString(SaveOptions.DisableFormatting);
    }

    /// <summary>How many points of a series the figure shows (those its log axes can show).</summary>
    public static int VisiblePoints(Figure figure, FigureSeries series) =>
        series.X.Zip(series.Y).Count(p => Visible(figure, p.First, p.Second));

    private static Plot Build(Figure figure, float scale, bool svg)
    {
        var plot = new Plot { ScaleFactor = scale };
        if (SkiaSharp.SKFontManager.Default.GetFontFamilies().Contains(PreferredFont, StringComparer.Ordinal))
        {
            plot.Font.Set(PreferredFont);
        }

        List<(double X, double Y)> extent = [];
        foreach (FigureSeries series in figure.Series)
        {
            Draw(plot, figure, series, svg, extent);
        }

        plot.Title(figure.Title, 15);
        plot.XLabel(figure.XLabel, 14);
        plot.YLabel(figure.YLabel, 14);
        plot.Axes.Bottom.TickLabelStyle.FontSize = 12;
        plot.Axes.Left.TickLabelStyle.FontSize = 12;
        plot.Grid.MajorLineColor = Colors.Black.WithOpacity(0.12);
        plot.Grid.MinorLineColor = Colors.Black.WithOpacity(0.05);
        plot.Grid.MinorLineWidth = 1;

        plot.Axes.AutoScale();
        if (figure.LogX && extent.Count > 0)
        {
            (double lo, double hi) = Padded(extent.Select(p => p.X));
            plot.Axes.SetLimitsX(lo, hi);
            plot.Axes.Bottom.TickGenerator = Ticks(lo, hi, figure.XTicks);
        }

        if (figure.LogY && extent.Count > 0)
        {
            (double lo, double hi) = Padded(extent.Select(p => p.Y));
            plot.Axes.SetLimitsY(lo, hi);
            plot.Axes.Left.TickGenerator = Ticks(lo, hi, null);
        }

        plot.Legend.ManualItems.AddRange(LegendItems(figure, svg));
        plot.Legend.DisplayPlottableLegendItems = false;
        if (figure.Legend == LegendCorner.Below)
        {
            plot.ShowLegend(Edge.Bottom);
            plot.Legend.Orientation = Orientation.Vertical;
        }
        else
        {
            plot.ShowLegend(figure.Legend switch
            {
                LegendCorner.UpperLeft => Alignment.UpperLeft,
                LegendCorner.UpperCenter => Alignment.UpperCenter,
                LegendCorner.LowerRight => Alignment.LowerRight,
                _ => Alignment.UpperRight,
            });
        }

        plot.Legend.FontSize = 12;
        plot.Legend.ShadowColor = Colors.Transparent;
        plot.Legend.OutlineColor = Colors.Black.WithOpacity(0.3);
        return plot;
    }

    // The legend: one entry per series, except that a fit right after its points (same colour) shares their
    // entry, drawn as a marker on a dashed line.
    private static List<LegendItem> LegendItems(Figure figure, bool svg)
    {
        List<LegendItem> items = [];
        IReadOnlyList<FigureSeries> all = figure.Series;
        for (int i = 0; i < all.Count; i++)
        {
            FigureSeries series = all[i];
            FigureSeries? fit = series.Kind == SeriesKind.Points && i + 1 < all.Count && all[i + 1] is { Kind: SeriesKind.Fit } next && next.Color == series.Color ? next : null;
            if (series.LegendText is "")
            {
                continue;
            }

            string name = series.LegendText ?? series.Name;
            var item = new LegendItem { LabelText = fit is null ? name : $"{name} · {fit.Name}" };
            if (BoundMarker(series.Kind) is { } bound)
            {
                item.MarkerShape = bound;
                item.MarkerSize = 10;
                item.MarkerColor = new Color(series.Color);
                item.LineWidth = 0;
            }
            else if (series.Kind == SeriesKind.Points)
            {
                item.MarkerShape = MarkerShape.FilledCircle;
                item.MarkerSize = 9;
                item.MarkerColor = new Color(series.Color);
                item.LineWidth = fit is null ? 0 : 1.5f;
                item.LinePattern = Pattern(fit ?? series, svg);
                item.LineColor = LineColor(fit ?? series, svg);
            }
            else
            {
                item.MarkerShape = MarkerShape.None;
                item.LineWidth = series.Kind switch { SeriesKind.Reference => 2.5f, SeriesKind.Fit => 1.5f, _ => 2f };
                item.LinePattern = Pattern(series, svg);
                item.LineColor = LineColor(series, svg);
            }

            items.Add(item);
            if (fit is not null)
            {
                i++;
            }
        }

        return items;
    }

    // Bounds are drawn as open triangles pointing where the true value lies.
    private static MarkerShape? BoundMarker(SeriesKind kind) => kind switch
    {
        SeriesKind.LowerBound => MarkerShape.OpenTriangleUp,
        SeriesKind.UpperBound => MarkerShape.OpenTriangleDown,
        _ => null,
    };

    // The dash pattern of a series' line (SVG stroke-dasharray, in units of the figure), null for a solid line.
    private static string? Dash(FigureSeries series) => series.Kind switch
    {
        SeriesKind.Fit => "7 4",
        SeriesKind.Reference => series.Dotted ? "2 3" : "9 5",
        _ => null,
    };

    private static LinePattern Pattern(FigureSeries series, bool svg) => svg || Dash(series) is null ? LinePattern.Solid
        : series.Dotted ? LinePattern.Dotted : LinePattern.Dashed;

    private static Color LineColor(FigureSeries series, bool svg) => new(svg && Dash(series) is not null ? Tag(series.Color) : series.Color);

    // The colour one unit of blue away: marks a dashed line in the SVG until it gets its dasharray.
    private static string Tag(string color)
    {
        int rgb = int.Parse(color.AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return "#" + (rgb ^ 1).ToString("X6", CultureInfo.InvariantCulture);
    }

    // One series, without legend text (the legend is built from the figure's series).
    private static void Draw(Plot plot, Figure figure, FigureSeries series, bool svg, List<(double X, double Y)> extent)
    {
        var color = new Color(series.Color);
        List<int> shown = [.. Enumerable.Range(0, series.X.Count).Where(i => Visible(figure, series.X[i], series.Y[i]))];
        double[] xs = [.. shown.Select(i => Tx(figure.LogX, series.X[i]))];
        double[] ys = [.. shown.Select(i => Tx(figure.LogY, series.Y[i]))];
        extent.AddRange(xs.Zip(ys));
        if (xs.Length == 0)
        {
            return;
        }

        if (series.Kind is SeriesKind.Curve or SeriesKind.Reference && series.Low is not null && series.High is not null)
        {
            // The band, in runs of abscissae where both ends are known (and positive on a log axis).
            foreach (int[] run in Runs(shown, i => Visible(figure, series.X[i], series.Low[i]) && Visible(figure, series.X[i], series.High[i])))
            {
                double[] bx = [.. run.Select(i => Tx(figure.LogX, series.X[i]))];
                double[] lo = [.. run.Select(i => Tx(figure.LogY, series.Low[i]))];
                double[] hi = [.. run.Select(i => Tx(figure.LogY, series.High[i]))];
                FillY band = plot.Add.FillY(bx, lo, hi);
                band.FillColor = color.WithAlpha(series.Kind == SeriesKind.Reference ? 0.15 : 0.2);
                band.LineWidth = 0;
                band.LineColor = Colors.Transparent;
                extent.AddRange(bx.Zip(lo).Concat(bx.Zip(hi)));
            }
        }

        switch (series.Kind)
        {
            case SeriesKind.Points:
                if (series.Low is not null && series.High is not null)
                {
                    AddErrorBars(plot, figure, series, shown, color, xs, ys, extent);
                }

                Scatter points = plot.Add.ScatterPoints(xs, ys, color);
                points.MarkerSize = 9;
                break;
            case SeriesKind.LowerBound or SeriesKind.UpperBound:
                Scatter bounds = plot.Add.ScatterPoints(xs, ys, color);
                bounds.MarkerShape = BoundMarker(series.Kind)!.Value;
                bounds.MarkerSize = 10;
                break;
            case SeriesKind.Fit:
                Scatter fit = plot.Add.ScatterLine(xs, ys, LineColor(series, svg));
                fit.LineWidth = 1.5f;
                fit.LinePattern = Pattern(series, svg);
                break;
            default:
                Scatter line = plot.Add.ScatterLine(xs, ys, LineColor(series, svg));
                line.LineWidth = series.Kind == SeriesKind.Reference ? 2.5f : 2f;
                line.LinePattern = Pattern(series, svg);
                break;
        }
    }

    private static void AddErrorBars(Plot plot, Figure figure, FigureSeries series, List<int> shown, Color color, double[] xs, double[] ys, List<(double X, double Y)> extent)
    {
        // In log space the bars are asymmetric; a lower end at or below zero runs off the bottom of the axis.
        double[] up = new double[shown.Count], down = new double[shown.Count];
        for (int k = 0; k < shown.Count; k++)
        {
            int i = shown[k];
            double high = series.High![i], low = series.Low![i];
            up[k] = double.IsFinite(high) && Visible(figure, series.X[i], high) ? Tx(figure.LogY, high) - ys[k] : 0;
            down[k] = !double.IsFinite(low) ? 0 : Visible(figure, series.X[i], low) ? ys[k] - Tx(figure.LogY, low) : 100;
            extent.Add((xs[k], ys[k] + up[k]));
            if (down[k] < 100)
            {
                extent.Add((xs[k], ys[k] - down[k]));
            }
        }

        ErrorBar bars = plot.Add.ErrorBar(xs, ys, up);
        bars.YErrorPositive = up;
        bars.YErrorNegative = down;
        bars.Color = color;
        bars.LineWidth = 1.5f;
        bars.CapSize = 6;
    }

    private static NumericManual Ticks(double logMin, double logMax, IReadOnlyList<double>? labelled)
    {
        var ticks = new NumericManual();
        foreach (LogTick tick in LogTicks.For(logMin, logMax))
        {
            if (labelled is null && tick.Label is not null)
            {
                ticks.AddMajor(Math.Log10(tick.Value), tick.Label);
            }
            else if (labelled is null || !labelled.Any(v => Math.Abs(Math.Log10(v) - Math.Log10(tick.Value)) < 1e-9))
            {
                ticks.AddMinor(Math.Log10(tick.Value));
            }
        }

        foreach (double value in labelled ?? [])
        {
            ticks.AddMajor(Math.Log10(value), LogTicks.Label(value));
        }

        return ticks;
    }

    // The range of log values with 5% margins (half a decade when all values are equal).
    private static (double Lo, double Hi) Padded(IEnumerable<double> values)
    {
        double[] v = [.. values.Where(double.IsFinite)];
        double lo = v.Min(), hi = v.Max();
        double margin = hi > lo ? 0.05 * (hi - lo) : 0.5;
        return (lo - margin, hi + margin);
    }

    private static IEnumerable<int[]> Runs(List<int> indices, Func<int, bool> keep)
    {
        List<int> run = [];
        foreach (int i in indices)
        {
            if (keep(i))
            {
                run.Add(i);
            }
            else if (run.Count > 0)
            {
                yield return [.. run];
                run.Clear();
            }
        }

        if (run.Count > 0)
        {
            yield return [.. run];
        }
    }

    private static bool Visible(Figure figure, double x, double y) =>
        double.IsFinite(x) && double.IsFinite(y) && (!figure.LogX || x > 0) && (!figure.LogY || y > 0);

    private static double Tx(bool log, double value) => log ? Math.Log10(value) : value;
}
