using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// Writes an <see cref="AggregateReport"/> as indented JSON: snake_case keys in declaration order, "\n"
/// line ends, numbers in shortest round-trip form (invariant culture), NaN and ±∞ as null, and lists of
/// numbers (widths, quantiles, p-values, intervals) on one line. The same report always gives the same text.
/// </summary>
public static class AggregateWriter
{
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        NewLine = "\n",
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new FiniteDoubleConverter(), new DoubleListConverter(), new IntListConverter(), new IntListListConverter() },
    };

    /// <summary>The report as an indented JSON document (no trailing newline).</summary>
    public static string ToJson(AggregateReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return JsonSerializer.Serialize(report, Options);
    }

    private static string Number(double value) =>
        double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "null";

    /// <summary>Writes doubles in shortest round-trip form, and non-finite values as null.</summary>
    private sealed class FiniteDoubleConverter : JsonConverter<double>
    {
        public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

        public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options) =>
            writer.WriteRawValue(Number(value));
    }

    /// <summary>Writes a list of doubles on one line.</summary>
    private sealed class DoubleListConverter : JsonConverter<IReadOnlyList<double>>
    {
        public override IReadOnlyList<double> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<double> value, JsonSerializerOptions options) =>
            writer.WriteRawValue(Line(value.Select(Number)));
    }

    /// <summary>Writes a list of integers on one line.</summary>
    private sealed class IntListConverter : JsonConverter<IReadOnlyList<int>>
    {
        public override IReadOnlyList<int> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<int> value, JsonSerializerOptions options) =>
            writer.WriteRawValue(Line(value.Select(v => v.ToString(CultureInfo.InvariantCulture))));
    }

    /// <summary>Writes a list of integer lists (lists of widths) on one line.</summary>
    private sealed class IntListListConverter : JsonConverter<IReadOnlyList<IReadOnlyList<int>>>
    {
        public override IReadOnlyList<IReadOnlyList<int>> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, IReadOnlyList<IReadOnlyList<int>> value, JsonSerializerOptions options) =>
            writer.WriteRawValue(Line(value.Select(inner => Line(inner.Select(v => v.ToString(CultureInfo.InvariantCulture))))));
    }

    private static string Line(IEnumerable<string> items) => new StringBuilder("[").AppendJoin(", ", items).Append(']').ToString();
}
