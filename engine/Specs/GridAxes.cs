using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// One value of a grid axis, kept as its canonical JSON text (a number, a string, a boolean, a list or a
/// mapping) so that it crosses process boundaries unchanged; <see cref="Value"/> gives it typed.
/// </summary>
/// <param name="Json">The value as compact JSON, e.g. <c>0.5</c>, <c>"relu"</c>, <c>[100,200]</c>.</param>
[JsonConverter(typeof(AxisValueJsonConverter))]
public sealed record AxisValue(string Json)
{
    /// <summary>The value of a JSON node.</summary>
    public static AxisValue Of(JsonNode? node) => new(node?.ToJsonString() ?? "null");

    /// <summary>
    /// The value typed: <see cref="long"/> for integers, <see cref="double"/> for other numbers,
    /// <see cref="string"/>, <see cref="bool"/>, or the JSON text for lists and mappings.
    /// </summary>
    public object Value
    {
        get
        {
            JsonNode? node = JsonNode.Parse(Json);
            return node switch
            {
                JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
                JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
                JsonValue v when v.TryGetValue(out long l) => l,
                JsonValue v when v.GetValueKind() == JsonValueKind.Number => double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture),
                _ => Json,
            };
        }
    }

    /// <summary>The value as a number, or null when it is not one.</summary>
    public double? Number => Value switch
    {
        long l => l,
        double d => d,
        _ => null,
    };

    /// <summary>The value for display and table cells: strings without quotes, everything else as JSON.</summary>
    public override string ToString() => Value is string s ? s : Json;
}

/// <summary>A point's coordinate on one axis.</summary>
/// <param name="Axis">The axis: a named axis (<see cref="GridAxisNames"/>) or a spec path such as <c>model.init.kappa</c>.</param>
/// <param name="Value">The point's value on it.</param>
public sealed record AxisCoordinate(string Axis, AxisValue Value);

/// <summary>An axis of the grid over a spec field (docs/spec.md, "Any field is an axis").</summary>
/// <param name="Path">The field's dotted spec path, e.g. <c>data.delta</c>.</param>
/// <param name="Values">Its values, distinct, in the order given.</param>
public sealed record GridAxis(string Path, IReadOnlyList<AxisValue> Values);

/// <summary>The names of the grid's own axes in <see cref="PointSpec.Coordinates"/>, outermost first.</summary>
public static class GridAxisNames
{
    /// <summary>Hidden layer count L (an integer).</summary>
    public const string Layers = "layers";

    /// <summary>The width entry: an integer (every layer) or a list of integers (one per hidden layer).</summary>
    public const string Width = "width";

    /// <summary>The γ axis value (present only when the grid has a γ axis).</summary>
    public const string Gamma = "gamma";

    /// <summary>The step-size entry as written: a number ε or a string <c>c/N</c>.</summary>
    public const string StepSize = "step_size";

    /// <summary>The seed index (innermost).</summary>
    public const string Seed = "seed";

    /// <summary>All named axes, in product order.</summary>
    public static readonly IReadOnlyList<string> All = [Layers, Width, Gamma, StepSize, Seed];
}

/// <summary>Writes an <see cref="AxisValue"/> as the JSON value it holds, and reads any JSON value into one.</summary>
public sealed class AxisValueJsonConverter : JsonConverter<AxisValue>
{
    /// <inheritdoc/>
    public override AxisValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new AxisValue(document.RootElement.GetRawText());
    }

    /// <inheritdoc/>
    public override void Write(Utf8JsonWriter writer, AxisValue value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        writer.WriteRawValue(value.Json);
    }
}
