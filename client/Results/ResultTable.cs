using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace MeanFieldCluster.Client.Results;

/// <summary>How a results-table column is written: its text in the CSV and its type in the Parquet copy.</summary>
internal enum ColumnType
{
    /// <summary>An integer: invariant digits in the CSV, int64 in Parquet.</summary>
    Int64,

    /// <summary>An integer that may be missing: empty in the CSV, null in Parquet.</summary>
    OptionalInt64,

    /// <summary>A number always present: shortest round-trip text ("R", NaN and ±Infinity included), double in Parquet.</summary>
    Double,

    /// <summary>A number that may be missing: empty in the CSV, null in Parquet.</summary>
    OptionalDouble,

    /// <summary>Text (no commas): as is in the CSV, UTF-8 string in Parquet.</summary>
    String,

    /// <summary>true or false in the CSV, boolean in Parquet.</summary>
    Boolean,
}

/// <summary>A column of a results table.</summary>
/// <param name="Name">The header name, the same in the CSV and the Parquet schema.</param>
/// <param name="Type">How values are written.</param>
internal sealed record TableColumn(string Name, ColumnType Type);

/// <summary>
/// Rows of one results table, filled row by row with typed values and written twice from the same values:
/// as CSV lines (invariant culture, shortest round-trip numbers, empty for a missing value) and as a Parquet
/// row group with the same columns, typed (int64, double, string, boolean), so both read back to the same
/// numbers. <see cref="TableWriter"/> uses it as the buffer of a table streamed in batches.
/// </summary>
internal sealed class ResultTable
{
    private readonly Column[] _columns;
    private int _next;

    public ResultTable(params TableColumn[] columns)
    {
        _columns = [.. columns.Select(Column.For)];
    }

    /// <summary>The columns, in order.</summary>
    public IEnumerable<TableColumn> Columns => _columns.Select(c => c.Definition);

    /// <summary>Complete rows so far.</summary>
    public int RowCount { get; private set; }

    /// <summary>The next cell of the current row, an <see cref="ColumnType.Int64"/> column.</summary>
    public ResultTable Int(long value) => Put<long>(value);

    /// <summary>The next cell, an <see cref="ColumnType.OptionalInt64"/> column (null: missing).</summary>
    public ResultTable Int(long? value) => Put<long?>(value);

    /// <summary>The next cell, a <see cref="ColumnType.Double"/> column.</summary>
    public ResultTable Num(double value) => Put<double>(value);

    /// <summary>The next cell, an <see cref="ColumnType.OptionalDouble"/> column (null: missing).</summary>
    public ResultTable Num(double? value) => Put<double?>(value);

    /// <summary>The next cell, a <see cref="ColumnType.String"/> column.</summary>
    public ResultTable Text(string value) => Put<string>(value);

    /// <summary>The next cell, a <see cref="ColumnType.Boolean"/> column.</summary>
    public ResultTable Flag(bool value) => Put<bool>(value);

    /// <summary>Closes the current row; every column must have had its cell.</summary>
    public void EndRow()
    {
        if (_next != _columns.Length)
        {
            throw new InvalidOperationException($"row {RowCount} has {_next} cells; the table has {_columns.Length} columns.");
        }

        _next = 0;
        RowCount++;
    }

    /// <summary>The header line (column names), without the line end.</summary>
    public string CsvHeader => string.Join(',', _columns.Select(c => c.Definition.Name));

    /// <summary>The Parquet schema of the table.</summary>
    public ParquetSchema Schema => new([.. _columns.Select(c => (Field)c.Field)]);

    /// <summary>Writes every complete row, one CSV line each.</summary>
    public void WriteCsvRows(TextWriter writer)
    {
        for (int row = 0; row < RowCount; row++)
        {
            for (int c = 0; c < _columns.Length; c++)
            {
                if (c > 0)
                {
                    writer.Write(',');
                }

                writer.Write(_columns[c].Format(row));
            }

            writer.Write('\n');
        }
    }

