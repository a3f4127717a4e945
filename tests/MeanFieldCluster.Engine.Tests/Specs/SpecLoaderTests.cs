using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class SpecLoaderTests
{
    [Fact]
    public void A_full_yaml_spec_parses_to_the_expected_records()
    {
        SweepSpec spec = Yaml(FullYaml);

        Assert.Equal("mmn-fig1-small", spec.Name);
        Assert.Equal(7UL, spec.Seed);
        AssertSame(
            new ModelSpec(Presets.MmnIsotropic, new ActivationSpec("ramp", 0.25, 1.75, -2, 8), new InitSpec(), [1.0], false, new TrainSpec(true, false, false, false)),
            spec.Model);
        Assert.Equal(new DataSpec(DataKinds.IsotropicGaussian, 40, 0.8), spec.Data);
        Assert.Equal(new TrainingSpec(20.0, null, new XiSpec(), 1), spec.Training);
        Assert.Equal(2000, spec.Observe.TestSamples);
        Assert.Equal([0.0, 1.0, 5.0, 20.0], spec.Observe.RiskTimes.Times!);
        Assert.Null(spec.Observe.SnapshotTimes.Times);
        Assert.Equal(5, spec.Observe.SnapshotTimes.Count);
        Assert.Equal("log", spec.Observe.SnapshotTimes.Spacing);
        Assert.Equal(256, spec.Observe.QuantileLevels);
        Assert.Equal([[100], [200], [400]], spec.Grid.Width);
        Assert.Equal([new StepSizeSpec(1e-4), new StepSizeSpec(2.5e-4)], spec.Grid.StepSize);
        Assert.Equal([1], spec.Grid.Layers);
        Assert.Equal([0, 1], spec.Grid.Seeds);
        Assert.Null(spec.Grid.Gamma);
    }

    [Fact]
    public void The_same_spec_in_json_writes_the_same_canonical_json()
    {
        SweepSpec fromYaml = Yaml(FullYaml);
        SweepSpec fromJson = SpecLoader.Parse(FullJson, SpecFormat.Json);

        Assert.Equal(SpecWriter.ToJson(fromYaml), SpecWriter.ToJson(fromJson));
    }

    [Fact]
    public void Omitted_optional_fields_take_their_documented_defaults()
    {
        SweepSpec spec = Yaml(MinimalYaml);

        Assert.Equal("sweep", spec.Name);
        Assert.Equal(0UL, spec.Seed);
        Assert.Equal(new ActivationSpec("ramp", 0.5, 1.5, -2.5, 7.5), spec.Model.Activation);
        Assert.Equal(new InitSpec(0.8, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0), spec.Model.Init);
        Assert.Equal([1.0], spec.Model.Gamma);
        Assert.False(spec.Model.Bias);
        Assert.Equal(new TrainSpec(First: true, Hidden: false, Output: false, Bias: false), spec.Model.Train);
        Assert.True(spec.Model.MeanFieldScaling);
        Assert.Equal(1e6, spec.Model.DivergenceBound);
        Assert.Equal(new DataSpec(DataKinds.IsotropicGaussian, 40), spec.Data);
        Assert.Equal(new TrainingSpec(20.0, null, new XiSpec("constant"), 1, 0.0, null), spec.Training);
        Assert.Equal(2000, spec.Observe.TestSamples);
        Assert.Equal(new TimeGrid(null, 21, "linear"), spec.Observe.RiskTimes);
        Assert.Equal(new TimeGrid(null, 5, "linear"), spec.Observe.SnapshotTimes);
        Assert.Equal(256, spec.Observe.QuantileLevels);
        Assert.Equal(32, spec.Observe.HistogramBins);
        Assert.Null(spec.Observe.RawTimes);
        Assert.Equal(16, spec.Observe.SlicedDirections);
        Assert.Equal(4096, spec.Observe.EdgeSample);
        Assert.Equal(new DependenceSpec(true, true, 999), spec.Observe.Dependence);
        Assert.Equal([[100]], spec.Grid.Width);
        Assert.Equal([new StepSizeSpec(0.001)], spec.Grid.StepSize);
        Assert.Equal([1], spec.Grid.Layers);
        Assert.Null(spec.Grid.Gamma);
        Assert.Equal([0], spec.Grid.Seeds);
    }

    [Fact]
    public void An_activation_given_as_a_name_gets_default_parameters()
    {
        SweepSpec spec = Yaml(MinimalYaml, "model.activation=relu");

        Assert.Equal(new ActivationSpec("relu"), spec.Model.Activation);
    }

    [Fact]
    public void T_is_accepted_as_an_alias_of_horizon()
    {
        SweepSpec spec = Yaml(MinimalYaml.Replace("{horizon: 20}", "{T: 12.5}", StringComparison.Ordinal));

        Assert.Equal(12.5, spec.Training.Horizon);
    }

    [Fact]
    public void Steps_can_replace_the_horizon()
    {
        SweepSpec spec = Yaml(MinimalYaml.Replace("{horizon: 20}", "{steps: 1e5}", StringComparison.Ordinal));

        Assert.Null(spec.Training.Horizon);
        Assert.Equal(100_000L, spec.Training.Steps);
    }

    [Fact]
    public void A_list_of_seeds_is_kept_as_given()
    {
        SweepSpec spec = Yaml(MinimalYaml, "grid.seeds=[5, 3, 11]");

        Assert.Equal([5, 3, 11], spec.Grid.Seeds);
    }

    [Fact]
    public void A_float_with_no_fraction_is_accepted_for_an_integer_field()
    {
        SweepSpec spec = Yaml(MinimalYaml, "data.d=3.0");

        Assert.Equal(3, spec.Data.Dimension);
    }

    [Theory]
    [InlineData("0x10", 16)]
    [InlineData("0o17", 15)]
    [InlineData("+12", 12)]
    public void Unquoted_yaml_integers_follow_the_core_schema(string text, int expected)
    {
        SweepSpec spec = Yaml(MinimalYaml, $"data.d={text}");

        Assert.Equal(expected, spec.Data.Dimension);
    }

    [Theory]
    [InlineData("1e-4", 1e-4)]
    [InlineData(".5", 0.5)]
    [InlineData("2.", 2.0)]
    [InlineData("+1.5E-3", 1.5e-3)]
    public void Unquoted_yaml_floats_follow_the_core_schema(string text, double expected)
    {
        SweepSpec spec = Yaml(MinimalYaml, $"grid.step_size={text}");

        Assert.Equal(new StepSizeSpec(expected), Assert.Single(spec.Grid.StepSize));
    }

    [Fact]
    public void Json_comments_are_skipped()
    {
        string json = FullJson.Replace("\"seed\": 7,", "\"seed\": 7, // the sweep seed", StringComparison.Ordinal);

        Assert.Equal(7UL, SpecLoader.Parse(json, SpecFormat.Json).Seed);
    }

    [Fact]
    public void Load_file_chooses_the_format_from_the_extension()
    {
        string dir = Directory.CreateTempSubdirectory("spec-tests").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "a.yml"), FullYaml);
            File.WriteAllText(Path.Combine(dir, "b.JSON"), FullJson);

            SweepSpec a = SpecLoader.LoadFile(Path.Combine(dir, "a.yml"));
            SweepSpec b = SpecLoader.LoadFile(Path.Combine(dir, "b.JSON"), ["seed=9"]);

            Assert.Equal(7UL, a.Seed);
            Assert.Equal(9UL, b.Seed);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Load_file_reports_a_missing_file_at_the_file_path()
    {
        string path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.yaml");

        var e = Assert.Throws<SpecException>(() => SpecLoader.LoadFile(path));

        SpecError error = Assert.Single(e.Errors);
        Assert.Equal("(file)", error.Path);
        Assert.Contains("does not exist", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_file_rejects_an_unknown_extension()
    {
        var e = Assert.Throws<SpecException>(() => SpecLoader.LoadFile("sweep.toml"));

        Assert.Equal("(file)", Assert.Single(e.Errors).Path);
        Assert.Contains(".yaml, .yml or .json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Try_parse_returns_the_errors_instead_of_throwing()
    {
        bool ok = SpecLoader.TryParse("grid: 5", SpecFormat.Yaml, null, out SweepSpec? spec, out IReadOnlyList<SpecError> errors);

        Assert.False(ok);
        Assert.Null(spec);
        Assert.NotEmpty(errors);
    }

    [Fact]
    public void The_exception_message_lists_every_error_on_its_own_line()
    {
        var e = Assert.Throws<SpecException>(() => Yaml(MinimalYaml, "data.d=0", "grid.width=-5"));

        Assert.Equal(string.Join('\n', e.Errors.Select(x => x.ToString())), e.Message);
        Assert.Equal(2, e.Message.Split('\n').Length);
    }
}
