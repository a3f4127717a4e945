using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Data;

/// <summary>
/// Rows of a csv file as data: a fixed train/test split of the rows, features and label standardized with
/// the training rows' statistics, training pairs sampled uniformly with replacement, and the test rows as
/// the sweep's fixed test set.
/// <para>
/// Split: the data rows (0-based, file order) are shuffled by a Fisher–Yates shuffle (for i = n−1 down to 1
/// swap i with a uniform j in [0, i]) driven by <c>RandomStreams.Create(sweepSeed, Purpose.DataSplit)</c>;
/// the first n_test = min(CsvSplit.TestRows(n, TestFraction), n − 1) shuffled indices (round half to even, as the loader checks)
/// are the test rows, the rest the training rows. Each part is then kept in file order.
/// </para>
/// <para>
/// Standardization: z = (v − mean) / sd per feature, with the mean and the population standard deviation
/// (divisor n_train) of the training rows, so standardized training features have mean 0 and population
/// sd 1. A column whose training values are all equal has sd 0 and is only centered. The label is
/// standardized the same way only when <see cref="CsvSpec.StandardizeLabel"/>.
/// </para>
/// <para>Draws per sample: one uniform training row index (Lemire's method on
/// <see cref="Xoshiro256.NextUInt64"/>, almost always one draw).</para>
/// </summary>
public sealed class CsvData : DataModel
{
    private readonly int _dimension;
    private readonly double[] _trainX;
    private readonly double[] _trainY;
    private readonly double[] _testX;
    private readonly double[] _testY;
    private readonly TestSet _testSet;

    /// <summary>
    /// Reads <see cref="CsvSpec.Path"/> and splits it with the sweep seed. When <see cref="CsvSpec.Features"/>
    /// is empty, every column but the label is a feature, in file order. Throws
    /// <see cref="CsvFormatException"/> when the file cannot be read as a table, misses a named column,
    /// uses the label as a feature, names a column twice, or has fewer than 2 data rows; throws
    /// <see cref="ArgumentOutOfRangeException"/> when the test fraction is not in (0, 1).
    /// </summary>
    public CsvData(CsvSpec csv, ulong sweepSeed)
    {
        ArgumentNullException.ThrowIfNull(csv);
        if (!(csv.TestFraction > 0 && csv.TestFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(csv), csv.TestFraction, "The test fraction must lie in (0, 1).");
        }

        Path = csv.Path;
        var table = CsvTable.Read(csv.Path);
        string file = $"file '{csv.Path}'";

        int labelColumn = table.IndexOf(csv.Label);
        if (labelColumn < 0)
        {
            throw new CsvFormatException($"{file} has no label column '{csv.Label}' (columns: {string.Join(", ", table.Columns)})", table.HeaderLine, csv.Label);
        }

        IReadOnlyList<string> features = csv.Features is { Count: > 0 } ? csv.Features : [.. table.Columns.Where(c => c != csv.Label)];
        if (features.Count == 0)
        {
            throw new CsvFormatException($"{file} has no feature columns besides the label '{csv.Label}'", table.HeaderLine, null);
        }

        var featureColumns = new int[features.Count];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int f = 0; f < features.Count; f++)
        {
            string name = features[f];
            featureColumns[f] = table.IndexOf(name);
            if (featureColumns[f] < 0)
            {
                throw new CsvFormatException($"{file} has no feature column '{name}' (columns: {string.Join(", ", table.Columns)})", table.HeaderLine, name);
            }

            if (name == csv.Label)
            {
                throw new CsvFormatException($"the label column '{name}' cannot also be a feature", table.HeaderLine, name);
            }

            if (!seen.Add(name))
            {
                throw new CsvFormatException($"the feature column '{name}' is named twice", table.HeaderLine, name);
            }
        }

        int n = table.Rows.Count;
        if (n < 2)
        {
            throw new CsvFormatException($"{file} has {n} data row; a train/test split needs at least 2", 0, null);
        }

        Label = csv.Label;
        Features = [.. features];
        _dimension = features.Count;

        // The split.
        int testCount = Math.Min(CsvSplit.TestRows(n, csv.TestFraction), n - 1);
        var rng = RandomStreams.Create(sweepSeed, RandomStreams.Purpose.DataSplit);
        int[] shuffled = RandomIndex.Permutation(ref rng, n);
        int[] testRows = shuffled[..testCount];
        int[] trainRows = shuffled[testCount..];
        Array.Sort(testRows);
        Array.Sort(trainRows);
        TestRowIndices = testRows;
        TrainRowIndices = trainRows;

        // Training statistics.
        int d = _dimension;
        var means = new double[d];
        var sds = new double[d];
        for (int f = 0; f < d; f++)
        {
            (means[f], sds[f]) = Statistics(table.Rows, trainRows, featureColumns[f]);
        }

