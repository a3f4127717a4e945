using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Binds one mapping of a spec tree to a spec record (<see cref="InitSpec"/>, <see cref="DependenceSpec"/>, ...)
/// from the record's own declaration: field names are the members' snake_case names (or their
/// <see cref="JsonPropertyNameAttribute"/>), defaults are the parameters' defaults (or
/// <see cref="SpecDefaultAttribute"/>), ranges and choices come from <see cref="LimitAttribute"/> and
/// <see cref="ChoiceAttribute"/>. Numbers, integers, booleans and choices are read here with the binder's
/// messages; shorthands and nested sections are read by the caller's <c>custom</c> readers. Cross-field
/// rules stay with the caller.
/// </summary>
internal static class RecordReader
{
    private static readonly ConcurrentDictionary<Type, Member[]> Cache = new();

    /// <summary>The result of a custom field reader: a value, or a failure already reported.</summary>
    /// <param name="Ok">Whether the field was read.</param>
    /// <param name="Value">The value, when read.</param>
    public readonly record struct Field(bool Ok, object? Value)
    {
        /// <summary>A failure (already reported).</summary>
        public static readonly Field Failed = new(false, null);

        /// <summary>A value, or a failure when it is null.</summary>
        public static Field Of(object? value) => new(value is not null, value);
    }

    /// <summary>The spec field names of a record, in declaration order.</summary>
    public static IReadOnlyList<string> FieldsOf<T>() => FieldsOf(typeof(T));

    /// <summary>The spec field names of a record type, in declaration order.</summary>
    public static IReadOnlyList<string> FieldsOf(Type type) => [.. Members(type).Select(m => m.Name)];

    /// <summary>
    /// Reads <typeparamref name="T"/> from <paramref name="r"/>. Absent fields take the value of
    /// <paramref name="defaults"/> when given, else the record's declared default; a field without either is
    /// required. Returns null when anything was reported.
    /// </summary>
    /// <param name="r">The mapping (already opened with the record's fields).</param>
    /// <param name="defaults">An instance whose values are the defaults (e.g. a preset's), or null.</param>
    /// <param name="custom">Readers for the fields this reader does not handle, by spec field name.</param>
    /// <param name="kind">For a record with a kind: the kind read; fields other kinds have (<see cref="ForKindsAttribute"/>) take their defaults unread.</param>
    public static T? Read<T>(NodeReader r, T? defaults = null, IReadOnlyDictionary<string, Func<Field>>? custom = null, string? kind = null)
        where T : class
    {
        Member[] members = Members(typeof(T));
        var args = new object?[members.Length];
        bool ok = true;
        for (int i = 0; i < members.Length; i++)
        {
            Member m = members[i];
            if (kind is not null && m.Kinds is { } kinds && !kinds.Contains(kind, StringComparer.Ordinal))
            {
                args[i] = m.Default?.Value;
                continue;
            }

            Field field = custom is not null && custom.TryGetValue(m.Name, out Func<Field>? read)
                ? read()
                : Scalar(r, m, defaults is null ? m.Default : new Optional(m.Property.GetValue(defaults)));
            ok &= field.Ok;
            args[i] = field.Value;
        }

        return ok ? (T)members[0].Constructor.Invoke(args) : null;
    }

    /// <summary>
    /// The spec fields of a record with a kind that kind <paramref name="kind"/> has (<see cref="ForKindsAttribute"/>),
    /// in declaration order; every field for a kind the record does not know.
    /// </summary>
    public static IReadOnlyList<string> FieldsOfKind(Type type, string kind)
    {
        Member[] members = Members(type);
        bool known = members.Single(m => m.Name == SpecFields.Kind).Choice!.Allowed.Contains(kind, StringComparer.Ordinal);
        return [.. members.Where(m => !known || m.Kinds is null || m.Kinds.Contains(kind, StringComparer.Ordinal)).Select(m => m.Name)];
    }

    /// <summary>The fields of a record with a kind that kind <paramref name="kind"/> does not have, with the kinds that have each.</summary>
    public static IEnumerable<(string Name, IReadOnlyList<string> Kinds)> FieldsOfOtherKinds(Type type, string kind) =>
        Members(type).Where(m => m.Kinds is { } kinds && !kinds.Contains(kind, StringComparer.Ordinal)).Select(m => (m.Name, m.Kinds!));

    /// <summary>The kinds that have field <paramref name="name"/> of <paramref name="type"/>, or null when every kind has it.</summary>
    public static IReadOnlyList<string>? KindsOf(Type type, string name) =>
        type.GetConstructors().Any(c => c.GetParameters().Any(p => p.IsDefined(typeof(ForKindsAttribute))))
            ? Members(type).SingleOrDefault(m => m.Name == name)?.Kinds
            : null;

    /// <summary>The names field <paramref name="name"/> of <typeparamref name="T"/> allows (<see cref="ChoiceAttribute"/>).</summary>
    public static IReadOnlyList<string> ChoicesOf<T>(string name) => Members(typeof(T)).Single(m => m.Name == name).Choice!.Allowed;

