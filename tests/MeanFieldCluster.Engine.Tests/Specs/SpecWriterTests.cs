using System.Text.Json.Nodes;
using CsCheck;
using MeanFieldCluster.Engine.Specs;
using static MeanFieldCluster.Engine.Tests.Specs.SpecSamples;

namespace MeanFieldCluster.Engine.Tests.Specs;

public sealed class SpecWriterTests
{
    [Fact]
    public void Canonical_json_survives_a_round_trip_unchanged()
    {
        string json = SpecWriter.ToJson(Yaml(FullYaml));

        string again = SpecWriter.ToJson(SpecLoader.Parse(json, SpecFormat.Json));

        Assert.Equal(json, again);
    }

    [Fact]
    public void Canonical_json_fills_in_every_default_in_a_fixed_order()
    {
        string json = SpecWriter.ToJson(Yaml(MinimalYaml));

        const string expected = """
            {
              "name": "sweep",
              "seed": 0,
              "model": {
                "preset": "mmn-isotropic",
                "activation": {
                  "kind": "ramp",
                  "t1": 0.5,
                  "t2": 1.5,
                  "s1": -2.5,
                  "s2": 7.5
                },
                "init": {
                  "kappa": 0.8,
                  "output_mean": 1,
                  "output_std": 0,
                  "bias_mean": 0,
                  "bias_std": 0,
                  "hidden_mean": 0,
                  "hidden_std": 1
                },
                "gamma": [
                  1
                ],
                "bias": false,
                "train": {
                  "first": true,
                  "hidden": false,
                  "output": false,
                  "bias": false
                },
                "mean_field_scaling": true,
                "divergence_bound": 1000000
              },
              "data": {
                "kind": "isotropic-gaussian",
                "d": 40,
                "delta": 0
              },
              "training": {
                "horizon": 20,
                "xi": {
                  "kind": "constant"
                },
                "batch_size": 1,
                "ridge": 0,
                "beta": null,
                "precision": "float64"
              },
              "observe": {
                "test_samples": 2000,
                "risk_times": {
                  "count": 21,
                  "spacing": "linear"
                },
                "snapshot_times": {
                  "count": 5,
                  "spacing": "linear"
                },
                "quantiles": 256,
                "histogram_bins": 32,
                "raw_times": null,
                "sliced_directions": 16,
                "edge_sample": 4096,
                "dependence": {
                  "chaos": true,
                  "edges": true,
                  "permutations": 999
                },
                "risk": "test"
              },
              "grid": {
                "width": [
                  100
                ],
                "step_size": [
                  0.001
                ],
                "layers": [
                  1
                ],
                "gamma": null,
                "seeds": [
                  0
                ]
              }
            }
            """;
        Assert.Equal(expected.ReplaceLineEndings("\n"), json);
    }

    [Fact]
    public void Seeds_given_as_a_count_are_written_as_a_list()
    {
        JsonNode grid = JsonNode.Parse(SpecWriter.ToJson(Yaml(MinimalYaml, "grid.seeds=3")))!["grid"]!;

        Assert.Equal("[0,1,2]", grid["seeds"]!.ToJsonString());
    }

    [Fact]
    public void Non_ramp_activations_are_written_without_parameters()
    {
        JsonNode model = JsonNode.Parse(SpecWriter.ToJson(Yaml(MinimalYaml, "model.activation=tanh")))!["model"]!;

        Assert.Equal("""{"kind":"tanh"}""", model["activation"]!.ToJsonString());
    }

