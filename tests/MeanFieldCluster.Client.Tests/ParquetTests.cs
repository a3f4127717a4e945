using System.Globalization;
using System.Text.Json;
using MeanFieldCluster.Client.Results;
using ParquetSharp;

namespace MeanFieldCluster.Client.Tests;

/// <summary>
/// The Parquet copy of every results table, read back with Apache Arrow's C++ reader (ParquetSharp, the
/// reader pyarrow and pandas use), holds exactly the values of its CSV, typed.
/// </summary>
public sealed class ParquetTests
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task EveryTableOfTheMmnRunReadsBackFromParquetEqualToItsCsv()
    {
        RunOutcome run = await SharedRuns.Example("mmn-fig1-small.yaml");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);

        foreach (string table in new[] { "points", "curves", "measures", "histograms", "agg_risk_curves", "agg_law_distances", "agg_fits", "agg_pde", "agg_pde_gaps", "agg_width_extrapolation" })
        {
            AssertParquetEqualsCsv(Path.Combine(run.Directory, table));
        }

        using var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Directory, "summary.json")));
        string[] files = [.. summary.RootElement.GetProperty("files").EnumerateArray().Select(f => f.GetString()!)];
        Assert.Equal(
            [
                "points.csv", "points.parquet", "curves.csv", "curves.parquet", "measures.csv", "measures.parquet", "histograms.csv", "histograms.parquet",
                "agg_risk_curves.csv", "agg_risk_curves.parquet", "agg_law_distances.csv", "agg_law_distances.parquet", "agg_fits.csv", "agg_fits.parquet",
                "agg_pde.csv", "agg_pde.parquet", "agg_pde_gaps.csv", "agg_pde_gaps.parquet", "agg_width_extrapolation.csv", "agg_width_extrapolation.parquet",
                "aggregate.json", "summary.json",
            ],
            files);
    }

    [Fact]
    public async Task LargeDeviationTablesReadBackFromParquetEqualToTheirCsvWithTypedColumns()
    {
        RunOutcome run = await SharedRuns.Example("ld-cramer.yaml");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);

        AssertParquetEqualsCsv(Path.Combine(run.Directory, "ld_samples"));
        AssertParquetEqualsCsv(Path.Combine(run.Directory, "rate_functions"));

        Assert.Equal(
            [("sweep_id", PhysicalType.ByteArray), ("layers", PhysicalType.Int64), ("width_1", PhysicalType.Int64), ("step_size", PhysicalType.Double), ("step_size_value", PhysicalType.Double), ("step_size_per_width", PhysicalType.Boolean), ("gamma_1", PhysicalType.Double), ("seed", PhysicalType.Int64), ("mode", PhysicalType.ByteArray), ("draw", PhysicalType.Int64), ("replica", PhysicalType.Int64), ("value", PhysicalType.Double)],
            Schema(Path.Combine(run.Directory, "ld_samples.parquet")).Select(c => (c.Name, c.PhysicalType)));
        Assert.Equal(
            [("sweep_id", PhysicalType.ByteArray), ("mode", PhysicalType.ByteArray), ("width", PhysicalType.Int64), ("extrapolated", PhysicalType.Boolean), ("x", PhysicalType.Double), ("estimator", PhysicalType.ByteArray), ("value", PhysicalType.Double), ("lo", PhysicalType.Double), ("hi", PhysicalType.Double), ("censored", PhysicalType.Boolean)],
            Schema(Path.Combine(run.Directory, "rate_functions.parquet")).Select(c => (c.Name, c.PhysicalType)));
    }

    [Fact]
    public async Task RawDumpsAndMissingValuesReadBackFromParquetEqualToTheirCsv()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, """
            name: tiny-parquet
            seed: 4
            model: {preset: normalized, activation: tanh, gamma: 1}
            data: {kind: isotropic-gaussian, d: 3, delta: 0.5}
            training: {horizon: 1}
            observe: {test_samples: 100, risk_times: {count: 4, spacing: log}, snapshot_times: [0, 1], quantiles: 8, histogram_bins: 4, raw_times: [1]}
            grid: {width: [6], step_size: [0.01], seeds: 1, layers: [1, 2]}
            """);
        string outDir = Path.Combine(dir, "out");

        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir);

        Assert.True(code == 0, output + error);
        foreach (string table in new[] { "points", "curves", "measures", "histograms" })
        {
            AssertParquetEqualsCsv(Path.Combine(outDir, table));
        }

        string[] raw = Directory.GetFiles(Path.Combine(outDir, "raw"), "*.csv");
        Assert.Equal(2, raw.Length);
        Assert.All(raw, f => AssertParquetEqualsCsv(Path.ChangeExtension(f, null)));

        // edge_rank1_share is empty for L = 1 in the CSV and null in Parquet; the L = 2 point has a value.
        string[] share = [.. CliHarness.ReadCsv(Path.Combine(outDir, "points.csv")).Select(r => r["edge_rank1_share"])];
        Assert.Contains("", share);
        Assert.Contains(share, d => d.Length > 0);
        Assert.Equal(
            [
                PhysicalType.Int64, PhysicalType.ByteArray, PhysicalType.Int64, PhysicalType.Int64, PhysicalType.Int64, PhysicalType.Double, PhysicalType.Double, PhysicalType.Boolean,
                PhysicalType.Double, PhysicalType.Double, PhysicalType.Int64, PhysicalType.ByteArray, PhysicalType.Int64, PhysicalType.Int64,
                PhysicalType.Double, PhysicalType.Double, PhysicalType.Double, PhysicalType.Double, PhysicalType.Double, PhysicalType.Double,
            ],
            Schema(Path.Combine(outDir, "points.parquet")).Select(c => c.PhysicalType));
    }

    [Fact]
    public async Task ATableStreamedInSeveralBatchesReadsBackWholeFromParquetAndCsvInRowOrder()
    {
        string dir = CliHarness.TempDirectory();
        int rows = (3 * TableWriter.BatchRows) + 5;
        TableColumn[] columns = [new("i", ColumnType.Int64), new("x", ColumnType.Double), new("maybe", ColumnType.OptionalDouble), new("name", ColumnType.String), new("flag", ColumnType.Boolean)];
        await using (TableWriter table = await TableWriter.CreateAsync(dir, "t", columns))
        {
            for (int i = 0; i < rows; i++)
            {
                table.Rows.Int(i).Num(i * 0.1).Num(i % 3 == 0 ? null : -i / 7.0).Text($"row{i % 11}").Flag(i % 2 == 0).EndRow();
                await table.FlushIfFullAsync();
            }

            Assert.Equal(rows, table.RowCount);
            Assert.False(File.Exists(Path.Combine(dir, "t.csv")), "the CSV has its final name before the table is complete");
            await table.CompleteAsync();
        }

        string[] lines = File.ReadAllLines(Path.Combine(dir, "t.csv"));
        Assert.Equal("i,x,maybe,name,flag", lines[0]);
        Assert.Equal(rows + 1, lines.Length);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{rows - 1},{(rows - 1) * 0.1:R},{-(rows - 1) / 7.0:R},row{(rows - 1) % 11},{((rows - 1) % 2 == 0 ? "true" : "false")}"), lines[^1]);
        using (var file = new ParquetFileReader(Path.Combine(dir, "t.parquet")))
        {
            // One row group per batch.
            Assert.Equal(4, file.FileMetaData.NumRowGroups);
        }

        AssertParquetEqualsCsv(Path.Combine(dir, "t"));
        Assert.Empty(Directory.GetFiles(dir, "*.partial"));
    }

    [Fact]
    public async Task ATableNeverCompletedLeavesNoFileBehind()
    {
        string dir = CliHarness.TempDirectory();
        await using (TableWriter table = await TableWriter.CreateAsync(dir, "t", [new("i", ColumnType.Int64)]))
        {
            for (int i = 0; i < TableWriter.BatchRows + 1; i++)
            {
                table.Rows.Int(i).EndRow();
                await table.FlushIfFullAsync();
            }

            Assert.True(File.Exists(Path.Combine(dir, "t.csv.partial")));
        }

        Assert.Empty(Directory.GetFiles(dir));
    }

    // Same column names in the same order, the same number of rows, and every cell equal: integers and
    // strings as text, numbers bit for bit (the CSV holds the shortest round-trip text), empty cells as nulls.
    internal static void AssertParquetEqualsCsv(string tablePath)
    {
        string[] lines = File.ReadAllLines(tablePath + ".csv");
        string[] header = lines[0].Split(',');
        string[][] rows = [.. lines.Skip(1).Select(l => l.Split(','))];
        string name = Path.GetFileName(tablePath);

        using var file = new ParquetFileReader(tablePath + ".parquet");
        Assert.Equal(header, Schema(file).Select(c => c.Name));
        Assert.Equal(rows.Length, file.FileMetaData.NumRows);
        int offset = 0;
        for (int g = 0; g < file.FileMetaData.NumRowGroups; g++)
        {
            using RowGroupReader group = file.RowGroup(g);
            int count = checked((int)group.MetaData.NumRows);
            for (int c = 0; c < header.Length; c++)
            {
                ColumnDescriptor column = file.FileMetaData.Schema.Column(c);
                using ColumnReader reader = group.Column(c);
                string[] expected = [.. rows.Skip(offset).Take(count).Select(r => r[c])];
                switch (column.PhysicalType)
                {
                    case PhysicalType.Int64 when column.MaxDefinitionLevel == 0:
                        Assert.Equal(expected.Select(v => long.Parse(v, CultureInfo.InvariantCulture)), reader.LogicalReader<long>().ReadAll(count));
                        break;
                    case PhysicalType.Int64:
                        Assert.Equal(expected.Select(v => v.Length == 0 ? (long?)null : long.Parse(v, CultureInfo.InvariantCulture)), reader.LogicalReader<long?>().ReadAll(count));
                        break;
                    case PhysicalType.Double:
                        double?[] actual = column.MaxDefinitionLevel == 0
                            ? [.. reader.LogicalReader<double>().ReadAll(count).Select(v => (double?)v)]
                            : reader.LogicalReader<double?>().ReadAll(count);
                        for (int r = 0; r < count; r++)
                        {
                            AssertSameNumber(expected[r], actual[r], $"{name}.{header[c]} row {offset + r}");
                        }

                        break;
                    case PhysicalType.ByteArray:
                        Assert.Equal(expected, reader.LogicalReader<string>().ReadAll(count));
                        break;
                    case PhysicalType.Boolean:
                        Assert.Equal(expected, reader.LogicalReader<bool>().ReadAll(count).Select(b => b ? "true" : "false"));
                        break;
                    default:
                        Assert.Fail($"{name}.{header[c]}: unexpected Parquet type {column.PhysicalType}");
                        break;
                }
            }

            offset += count;
        }

        Assert.Equal(rows.Length, offset);
    }

    private static void AssertSameNumber(string csv, double? parquet, string where)
    {
        if (csv.Length == 0)
        {
            Assert.True(parquet is null, $"{where}: empty in the CSV, {parquet} in Parquet");
            return;
        }

        double expected = double.Parse(csv, NumberStyles.Float, CultureInfo.InvariantCulture);
        Assert.True(parquet is { } value && (double.IsNaN(expected) ? double.IsNaN(value) : BitConverter.DoubleToInt64Bits(value) == BitConverter.DoubleToInt64Bits(expected)), $"{where}: {csv} in the CSV, {parquet?.ToString("R", CultureInfo.InvariantCulture) ?? "null"} in Parquet");
    }

    private static (string Name, PhysicalType PhysicalType)[] Schema(string path)
    {
        using var file = new ParquetFileReader(path);
        return Schema(file);
    }

    private static (string Name, PhysicalType PhysicalType)[] Schema(ParquetFileReader file) =>
        [.. Enumerable.Range(0, file.FileMetaData.NumColumns).Select(c => file.FileMetaData.Schema.Column(c)).Select(c => (c.Name, c.PhysicalType))];
}
