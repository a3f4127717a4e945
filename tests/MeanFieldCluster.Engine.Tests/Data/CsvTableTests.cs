using MeanFieldCluster.Engine.Data;

namespace MeanFieldCluster.Engine.Tests.Data;

public sealed class CsvTableTests
{
    [Fact]
    public void ATableReadsColumnsAndRowsSkippingBlankLinesAndAByteOrderMark()
    {
        using var file = new TempCsv("\uFEFFx, y\n1,2.5\n\n-3e-1 , 4\r\n");
        var table = CsvTable.Read(file.FilePath);
        Assert.Equal(["x", "y"], table.Columns);
        Assert.Equal(2, table.Rows.Count);
        Assert.Equal([1.0, 2.5], table.Rows[0]);
        Assert.Equal([-0.3, 4.0], table.Rows[1]);
        Assert.Equal(1, table.IndexOf("y"));
        Assert.Equal(-1, table.IndexOf("z"));
        Assert.Equal(1, table.HeaderLine);
    }

    [Fact]
    public void AMissingFileIsAFormatErrorAboutTheWholeFile()
    {
        string path = Path.Combine(Path.GetTempPath(), "mfc-no-such-" + Guid.NewGuid().ToString("N") + ".csv");
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(path));
        Assert.Equal(0, error.Line);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANonNumericCellIsReportedWithItsLineAndColumn()
    {
        using var file = new TempCsv("a,b\n1,2\n3,abc\n");
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(file.FilePath));
        Assert.Equal(3, error.Line);
        Assert.Equal("b", error.Column);
        Assert.StartsWith("line 3, column 'b': 'abc' is not a finite number", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("a,b\n1,NaN\n")]
    [InlineData("a,b\n1,Infinity\n")]
    [InlineData("a,b\n1,\n")]
    public void NonFiniteAndEmptyCellsAreRejected(string text)
    {
        using var file = new TempCsv(text);
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(file.FilePath));
        Assert.Equal(2, error.Line);
        Assert.Equal("b", error.Column);
    }

    [Fact]
    public void ARowWithTheWrongNumberOfCellsIsReportedWithItsLineCountingBlankLines()
    {
        using var file = new TempCsv("a,b\n1,2\n\n1,2,3\n");
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(file.FilePath));
        Assert.Equal(4, error.Line);
        Assert.Contains("3 cells where the header has 2 columns", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ADuplicateColumnNameIsReportedWithTheColumn()
    {
        using var file = new TempCsv("a,b,a\n1,2,3\n");
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Read(file.FilePath));
        Assert.Equal(1, error.Line);
        Assert.Equal("a", error.Column);
        Assert.Contains("duplicate", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n")]
    [InlineData("a,b\n")]
    [InlineData("a,,b\n1,2,3\n")]
    public void EmptyFilesHeadersWithoutRowsAndEmptyColumnNamesAreRejected(string text)
    {
        using var file = new TempCsv(text);
        Assert.Throws<CsvFormatException>(() => CsvTable.Read(file.FilePath));
    }

    [Fact]
    public void ParseReadsTextAndNamesTheSourceInWholeInputErrors()
    {
        var table = CsvTable.Parse(new StringReader("p,q\n1,2\n"), "inline");
        Assert.Equal([1.0, 2.0], table.Rows[0]);
        var error = Assert.Throws<CsvFormatException>(() => CsvTable.Parse(new StringReader("p,q\n"), "inline"));
        Assert.StartsWith("line 1: inline has a header but no data rows", error.Message, StringComparison.Ordinal);
    }
}