    [Fact]
    public void Numbers_are_written_in_shortest_round_trip_form()
    {
        string json = SpecWriter.ToJson(Yaml(MinimalYaml, "grid.step_size=[1e-5, 0.1, 3.3333333333333335]", "training.horizon=1e20"));

        Assert.Contains("1E-05", json, StringComparison.Ordinal);
        Assert.Contains("0.1,", json, StringComparison.Ordinal);
        Assert.Contains("3.3333333333333335", json, StringComparison.Ordinal);
        Assert.Contains("\"horizon\": 1E+20", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Steps_are_written_instead_of_a_horizon_when_given()
    {
        JsonNode training = JsonNode.Parse(SpecWriter.ToJson(Yaml(MinimalYaml, "training.horizon=null", "training.steps=1000")))!["training"]!;

        Assert.Equal("""{"steps":1000,"xi":{"kind":"constant"},"batch_size":1,"ridge":0,"beta":null,"precision":"float64"}""", training.ToJsonString());
    }

    [Fact]
    public void Every_generated_valid_spec_round_trips_through_canonical_json()
    {
        SpecGenerators.Spec.Sample(spec =>
        {
            string json = SpecWriter.ToJson(spec);
            string again = SpecWriter.ToJson(SpecLoader.Parse(json, SpecFormat.Json));
            Assert.Equal(json, again);
        }, iter: 500);
    }

    [Fact]
    public void Every_generated_valid_spec_is_reproduced_exactly_by_parsing_its_json()
    {
        SpecGenerators.Spec.Sample(spec =>
        {
            SweepSpec parsed = SpecLoader.Parse(SpecWriter.ToJson(spec), SpecFormat.Json);
            AssertSame(spec, parsed);
        }, iter: 200);
    }
}

public sealed class SpecWriterNewFieldTests
{
    [Fact]
    public void A_spec_setting_every_field_round_trips_through_canonical_json()
    {
        string json = SpecWriter.ToJson(Yaml(EveryFieldYaml));

        Assert.Equal(json, SpecWriter.ToJson(SpecLoader.Parse(json, SpecFormat.Json)));
        AssertSame(Yaml(EveryFieldYaml), SpecLoader.Parse(json, SpecFormat.Json));
    }

    [Fact]
    public void Every_new_section_is_written_with_its_resolved_values()
    {
        JsonNode root = JsonNode.Parse(SpecWriter.ToJson(Yaml(EveryFieldYaml)))!;

        Assert.Equal(
            """{"preset":"normalized","activation":{"kind":"sigmoid"},"init":{"kappa":1.5,"output_mean":0.5,"output_std":0.1,"bias_mean":0.2,"bias_std":0.3,"hidden_mean":-0.1,"hidden_std":2},"gamma":[0.5,1,0.75],"bias":true,"train":{"first":false,"hidden":true,"output":true,"bias":false},"mean_field_scaling":false,"divergence_bound":10000}""",
            root["model"]!.ToJsonString());
        Assert.Equal(
            """{"kind":"teacher-student","d":8,"teacher":{"width":5,"activation":{"kind":"tanh"},"seed":11},"noise":0.25}""",
            root["data"]!.ToJsonString());
        Assert.Equal(
            """{"steps":400,"xi":{"kind":"power","t0":2,"alpha":0.75},"batch_size":4,"ridge":0.01,"beta":1000,"precision":"float64"}""",
            root["training"]!.ToJsonString());
        Assert.Equal(
            """{"test_samples":500,"risk_times":{"count":11,"spacing":"log"},"snapshot_times":[0,1,2],"quantiles":64,"histogram_bins":0,"raw_times":[2,0,1],"sliced_directions":4,"edge_sample":100,"dependence":{"chaos":false,"edges":true,"permutations":99},"risk":"test"}""",
            root["observe"]!.ToJsonString());
        Assert.Equal(
            """{"width":[[30,20,10],40],"step_size":[0.01,"0.5/N"],"layers":[3],"gamma":null,"seeds":[0,1]}""",
            root["grid"]!.ToJsonString());
    }

    [Fact]
    public void Anisotropic_data_is_written_with_s0()
    {
        JsonNode data = JsonNode.Parse(SpecWriter.ToJson(Yaml(MinimalYaml, "data={kind: anisotropic-gaussian, d: 40, s0: 5}")))!["data"]!;

        Assert.Equal("""{"kind":"anisotropic-gaussian","d":40,"delta":0,"s0":5}""", data.ToJsonString());
    }

    [Theory]
    [InlineData("1e-3/N", "0.001/N")]
    [InlineData("2 / N", "2/N")]
    [InlineData("1e-5/N", "1E-05/N")]
    [InlineData("0.30000000000000004/N", "0.30000000000000004/N")]
    public void Step_sizes_over_n_are_written_as_c_over_n_in_shortest_form(string given, string written)
    {
        string json = SpecWriter.ToJson(Yaml(MinimalYaml, $"grid.step_size=['{given}', 0.5]"));

        Assert.Equal($"[\"{written}\",0.5]", JsonNode.Parse(json)!["grid"]!["step_size"]!.ToJsonString());
        Assert.Equal(json, SpecWriter.ToJson(SpecLoader.Parse(json, SpecFormat.Json)));
    }

    [Theory]
    [InlineData(".inf")]
    [InlineData("inf")]
    [InlineData("'Infinity'")]
    [InlineData("null")]
    public void Beta_infinity_is_written_as_null_and_reads_back_as_infinity(string beta)
    {
        SweepSpec spec = Yaml(MinimalYaml, $"training.beta={beta}");
        string json = SpecWriter.ToJson(spec);

        Assert.Null(spec.Training.Beta);
        Assert.Contains("\"beta\": null", json, StringComparison.Ordinal);
        Assert.Null(SpecLoader.Parse(json, SpecFormat.Json).Training.Beta);
        Assert.Equal(json, SpecWriter.ToJson(SpecLoader.Parse(json, SpecFormat.Json)));
    }

    [Fact]
    public void A_record_with_beta_positive_infinity_is_written_as_null()
    {
        SweepSpec spec = Yaml(MinimalYaml);
        spec = spec with { Training = spec.Training with { Beta = double.PositiveInfinity } };

        Assert.Contains("\"beta\": null", SpecWriter.ToJson(spec), StringComparison.Ordinal);
    }

    [Fact]
    public void A_gamma_axis_is_written_as_a_list()
    {
        JsonNode grid = JsonNode.Parse(SpecWriter.ToJson(Yaml(MinimalFor("normalized"), "grid.gamma=[0.5, 0.75]")))!["grid"]!;

        Assert.Equal("[0.5,0.75]", grid["gamma"]!.ToJsonString());
    }

    [Fact]
    public void A_csv_spec_is_written_with_the_absolute_path_and_the_resolved_features_and_round_trips()
    {
        using var folder = new TempFolder();
        folder.Write("data/table.csv", "a,y,b\n1,1,2\n3,-1,4\n5,1,6\n7,-1,8\n9,1,10\n");
        string specPath = folder.Write("spec.yaml", MinimalYaml.Replace(
            "data: {kind: isotropic-gaussian, d: 40}", "data: {kind: csv, csv: {path: data/table.csv, label: y}}", StringComparison.Ordinal));

        SweepSpec spec = SpecLoader.LoadFile(specPath);
        string json = SpecWriter.ToJson(spec);

        string expectedPath = Path.Combine(folder.Path, "data", "table.csv");
        JsonNode data = JsonNode.Parse(json)!["data"]!;
        Assert.Equal(expectedPath, (string)data["csv"]!["path"]!);
        Assert.Equal("""["a","b"]""", data["csv"]!["features"]!.ToJsonString());
        Assert.Null(data["d"]);
        Assert.Equal(json, SpecWriter.ToJson(SpecLoader.Parse(json, SpecFormat.Json)));
    }
}
