using System.Text.Json.Nodes;
using CsCheck;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Specs;

/// <summary>Damaged specs must fail with a <see cref="SpecException"/>, never any other exception.</summary>
public sealed class SpecFuzzTests
{
    /// <summary>Replacement values: every JSON type, edge numbers, valid names and nested values.</summary>
    private static readonly Gen<JsonNode?> Value = Gen.Recursive<JsonNode?>((depth, inner) => Gen.OneOf(
        Gen.Const((JsonNode?)null),
        Gen.Bool.Select(b => (JsonNode?)JsonValue.Create(b)),
        Gen.OneOfConst(0L, 1L, -1L, 2L, 64L, 65L, 100_000L, long.MaxValue, long.MinValue).Select(l => (JsonNode?)JsonValue.Create(l)),
        Gen.OneOfConst(0.0, -0.0, 0.5, 2.5, -1e-300, 1e308, -1e308, 1e12, 1e13, 3.0).Select(d => (JsonNode?)JsonValue.Create(d)),
        Gen.Double.Select(d => (JsonNode?)JsonValue.Create(double.IsFinite(d) ? d : 0)),
        Gen.OneOfConst(
                "", "ramp", "relu", "log", "linear", "constant", "mmn-relu", "isotropic-gaussian", "40", "x y", "0.5/N", "1e9/N",
                "0/N", "inf", "power", "normalized", "three-layer", "deep-fixed-ends", "teacher-student", "anisotropic-gaussian", "csv",
                "sigmoid", "erf", "identity", "\0/N")
            .Select(s => (JsonNode?)JsonValue.Create(s)),
        depth >= 2
            ? Gen.Const<JsonNode?>(() => new JsonArray())
            : inner.Array[0, 3].Select(items => (JsonNode?)new JsonArray(items.Select(i => i?.DeepClone()).ToArray())),
        depth >= 2
            ? Gen.Const<JsonNode?>(() => new JsonObject())
            : Gen.Select(Gen.OneOfConst("kind", "count", "t1", "width", "zzz", "first", "t0", "pairs", "path", "label", "s0", "teacher"), inner)
                .Select(p => (JsonNode?)new JsonObject { [p.Item1] = p.Item2?.DeepClone() })));

    [Fact]
    public void Replacing_any_node_of_a_valid_spec_gives_a_valid_spec_or_a_spec_exception()
    {
        Gen.Select(SpecGenerators.Spec, Gen.Int[0, int.MaxValue], Value).Sample((spec, pick, value) =>
        {
            JsonNode root = JsonNode.Parse(SpecWriter.ToJson(spec))!;
            List<JsonNode> nodes = Descendants(root).ToList();
            JsonNode target = nodes[pick % nodes.Count];
            Replace(root, target, value);

            AssertParsesOrFailsCleanly(() => SpecLoader.Parse(root.ToJsonString(), SpecFormat.Json));
        }, iter: 2000);
    }

    [Fact]
    public void Any_override_of_a_valid_spec_gives_a_valid_spec_or_a_spec_exception()
    {
        Gen<string> path = Gen.OneOfConst(
            "name", "seed", "model", "model.preset", "model.activation", "model.activation.t2", "model.init.kappa",
            "data", "data.d", "data.delta", "training", "training.T", "training.steps", "observe.risk_times",
            "observe.snapshot_times.count", "grid", "grid.width", "grid.width.x", "grid.step_size", "grid.seeds", "x.y.z",
            "model.gamma", "model.bias", "model.train", "model.train.hidden", "model.init.hidden_std", "model.divergence_bound",
            "data.kind", "data.s0", "data.teacher", "data.teacher.width", "data.csv", "data.csv.path", "data.noise",
            "training.xi", "training.xi.t0", "training.ridge", "training.beta", "observe.raw_times", "observe.dependence",
            "observe.dependence.chaos", "observe.histogram_bins", "grid.gamma", "grid.layers");
        Gen<string> text = Gen.OneOfConst(
            "", "~", ".nan", "-.inf", "1e400", "0x7fffffffffffffff", "99999999999999999999", "'1'", "[]", "[1, 2.5]",
            "{kind: ramp, t1: 2}", "{count: 3, spacing: log}", "[", "{", "&a 1", "!!int 3", "- a", "a: b", "\"\\x\"",
            "0.5/N", "[1, [2, 3]]", "[[1, 2], [1, 2]]", "{kind: power}", "{kind: power, t0: 0}", ".inf", "inf", "normalized", "csv",
            "anisotropic-gaussian", "{width: 3}", "{path: no-such.csv, label: y}", "[0.5, 1.5]", "{first: false}", "2", "64");
        Gen.Select(SpecGenerators.Spec, path, text).Sample((spec, p, v) =>
        {
            string json = SpecWriter.ToJson(spec);
            AssertParsesOrFailsCleanly(() => SpecLoader.Parse(json, SpecFormat.Json, [$"{p}={v}"]));
        }, iter: 2000);
    }

