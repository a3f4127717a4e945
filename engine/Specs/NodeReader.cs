using System.Text.Json.Nodes;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Reads the fields of one mapping of a spec tree, reporting every problem to an <see cref="ErrorSink"/>
/// with its path. A field whose value is null counts as absent. Each reading method returns null exactly
/// when it reported an error (or, for required fields, when the field is missing).
/// </summary>
internal sealed class NodeReader
{
    private readonly JsonObject node;

    private NodeReader(JsonObject node, string path, ErrorSink errors)
    {
        this.node = node;
        Path = path;
        Errors = errors;
    }

    /// <summary>Path of the mapping ("" for the root).</summary>
    public string Path { get; }

    /// <summary>Where problems are reported.</summary>
    public ErrorSink Errors { get; }

    /// <summary>
    /// Opens <paramref name="value"/> as a mapping with the given allowed fields, reporting unknown fields.
    /// Returns null (after reporting) when the value is not a mapping.
    /// </summary>
    /// <param name="value">The value that should be a mapping.</param>
    /// <param name="path">Its path.</param>
    /// <param name="fields">The allowed fields.</param>
    /// <param name="errors">Where problems are reported.</param>
    /// <param name="misplaced">
    /// For a field that is not allowed here but has a meaning elsewhere (a field of another data kind), the
    /// reason it is not allowed; null for fields that are simply unknown.
    /// </param>
    public static NodeReader? Open(JsonNode? value, string path, IReadOnlyList<string> fields, ErrorSink errors, Func<string, string?>? misplaced = null)
    {
        if (value is not JsonObject obj)
        {
            errors.Add(SpecPath.Show(path), $"{NodeText.Describe(value)} is not allowed; expected {MappingOf(fields)}");
            return null;
        }

        foreach (var (key, item) in obj)
        {
            if (fields.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }

            string childPath = SpecPath.Child(path, key);
            if (misplaced?.Invoke(key) is { } reason)
            {
                errors.Add(childPath, $"{NodeText.Describe(item)} is not allowed; {reason}; allowed fields: {NodeText.List(fields)}");
            }
            else
            {
                errors.Add(childPath, $"unknown field {NodeText.Quote(key)}; allowed fields: {NodeText.List(fields)}");
            }
        }

        return new NodeReader(obj, path, errors);
    }

    /// <summary>"a mapping with fields a, b, c".</summary>
    public static string MappingOf(IReadOnlyList<string> fields) => $"a mapping with fields {NodeText.List(fields)}";

    public string PathOf(string name) => SpecPath.Child(Path, name);

    /// <summary>Whether the field is present with a non-null value.</summary>
    public bool Has(string name) => node[name] is not null;

    /// <summary>The raw value of a field, null when absent.</summary>
    public JsonNode? Get(string name) => node[name];

    /// <summary>Reports a missing required field.</summary>
    public void Missing(string name, string expected) =>
        Errors.Add(PathOf(name), $"required field is missing; expected {expected}");

    /// <summary>
    /// Opens a nested mapping. A missing required section is reported; a missing optional one reads as an
    /// empty mapping, so that all its fields take their defaults.
    /// </summary>
    public NodeReader? Section(string name, IReadOnlyList<string> fields, bool required)
    {
        JsonNode? value = Get(name);
        if (value is null)
        {
            if (required)
            {
                Missing(name, MappingOf(fields));
                return null;
            }

            return new NodeReader(new JsonObject(), PathOf(name), Errors);
        }

        return Open(value, PathOf(name), fields, Errors);
    }

    /// <summary>A required string that must be one of <paramref name="allowed"/>.</summary>
    public string? Choice(string name, string noun, IReadOnlyList<string> allowed) =>
        Has(name) ? ValueRules.Choice(Get(name), PathOf(name), noun, allowed, Errors) : MissingChoice(name, allowed);

    /// <summary>An optional string that must be one of <paramref name="allowed"/>.</summary>
    public string? Choice(string name, string noun, IReadOnlyList<string> allowed, string fallback) =>
        Has(name) ? ValueRules.Choice(Get(name), PathOf(name), noun, allowed, Errors) : fallback;

