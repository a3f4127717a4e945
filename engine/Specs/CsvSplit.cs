namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// How the rows of csv data are divided into training and test rows (docs/spec.md, "csv"). The loader
/// checks a spec's <see cref="CsvSpec.TestFraction"/> with these rules; the data model must use the same.
/// </summary>
public static class CsvSplit
{
    /// <summary>The fewest training rows a csv data set may leave.</summary>
    public const int MinTrainingRows = 2;

    /// <summary>Number of test rows: max(1, round(rows × testFraction)), rounding half to even.</summary>
    /// <param name="rows">Data rows of the file.</param>
    /// <param name="testFraction">The fraction in (0, 1).</param>
    /// <returns>The number of held-out rows.</returns>
    public static int TestRows(int rows, double testFraction) => Math.Max(1, (int)Math.Round(rows * testFraction));

    /// <summary>Number of training rows: the rows that are not test rows.</summary>
    /// <param name="rows">Data rows of the file.</param>
    /// <param name="testFraction">The fraction in (0, 1).</param>
    /// <returns>The number of training rows.</returns>
    public static int TrainingRows(int rows, double testFraction) => rows - TestRows(rows, testFraction);
}