    [Theory]
    [InlineData("a: [1, {b: ]")]
    [InlineData("? [a, b]\n: 1")]
    [InlineData("{x: 1}: 2")]
    [InlineData("- - - - 1")]
    [InlineData("%YAML 1.2\n---\na: 1")]
    [InlineData("!!map {a: 1}")]
    [InlineData("a: !custom 1")]
    [InlineData("a: *nowhere")]
    [InlineData("\t- tab")]
    [InlineData("a: |\n  text\n")]
    public void Odd_yaml_gives_a_spec_exception(string yaml)
    {
        Assert.Throws<SpecException>(() => SpecLoader.Parse(yaml, SpecFormat.Yaml));
    }

    [Fact]
    public void Very_deep_yaml_nesting_is_rejected_without_exhausting_the_stack()
    {
        string yaml = "grid: " + new string('[', 100_000) + new string(']', 100_000);

        SpecError error = Assert.Single(Assert.Throws<SpecException>(() => SpecLoader.Parse(yaml, SpecFormat.Yaml)).Errors);

        Assert.Equal("(yaml)", error.Path);
        Assert.Contains("deeper than 64 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Very_deep_json_nesting_is_rejected()
    {
        string json = "{\"grid\": " + new string('[', 100_000) + new string(']', 100_000) + "}";

        Assert.Equal("(json)", Assert.Single(Assert.Throws<SpecException>(() => SpecLoader.Parse(json, SpecFormat.Json)).Errors).Path);
    }

    private static void AssertParsesOrFailsCleanly(Func<SweepSpec> parse)
    {
        try
        {
            SweepSpec spec = parse();
            Assert.Equal(SpecWriter.ToJson(spec), SpecWriter.ToJson(SpecLoader.Parse(SpecWriter.ToJson(spec), SpecFormat.Json)));
            try
            {
                SweepPlanner.Expand(spec);
            }
            catch (SpecException)
            {
            }
        }
        catch (SpecException e)
        {
            Assert.NotEmpty(e.Errors);
        }
    }

    private static IEnumerable<JsonNode> Descendants(JsonNode node)
    {
        yield return node;
        IEnumerable<JsonNode?> children = node switch
        {
            JsonObject o => o.Select(p => p.Value),
            JsonArray a => a,
            _ => [],
        };
        foreach (JsonNode child in children.OfType<JsonNode>())
        {
            foreach (JsonNode d in Descendants(child))
            {
                yield return d;
            }
        }
    }

    private static void Replace(JsonNode root, JsonNode target, JsonNode? value)
    {
        JsonNode? copy = value?.DeepClone();
        switch (target.Parent)
        {
            case JsonObject o:
                o[target.GetPropertyName()] = copy;
                break;
            case JsonArray a:
                a[target.GetElementIndex()] = copy;
                break;
            default:
                // The root itself: replace its content by the value's.
                ((JsonObject)root).Clear();
                if (copy is JsonObject obj)
                {
                    foreach ((string key, JsonNode? v) in obj.ToList())
                    {
                        obj.Remove(key);
                        ((JsonObject)root)[key] = v;
                    }
                }

                break;
        }
    }
}
