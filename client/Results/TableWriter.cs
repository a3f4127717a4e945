using System.Text;
using Parquet;

namespace MeanFieldCluster.Client.Results;

/// <summary>
/// Streams one results table to &lt;name&gt;.csv and &lt;name&gt;.parquet at once: rows are buffered in a
/// <see cref="ResultTable"/> and written out every <see cref="BatchRows"/> rows (a CSV block and a Parquet
/// row group), so memory holds one batch whatever the table's size. Both files are written under
/// temporary names (<c>.partial</c>) and renamed by <see cref="CompleteAsync"/>; a writer disposed without
/// completing deletes them, so a file with its final name is always complete.
/// </summary>
internal sealed class TableWriter : IAsyncDisposable
{
    /// <summary>Rows buffered before they are written out (one Parquet row group each).</summary>
    public const int BatchRows = 1 << 15;

    private const string PartialSuffix = ".partial";

    // Parquet.Net keeps the buffers it compresses pages in for reuse, by default up to 16 MB of small and 64 MB
    // of large ones (process-wide): far more than a batch needs. A few megabytes keep the reuse without the bulk.
    private static readonly ParquetOptions PoolOptions = new() { MaximumSmallPoolFreeBytes = 2 << 20, MaximumLargePoolFreeBytes = 8 << 20 };

    private readonly string _csvPath;
    private readonly string _parquetPath;
    private readonly StreamWriter _csv;
    private readonly FileStream _parquetStream;
    private readonly ParquetWriter _parquet;
    private readonly CancellationToken _cancellationToken;
    private bool _closed;
    private long _written;

    private TableWriter(string csvPath, string parquetPath, StreamWriter csv, FileStream parquetStream, ParquetWriter parquet, ResultTable buffer, CancellationToken cancellationToken)
    {
        _csvPath = csvPath;
        _parquetPath = parquetPath;
        _csv = csv;
        _parquetStream = parquetStream;
        _parquet = parquet;
        Rows = buffer;
        _cancellationToken = cancellationToken;
    }

    /// <summary>The buffer rows are added to (Int, Num, Text, Flag, EndRow); then <see cref="FlushIfFullAsync"/> between points.</summary>
    public ResultTable Rows { get; }

    /// <summary>Rows written so far, buffered ones included.</summary>
    public long RowCount => _written + Rows.RowCount;

    /// <summary>
    /// Opens &lt;directory&gt;/&lt;name&gt;.csv and .parquet (as .partial files) for a table with <paramref name="columns"/>;
    /// <paramref name="metadata"/> becomes the Parquet file's key-value metadata.
    /// </summary>
    public static async Task<TableWriter> CreateAsync(string directory, string name, IEnumerable<TableColumn> columns, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        var buffer = new ResultTable([.. columns]);
        string csvPath = Path.Combine(directory, name + ".csv");
        string parquetPath = Path.Combine(directory, name + ".parquet");
        var csv = new StreamWriter(csvPath + PartialSuffix, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), bufferSize: 1 << 16);
        FileStream? parquetStream = null;
        try
        {
            await csv.WriteAsync(buffer.CsvHeader + "\n");
            parquetStream = new FileStream(parquetPath + PartialSuffix, FileMode.Create, FileAccess.ReadWrite, FileShare.None);
            ParquetWriter parquet = await ParquetWriter.CreateAsync(buffer.Schema, parquetStream, PoolOptions, cancellationToken: cancellationToken);
            if (metadata is not null)
            {
                parquet.CustomMetadata = metadata.ToDictionary();
            }

            return new TableWriter(csvPath, parquetPath, csv, parquetStream, parquet, buffer, cancellationToken);
        }
        catch
        {
            await csv.DisposeAsync();
            if (parquetStream is not null)
            {
                await parquetStream.DisposeAsync();
            }

            File.Delete(csvPath + PartialSuffix);
            File.Delete(parquetPath + PartialSuffix);
            throw;
        }
    }

    /// <summary>Writes the buffered rows out when there are at least <see cref="BatchRows"/> of them.</summary>
    public Task FlushIfFullAsync() => Rows.RowCount >= BatchRows ? FlushAsync() : Task.CompletedTask;

    /// <summary>Writes the rest, closes both files and gives them their final names.</summary>
    public async Task CompleteAsync()
    {
        await FlushAsync();
        await CloseAsync();
        File.Move(_csvPath + PartialSuffix, _csvPath, overwrite: true);
        File.Move(_parquetPath + PartialSuffix, _parquetPath, overwrite: true);
    }

    /// <summary>Closes the files; when <see cref="CompleteAsync"/> was not called, deletes them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_closed)
        {
            await CloseAsync();
            File.Delete(_csvPath + PartialSuffix);
            File.Delete(_parquetPath + PartialSuffix);
        }
    }

    private async Task FlushAsync()
    {
        if (Rows.RowCount == 0)
        {
            return;
        }

        Rows.WriteCsvRows(_csv);
        await Rows.WriteRowGroupAsync(_parquet, _cancellationToken);
        _written += Rows.RowCount;
        Rows.Clear();
    }

    private async Task CloseAsync()
    {
        _closed = true;
        await _csv.DisposeAsync();
        await _parquet.DisposeAsync();
        await _parquetStream.DisposeAsync();
    }
}
