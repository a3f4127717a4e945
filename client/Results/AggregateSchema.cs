using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using MeanFieldCluster.Engine.Aggregation;

namespace MeanFieldCluster.Client.Results;

/// <summary>
/// The JSON Schema of aggregate.json for SGD sweeps, exported from the aggregate records
/// (<see cref="AggregateReport"/> and what it holds) with the writer's naming (snake_case); published as
/// docs/aggregate.schema.json and kept in sync by a test. Numbers may be null where a value is not finite.
/// Large-deviation sweeps write a different document, described in docs/results.md.
/// </summary>
internal static class AggregateSchema
{
    /// <summary>Where the schema is published, relative to the repository root.</summary>
    public const string PublishedPath = "docs/aggregate.schema.json";

    /// <summary>The schema as indented JSON text ending in a newline.</summary>
    public static string Export()
    {
        var options = new JsonSerializerOptions(JsonSerializerOptions.Default)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
        };
        var exporterOptions = new JsonSchemaExporterOptions
        {
            TreatNullObliviousAsNonNullable = true,
            TransformSchemaNode = (context, node) =>
            {
                // The writer turns NaN and ±∞ into null.
                if (node is JsonObject o && (context.TypeInfo.Type == typeof(double) || context.TypeInfo.Type == typeof(double?)))
                {
                    o["type"] = new JsonArray("number", "null");
                }

                return node;
            },
        };
        JsonNode schema = options.GetJsonSchemaAsNode(typeof(AggregateReport), exporterOptions);
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "MeanFieldCluster aggregate.json (SGD sweeps)",
            ["description"] = "The sweep-level aggregation of a results folder; every field is described in docs/results.md. Generated from the aggregate records by the client (AggregateSchema); do not edit by hand.",
        };
        foreach ((string key, JsonNode? value) in schema.AsObject().ToList())
        {
            schema.AsObject().Remove(key);
            root[key] = value;
        }

        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).ReplaceLineEndings("\n") + "\n";
    }
}
