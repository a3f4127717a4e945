using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Data;

public sealed class CsvDataTests
{
    private static CsvSpec Spec(string path, double testFraction = 0.25, bool standardizeLabel = false, params string[] features) =>
        new(path, "y", features.Length > 0 ? features : ["a", "b", "c"], testFraction, standardizeLabel);

    [Fact]
    public void TheSplitHoldsOutRoundedTestFractionOfTheRows()
    {
        using var file = TempCsv.Twenty();
        var data = new CsvData(Spec(file.FilePath, 0.25), 1);
        Assert.Equal(5, data.TestCount);
        Assert.Equal(15, data.TrainCount);
        Assert.Equal(5, data.FixedTestSet.Count);
        Assert.Equal(3, data.FixedTestSet.Dimension);
        Assert.Equal(3, data.Dimension);
    }

    [Theory]
    [InlineData(0.01, 1)]   // round(0.2) = 0, at least one test row
    [InlineData(0.125, 2)]  // round(2.5) = 2, half to even, as the spec loader checks (CsvSplit)
    [InlineData(0.99, 19)]  // round(19.8) = 20, at least one training row
    public void TheTestCountIsRoundedAndLeavesBothPartsNonEmpty(double fraction, int expectedTestRows)
    {
        using var file = TempCsv.Twenty();
        var data = new CsvData(Spec(file.FilePath, fraction), 1);
        Assert.Equal(expectedTestRows, data.TestCount);
        Assert.Equal(20 - expectedTestRows, data.TrainCount);
    }

    [Fact]
    public void TheSplitIsDeterminedByTheSweepSeedAndChangesWithIt()
    {
        using var file = TempCsv.Twenty();
        var first = new CsvData(Spec(file.FilePath), 5);
        var again = new CsvData(Spec(file.FilePath), 5);
        var other = new CsvData(Spec(file.FilePath), 6);

        Assert.Equal(first.TestRowIndices, again.TestRowIndices);
        Assert.Equal(first.TrainFeatures.ToArray(), again.TrainFeatures.ToArray());
        Assert.NotEqual(first.TestRowIndices, other.TestRowIndices);
    }

