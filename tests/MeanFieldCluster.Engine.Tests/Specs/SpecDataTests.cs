using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>The data section: the fields of each kind, the teacher, and csv files.</summary>
public sealed class SpecDataTests
{
    private const string Table = "x1,x2,y,x3\n1,2,1,3\n4,5,-1,6\n7,8,1,9\n10,11,-1,12\n13,14,1,15\n";

    /// <summary>MinimalYaml with its data section replaced.</summary>
    private static string WithData(string data) =>
        MinimalYaml.Replace("data: {kind: isotropic-gaussian, d: 40}", $"data: {data}", StringComparison.Ordinal);

    [Fact]
    public void Isotropic_data_defaults_delta_to_zero()
    {
        Assert.Equal(new DataSpec(DataKinds.IsotropicGaussian, 40, 0.0), Yaml(MinimalYaml).Data);
    }

    [Fact]
    public void Anisotropic_data_reads_s0()
    {
        SweepSpec spec = Yaml(WithData("{kind: anisotropic-gaussian, d: 40, delta: 0.5, s0: 40}"));

        Assert.Equal(new DataSpec(DataKinds.AnisotropicGaussian, 40, 0.5, InformativeDimensions: 40), spec.Data);
    }

    [Theory]
    [InlineData("{kind: anisotropic-gaussian, d: 40, s0: 41}", "data.s0", "41 is not allowed; expected an integer >= 1 and <= 40")]
    [InlineData("{kind: anisotropic-gaussian, d: 40, s0: 0}", "data.s0", "0 is not allowed; expected an integer >= 1 and <= 40")]
    [InlineData("{kind: anisotropic-gaussian, d: 40}", "data.s0", "required field is missing; expected an integer >= 1 and <= 40")]
    [InlineData("{kind: anisotropic-gaussian, s0: 0}", "data.s0", "0 is not allowed; expected an integer >= 1 and <= 100000")]
    public void S0_must_lie_between_one_and_d(string data, string path, string message)
    {
        Assert.Equal(message, ErrorsOf(WithData(data)).At(path).Message);
    }

    [Fact]
    public void Teacher_student_data_reads_the_teacher_with_defaults()
    {
        SweepSpec spec = Yaml(WithData("{kind: teacher-student, d: 12, teacher: {width: 3}}"));

        Assert.Equal(new DataSpec(DataKinds.TeacherStudent, 12, Teacher: new TeacherSpec(3, new ActivationSpec(ActivationKinds.Relu), 0), Noise: 0.0), spec.Data);
    }

    [Fact]
    public void Teacher_student_data_reads_every_teacher_field()
    {
        SweepSpec spec = Yaml(WithData("{kind: teacher-student, d: 12, teacher: {width: 3, activation: {kind: ramp, t1: 0}, seed: 99}, noise: 0.5}"));

        Assert.Equal(new TeacherSpec(3, new ActivationSpec(ActivationKinds.Ramp, T1: 0), 99), spec.Data.Teacher);
        Assert.Equal(0.5, spec.Data.Noise);
    }

    [Theory]
    [InlineData("{kind: teacher-student, d: 12}", "data.teacher")]
    [InlineData("{kind: teacher-student, d: 12, teacher: 3}", "data.teacher")]
    [InlineData("{kind: teacher-student, d: 12, teacher: {}}", "data.teacher.width")]
    [InlineData("{kind: teacher-student, d: 12, teacher: {width: 0}}", "data.teacher.width")]
    [InlineData("{kind: teacher-student, d: 12, teacher: {width: 100001}}", "data.teacher.width")]
    [InlineData("{kind: teacher-student, d: 12, teacher: {width: 3, activation: softplus}}", "data.teacher.activation")]
    [InlineData("{kind: teacher-student, d: 12, teacher: {width: 3, seed: -1}}", "data.teacher.seed")]
    [InlineData("{kind: teacher-student, d: 12, teacher: {width: 3, depth: 2}}", "data.teacher.depth")]
    [InlineData("{kind: teacher-student, d: 12, teacher: {width: 3}, noise: -0.1}", "data.noise")]
    [InlineData("{kind: teacher-student, teacher: {width: 3}}", "data.d")]
    public void Bad_teacher_student_fields_are_reported_at_their_path(string data, string path)
    {
        ErrorsOf(WithData(data)).At(path);
    }

