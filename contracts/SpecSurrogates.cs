using System.Text.Json;
using System.Text.Json.Serialization;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Contracts;

/// <summary>
/// How the spec records (<see cref="SweepSpec"/>, <see cref="PointSpec"/> and everything they hold) cross grain
/// calls. They are engine types, which carry no Orleans attributes, so each travels in an Orleans surrogate
/// holding the record as System.Text.Json writes it from the record's own members. A field is declared once,
/// in engine/Specs: one added to a record travels without an edit here, and what arrives is the same record,
/// neither re-validated nor re-read (a csv file is not opened again). The encoding is internal to the wire:
/// the spec's published form is its canonical JSON (<see cref="SpecWriter"/>).
/// </summary>
public static class SpecSurrogates
{
    private static readonly JsonSerializerOptions Options = new()
    {
        // Computed members (PointSpec.Width, FieldCoordinates, AxisValue.Number) are derived again on arrival.
        IgnoreReadOnlyProperties = true,
        // β = ∞ is a resolved value.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The wire encoding of a spec record.</summary>
    /// <typeparam name="T">A spec record type.</typeparam>
    public static byte[] Encode<T>(T value) where T : class => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>The spec record of a wire encoding written by <see cref="Encode{T}"/>.</summary>
    /// <typeparam name="T">The spec record type.</typeparam>
    public static T Decode<T>(byte[] utf8) where T : class =>
        JsonSerializer.Deserialize<T>(utf8, Options) ?? throw new InvalidOperationException($"a null {typeof(T).Name} arrived on the wire");
}

/// <summary>A <see cref="SweepSpec"/> on the wire.</summary>
/// <param name="Utf8">Its encoding (<see cref="SpecSurrogates.Encode{T}"/>).</param>
[GenerateSerializer, Immutable]
internal readonly record struct SweepSpecSurrogate(byte[] Utf8);

/// <summary>A <see cref="PointSpec"/> on the wire.</summary>
/// <param name="Utf8">Its encoding (<see cref="SpecSurrogates.Encode{T}"/>).</param>
[GenerateSerializer, Immutable]
internal readonly record struct PointSpecSurrogate(byte[] Utf8);

/// <summary>Converts a <see cref="SweepSpec"/> to and from its surrogate.</summary>
[RegisterConverter]
internal sealed class SweepSpecSurrogateConverter : IConverter<SweepSpec, SweepSpecSurrogate>
{
    public SweepSpec ConvertFromSurrogate(in SweepSpecSurrogate surrogate) => SpecSurrogates.Decode<SweepSpec>(surrogate.Utf8);

    public SweepSpecSurrogate ConvertToSurrogate(in SweepSpec value) => new(SpecSurrogates.Encode(value));
}

/// <summary>Converts a <see cref="PointSpec"/> to and from its surrogate.</summary>
[RegisterConverter]
internal sealed class PointSpecSurrogateConverter : IConverter<PointSpec, PointSpecSurrogate>
{
    public PointSpec ConvertFromSurrogate(in PointSpecSurrogate surrogate) => SpecSurrogates.Decode<PointSpec>(surrogate.Utf8);

    public PointSpecSurrogate ConvertToSurrogate(in PointSpec value) => new(SpecSurrogates.Encode(value));
}
