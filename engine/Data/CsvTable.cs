using System.Globalization;

namespace MeanFieldCluster.Engine.Data;

/// <summary>
/// A numeric table read from a csv file: a header row of column names, then rows of numbers separated by
/// commas. Blank lines are skipped; quoted fields are not supported (numeric data needs none).
/// </summary>
public sealed class CsvTable
{
    private readonly Dictionary<string, int> _indexOf;

    private CsvTable(string[] columns, double[][] rows, int headerLine)
    {
        Columns = columns;
        Rows = rows;
        HeaderLine = headerLine;
        _indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < columns.Length; c++)
        {
            _indexOf[columns[c]] = c;
        }
    }

    /// <summary>Column names, in file order.</summary>
    public IReadOnlyList<string> Columns { get; }

    /// <summary>The data rows; each has one value per column.</summary>
    public IReadOnlyList<double[]> Rows { get; }

    /// <summary>1-based line number of the header row (blank lines before it are skipped).</summary>
    public int HeaderLine { get; }

    /// <summary>Index of a column (exact, case-sensitive name), or -1.</summary>
    public int IndexOf(string column) => _indexOf.TryGetValue(column, out int index) ? index : -1;

    /// <summary>
    /// Reads a file. Throws <see cref="CsvFormatException"/> naming the line and column of the first
    /// problem: a missing file, an empty file, a duplicate or empty column name, a row with the wrong
    /// number of cells, or a cell that is not a finite number.
    /// </summary>
    public static CsvTable Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new CsvFormatException($"file '{path}' does not exist", 0, null);
        }

        using var reader = new StreamReader(path);
        return Parse(reader, $"file '{path}'");
    }

    /// <summary>
    /// Parses csv text with the rules of <see cref="Read"/>; <paramref name="source"/> names the input in
    /// messages about the input as a whole (for example <c>file 'data.csv'</c>).
    /// </summary>
    public static CsvTable Parse(TextReader reader, string source)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(source);
        string? header = reader.ReadLine();
        int lineNumber = 1;
        while (header is not null && header.Trim().Length == 0)
        {
            header = reader.ReadLine();
            lineNumber++;
        }

        if (header is null)
        {
            throw new CsvFormatException($"{source} is empty; expected a header row of column names", 0, null);
        }

        int headerLine = lineNumber;
        string[] columns = [.. header.TrimStart('\uFEFF').Split(',').Select(c => c.Trim())];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string column in columns)
        {
            if (column.Length == 0 || !seen.Add(column))
            {
                throw new CsvFormatException($"{(column.Length == 0 ? "an empty" : $"a duplicate '{column}'")} column name in the header", lineNumber, column);
            }
        }

        var rows = new List<double[]>();
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine())
        {
            lineNumber++;
            if (line.Trim().Length == 0)
            {
                continue;
            }

            string[] cells = line.Split(',');
            if (cells.Length != columns.Length)
            {
                throw new CsvFormatException($"{cells.Length} cells where the header has {columns.Length} columns", lineNumber, null);
            }

            var row = new double[cells.Length];
            for (int c = 0; c < cells.Length; c++)
            {
                string cell = cells[c].Trim();
                if (cell.Length == 0)
                {
                    throw new CsvFormatException($"empty cell (cell {c + 1} of {columns.Length})", lineNumber, columns[c]);
                }

                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out row[c]) || !double.IsFinite(row[c]))
                {
                    throw new CsvFormatException($"'{cell}' is not a finite number", lineNumber, columns[c]);
                }
            }

            rows.Add(row);
        }

        if (rows.Count == 0)
        {
            throw new CsvFormatException($"{source} has a header but no data rows", lineNumber, null);
        }

        return new CsvTable(columns, [.. rows], headerLine);
    }
}

/// <summary>A csv file that cannot be used as data, with where the problem is.</summary>
public sealed class CsvFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CsvFormatException(string problem, int line, string? column)
        : base(line > 0 ? $"line {line}{(column is null ? "" : $", column '{column}'")}: {problem}" : problem)
    {
        Problem = problem;
        Line = line;
        Column = column;
    }

    /// <summary>What is wrong.</summary>
    public string Problem { get; }

    /// <summary>1-based line number, or 0 when the problem is the file as a whole.</summary>
    public int Line { get; }

    /// <summary>The column concerned, when one is.</summary>
    public string? Column { get; }
}
