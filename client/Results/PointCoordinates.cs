using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Results;

/// <summary>One coordinate column of the results tables: its name and type, and how a point's value is written.</summary>
/// <param name="Column">The column (name and type).</param>
/// <param name="Write">Writes the point's cell into the row being built.</param>
internal sealed record CoordinateColumn(TableColumn Column, Action<ResultTable, PointSpec> Write);

/// <summary>
/// The point's coordinates as typed columns, written into every per-point table after <c>sweep_id</c> and
/// <c>point</c> (docs/results.md, "Coordinates"): layers, width_1..width_L, step_size (resolved ε),
/// step_size_value and step_size_per_width (the grid's entry: c of c/N, or ε), gamma_1..gamma_L, one column per
/// field axis named by its spec path (e.g. <c>data.delta</c>), seed, and for large deviations mode and draw. L is the largest layer count of the sweep; a point with fewer layers
/// leaves the extra width and gamma cells empty. Every coordinate of a point comes from
/// <see cref="Values"/>, the one place that knows where a point sits in the grid.
/// </summary>
internal sealed class PointCoordinates
{
    private readonly SweepSpec _spec;

    private PointCoordinates(SweepSpec spec, int maxLayers, IReadOnlyList<CoordinateColumn> columns)
    {
        _spec = spec;
        MaxLayers = maxLayers;
        Columns = columns;
    }

    /// <summary>The largest layer count of the sweep: the number of width_k and gamma_k columns.</summary>
    public int MaxLayers { get; }

    /// <summary>The coordinate columns, in order.</summary>
    public IReadOnlyList<CoordinateColumn> Columns { get; }

    /// <summary>The table columns of the coordinates.</summary>
    public IEnumerable<TableColumn> TableColumns => Columns.Select(c => c.Column);

    /// <summary>The coordinate columns of a sweep with points <paramref name="points"/>.</summary>
    public static PointCoordinates For(SweepSpec spec, IReadOnlyList<PointSpec> points)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(points);
        int maxLayers = points.Count == 0 ? spec.Grid.Layers.Max() : points.Max(p => p.Layers);
        bool uniformLayers = points.All(p => p.Layers == maxLayers);
        var columns = new List<CoordinateColumn>();
        PointCoordinates? self = null;
        AxisValues V(PointSpec p) => self!.Values(p);
        columns.Add(new(new("layers", ColumnType.Int64), (t, p) => t.Int(V(p).Layers)));
        for (int k = 0; k < maxLayers; k++)
        {
            int layer = k;
            columns.Add(uniformLayers
                ? new(new($"width_{layer + 1}", ColumnType.Int64), (t, p) => t.Int(V(p).Widths[layer]))
                : new(new($"width_{layer + 1}", ColumnType.OptionalInt64), (t, p) => t.Int(layer < V(p).Widths.Count ? V(p).Widths[layer] : null)));
        }

        columns.Add(new(new("step_size", ColumnType.Double), (t, p) => t.Num(V(p).StepSize)));
        columns.Add(new(new("step_size_value", ColumnType.Double), (t, p) => t.Num(V(p).GridStep.Value)));
        columns.Add(new(new("step_size_per_width", ColumnType.Boolean), (t, p) => t.Flag(V(p).GridStep.DividedByWidth)));
        for (int k = 0; k < maxLayers; k++)
        {
            int layer = k;
            columns.Add(new(new($"gamma_{layer + 1}", ColumnType.OptionalDouble), (t, p) => t.Num(layer < V(p).Gamma.Count ? V(p).Gamma[layer] : null)));
        }

        // One typed column per field axis, named by its spec path (docs/results.md, "Coordinates").
        foreach (FieldAxisColumn axis in FieldAxisColumn.Of(spec))
        {
            columns.Add(new(axis.Column, (t, p) => axis.Write(t, p.CoordinateOf(axis.Path))));
        }

