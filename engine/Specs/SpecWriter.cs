using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Writes a resolved <see cref="SweepSpec"/> as canonical JSON (docs/spec.md, "Canonical JSON") by serializing
/// the spec records with System.Text.Json under the spec format's names (<see cref="SpecJsonSchema"/>'s
/// options): snake_case keys in record order, every default filled in, seeds as an explicit list, time grids
/// as given (a list, or count and spacing), two-space indentation, '\n' line ends, numbers in shortest
/// round-trip form. β = ∞, no raw times and no γ axis are written as null; csv data is written with its
/// absolute path and resolved feature columns; fields added after the format was first published
/// (<see cref="OmittedAtDefaultAttribute"/>) are written only when set, so older canonical texts are unchanged.
/// Parsing the output with <see cref="SpecLoader.Parse"/> gives a spec that writes back to the identical
/// text (for csv data, as long as the file is unchanged).
/// </summary>
public static class SpecWriter
{
    private static readonly JsonSerializerOptions Canonical = new(SpecJsonSchema.Options)
    {
        WriteIndented = true,
        IndentSize = 2,
        NewLine = "\n",
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { CanonicalForm } },
        Converters = { new TimeGridConverter(), new GridConverter() },
    };

    /// <summary>The canonical JSON text of <paramref name="spec"/>.</summary>
    /// <param name="spec">A spec, normally produced by <see cref="SpecLoader"/>.</param>
    /// <returns>Indented JSON, without a trailing newline.</returns>
    /// <exception cref="ArgumentException">A number in the spec is not finite.</exception>
    public static string ToJson(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return JsonSerializer.Serialize(spec, Canonical);
    }

    /// <summary>"c/N" with c in shortest round-trip form, as the spec format writes it.</summary>
    /// <param name="step">A step size.</param>
    /// <returns>"0.5/N" for c/N step sizes, the number ("0.001") otherwise.</returns>
    public static string StepSizeText(StepSizeSpec step)
    {
        ArgumentNullException.ThrowIfNull(step);
        string value = NodeText.Number(Finite(step.Value));
        return step.DividedByWidth ? $"{value}/N" : value;
    }

    /// <summary>What the canonical form writes of each record beyond its members (docs/spec.md, "Canonical JSON").</summary>
    private static void CanonicalForm(JsonTypeInfo info)
    {
        if (info.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        foreach (JsonPropertyInfo p in info.Properties)
        {
            if (p.AssociatedParameter?.AttributeProvider is ParameterInfo { } parameter && parameter.IsDefined(typeof(OmittedAtDefaultAttribute)))
            {
                object? fallback = parameter.DefaultValue;
                p.ShouldSerialize = (_, value) => !Equals(value, fallback);
            }

            // A field only some kinds have (the ramp's knees, power-law ξ, each data kind's fields) is written for those kinds.
            if (RecordReader.KindsOf(info.Type, p.Name) is { } kinds)
            {
                PropertyInfo kind = info.Type.GetProperty(nameof(ActivationSpec.Kind))!;
                p.ShouldSerialize = (o, _) => kinds.Contains((string)kind.GetValue(o)!, StringComparer.Ordinal);
            }
        }

        JsonPropertyInfo Property(string name) => info.Properties.Single(p => p.Name == name);
        if (info.Type == typeof(SweepSpec))
        {
            JsonPropertyInfo task = info.CreateJsonPropertyInfo(typeof(string), SpecFields.Task);
            task.Get = spec => ((SweepSpec)spec).LargeDeviations is null ? null : SpecLimits.LargeDeviationsTask;
            task.ShouldSerialize = (_, value) => value is not null;
            info.Properties.Insert(2, task);
            Property(SpecFields.LargeDeviations).ShouldSerialize = (_, value) => value is not null;
            Property(SpecFields.Tags).ShouldSerialize = (_, value) => value is IReadOnlyList<string> { Count: > 0 };
            Property(SpecFields.Notes).ShouldSerialize = (_, value) => value is not null;
        }
        else if (info.Type == typeof(TrainingSpec))
        {
            Property(SpecFields.Horizon).ShouldSerialize = (_, value) => value is not null;
            Property(SpecFields.Steps).ShouldSerialize = (_, value) => value is not null;
            Property(SpecFields.Beta).Get = t => ((TrainingSpec)t).Beta is { } beta && !double.IsPositiveInfinity(beta) ? beta : null;
        }
        else if (info.Type == typeof(ObserveSpec))
        {
            Property(SpecFields.Dependence).Get = o => ((ObserveSpec)o).Dependence ?? new DependenceSpec();
            JsonPropertyInfo probes = Property(SpecFields.ProbeInputs);
            info.Properties.Remove(probes);
            info.Properties.Insert(info.Properties.IndexOf(Property(SpecFields.Dependence)), probes);
        }
        else if (info.Type == typeof(LargeDeviationsSpec))
        {
            Property(SpecFields.RareEvents).ShouldSerialize = (_, value) => value is not null;
        }
    }

    private static double Finite(double value) =>
        double.IsFinite(value)
            ? value
            : throw new ArgumentException($"{value.ToString(CultureInfo.InvariantCulture)} cannot be written: spec numbers must be finite", nameof(value));

    /// <summary>A time grid: its explicit times, or its count and spacing.</summary>
    private sealed class TimeGridConverter : JsonConverter<TimeGrid>
    {
        public override TimeGrid Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Specs are read by SpecLoader.");

        public override void Write(Utf8JsonWriter writer, TimeGrid value, JsonSerializerOptions options)
        {
            if (value.Times is { } times)
            {
                Numbers(writer, times);
                return;
            }

            writer.WriteStartObject();
            writer.WriteNumber(SpecFields.Count, value.Count);
            writer.WriteString(SpecFields.Spacing, value.Spacing);
            writer.WriteEndObject();
        }
    }

    /// <summary>
    /// The grid: width entries as an integer (uniform) or a list (per layer), step sizes as a number or "c/N",
    /// no γ axis as null, then every field axis under its spec path with its values as written.
    /// </summary>
    private sealed class GridConverter : JsonConverter<GridSpec>
    {
        public override GridSpec Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("Specs are read by SpecLoader.");

        public override void Write(Utf8JsonWriter writer, GridSpec grid, JsonSerializerOptions options)
        {
            writer.WriteStartObject();
            writer.WriteStartArray(SpecFields.Width);
            foreach (IReadOnlyList<int> entry in grid.Width)
            {
                if (entry.Count == 1)
                {
                    writer.WriteNumberValue(entry[0]);
                }
                else
                {
                    JsonSerializer.Serialize(writer, entry, options);
                }
            }

            writer.WriteEndArray();
            writer.WriteStartArray(SpecFields.StepSize);
            foreach (StepSizeSpec step in grid.StepSize)
            {
                if (step.DividedByWidth)
                {
                    writer.WriteStringValue(StepSizeText(step));
                }
                else
                {
                    writer.WriteNumberValue(Finite(step.Value));
                }
            }

            writer.WriteEndArray();
            writer.WritePropertyName(SpecFields.Layers);
            JsonSerializer.Serialize(writer, grid.Layers, options);
            writer.WritePropertyName(SpecFields.Gamma);
            if (grid.Gamma is { } gamma)
            {
                Numbers(writer, gamma);
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WritePropertyName(SpecFields.Seeds);
            JsonSerializer.Serialize(writer, grid.Seeds, options);
            foreach (GridAxis axis in grid.Axes)
            {
                writer.WriteStartArray(axis.Path);
                foreach (AxisValue value in axis.Values)
                {
                    writer.WriteRawValue(value.Json);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }
    }

    private static void Numbers(Utf8JsonWriter writer, IReadOnlyList<double> values)
    {
        writer.WriteStartArray();
        foreach (double v in values)
        {
            writer.WriteNumberValue(Finite(v));
        }

        writer.WriteEndArray();
    }
}