    [Fact]
    public void TheTestRowsAreTheFirstShuffledIndicesOfTheDataSplitStreamInFileOrder()
    {
        using var file = TempCsv.Twenty();
        var data = new CsvData(Spec(file.FilePath), 5);

        var rng = RandomStreams.Create(5, RandomStreams.Purpose.DataSplit);
        int[] order = [.. Enumerable.Range(0, 20)];
        for (int i = 19; i > 0; i--)
        {
            int j = RandomIndex.Next(ref rng, i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        Assert.Equal(order[..5].Order(), data.TestRowIndices);
        Assert.Equal(order[5..].Order(), data.TrainRowIndices);
    }

    [Fact]
    public void TrainAndTestRowsAreDisjointCoverEveryRowAndAreInFileOrder()
    {
        using var file = TempCsv.Twenty();
        for (ulong seed = 0; seed < 10; seed++)
        {
            var data = new CsvData(Spec(file.FilePath), seed);
            Assert.Empty(data.TrainRowIndices.Intersect(data.TestRowIndices));
            Assert.Equal(Enumerable.Range(0, 20), data.TrainRowIndices.Concat(data.TestRowIndices).Order());
            Assert.Equal(data.TrainRowIndices.Order(), data.TrainRowIndices);
            Assert.Equal(data.TestRowIndices.Order(), data.TestRowIndices);
        }
    }

    [Fact]
    public void StandardizedTrainingFeaturesHaveMeanZeroAndPopulationSdOneAndAConstantColumnIsOnlyCentered()
    {
        using var file = TempCsv.Twenty();
        var data = new CsvData(Spec(file.FilePath), 3);
        double[] x = data.TrainFeatures.ToArray();
        int n = data.TrainCount;
        for (int f = 0; f < 2; f++)
        {
            double[] column = [.. Enumerable.Range(0, n).Select(m => x[(m * 3) + f])];
            double mean = column.Average();
            double populationSd = Math.Sqrt(column.Average(v => (v - mean) * (v - mean)));
            Assert.Equal(0.0, mean, 12);
            Assert.Equal(1.0, populationSd, 12);
        }

        Assert.All(Enumerable.Range(0, n), m => Assert.Equal(0.0, x[(m * 3) + 2]));
        Assert.Equal(3.0, data.FeatureMeans[2]);
        Assert.Equal(0.0, data.FeatureStandardDeviations[2]);
    }

    [Fact]
    public void TestRowsAreStandardizedWithTheTrainingStatistics()
    {
        using var file = TempCsv.Twenty();
        var data = new CsvData(Spec(file.FilePath), 3);

        // Feature a of the first test row, by hand: a = i + 1 with the train mean and population sd of a.
        double[] trainA = [.. data.TrainRowIndices.Select(i => i + 1.0)];
        double mean = trainA.Sum() / trainA.Length;
        double sd = Math.Sqrt(trainA.Sum(v => (v - mean) * (v - mean)) / trainA.Length);
        int firstTest = data.TestRowIndices[0];
        Assert.Equal(mean, data.FeatureMeans[0], 12);
        Assert.Equal(sd, data.FeatureStandardDeviations[0], 12);
        Assert.Equal((firstTest + 1 - mean) / sd, data.TestFeatures[0], 12);

        // The test set is not standardized with its own statistics: its mean is not exactly zero.
        double testMeanA = Enumerable.Range(0, data.TestCount).Average(m => data.TestFeatures[m * 3]);
        Assert.NotEqual(0.0, testMeanA, 6);
    }

    [Fact]
    public void LabelsStayAsTheyAreUnlessStandardizationIsAsked()
    {
        using var file = TempCsv.Twenty();
        var raw = new CsvData(Spec(file.FilePath), 3);
        Assert.Null(raw.LabelMean);
        Assert.Null(raw.LabelStandardDeviation);
        Assert.Equal(raw.TrainRowIndices.Select(i => TempCsv.TwentyRow(i)[3]), raw.TrainLabels.ToArray());
        Assert.Equal(raw.TestRowIndices.Select(i => TempCsv.TwentyRow(i)[3]), raw.TestLabels.ToArray());

        var standardized = new CsvData(Spec(file.FilePath, standardizeLabel: true), 3);
        double[] y = standardized.TrainLabels.ToArray();
        Assert.Equal(0.0, y.Average(), 12);
        Assert.Equal(1.0, Math.Sqrt(y.Average(v => v * v)), 12);
        double mean = standardized.LabelMean!.Value;
        double sd = standardized.LabelStandardDeviation!.Value;
        double firstTestLabel = TempCsv.TwentyRow(standardized.TestRowIndices[0])[3];
        Assert.Equal((firstTestLabel - mean) / sd, standardized.TestLabels[0], 12);
    }

    [Fact]
    public void SampleReturnsOnlyTrainingRowsUniformly()
    {
        using var file = TempCsv.Twenty();
        var data = new CsvData(Spec(file.FilePath), 4);
        var byFeatures = new Dictionary<(double, double), int>();
        for (int m = 0; m < data.TrainCount; m++)
        {
            byFeatures.Add((data.TrainFeatures[m * 3], data.TrainFeatures[(m * 3) + 1]), m);
        }

        var rng = RandomStreams.Create(4, RandomStreams.Purpose.Training);
        var x = new double[3];
        const int n = 15_000;
        var hits = new int[data.TrainCount];
        for (int s = 0; s < n; s++)
        {
            double y = data.Sample(ref rng, x);
            Assert.True(byFeatures.TryGetValue((x[0], x[1]), out int m), "a sample that is not a training row");
            Assert.Equal(data.TrainLabels[m], y);
            Assert.Equal(0.0, x[2]);
            hits[m]++;
        }

        // Each row: binomial(n, 1/n_train), 4 SE.
        double p = 1.0 / data.TrainCount;
        double se = Math.Sqrt(n * p * (1 - p));
        Assert.All(hits, h => Assert.InRange(h, (n * p) - (4 * se), (n * p) + (4 * se)));

        // And never a test row: a and b identify rows, and test rows standardize to other values.
        for (int m = 0; m < data.TestCount; m++)
        {
            Assert.False(byFeatures.ContainsKey((data.TestFeatures[m * 3], data.TestFeatures[(m * 3) + 1])));
        }
    }

    [Fact]
    public void FeaturesFollowTheSpecOrderAndDefaultToEveryColumnButTheLabel()
    {
        using var file = TempCsv.Twenty();
        var reordered = new CsvData(Spec(file.FilePath, features: ["b", "a"]), 2);
        Assert.Equal(["b", "a"], reordered.Features);
        int row = reordered.TrainRowIndices[0];
        double[] raw = TempCsv.TwentyRow(row);
        Assert.Equal((raw[1] - reordered.FeatureMeans[0]) / reordered.FeatureStandardDeviations[0], reordered.TrainFeatures[0], 12);
        Assert.Equal((raw[0] - reordered.FeatureMeans[1]) / reordered.FeatureStandardDeviations[1], reordered.TrainFeatures[1], 12);

        var all = new CsvData(new CsvSpec(file.FilePath, "y", []), 2);
        Assert.Equal(["a", "b", "c"], all.Features);
    }

    [Fact]
    public void AMissingColumnOrTheLabelAsAFeatureIsAFormatErrorNamingTheColumn()
    {
        using var file = TempCsv.Twenty();
        var noLabel = Assert.Throws<CsvFormatException>(() => new CsvData(new CsvSpec(file.FilePath, "label", ["a"]), 1));
        Assert.Equal("label", noLabel.Column);
        var noFeature = Assert.Throws<CsvFormatException>(() => new CsvData(Spec(file.FilePath, features: ["a", "d"]), 1));
        Assert.Equal("d", noFeature.Column);
        Assert.Contains("columns: a, b, c, y", noFeature.Message, StringComparison.Ordinal);
        var labelAsFeature = Assert.Throws<CsvFormatException>(() => new CsvData(Spec(file.FilePath, features: ["a", "y"]), 1));
        Assert.Equal("y", labelAsFeature.Column);
        var twice = Assert.Throws<CsvFormatException>(() => new CsvData(Spec(file.FilePath, features: ["a", "a"]), 1));
        Assert.Equal("a", twice.Column);
    }

    [Fact]
    public void ASingleRowCannotBeSplit()
    {
        using var file = new TempCsv("a,y\n1,1\n");
        Assert.Throws<CsvFormatException>(() => new CsvData(new CsvSpec(file.FilePath, "y", ["a"]), 1));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    public void ATestFractionOutsideZeroToOneIsRejected(double fraction)
    {
        using var file = TempCsv.Twenty();
        Assert.Throws<ArgumentOutOfRangeException>(() => new CsvData(Spec(file.FilePath, fraction), 1));
    }

    [Fact]
    public void TheShippedIrisFileLoadsWith150RowsAnd50Virginica()
    {
        string path = Path.Combine(RepositoryFiles.Root(), "examples", "data", "iris.csv");
        var table = CsvTable.Read(path);
        Assert.Equal(["sepal_length", "sepal_width", "petal_length", "petal_width", "virginica"], table.Columns);
        Assert.Equal(150, table.Rows.Count);
        Assert.Equal(50, table.Rows.Count(r => r[4] == 1));
        Assert.Equal(100, table.Rows.Count(r => r[4] == -1));

        var data = DataModel.Create(new DataSpec(DataKinds.Csv, 4, Csv: new CsvSpec(path, "virginica", [])), 7);
        var csv = Assert.IsType<CsvData>(data);
        Assert.Equal(4, csv.Dimension);
        Assert.Equal(30, csv.TestCount);
        Assert.Equal(120, csv.TrainCount);
        Assert.All(csv.TestLabels.ToArray(), y => Assert.True(y is 1.0 or -1.0));
    }
}