        columns.Add(new(new("seed", ColumnType.Int64), (t, p) => t.Int(V(p).Seed)));
        if (spec.LargeDeviations is not null)
        {
            columns.Add(new(new("mode", ColumnType.String), (t, p) => t.Text(V(p).Mode ?? "")));
            columns.Add(new(new("draw", ColumnType.Int64), (t, p) => t.Int(V(p).Draw)));
        }

        self = new PointCoordinates(spec, maxLayers, columns.AsReadOnly());
        return self;
    }

    /// <summary>Writes the point's coordinate cells, in column order.</summary>
    public void Write(ResultTable table, PointSpec point)
    {
        foreach (CoordinateColumn column in Columns)
        {
            column.Write(table, point);
        }
    }

    /// <summary>
    /// Where a point sits on the named axes. The grid entry of the step size is found from the point's index:
    /// the planner's order is layers, width, gamma, step size, seed (innermost), and a large-deviation sweep
    /// has a single step size.
    /// </summary>
    public AxisValues Values(PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(point);
        GridSpec grid = _spec.Grid;
        int stepEntry = _spec.LargeDeviations is not null || grid.StepSize.Count == 1 ? 0 : point.Index / grid.Seeds.Count % grid.StepSize.Count;
        return new AxisValues(point.Layers, point.Widths, point.StepSize, grid.StepSize[stepEntry], point.Gamma, point.Seed, point.Mode, point.Draw);
    }
}

/// <summary>A point's values on the named axes.</summary>
/// <param name="Layers">Hidden layer count L.</param>
/// <param name="Widths">N_1..N_L.</param>
/// <param name="StepSize">Resolved step size ε.</param>
/// <param name="GridStep">The grid's step-size entry the point comes from (ε, or c of c/N).</param>
/// <param name="Gamma">γ_1..γ_L.</param>
/// <param name="Seed">Seed index.</param>
/// <param name="Mode">Large deviations: quenched or annealed; null otherwise.</param>
/// <param name="Draw">Large deviations, quenched: the draw of the initial weights.</param>
internal sealed record AxisValues(int Layers, IReadOnlyList<int> Widths, double StepSize, StepSizeSpec GridStep, IReadOnlyList<double> Gamma, int Seed, string? Mode, int Draw);

/// <summary>
/// The column of one field axis (docs/spec.md, "Any field is an axis"): named by its spec path, typed from its
/// values (integers, numbers, booleans, otherwise text: strings as written, lists and mappings as JSON).
/// </summary>
/// <param name="Path">The axis's spec path.</param>
/// <param name="Column">The column.</param>
internal sealed record FieldAxisColumn(string Path, TableColumn Column)
{
    /// <summary>The field axes' columns of <paramref name="spec"/>, in grid order.</summary>
    public static IEnumerable<FieldAxisColumn> Of(SweepSpec spec) =>
        spec.Grid.Axes.Select(axis => new FieldAxisColumn(axis.Path, new TableColumn(axis.Path, TypeOf(axis.Values))));

    /// <summary>Writes <paramref name="value"/> (a point's or a group's value on this axis; null: missing) as this column's cell.</summary>
    public void Write(ResultTable table, AxisValue? value)
    {
        ArgumentNullException.ThrowIfNull(table);
        object? typed = value?.Value;
        switch (Column.Type)
        {
            case ColumnType.OptionalInt64:
                table.Int(typed is long l ? l : null);
                break;
            case ColumnType.OptionalDouble:
                table.Num(value?.Number);
                break;
            case ColumnType.Boolean:
                table.Flag(typed is true);
                break;
            default:
                table.Text(value?.ToString() ?? "");
                break;
        }
    }

    private static ColumnType TypeOf(IReadOnlyList<AxisValue> values)
    {
        object[] typed = [.. values.Select(v => v.Value)];
        return typed.All(v => v is long) ? ColumnType.OptionalInt64
            : typed.All(v => v is long or double) ? ColumnType.OptionalDouble
            : typed.All(v => v is bool) ? ColumnType.Boolean
            : ColumnType.String;
    }
}