    /// <summary>Appends every complete row to <paramref name="writer"/> (whose schema must be <see cref="Schema"/>) as one row group; nothing when the table is empty.</summary>
    public async Task WriteRowGroupAsync(ParquetWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (RowCount == 0)
        {
            return;
        }

        using ParquetRowGroupWriter group = writer.CreateRowGroup();
        foreach (Column column in _columns)
        {
            await column.WriteAsync(group, 0, RowCount, cancellationToken);
        }

        group.CompleteValidate();
    }

    /// <summary>Forgets every row (the columns stay), so the table can buffer the next batch of a stream.</summary>
    public void Clear()
    {
        if (_next != 0)
        {
            throw new InvalidOperationException($"row {RowCount} is incomplete; call EndRow before Clear.");
        }

        foreach (Column column in _columns)
        {
            column.Clear();
        }

        RowCount = 0;
    }

    private ResultTable Put<T>(T value)
    {
        if (_next >= _columns.Length)
        {
            throw new InvalidOperationException($"row {RowCount} has more cells than the table's {_columns.Length} columns; call EndRow.");
        }

        if (_columns[_next] is not Column<T> column)
        {
            throw new InvalidOperationException($"column '{_columns[_next].Definition.Name}' is {_columns[_next].Definition.Type}, not {typeof(T).Name}.");
        }

        column.Values.Add(value);
        _next++;
        return this;
    }

    private abstract class Column(TableColumn definition)
    {
        public TableColumn Definition { get; } = definition;

        public abstract DataField Field { get; }

        public static Column For(TableColumn definition) => definition.Type switch
        {
            ColumnType.Int64 => new Column<long>(definition, new DataField<long>(definition.Name, nullable: false), v => v.ToString(CultureInfo.InvariantCulture)),
            ColumnType.OptionalInt64 => new Column<long?>(definition, new DataField<long?>(definition.Name, nullable: true), v => v?.ToString(CultureInfo.InvariantCulture) ?? ""),
            ColumnType.Double => new Column<double>(definition, new DataField<double>(definition.Name, nullable: false), v => v.ToString("R", CultureInfo.InvariantCulture)),
            ColumnType.OptionalDouble => new Column<double?>(definition, new DataField<double?>(definition.Name, nullable: true), v => v?.ToString("R", CultureInfo.InvariantCulture) ?? ""),
            ColumnType.String => new Column<string>(definition, new DataField<string>(definition.Name, nullable: false), v => v),
            ColumnType.Boolean => new Column<bool>(definition, new DataField<bool>(definition.Name, nullable: false), v => v ? "true" : "false"),
            _ => throw new ArgumentOutOfRangeException(nameof(definition), definition.Type, "unknown column type"),
        };

        public abstract string Format(int row);

        public abstract void Clear();

        public abstract Task WriteAsync(ParquetRowGroupWriter group, int start, int count, CancellationToken cancellationToken);
    }

    private sealed class Column<T>(TableColumn definition, DataField field, Func<T, string> format) : Column(definition)
    {
        public List<T> Values { get; } = [];

        public override DataField Field { get; } = field;

        public override string Format(int row) => format(Values[row]);

        public override void Clear() => Values.Clear();

        public override Task WriteAsync(ParquetRowGroupWriter group, int start, int count, CancellationToken cancellationToken) => this switch
        {
            Column<long> c => group.WriteAsync(Field, Slice(c.Values, start, count), cancellationToken: cancellationToken),
            Column<long?> c => group.WriteAsync(Field, Slice(c.Values, start, count), cancellationToken: cancellationToken),
            Column<double> c => group.WriteAsync(Field, Slice(c.Values, start, count), cancellationToken: cancellationToken),
            Column<double?> c => group.WriteAsync(Field, Slice(c.Values, start, count), cancellationToken: cancellationToken),
            Column<bool> c => group.WriteAsync(Field, Slice(c.Values, start, count), cancellationToken: cancellationToken),
            Column<string> c => group.WriteAsync(Field, c.Values.GetRange(start, count)),
            _ => throw new InvalidOperationException($"no Parquet writer for {typeof(T).Name}"),
        };

        private static ReadOnlyMemory<TValue> Slice<TValue>(List<TValue> values, int start, int count) =>
            new(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values).Slice(start, count).ToArray());
    }
}