        FeatureMeans = means;
        FeatureStandardDeviations = sds;
        double labelShift = 0, labelScale = 1;
        if (csv.StandardizeLabel)
        {
            (double mean, double sd) = Statistics(table.Rows, trainRows, labelColumn);
            LabelMean = mean;
            LabelStandardDeviation = sd;
            labelShift = mean;
            labelScale = sd > 0 ? sd : 1;
        }

        var scales = sds.Select(sd => sd > 0 ? sd : 1.0).ToArray();
        (_trainX, _trainY) = Standardize(table.Rows, trainRows, featureColumns, means, scales, labelColumn, labelShift, labelScale);
        (_testX, _testY) = Standardize(table.Rows, testRows, featureColumns, means, scales, labelColumn, labelShift, labelScale);
        _testSet = new TestSet(_testX, _testY, d);
    }

    /// <inheritdoc/>
    public override int Dimension => _dimension;

    /// <summary>The file the rows came from.</summary>
    public string Path { get; }

    /// <summary>Name of the label column.</summary>
    public string Label { get; }

    /// <summary>Names of the feature columns, in the order of the coordinates of x.</summary>
    public IReadOnlyList<string> Features { get; }

    /// <summary>Number of training rows.</summary>
    public int TrainCount => TrainRowIndices.Count;

    /// <summary>Number of test rows.</summary>
    public int TestCount => TestRowIndices.Count;

    /// <summary>0-based indices (into the file's data rows, <see cref="CsvTable.Rows"/>) of the training rows, ascending.</summary>
    public IReadOnlyList<int> TrainRowIndices { get; }

    /// <summary>0-based indices (into the file's data rows, <see cref="CsvTable.Rows"/>) of the test rows, ascending.</summary>
    public IReadOnlyList<int> TestRowIndices { get; }

    /// <summary>Training mean of each feature.</summary>
    public IReadOnlyList<double> FeatureMeans { get; }

    /// <summary>Training population standard deviation of each feature (0 for a constant column, which is only centered).</summary>
    public IReadOnlyList<double> FeatureStandardDeviations { get; }

    /// <summary>Training mean of the label when it is standardized, else null (labels kept as they are).</summary>
    public double? LabelMean { get; }

    /// <summary>Training population standard deviation of the label when it is standardized, else null.</summary>
    public double? LabelStandardDeviation { get; }

    /// <summary>Standardized training features, <see cref="TrainCount"/>×d row-major, rows in <see cref="TrainRowIndices"/> order.</summary>
    public ReadOnlySpan<double> TrainFeatures => _trainX;

    /// <summary>Training labels (standardized when the spec asks), in <see cref="TrainRowIndices"/> order.</summary>
    public ReadOnlySpan<double> TrainLabels => _trainY;

    /// <summary>Standardized test features (with the training statistics), <see cref="TestCount"/>×d row-major, in <see cref="TestRowIndices"/> order.</summary>
    public ReadOnlySpan<double> TestFeatures => _testX;

    /// <summary>Test labels (standardized with the training statistics when the spec asks), in <see cref="TestRowIndices"/> order.</summary>
    public ReadOnlySpan<double> TestLabels => _testY;

    /// <summary>The standardized test rows.</summary>
    public override TestSet FixedTestSet => _testSet;

    /// <summary>Copies a uniformly chosen training row (with replacement) into <paramref name="x"/> and returns its label.</summary>
    public override double Sample(ref Xoshiro256 rng, Span<double> x)
    {
        CheckLength(x);
        int row = RandomIndex.Next(ref rng, _trainY.Length);
        _trainX.AsSpan(row * _dimension, _dimension).CopyTo(x);
        return _trainY[row];
    }

    private static (double Mean, double Sd) Statistics(IReadOnlyList<double[]> rows, int[] selected, int column)
    {
        double first = rows[selected[0]][column];
        bool constant = true;
        double sum = 0;
        foreach (int r in selected)
        {
            double v = rows[r][column];
            sum += v;
            constant &= v == first;
        }

        if (constant)
        {
            // Exact, free of the rounding of sum / n.
            return (first, 0.0);
        }

        double mean = sum / selected.Length;
        double squares = 0;
        foreach (int r in selected)
        {
            double deviation = rows[r][column] - mean;
            squares += deviation * deviation;
        }

        return (mean, Math.Sqrt(squares / selected.Length));
    }

    private static (double[] X, double[] Y) Standardize(IReadOnlyList<double[]> rows, int[] selected, int[] featureColumns, double[] means, double[] scales, int labelColumn, double labelShift, double labelScale)
    {
        int d = featureColumns.Length;
        var x = new double[selected.Length * d];
        var y = new double[selected.Length];
        for (int m = 0; m < selected.Length; m++)
        {
            double[] row = rows[selected[m]];
            for (int f = 0; f < d; f++)
            {
                x[(m * d) + f] = (row[featureColumns[f]] - means[f]) / scales[f];
            }

            y[m] = (row[labelColumn] - labelShift) / labelScale;
        }

        return (x, y);
    }
}
