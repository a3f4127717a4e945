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
                  "bias_std": 0
                }
              },
              "data": {
                "kind": "isotropic-gaussian",
                "d": 40,
                "delta": 0
              },
              "training": {
                "horizon": 20,
                "xi": "constant",
                "batch_size": 1
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
                "quantiles": 256
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

        Assert.Equal("""{"steps":1000,"xi":"constant","batch_size":1}""", training.ToJsonString());
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
            Assert.Equal(spec.Name, parsed.Name);
            Assert.Equal(spec.Seed, parsed.Seed);
            Assert.Equal(spec.Model, parsed.Model);
            Assert.Equal(spec.Data, parsed.Data);
            Assert.Equal(spec.Training, parsed.Training);
            Assert.Equal(spec.Grid.StepSize, parsed.Grid.StepSize);
            Assert.Equal(spec.Grid.Seeds, parsed.Grid.Seeds);
        }, iter: 200);
    }
}