    /// <summary>A required integer within <paramref name="bounds"/>.</summary>
    public long? Integer(string name, Bounds bounds)
    {
        if (!Has(name))
        {
            Missing(name, bounds.Describe(integer: true));
            return null;
        }

        return ValueRules.Integer(Get(name), PathOf(name), bounds, Errors);
    }

    /// <summary>An optional integer within <paramref name="bounds"/>.</summary>
    public long? Integer(string name, Bounds bounds, long fallback) =>
        Has(name) ? ValueRules.Integer(Get(name), PathOf(name), bounds, Errors) : fallback;

    /// <summary>A required finite number within <paramref name="bounds"/>.</summary>
    public double? Number(string name, Bounds bounds)
    {
        if (!Has(name))
        {
            Missing(name, bounds.Describe(integer: false));
            return null;
        }

        return ValueRules.Number(Get(name), PathOf(name), bounds, Errors);
    }

    /// <summary>An optional finite number within <paramref name="bounds"/>.</summary>
    public double? Number(string name, Bounds bounds, double fallback) =>
        Has(name) ? ValueRules.Number(Get(name), PathOf(name), bounds, Errors) : fallback;

    /// <summary>An optional boolean (<c>true</c> or <c>false</c>).</summary>
    public bool? Bool(string name, bool fallback) =>
        Has(name) ? ValueRules.Bool(Get(name), PathOf(name), Errors) : fallback;

    /// <summary>A required non-empty string.</summary>
    public string? Text(string name, string expected)
    {
        if (!Has(name))
        {
            Missing(name, expected);
            return null;
        }

        if (NodeText.TryGetString(Get(name), out string text) && text.Length > 0)
        {
            return text;
        }

        ValueRules.Reject(Get(name), PathOf(name), expected, Errors);
        return null;
    }

    /// <summary>
    /// A non-empty list of items, each read by <paramref name="readItem"/> (which reports its own errors).
    /// With <paramref name="allowScalar"/>, a single item stands for a one-element list. With
    /// <paramref name="distinct"/>, repeated values are errors. A missing field gives
    /// <paramref name="fallback"/>, or is reported when there is none.
    /// </summary>
    public IReadOnlyList<T>? List<T>(
        string name,
        Func<JsonNode?, string, T?> readItem,
        string expectedItem,
        bool allowScalar,
        bool distinct,
        IReadOnlyList<T>? fallback = null)
        where T : struct =>
        ListCore(
            name,
            (v, p) => readItem(v, p) is { } item ? new Found<T>(item) : null,
            expectedItem,
            allowScalar,
            distinct ? EqualityComparer<T>.Default : null,
            fallback);

    /// <summary>
    /// Like <see cref="List{T}"/>, for items of reference type; <paramref name="distinctBy"/>, when given,
    /// says which items are repeats (errors).
    /// </summary>
    public IReadOnlyList<T>? ObjectList<T>(
        string name,
        Func<JsonNode?, string, T?> readItem,
        string expectedItem,
        bool allowScalar,
        IEqualityComparer<T>? distinctBy,
        IReadOnlyList<T>? fallback = null)
        where T : class =>
        ListCore(
            name,
            (v, p) => readItem(v, p) is { } item ? new Found<T>(item) : null,
            expectedItem,
            allowScalar,
            distinctBy,
            fallback);

    /// <summary>The path of item <paramref name="index"/> of a field read by <see cref="List{T}"/>.</summary>
    public string ItemPath(string name, int index) =>
        Get(name) is JsonArray ? SpecPath.Item(PathOf(name), index) : PathOf(name);

