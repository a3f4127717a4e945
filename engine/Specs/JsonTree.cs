using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Converts JSON text to the same normalized <see cref="JsonNode"/> tree as <see cref="YamlTree"/>:
/// integers become <see cref="long"/>, other numbers <see cref="double"/>. Duplicate keys are reported.
/// </summary>
internal static class JsonTree
{
    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = false,
        MaxDepth = 64,
    };

    /// <summary>
    /// Parses <paramref name="text"/>. A syntax error is returned in <paramref name="syntaxError"/> with its
    /// line and column; duplicate keys are reported to <paramref name="errors"/> at their path.
    /// </summary>
    public static JsonNode? Load(string text, ErrorSink errors, out string? syntaxError)
    {
        syntaxError = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(text, Options);
            return Convert(document.RootElement, SpecPath.Root, errors);
        }
        catch (JsonException e)
        {
            syntaxError = $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: {WithoutPosition(e.Message)}";
            return null;
        }
    }

    /// <summary>Drops the " LineNumber: 0 | BytePositionInLine: 5." suffix, which the caller rewrites.</summary>
    private static string WithoutPosition(string message)
    {
        int at = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }

    private static JsonNode? Convert(JsonElement element, string path, ErrorSink errors) => element.ValueKind switch
    {
        JsonValueKind.Object => Object(element, path, errors),
        JsonValueKind.Array => Array(element, path, errors),
        JsonValueKind.String => JsonValue.Create(element.GetString()),
        JsonValueKind.Number => Number(element),
        JsonValueKind.True => JsonValue.Create(true),
        JsonValueKind.False => JsonValue.Create(false),
        _ => null,
    };

    private static JsonValue Number(JsonElement element) =>
        element.TryGetInt64(out long l)
            ? JsonValue.Create(l)
            : JsonValue.Create(double.Parse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture));

    private static JsonArray Array(JsonElement element, string path, ErrorSink errors)
    {
        var array = new JsonArray();
        int i = 0;
        foreach (JsonElement item in element.EnumerateArray())
        {
            array.Add(Convert(item, SpecPath.Item(path, i++), errors));
        }

        return array;
    }

    private static JsonObject Object(JsonElement element, string path, ErrorSink errors)
    {
        var obj = new JsonObject();
        foreach (JsonProperty property in element.EnumerateObject())
        {
            string childPath = SpecPath.Child(path, property.Name);
            if (obj.ContainsKey(property.Name))
            {
                errors.Add(childPath, $"duplicate key {NodeText.Quote(property.Name)}; each key may appear only once in a mapping");
                continue;
            }

            obj[property.Name] = Convert(property.Value, childPath, errors);
        }

        return obj;
    }
}
