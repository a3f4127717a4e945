using System.Reflection;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// The allowed range of a numeric spec field, declared on the record member it binds to; the binder
/// (<see cref="RecordReader"/>) checks it and the JSON Schema (<see cref="SpecJsonSchema"/>) publishes it.
/// An unset bound (NaN) is no bound.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class LimitAttribute : Attribute
{
    /// <summary>Lower bound, NaN for none.</summary>
    public double Min { get; set; } = double.NaN;

    /// <summary>Upper bound, NaN for none.</summary>
    public double Max { get; set; } = double.NaN;

    /// <summary>Whether <see cref="Min"/> itself is excluded.</summary>
    public bool MinExclusive { get; set; }

    /// <summary>Whether <see cref="Max"/> itself is excluded.</summary>
    public bool MaxExclusive { get; set; }

    /// <summary>The range.</summary>
    public Bounds Bounds => new(double.IsNaN(Min) ? null : Min, MinExclusive, double.IsNaN(Max) ? null : Max, MaxExclusive);
}

/// <summary>
/// A string spec field that must be one of the names in the public static <c>All</c> list of
/// <see cref="Names"/>; <see cref="Noun"/> names the field in messages ("unknown activation 'x'").
/// </summary>
/// <param name="noun">What a value of the field is, for messages.</param>
/// <param name="names">A static class with a public static <c>All</c> list of the allowed names.</param>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class ChoiceAttribute(string noun, Type names) : Attribute
{
    /// <summary>What a value of the field is, for messages.</summary>
    public string Noun { get; } = noun;

    /// <summary>The class holding the allowed names.</summary>
    public Type Names { get; } = names;

    /// <summary>The allowed names.</summary>
    public IReadOnlyList<string> Allowed =>
        (IReadOnlyList<string>)(Names.GetField("All", BindingFlags.Public | BindingFlags.Static)?.GetValue(null)
            ?? throw new InvalidOperationException($"{Names.Name} has no public static All list."));
}

/// <summary>
/// The default of a record member that C# cannot write as a parameter default (a required parameter before
/// optional ones, a list); the binder uses it when the field is absent and the JSON Schema publishes it.
/// </summary>
/// <param name="value">The default, in the field's spec form.</param>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class SpecDefaultAttribute(object? value) : Attribute
{
    /// <summary>The default value.</summary>
    public object? Value { get; } = value;
}

/// <summary>
/// A record member that may be absent from the spec although its record parameter has no default: the binder
/// derives it (from the preset, the kind, or the section's own defaults), as <see cref="Rule"/> says.
/// </summary>
/// <param name="rule">What an absent field means, for the JSON Schema's description.</param>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class DerivedAttribute(string rule) : Attribute
{
    /// <summary>What an absent field means.</summary>
    public string Rule { get; } = rule;
}

/// <summary>
/// A field added after the canonical form was first published: <see cref="SpecWriter"/> writes it only when
/// it differs from its default, so that the canonical text (and spec hash) of a spec that does not use it
/// stays what it was.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class OmittedAtDefaultAttribute : Attribute;

/// <summary>
/// A field that only some kinds of its record have (the ramp's knees, the power schedule's t0 and α, the fields
/// of each data kind), declared once here: the binder refuses it with another kind, the writer writes it only
/// for its kinds, a field axis that changes the kind drops it, and the JSON Schema says which kinds have it.
/// </summary>
/// <param name="kinds">The kinds (values of the record's <c>Kind</c>) that have the field.</param>
[AttributeUsage(AttributeTargets.Parameter)]
internal sealed class ForKindsAttribute(params string[] kinds) : Attribute
{
    /// <summary>The kinds that have the field.</summary>
    public IReadOnlyList<string> Kinds { get; } = kinds;
}