    private IReadOnlyList<T>? ListCore<T>(
        string name,
        Func<JsonNode?, string, Found<T>?> readItem,
        string expectedItem,
        bool allowScalar,
        IEqualityComparer<T>? distinctBy,
        IReadOnlyList<T>? fallback)
        where T : notnull
    {
        JsonNode? value = Get(name);
        string path = PathOf(name);
        string expected = $"a non-empty list of {expectedItem}" + (allowScalar ? ", or a single value" : "");
        switch (value)
        {
            case null when fallback is not null:
                return fallback;
            case null:
                Missing(name, expected);
                return null;
            case JsonArray { Count: 0 }:
                Errors.Add(path, $"the list must not be empty; expected {expected}");
                return null;
            case JsonArray array:
                return Items(array, path, readItem, distinctBy);
            case not null when allowScalar:
                return readItem(value, path) is { } single ? [single.Value] : null;
            default:
                Errors.Add(path, $"{NodeText.Describe(value)} is not allowed; expected {expected}");
                return null;
        }
    }

    private IReadOnlyList<T>? Items<T>(JsonArray array, string path, Func<JsonNode?, string, Found<T>?> readItem, IEqualityComparer<T>? distinctBy)
        where T : notnull
    {
        var items = new List<T>(array.Count);
        var firstIndex = distinctBy is null ? null : new Dictionary<T, int>(distinctBy);
        bool ok = true;
        for (int i = 0; i < array.Count; i++)
        {
            string itemPath = SpecPath.Item(path, i);
            if (readItem(array[i], itemPath) is not { } found)
            {
                ok = false;
                continue;
            }

            if (firstIndex is not null && !firstIndex.TryAdd(found.Value, i))
            {
                Errors.Add(itemPath, $"{NodeText.Describe(array[i])} is not allowed; it repeats {SpecPath.Item(path, firstIndex[found.Value])} (values must be distinct)");
                ok = false;
                continue;
            }

            items.Add(found.Value);
        }

        return ok ? items.AsReadOnly() : null;
    }

    private string? MissingChoice(string name, IReadOnlyList<string> allowed)
    {
        Missing(name, $"one of {NodeText.List(allowed)}");
        return null;
    }

    /// <summary>A successfully read list item (a box, so that value and reference types share one path).</summary>
    private sealed record Found<T>(T Value);
}

/// <summary>Checks single values of a spec tree, reporting problems with their path.</summary>
internal static class ValueRules
{
    /// <summary>An integer within <paramref name="bounds"/>; 3.0 is accepted as 3, 2.5 and "3" are not.</summary>
    public static long? Integer(JsonNode? value, string path, Bounds bounds, ErrorSink errors)
    {
        if (NodeText.TryGetInteger(value, out long result) && bounds.Contains(result))
        {
            return result;
        }

        Reject(value, path, bounds.Describe(integer: true), errors);
        return null;
    }

    /// <summary>A finite number within <paramref name="bounds"/>; quoted numbers are strings, not numbers.</summary>
    public static double? Number(JsonNode? value, string path, Bounds bounds, ErrorSink errors)
    {
        if (NodeText.TryGetNumber(value, out double result) && bounds.Contains(result))
        {
            return result;
        }

        Reject(value, path, bounds.Describe(integer: false), errors);
        return null;
    }

    /// <summary>A boolean: <c>true</c> or <c>false</c> (quoted "true" is a string).</summary>
    public static bool? Bool(JsonNode? value, string path, ErrorSink errors)
    {
        if (value is JsonValue v && v.TryGetValue(out bool result))
        {
            return result;
        }

        Reject(value, path, "true or false", errors);
        return null;
    }

    /// <summary>A string that is one of <paramref name="allowed"/> (compared exactly).</summary>
    public static string? Choice(JsonNode? value, string path, string noun, IReadOnlyList<string> allowed, ErrorSink errors)
    {
        string expected = $"one of {NodeText.List(allowed)}";
        if (!NodeText.TryGetString(value, out string text))
        {
            Reject(value, path, expected, errors);
            return null;
        }

        if (!allowed.Contains(text, StringComparer.Ordinal))
        {
            errors.Add(path, $"unknown {noun} {NodeText.Quote(text)}; expected {expected}");
            return null;
        }

        return text;
    }

    /// <summary>Reports "X is not allowed; expected Y".</summary>
    public static void Reject(JsonNode? value, string path, string expected, ErrorSink errors) =>
        errors.Add(SpecPath.Show(path), $"{NodeText.Describe(value)} is not allowed; expected {expected}");
}