    /// <summary>The range declared on member <paramref name="parameter"/> of <typeparamref name="T"/> (<see cref="LimitAttribute"/>).</summary>
    public static Bounds LimitOf<T>(string parameter) =>
        Members(typeof(T)).Single(m => m.Parameter.Name == parameter).Limit ?? throw new InvalidOperationException($"{typeof(T).Name}.{parameter} declares no range.");

    /// <summary>The default declared on member <paramref name="parameter"/> of <typeparamref name="T"/> (a parameter default or <see cref="SpecDefaultAttribute"/>).</summary>
    public static TValue DefaultOf<T, TValue>(string parameter) =>
        Members(typeof(T)).Single(m => m.Parameter.Name == parameter).Default is { Value: var value }
            ? value switch
            {
                Array array => (TValue)array.Clone(),
                TValue typed => typed,
                _ => (TValue)Convert.ChangeType(value!, typeof(TValue), System.Globalization.CultureInfo.InvariantCulture),
            }
            : throw new InvalidOperationException($"{typeof(T).Name}.{parameter} declares no default.");

    /// <summary>The declared members of a record type, for <see cref="SpecJsonSchema"/>.</summary>
    internal static IReadOnlyList<(string Name, ParameterInfo Parameter, object? Default, bool HasDefault)> Declared(Type type) =>
        [.. Members(type).Select(m => (m.Name, m.Parameter, m.Default?.Value, m.Default is not null))];

    private static Field Scalar(NodeReader r, Member m, Optional? fallback)
    {
        Type type = Nullable.GetUnderlyingType(m.Parameter.ParameterType) ?? m.Parameter.ParameterType;
        if (type == typeof(double))
        {
            Bounds bounds = m.Limit ?? Bounds.Any;
            double? value = fallback is { } f ? r.Number(m.Name, bounds, (double)f.Value!) : r.Number(m.Name, bounds);
            return value is { } v ? new Field(true, v) : Field.Failed;
        }

        if (type == typeof(int) || type == typeof(long) || type == typeof(ulong))
        {
            Bounds bounds = m.Limit ?? (type == typeof(int) ? Bounds.Between(0, int.MaxValue) : SpecLimits.Seed);
            long? value = fallback is { } f ? r.Integer(m.Name, bounds, Convert.ToInt64(f.Value, System.Globalization.CultureInfo.InvariantCulture)) : r.Integer(m.Name, bounds);
            return value is not { } v ? Field.Failed
                : type == typeof(int) ? new Field(true, (int)v)
                : type == typeof(ulong) ? new Field(true, (ulong)v)
                : new Field(true, v);
        }

        if (type == typeof(bool))
        {
            bool? value = r.Bool(m.Name, fallback is { } f ? (bool)f.Value! : throw NoDefault(m));
            return value is { } v ? new Field(true, v) : Field.Failed;
        }

        if (type == typeof(string) && m.Choice is { } choice)
        {
            string? value = fallback is { } f
                ? r.Choice(m.Name, choice.Noun, choice.Allowed, (string)f.Value!)
                : r.Choice(m.Name, choice.Noun, choice.Allowed);
            return Field.Of(value);
        }

        throw new InvalidOperationException($"{m.Constructor.DeclaringType?.Name}.{m.Parameter.Name} ({type.Name}) needs a custom reader.");
    }

    private static InvalidOperationException NoDefault(Member m) =>
        new($"{m.Constructor.DeclaringType?.Name}.{m.Parameter.Name} is a boolean without a default.");

    private static Member[] Members(Type type) => Cache.GetOrAdd(type, static t =>
    {
        ConstructorInfo constructor = t.GetConstructors().OrderByDescending(c => c.GetParameters().Length).First();
        return [.. constructor.GetParameters().Select(p =>
        {
            PropertyInfo property = t.GetProperty(p.Name!) ?? throw new InvalidOperationException($"{t.Name}.{p.Name} has no property.");
            string name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(p.Name!);
            Optional? fallback = p.GetCustomAttribute<SpecDefaultAttribute>() is { } d ? new Optional(d.Value)
                : p.HasDefaultValue ? new Optional(p.DefaultValue)
                : null;
            return new Member(constructor, p, property, name, fallback, p.GetCustomAttribute<LimitAttribute>()?.Bounds, p.GetCustomAttribute<ChoiceAttribute>(), p.GetCustomAttribute<ForKindsAttribute>()?.Kinds);
        })];
    });

    /// <summary>A default that may itself be null.</summary>
    private sealed record Optional(object? Value);

    private sealed record Member(ConstructorInfo Constructor, ParameterInfo Parameter, PropertyInfo Property, string Name, Optional? Default, Bounds? Limit, ChoiceAttribute? Choice, IReadOnlyList<string>? Kinds);
}
