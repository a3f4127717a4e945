using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Tests.Data;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class SpecSchemaTests
{
    [Fact]
    public void The_published_spec_schema_is_the_one_the_records_give()
    {
        string path = Path.Combine(RepositoryFiles.Root(), SpecJsonSchema.PublishedPath);
        string schema = SpecJsonSchema.Export();
        if (Environment.GetEnvironmentVariable("MFC_UPDATE_SCHEMA") == "1")
        {
            File.WriteAllText(path, schema);
        }

        Assert.True(
            File.Exists(path) && File.ReadAllText(path) == schema,
            $"{SpecJsonSchema.PublishedPath} is out of date with the spec records; regenerate it with MFC_UPDATE_SCHEMA=1 dotnet test tests/MeanFieldCluster.Engine.Tests --filter The_published_spec_schema_is_the_one_the_records_give");
        JsonNode root = JsonNode.Parse(schema)!;
        Assert.Equal(
            ["name", "seed", "task", "model", "data", "training", "observe", "grid", "large_deviations", "tags", "notes"],
            root["properties"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["model", "data", "training", "grid"], root["required"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Fact]
    public void The_schema_carries_the_ranges_names_and_defaults_the_binder_checks()
    {
        JsonNode root = JsonNode.Parse(SpecJsonSchema.Export())!;
        JsonNode init = root["properties"]!["model"]!["properties"]!["init"]!["properties"]!;

        Assert.Equal(0, init["kappa"]!["exclusiveMinimum"]!.GetValue<double>());
        Assert.Equal(0.8, init["kappa"]!["default"]!.GetValue<double>());
        Assert.Equal(["iid", "stratified"], init["sampling"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(256, root["properties"]!["observe"]!["properties"]!["quantiles"]!["default"]!.GetValue<int>());

        // The binder gives the same message for a value outside the published range.
        SpecError error = ErrorsWith("model.init.kappa=0").At("model.init.kappa");
        Assert.Equal("0 is not allowed; expected a finite number > 0", error.Message);
    }

    [Fact]
    public void Each_kind_has_a_form_of_its_own_with_only_its_fields()
    {
        JsonNode root = JsonNode.Parse(SpecJsonSchema.Export())!;
        Dictionary<string, JsonNode> data = Forms(root["properties"]!["data"]!);
        Dictionary<string, JsonNode> activation = Forms(root["properties"]!["model"]!["properties"]!["activation"]!);
        Dictionary<string, JsonNode> xi = Forms(root["properties"]!["training"]!["properties"]!["xi"]!);

        Assert.Equal(DataKinds.All, data.Keys);
        Assert.Equal(["kind", "d", "delta"], Fields(data[DataKinds.IsotropicGaussian]));
        Assert.Equal(["kind", "d", "s0"], Required(data[DataKinds.AnisotropicGaussian]));
        Assert.Equal(["kind", "d", "teacher", "noise"], Fields(data[DataKinds.TeacherStudent]));
        Assert.Equal(["kind", "d", "teacher"], Required(data[DataKinds.TeacherStudent]));
        Assert.Equal("object", data[DataKinds.TeacherStudent]["properties"]!["teacher"]!["type"]!.GetValue<string>());
        Assert.Equal(["kind", "csv"], Required(data[DataKinds.Csv]));
        Assert.False(data[DataKinds.Csv]["additionalProperties"]!.GetValue<bool>());
        Assert.Equal(["kind", "t1", "t2", "s1", "s2"], Fields(activation[ActivationKinds.Ramp]));
        Assert.Equal(["kind"], Fields(activation[ActivationKinds.Relu]));
        Assert.Equal(0.5, activation[ActivationKinds.Ramp]["properties"]!["t1"]!["default"]!.GetValue<double>());
        Assert.Equal(["kind", "t0", "alpha"], Fields(xi[Schedules.Power]));
        Assert.Equal(["kind"], Required(xi[Schedules.Constant]));

        // The kinds' names alone are a form of the shorthand fields too.
        Assert.Contains(root["properties"]!["model"]!["properties"]!["activation"]!["anyOf"]!.AsArray(), f => f!["enum"] is not null);

        static Dictionary<string, JsonNode> Forms(JsonNode field) => field["anyOf"]!.AsArray()
            .Where(f => f!["properties"] is not null)
            .ToDictionary(f => f!["properties"]!["kind"]!["const"]!.GetValue<string>(), f => f!);

        static string[] Fields(JsonNode form) => [.. form["properties"]!.AsObject().Select(p => p.Key)];

        static string[] Required(JsonNode form) => [.. form["required"]!.AsArray().Select(n => n!.GetValue<string>())];
    }

    [Fact]
    public void Every_field_of_a_canonical_spec_is_a_field_of_the_schema()
    {
        JsonNode schema = JsonNode.Parse(SpecJsonSchema.Export())!;
        JsonNode spec = JsonNode.Parse(SpecWriter.ToJson(Yaml(FullYaml)))!;

        Assert.Empty(Unknown(spec, schema, "(root)"));
    }

    [Fact]
    public void Every_field_of_every_example_spec_is_a_field_of_the_schema()
    {
        JsonNode schema = JsonNode.Parse(SpecJsonSchema.Export())!;
        string[] examples = Directory.GetFiles(Path.Combine(RepositoryFiles.Root(), "examples"), "*.yaml");

        Assert.NotEmpty(examples);
        foreach (string example in examples)
        {
            JsonNode tree = YamlTree.Load(File.ReadAllText(example), "", new ErrorSink(), out string? syntaxError)!;
            Assert.Null(syntaxError);
            if (tree["grid"] is JsonObject grid)
            {
                // Field axes (spec paths) are matched by the grid's patternProperties.
                foreach (string axis in grid.Select(p => p.Key).Where(k => k.Contains('.', StringComparison.Ordinal)).ToList())
                {
                    grid.Remove(axis);
                }
            }

            Assert.True(!Unknown(tree, schema, "(root)").Any(), $"{Path.GetFileName(example)}: {string.Join(", ", Unknown(tree, schema, "(root)"))}");
        }
    }

    /// <summary>The paths of <paramref name="value"/>'s keys that no object form of <paramref name="schema"/> lists.</summary>
    private static IEnumerable<string> Unknown(JsonNode? value, JsonNode? schema, string path)
    {
        if (value is not JsonObject obj || schema is null)
        {
            return [];
        }

        List<JsonObject> forms = schema["anyOf"] is JsonArray alternatives
            ? [.. alternatives.OfType<JsonObject>().Where(a => a["properties"] is not null)]
            : schema["properties"] is not null ? [schema.AsObject()] : [];
        return obj.SelectMany(p => forms.Select(f => f["properties"]![p.Key]).FirstOrDefault(s => s is not null) is { } field
            ? Unknown(p.Value, field, $"{path}.{p.Key}")
            : [$"{path}.{p.Key}"]);
    }
}
