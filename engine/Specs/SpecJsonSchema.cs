using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// The JSON Schema of the spec format (docs/spec.md), exported by <see cref="JsonSchemaExporter"/> from the spec
/// records themselves: field names, types, ranges (<see cref="LimitAttribute"/>), allowed names
/// (<see cref="ChoiceAttribute"/>) and defaults are those the binder uses. Only the shorthands the format
/// accepts (a name for an activation, one value for a list, <c>c/N</c> step sizes, a seed count, ...) are
/// written by hand here. Published as docs/spec.schema.json and kept in sync by a test. The binder's
/// cross-field rules (horizon or steps, preset layer counts, ...) are in docs/spec.md, not in the schema.
/// </summary>
public static class SpecJsonSchema
{
    /// <summary>Where the schema is published, relative to the repository root.</summary>
    public const string PublishedPath = "docs/spec.schema.json";

    /// <summary>The serializer options that map the spec records to the spec format's names and shapes.</summary>
    internal static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Default)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { HideInternalMembers } },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
    };

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The schema as indented JSON text ending in a newline.</summary>
    public static string Export() => Build().ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";

    /// <summary>
    /// Every field path of the spec format (sections and fields, <c>model.init.kappa</c>), in schema order; the
    /// alias <c>training.T</c> is left out (it names <c>training.horizon</c>).
    /// </summary>
    internal static IReadOnlyList<string> Paths { get; } = FieldPaths(Build(), SpecPath.Root).Distinct().ToList();

    private static IEnumerable<string> FieldPaths(JsonNode schema, string prefix) =>
        (schema["anyOf"] is JsonArray forms ? forms.OfType<JsonObject>() : [schema.AsObject()])
            .Where(form => form["properties"] is JsonObject)
            .SelectMany(form => form["properties"]!.AsObject())
            .Where(field => field.Key != SpecFields.HorizonAlias)
            .SelectMany(field => FieldPaths(field.Value!, SpecPath.Child(prefix, field.Key)).Prepend(SpecPath.Child(prefix, field.Key)));

    private static JsonObject Build()
    {
        var exporterOptions = new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true, TransformSchemaNode = Transform };
        JsonObject schema = Options.GetJsonSchemaAsNode(typeof(SweepSpec), exporterOptions).AsObject();
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["title"] = "MeanFieldCluster sweep spec",
            ["description"] = "A sweep specification (YAML or JSON), described field by field in docs/spec.md. Generated from the spec records (SpecJsonSchema); do not edit by hand.",
        };
        foreach ((string key, JsonNode? value) in schema.ToList())
        {
            schema.Remove(key);
            root[key] = value;
        }

        JsonObject properties = root["properties"]!.AsObject();
        properties.Insert(2, "task", new JsonObject
        {
            ["description"] = "sgd: risk curves and laws; large-deviations: replicas and rate functions (needs the large_deviations section).",
            ["enum"] = new JsonArray(SpecLimits.Tasks.Select(t => (JsonNode?)t).ToArray()),
            ["default"] = SpecLimits.SgdTask,
        });
        return root;
    }

    /// <summary>Members that are not spec fields (computed ones such as <see cref="PointSpec.Width"/>) are left out.</summary>
    private static void HideInternalMembers(JsonTypeInfo info)
    {
        if (info.Type == typeof(GridSpec))
        {
            // Field axes are written under their spec paths (patternProperties below), not as a list.
            info.Properties.Remove(info.Properties.Single(p => p.Name == "axes"));
        }
    }

    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode node)
    {
        if (node is not JsonObject obj)
        {
            return node;
        }

        if (obj["properties"] is JsonObject properties && context.TypeInfo.Kind == JsonTypeInfoKind.Object)
        {
            obj["required"] = new JsonArray([.. RequiredFields(context.TypeInfo.Type).Select(n => (JsonNode?)n)]);
            if (context.TypeInfo.Type == typeof(TrainingSpec))
            {
                properties.Insert(1, SpecFields.HorizonAlias, new JsonObject { ["description"] = "Another name for horizon.", ["type"] = "number", ["minimum"] = 0 });
                obj["description"] = "Exactly one of horizon (or T) and steps.";
            }

            if (context.TypeInfo.Type == typeof(GridSpec))
            {
                obj["patternProperties"] = new JsonObject { [@"\."] = new JsonObject { ["description"] = "A field axis: a spec path (model.init.kappa) and its values (docs/spec.md, \"Any field is an axis\").", ["type"] = "array", ["minItems"] = 1 } };
            }

            obj = KindForms(context.TypeInfo.Type, obj) ?? obj;
        }

        if (context.PropertyInfo is { } property)
        {
            Annotate(property, obj);
            return Shorthand(property.DeclaringType, property.Name, obj) ?? obj;
        }

        return obj;
    }

    /// <summary>Range, allowed names, default and derivation rule of a field, from its record parameter.</summary>
    private static void Annotate(JsonPropertyInfo property, JsonObject field)
    {
        if (property.AssociatedParameter?.AttributeProvider is not ParameterInfo parameter)
        {
            return;
        }

        if (parameter.GetCustomAttribute<LimitAttribute>() is { } limit)
        {
            // On a list, the range is that of its items.
            JsonObject target = field["items"] as JsonObject ?? field;
            Bounds b = limit.Bounds;
            if (b.Min is { } lo)
            {
                target[b.MinExclusive ? "exclusiveMinimum" : "minimum"] = lo;
            }

            if (b.Max is { } hi)
            {
                target[b.MaxExclusive ? "exclusiveMaximum" : "maximum"] = hi;
            }
        }

        if (parameter.GetCustomAttribute<ChoiceAttribute>() is { } choice)
        {
            field["enum"] = new JsonArray([.. choice.Allowed.Select(a => (JsonNode?)a)]);
        }

        if (parameter.GetCustomAttribute<DerivedAttribute>() is { } derived)
        {
            field["description"] = $"When absent: {derived.Rule}.";
        }

        object? fallback = parameter.GetCustomAttribute<SpecDefaultAttribute>() is { } d ? d.Value
            : parameter.HasDefaultValue ? parameter.DefaultValue
            : null;
        if (fallback is not null)
        {
            field["default"] = JsonSerializer.SerializeToNode(fallback, fallback.GetType(), Options);
        }
    }

    /// <summary>
    /// A record whose fields depend on its kind (<see cref="ForKindsAttribute"/>: an activation, a schedule ξ, the
    /// data), as the format reads it: one form per kind, with the kind as a constant (required, as the binder
    /// requires it in a mapping) and only that kind's fields. A field of the kind without a default, or whose
    /// default is null (the teacher, the csv file, s0, d), is required in the forms of its kinds. Null for other records.
    /// </summary>
    private static JsonObject? KindForms(Type type, JsonObject record)
    {
        var declared = RecordReader.Declared(type);
        if (!declared.Any(m => m.Parameter.IsDefined(typeof(ForKindsAttribute))))
        {
            return null;
        }

        JsonObject properties = record["properties"]!.AsObject();
        HashSet<string> required = [.. record["required"]!.AsArray().Select(n => n!.GetValue<string>()), SpecFields.Kind];
        IReadOnlyList<string> kinds = declared.Single(m => m.Name == SpecFields.Kind).Parameter.GetCustomAttribute<ChoiceAttribute>()!.Allowed;
        return new JsonObject { ["anyOf"] = new JsonArray([.. kinds.Select(kind => (JsonNode?)KindForm(declared, properties, required, kind))]) };
    }

    private static JsonObject KindForm(IReadOnlyList<(string Name, ParameterInfo Parameter, object? Default, bool HasDefault)> declared, JsonObject properties, HashSet<string> required, string kind)
    {
        var form = new JsonObject();
        var own = new List<string>();
        foreach (var m in declared.Where(m => m.Parameter.GetCustomAttribute<ForKindsAttribute>() is not { } f || f.Kinds.Contains(kind, StringComparer.Ordinal)))
        {
            JsonObject field = m.Name == SpecFields.Kind ? new JsonObject { ["const"] = kind } : properties[m.Name]!.DeepClone().AsObject();
            if (required.Contains(m.Name) || (m.Parameter.IsDefined(typeof(ForKindsAttribute)) && (!m.HasDefault || m.Default is null)))
            {
                own.Add(m.Name);
                field.Remove("default");
                if (m.Parameter.IsDefined(typeof(DerivedAttribute)))
                {
                    field.Remove("description"); // its "when absent" rule is about the other kinds; in this form it is required
                }

                if (field["type"] is JsonArray types && types.Count == 2 && types.Any(t => t!.GetValue<string>() == "null"))
                {
                    field["type"] = types.Single(t => t!.GetValue<string>() != "null")!.GetValue<string>();
                }
            }

            form[m.Name] = field;
        }

        return new JsonObject { ["type"] = "object", ["properties"] = form, ["required"] = new JsonArray([.. own.Select(n => (JsonNode?)n)]), ["additionalProperties"] = false };
    }

    /// <summary>
    /// A field is required when its record parameter has no default, is not derived and is not nullable
    /// (nullable ones, such as horizon and steps, are governed by cross-field rules).
    /// </summary>
    private static IEnumerable<string> RequiredFields(Type type) =>
        RecordReader.Declared(type)
            .Where(m => !m.HasDefault && m.Parameter.GetCustomAttribute<DerivedAttribute>() is null && !IsNullable(m.Parameter))
            .Select(m => m.Name);

    private static bool IsNullable(ParameterInfo parameter) =>
        Nullable.GetUnderlyingType(parameter.ParameterType) is not null
        || new NullabilityInfoContext().Create(parameter).WriteState == NullabilityState.Nullable;

    /// <summary>The shorthands of the format: the forms a field accepts besides its record's shape.</summary>
    private static JsonObject? Shorthand(Type? declaring, string name, JsonObject field) => (declaring?.Name, name) switch
    {
        (nameof(ModelSpec) or nameof(TeacherSpec), "activation") => AnyOf(field, Names(ActivationKinds.All), Clone(field)),
        (nameof(TrainingSpec), "xi") => AnyOf(field, Names(Schedules.All), Clone(field)),
        (nameof(XiSpec), "kind") => With(field, "enum", Names(Schedules.All)["enum"]!.DeepClone()),
        (nameof(TrainingSpec), "beta") => AnyOf(
            field,
            new JsonObject { ["type"] = new JsonArray("number", "null"), ["exclusiveMinimum"] = 0 },
            new JsonObject { ["enum"] = new JsonArray([.. SpecLimits.InfinityWords.Select(w => (JsonNode?)w)]) }),
        (nameof(ObserveSpec), "risk_times" or "snapshot_times") => TimeGridForms(field),
        (nameof(ModelSpec), "gamma") or (nameof(GridSpec), "gamma" or "layers") or (nameof(RareEventsSpec), "levels") or (nameof(LargeDeviationsSpec), "modes") => ScalarOrList(field),
        (nameof(GridSpec), "width") => ScalarOrList(WithItems(field, AnyOf(new JsonObject(), new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 10_000_000 }, new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 10_000_000 }, ["minItems"] = 1 }))),
        (nameof(GridSpec), "step_size") => ScalarOrList(WithItems(field, AnyOf(new JsonObject(), new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0, ["maximum"] = SpecLimits.MaxStepSize }, new JsonObject { ["type"] = "string", ["pattern"] = @"^\s*[^/\s][^/]*?\s*/\s*N\s*$", ["description"] = "c/N: ε = c / N_1 (e.g. '0.5/N')." }))),
        (nameof(GridSpec), "seeds") => AnyOf(field, new JsonObject { ["type"] = "integer", ["minimum"] = 1, ["maximum"] = 100_000, ["description"] = "A seed count n: seeds 0..n-1." }, Clone(field)),
        (nameof(LargeDeviationsSpec), "x_grid" or "k_grid") => AnyOf(field, Clone(field), RangeForm()),
        _ => null,
    };

    private static JsonObject TimeGridForms(JsonObject field)
    {
        JsonObject generated = Clone(field);
        generated["properties"]!.AsObject().Remove("times");
        generated["required"] = new JsonArray();
        return AnyOf(field, new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number", ["minimum"] = 0 }, ["minItems"] = 1 }, generated);
    }

    private static JsonObject RangeForm() => new()
    {
        ["type"] = "object",
        ["properties"] = new JsonObject { ["from"] = new JsonObject { ["type"] = "number" }, ["to"] = new JsonObject { ["type"] = "number" }, ["step"] = new JsonObject { ["type"] = "number", ["exclusiveMinimum"] = 0 } },
        ["required"] = new JsonArray("from", "to", "step"),
        ["additionalProperties"] = false,
    };

    private static JsonObject Names(IReadOnlyList<string> names) => new() { ["enum"] = new JsonArray([.. names.Select(n => (JsonNode?)n)]) };

    /// <summary>A list field that also accepts one item.</summary>
    private static JsonObject ScalarOrList(JsonObject field) =>
        field["items"] is JsonNode items ? AnyOf(field, items.DeepClone().AsObject(), With(Clone(field), "minItems", 1)) : field;

    private static JsonObject WithItems(JsonObject field, JsonObject items) => With(field, "items", items);

    private static JsonObject With(JsonObject field, string key, JsonNode? value)
    {
        field[key] = value;
        return field;
    }

    /// <summary>Moves everything but the annotations of <paramref name="field"/> into the alternatives.</summary>
    private static JsonObject AnyOf(JsonObject field, params JsonObject[] alternatives)
    {
        var result = new JsonObject();
        foreach (string key in new[] { "description", "default" })
        {
            if (field[key] is JsonNode value)
            {
                result[key] = value.DeepClone();
            }
        }

        foreach (JsonObject alternative in alternatives)
        {
            alternative.Remove("description");
            alternative.Remove("default");
        }

        // anyOf, not oneOf: a per-layer width list is both one entry and a list of entries. An alternative that is
        // itself only a choice of forms (the kinds of a record, KindForms) contributes its forms.
        result["anyOf"] = new JsonArray([.. alternatives.SelectMany(a => a.Count == 1 && a["anyOf"] is JsonArray forms ? forms.Select(f => f!.DeepClone()) : [a])]);
        return result;
    }

    private static JsonObject Clone(JsonObject field) => field.DeepClone().AsObject();
}
