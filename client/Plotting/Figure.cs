namespace MeanFieldCluster.Client.Plotting;

/// <summary>What a series shows, which decides how it is drawn.</summary>
internal enum SeriesKind
{
    /// <summary>A measured curve: solid line, with a shaded band when it has one.</summary>
    Curve,

    /// <summary>Measured values at a few abscissae: markers, with vertical error bars when it has them.</summary>
    Points,

    /// <summary>A fitted law through <see cref="Points"/> of the same colour: thin dashed line.</summary>
    Fit,

    /// <summary>A limit the measurements are compared with (the PDE, N → ∞): dark dashed line.</summary>
    Reference,

    /// <summary>Only lower bounds at these abscissae (a censored estimate: no hit in the sample): open upward triangles.</summary>
    LowerBound,

    /// <summary>Only upper bounds at these abscissae (a limit the solver could only bound): open downward triangles.</summary>
    UpperBound,
}

/// <summary>Where the legend goes: the corner the curves of that figure usually leave empty.</summary>
internal enum LegendCorner
{
    UpperRight,
    UpperLeft,
    UpperCenter,
    LowerRight,

    /// <summary>Under the plot, outside the data area: for long legends (fits with their intervals).</summary>
    Below,
}

/// <summary>One series of a figure, in data units (the renderer takes logarithms for log axes).</summary>
/// <param name="Name">The legend text.</param>
/// <param name="Kind">What the series is.</param>
/// <param name="X">Abscissae.</param>
/// <param name="Y">Ordinates, one per abscissa.</param>
/// <param name="Color">"#rrggbb"; distinct per series except a fit, which takes its points' colour.</param>
internal sealed record FigureSeries(string Name, SeriesKind Kind, IReadOnlyList<double> X, IReadOnlyList<double> Y, string Color)
{
    /// <summary>Lower ends of the band (curves) or error bars (points), one per abscissa, NaN where none; null: no band.</summary>
    public IReadOnlyList<double>? Low { get; init; }

    /// <summary>Upper ends, as <see cref="Low"/>.</summary>
    public IReadOnlyList<double>? High { get; init; }

    /// <summary>What the band or bars mean, e.g. "±1 standard error over seeds".</summary>
    public string? Band { get; init; }

    /// <summary>Dotted instead of dashed (a second reference in the same figure).</summary>
    public bool Dotted { get; init; }

    /// <summary>The legend's text when it differs from <see cref="Name"/>; empty: no legend entry (one entry speaks for several series).</summary>
    public string? LegendText { get; init; }
}

/// <summary>A figure: what <c>mfc plot</c> draws and lists in figures.json.</summary>
/// <param name="Name">File name without extension.</param>
/// <param name="Title">Title above the plot.</param>
/// <param name="XLabel">Horizontal axis label (symbol and meaning).</param>
/// <param name="YLabel">Vertical axis label.</param>
/// <param name="LogX">Logarithmic horizontal axis.</param>
/// <param name="LogY">Logarithmic vertical axis.</param>
/// <param name="Series">The series, in legend order.</param>
internal sealed record Figure(string Name, string Title, string XLabel, string YLabel, bool LogX, bool LogY, IReadOnlyList<FigureSeries> Series)
{
    /// <summary>Labelled ticks at exactly these abscissae (the widths of an N axis); null: automatic.</summary>
    public IReadOnlyList<double>? XTicks { get; init; }

    /// <summary>Legend position.</summary>
    public LegendCorner Legend { get; init; } = LegendCorner.UpperRight;

    /// <summary>A caption for figures.json: what the bands mean, what is left out.</summary>
    public string? Note { get; init; }
}
