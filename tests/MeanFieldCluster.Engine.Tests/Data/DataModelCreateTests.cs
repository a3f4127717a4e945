using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Data;

public sealed class DataModelCreateTests
{
    [Fact]
    public void EachKindBuildsItsModelWithTheSpecSettings()
    {
        var iso = Assert.IsType<IsotropicGaussianData>(DataModel.Create(new DataSpec(DataKinds.IsotropicGaussian, 5, 0.25), 1));
        Assert.Equal((5, 0.25), (iso.Dimension, iso.Delta));

        var aniso = Assert.IsType<AnisotropicGaussianData>(DataModel.Create(new DataSpec(DataKinds.AnisotropicGaussian, 6, 0.5, InformativeDimensions: 2), 1));
        Assert.Equal((6, 0.5, 2), (aniso.Dimension, aniso.Delta, aniso.InformativeDimensions));

        var teacher = new TeacherSpec(4, new ActivationSpec(ActivationKinds.Identity), 77);
        var ts = Assert.IsType<TeacherStudentData>(DataModel.Create(new DataSpec(DataKinds.TeacherStudent, 3, Teacher: teacher, Noise: 0.1), 1));
        Assert.Equal((3, 4, 0.1), (ts.Dimension, ts.Width, ts.Noise));
        Assert.Equal(new TeacherStudentData(3, teacher, 0.1).Directions.ToArray(), ts.Directions.ToArray());

        Assert.Null(iso.FixedTestSet);
        Assert.Null(aniso.FixedTestSet);
        Assert.Null(ts.FixedTestSet);
    }

    [Fact]
    public void TheTeacherDoesNotDependOnTheSweepSeed()
    {
        var spec = new DataSpec(DataKinds.TeacherStudent, 3, Teacher: new TeacherSpec(2, new ActivationSpec(ActivationKinds.Tanh), 5));
        var a = (TeacherStudentData)DataModel.Create(spec, 1);
        var b = (TeacherStudentData)DataModel.Create(spec, 2);
        Assert.Equal(a.Directions.ToArray(), b.Directions.ToArray());
        Assert.Equal(a.OutputWeights.ToArray(), b.OutputWeights.ToArray());
    }

    [Fact]
    public void CsvDataIsSplitByTheSweepSeedAndItsTestRowsAreTheSweepTestSet()
    {
        using var file = TempCsv.Twenty();
        var spec = new DataSpec(DataKinds.Csv, 3, Csv: new CsvSpec(file.FilePath, "y", ["a", "b", "c"]));
        var data = Assert.IsType<CsvData>(DataModel.Create(spec, 9));
        Assert.Equal(new CsvData(spec.Csv!, 9).TestRowIndices, data.TestRowIndices);
        Assert.Same(data.FixedTestSet, TestSet.For(data, 1000, 9));
        Assert.Equal(4, TestSet.For(data, 1000, 9).Count);
    }

    [Fact]
    public void ThePointsOfACsvSweepShareOneDataSetUntilTheFileChanges()
    {
        // Every point builds its data: the file is read and standardized once per (section, seed, version of the file).
        using var file = TempCsv.Twenty();
        var spec = new DataSpec(DataKinds.Csv, 3, Csv: new CsvSpec(file.FilePath, "y", ["a", "b", "c"]));
        var first = (CsvData)DataModel.Create(spec, 9);
        Assert.Same(first, DataModel.Create(spec, 9));
        Assert.NotSame(first, DataModel.Create(spec, 10));
        Assert.NotSame(first, DataModel.Create(spec with { Dimension = 2, Csv = spec.Csv! with { Features = ["a", "b"] } }, 9));

        // Another version of the file (one row fewer) is read again.
        File.WriteAllLines(file.FilePath, File.ReadAllLines(file.FilePath)[..^1]);
        var changed = (CsvData)DataModel.Create(spec, 9);
        Assert.NotSame(first, changed);
        Assert.Equal(first.TrainRowIndices.Count + first.TestRowIndices.Count - 1, changed.TrainRowIndices.Count + changed.TestRowIndices.Count);
    }

    [Fact]
    public void MissingKindSettingsAndADimensionThatDisagreesWithTheFileAreRejected()
    {
        Assert.Throws<ArgumentException>(() => DataModel.Create(new DataSpec(DataKinds.AnisotropicGaussian, 6, 0.5), 1));
        Assert.Throws<ArgumentException>(() => DataModel.Create(new DataSpec(DataKinds.TeacherStudent, 6), 1));
        Assert.Throws<ArgumentException>(() => DataModel.Create(new DataSpec(DataKinds.Csv, 6), 1));
        Assert.Throws<ArgumentException>(() => DataModel.Create(new DataSpec("no-such-kind", 6), 1));

        using var file = TempCsv.Twenty();
        Assert.Throws<ArgumentException>(() => DataModel.Create(new DataSpec(DataKinds.Csv, 2, Csv: new CsvSpec(file.FilePath, "y", ["a", "b", "c"])), 1));
    }
}