    [Theory]
    [InlineData("{kind: teacher-student, d: 12, teacher: {width: 3}, delta: 0.5}", "data.delta", "teacher-student", "kind, d, teacher, noise")]
    [InlineData("{kind: isotropic-gaussian, d: 12, s0: 3}", "data.s0", "isotropic-gaussian", "kind, d, delta")]
    [InlineData("{kind: isotropic-gaussian, d: 12, noise: 1}", "data.noise", "isotropic-gaussian", "kind, d, delta")]
    [InlineData("{kind: anisotropic-gaussian, d: 12, s0: 3, teacher: {width: 2}}", "data.teacher", "anisotropic-gaussian", "kind, d, delta, s0")]
    public void A_field_of_another_data_kind_is_not_used(string data, string path, string kind, string allowed)
    {
        SpecError error = ErrorsOf(WithData(data)).At(path);

        Assert.Contains($"is not used by data kind '{kind}'; allowed fields: {allowed}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_data_field_lists_the_fields_of_the_kind()
    {
        SpecError error = ErrorsOf(WithData("{kind: teacher-student, d: 12, teacher: {width: 3}, colour: red}")).At("data.colour");

        Assert.Equal("unknown field 'colour'; allowed fields: kind, d, teacher, noise", error.Message);
    }

    [Fact]
    public void Csv_data_reads_the_file_and_resolves_the_features()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);

        SweepSpec spec = Yaml(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y}}}}"));

        Assert.Equal(DataKinds.Csv, spec.Data.Kind);
        Assert.Equal(3, spec.Data.Dimension);
        CsvSpec c = spec.Data.Csv!;
        Assert.Equal(csv, c.Path);
        Assert.Equal("y", c.Label);
        Assert.Equal(["x1", "x2", "x3"], c.Features);
        Assert.Equal(0.2, c.TestFraction);
        Assert.False(c.StandardizeLabel);
    }

    [Fact]
    public void A_csv_file_is_read_once_per_version_however_many_axis_combinations_bind_it()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);
        string spec = WithData($"{{kind: csv, csv: {{path: '{csv}', label: y}}}}");
        Assert.Equal(3, Yaml(spec, "grid.model.init.kappa=[0.5, 0.6, 0.7]").Data.Dimension);

        // Same length and write time: the version read before stands, the file is not read again.
        DateTime written = File.GetLastWriteTimeUtc(csv);
        File.WriteAllText(csv, Table.Replace("x3", "z3", StringComparison.Ordinal));
        File.SetLastWriteTimeUtc(csv, written);
        Assert.Equal(["x1", "x2", "x3"], Yaml(spec).Data.Csv!.Features);

        // Another version is read again.
        File.WriteAllText(csv, Table.Replace("x3", "x33", StringComparison.Ordinal));
        Assert.Equal(["x1", "x2", "x33"], Yaml(spec).Data.Csv!.Features);
    }

    [Fact]
    public void Csv_data_keeps_the_listed_features_in_their_order()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);

        SweepSpec spec = Yaml(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y, features: [x3, x1], test_fraction: 0.4, standardize_label: true}}}}"));

        Assert.Equal(2, spec.Data.Dimension);
        Assert.Equal(["x3", "x1"], spec.Data.Csv!.Features);
        Assert.Equal(0.4, spec.Data.Csv.TestFraction);
        Assert.True(spec.Data.Csv.StandardizeLabel);
    }

    [Fact]
    public void A_relative_csv_path_is_resolved_against_the_spec_file_folder()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("sub/t.csv", Table);
        string spec = folder.Write("sub/spec.yaml", WithData("{kind: csv, csv: {path: t.csv, label: y}}"));

        Assert.Equal(csv, SpecLoader.LoadFile(spec).Data.Csv!.Path);
    }

    [Fact]
    public void A_relative_csv_path_given_by_an_override_is_resolved_against_the_spec_file_folder()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);
        string spec = folder.Write("spec.yaml", MinimalYaml);

        SweepSpec loaded = SpecLoader.LoadFile(spec, ["data={kind: csv, csv: {path: t.csv, label: y}}"]);

        Assert.Equal(csv, loaded.Data.Csv!.Path);
    }

    [Fact]
    public void A_relative_csv_path_in_parsed_text_is_resolved_against_the_current_directory()
    {
        using var folder = new TempFolder();
        folder.Write("t.csv", Table);
        string relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), Path.Combine(folder.Path, "t.csv"));

        SweepSpec spec = Yaml(WithData($"{{kind: csv, csv: {{path: '{relative}', label: y}}}}"));

        Assert.Equal(Path.Combine(folder.Path, "t.csv"), spec.Data.Csv!.Path);
    }

    [Fact]
    public void A_missing_csv_file_is_reported_at_the_path_with_the_absolute_path()
    {
        using var folder = new TempFolder();
        string spec = folder.Write("spec.yaml", WithData("{kind: csv, csv: {path: missing.csv, label: y}}"));

        var e = Assert.Throws<SpecException>(() => SpecLoader.LoadFile(spec));

        SpecError error = Assert.Single(e.Errors);
        Assert.Equal("data.csv.path", error.Path);
        Assert.Contains($"file '{Path.Combine(folder.Path, "missing.csv")}' does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_numeric_cell_is_reported_at_the_path_with_line_and_column()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", "a,y\n1,2\n3,abc\n5,6\n");

        SpecError error = ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y}}}}")).At("data.csv.path");

        Assert.Contains(csv, error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3, column 'y': 'abc' is not a finite number", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_label_that_is_not_a_column_lists_the_columns()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);

        SpecError error = ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{csv}', label: target}}}}")).At("data.csv.label");

        Assert.Equal($"'target' is not a column of '{csv}'; expected one of its columns: x1, x2, y, x3", error.Message);
    }

    [Fact]
    public void Features_that_are_not_columns_or_are_the_label_are_reported_at_their_index()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);

        IReadOnlyList<SpecError> errors = ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y, features: [x1, x9, y]}}}}"));

        Assert.Equal(["data.csv.features[1]", "data.csv.features[2]"], errors.Paths());
        Assert.Contains("'x9' is not a column", errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("it is the label column", errors[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("features: []", "data.csv.features")]
    [InlineData("features: [x1, x1]", "data.csv.features[1]")]
    [InlineData("features: x1", "data.csv.features")]
    [InlineData("features: [1]", "data.csv.features[0]")]
    [InlineData("test_fraction: 0", "data.csv.test_fraction")]
    [InlineData("test_fraction: 1", "data.csv.test_fraction")]
    [InlineData("standardize_label: 1", "data.csv.standardize_label")]
    [InlineData("sep: ';'", "data.csv.sep")]
    public void Bad_csv_fields_are_reported_at_their_path(string field, string path)
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);

        ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y, {field}}}}}")).At(path);
    }

    [Theory]
    [InlineData("{kind: csv}", "data.csv")]
    [InlineData("{kind: csv, csv: data.csv}", "data.csv")]
    [InlineData("{kind: csv, csv: {label: y}}", "data.csv.path")]
    [InlineData("{kind: csv, csv: {path: '', label: y}}", "data.csv.path")]
    [InlineData("{kind: csv, csv: {path: t.csv}}", "data.csv.label")]
    [InlineData("{kind: csv, csv: {path: t.csv, label: ''}}", "data.csv.label")]
    public void Missing_or_empty_csv_fields_are_reported(string data, string path)
    {
        ErrorsOf(WithData(data)).At(path);
    }

    [Fact]
    public void The_file_is_not_read_when_the_csv_section_has_other_errors()
    {
        IReadOnlyList<SpecError> errors = ErrorsOf(WithData("{kind: csv, csv: {path: no-such-file.csv, label: y, test_fraction: 2}}"));

        Assert.Equal(["data.csv.test_fraction"], errors.Paths());
    }

    [Fact]
    public void D_must_not_be_given_for_csv_data()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);

        SpecError error = ErrorsOf(WithData($"{{kind: csv, d: 3, csv: {{path: '{csv}', label: y}}}}")).At("data.d");

        Assert.Contains("the dimension is the number of feature columns", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, 3, "holds out 2 test rows and leaves 1 training rows")]
    [InlineData(0.9, 2, "holds out 2 test rows and leaves 0 training rows")]
    public void A_test_fraction_leaving_fewer_than_two_training_rows_is_rejected(double fraction, int rows, string detail)
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", "a,y\n" + string.Concat(Enumerable.Range(0, rows).Select(i => $"{i},{i % 2}\n")));

        SpecError error = ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y, test_fraction: {fraction}}}}}")).At("data.csv.test_fraction");

        Assert.Contains(detail, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Three_rows_with_a_small_test_fraction_leave_one_test_row_and_two_training_rows()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", "a,y\n1,1\n2,-1\n3,1\n");

        SweepSpec spec = Yaml(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y, test_fraction: 0.01}}}}"));

        Assert.Equal(1, CsvSplit.TestRows(3, spec.Data.Csv!.TestFraction));
        Assert.Equal(2, CsvSplit.TrainingRows(3, spec.Data.Csv.TestFraction));
    }

    [Fact]
    public void A_file_with_only_the_label_column_has_no_features()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", "y\n1\n2\n3\n4\n");

        SpecError error = ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y}}}}")).At("data.csv");

        Assert.Contains("0 feature columns", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_csv_file_is_reported_at_the_path()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", "");

        Assert.Contains("is empty", ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{csv}', label: y}}}}")).At("data.csv.path").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_given_as_the_csv_path_is_reported_at_the_path()
    {
        using var folder = new TempFolder();

        ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{folder.Path}', label: y}}}}")).At("data.csv.path");
    }

    [Fact]
    public void Errors_of_csv_data_and_of_other_sections_are_reported_together()
    {
        using var folder = new TempFolder();
        string csv = folder.Write("t.csv", Table);

        IReadOnlyList<SpecError> errors = ErrorsOf(WithData($"{{kind: csv, csv: {{path: '{csv}', label: z}}}}"), "grid.width=0");

        Assert.Equal(["data.csv.label", "grid.width"], errors.Paths());
    }
}
