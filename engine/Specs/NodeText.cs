using System.Globalization;
using System.Text.Json.Nodes;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Typed access to the normalized <see cref="JsonNode"/> trees built by the loaders (values are
/// <see cref="string"/>, <see cref="bool"/>, <see cref="long"/> or <see cref="double"/>), and the
/// wording used to name values in error messages.
/// </summary>
internal static class NodeText
{
    private const int MaxShownStringLength = 60;

    public static bool TryGetString(JsonNode? node, out string value)
    {
        value = "";
        return node is JsonValue v && v.TryGetValue(out value!);
    }

    /// <summary>A number (integer or floating point), possibly non-finite.</summary>
    public static bool TryGetNumber(JsonNode? node, out double value)
    {
        value = 0;
        if (node is not JsonValue v)
        {
            return false;
        }

        if (v.TryGetValue(out long l))
        {
            value = l;
            return true;
        }

        return v.TryGetValue(out value);
    }

    /// <summary>An integer: a <see cref="long"/>, or a floating-point value with no fractional part (3.0).</summary>
    public static bool TryGetInteger(JsonNode? node, out long value)
    {
        value = 0;
        if (node is not JsonValue v)
        {
            return false;
        }

        if (v.TryGetValue(out value))
        {
            return true;
        }

        // 2^53: beyond it doubles no longer hold every integer, so "integral" means nothing.
        const double exactLimit = 9007199254740992.0;
        if (v.TryGetValue(out double d) && double.IsInteger(d) && Math.Abs(d) <= exactLimit)
        {
            value = (long)d;
            return true;
        }

        return false;
    }

    /// <summary>Names a value for an error message: <c>-5</c>, <c>the string '100'</c>, <c>a list</c>, <c>.nan</c>.</summary>
    public static string Describe(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "a mapping",
        JsonArray => "a list",
        JsonValue v when v.TryGetValue(out string? s) => $"the string {Quote(s)}",
        JsonValue v when v.TryGetValue(out bool b) => b ? "true" : "false",
        JsonValue v when v.TryGetValue(out long l) => l.ToString(CultureInfo.InvariantCulture),
        JsonValue v when v.TryGetValue(out double d) => Number(d),
        _ => node.ToJsonString(),
    };

    /// <summary>A string in single quotes, shortened when very long.</summary>
    public static string Quote(string s)
    {
        string shown = s.Length > MaxShownStringLength ? string.Concat(s.AsSpan(0, MaxShownStringLength), "...") : s;
        return $"'{shown}'";
    }

    /// <summary>A number as written in specs: shortest round-trip form, YAML spelling for non-finite values.</summary>
    public static string Number(double d)
    {
        if (double.IsNaN(d))
        {
            return ".nan";
        }

        if (double.IsInfinity(d))
        {
            return d > 0 ? ".inf" : "-.inf";
        }

        return double.IsInteger(d) && Math.Abs(d) < 1e15
            ? d.ToString("F0", CultureInfo.InvariantCulture)
            : d.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>A comma-separated list of names.</summary>
    public static string List(IEnumerable<string> names) => string.Join(", ", names);
}
