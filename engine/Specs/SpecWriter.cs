using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using F = MeanFieldCluster.Engine.Specs.SpecFields;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Writes a resolved <see cref="SweepSpec"/> as canonical JSON: snake_case keys in a fixed order, every
/// default filled in, seeds as an explicit list, time grids as given (a list, or count and spacing),
/// two-space indentation, '\n' line ends, numbers in shortest round-trip form. Parsing the output with
/// <see cref="SpecLoader.Parse"/> gives a spec that writes back to the identical text.
/// </summary>
public static class SpecWriter
{
    private static readonly JsonWriterOptions Options = new() { Indented = true, IndentSize = 2, NewLine = "\n" };

    /// <summary>The canonical JSON text of <paramref name="spec"/>.</summary>
    /// <param name="spec">A spec, normally produced by <see cref="SpecLoader"/>.</param>
    /// <returns>Indented JSON, without a trailing newline.</returns>
    /// <exception cref="ArgumentException">A number in the spec is not finite.</exception>
    public static string ToJson(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var buffer = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteString(F.Name, spec.Name);
            w.WriteNumber(F.Seed, spec.Seed);
            WriteModel(w, spec.Model);
            WriteData(w, spec.Data);
            WriteTraining(w, spec.Training);
            WriteObserve(w, spec.Observe);
            WriteGrid(w, spec.Grid);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteModel(Utf8JsonWriter w, ModelSpec model)
    {
        w.WriteStartObject(F.Model);
        w.WriteString(F.Preset, model.Preset);
        WriteActivation(w, model.Activation);
        w.WriteStartObject(F.Init);
        Number(w, F.Kappa, model.Init.Kappa);
        Number(w, F.OutputMean, model.Init.OutputMean);
        Number(w, F.OutputStd, model.Init.OutputStd);
        Number(w, F.BiasMean, model.Init.BiasMean);
        Number(w, F.BiasStd, model.Init.BiasStd);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>Ramp parameters are written only for the ramp, the one activation that has them.</summary>
    private static void WriteActivation(Utf8JsonWriter w, ActivationSpec activation)
    {
        w.WriteStartObject(F.Activation);
        w.WriteString(F.Kind, activation.Kind);
        if (activation.Kind == ActivationKinds.Ramp)
        {
            Number(w, F.T1, activation.T1);
            Number(w, F.T2, activation.T2);
            Number(w, F.S1, activation.S1);
            Number(w, F.S2, activation.S2);
        }

        w.WriteEndObject();
    }

    private static void WriteData(Utf8JsonWriter w, DataSpec data)
    {
        w.WriteStartObject(F.Data);
        w.WriteString(F.Kind, data.Kind);
        w.WriteNumber(F.Dimension, data.Dimension);
        Number(w, F.Delta, data.Delta);
        w.WriteEndObject();
    }

    private static void WriteTraining(Utf8JsonWriter w, TrainingSpec training)
    {
        w.WriteStartObject(F.Training);
        if (training.Horizon is { } horizon)
        {
            Number(w, F.Horizon, horizon);
        }

        if (training.Steps is { } steps)
        {
            w.WriteNumber(F.Steps, steps);
        }

        w.WriteString(F.Xi, training.Xi);
        w.WriteNumber(F.BatchSize, training.BatchSize);
        w.WriteEndObject();
    }

    private static void WriteObserve(Utf8JsonWriter w, ObserveSpec observe)
    {
        w.WriteStartObject(F.Observe);
        w.WriteNumber(F.TestSamples, observe.TestSamples);
        WriteTimes(w, F.RiskTimes, observe.RiskTimes);
        WriteTimes(w, F.SnapshotTimes, observe.SnapshotTimes);
        w.WriteNumber(F.Quantiles, observe.QuantileLevels);
        w.WriteEndObject();
    }

    private static void WriteTimes(Utf8JsonWriter w, string name, TimeGrid grid)
    {
        if (grid.Times is { } times)
        {
            Numbers(w, name, times);
            return;
        }

        w.WriteStartObject(name);
        w.WriteNumber(F.Count, grid.Count);
        w.WriteString(F.Spacing, grid.Spacing);
        w.WriteEndObject();
    }

    private static void WriteGrid(Utf8JsonWriter w, GridSpec grid)
    {
        w.WriteStartObject(F.Grid);
        Integers(w, F.Width, grid.Width);
        Numbers(w, F.StepSize, grid.StepSize);
        Integers(w, F.Layers, grid.Layers);
        Integers(w, F.Seeds, grid.Seeds);
        w.WriteEndObject();
    }

    private static void Integers(Utf8JsonWriter w, string name, IReadOnlyList<int> values)
    {
        w.WriteStartArray(name);
        foreach (int v in values)
        {
            w.WriteNumberValue(v);
        }

        w.WriteEndArray();
    }

    private static void Numbers(Utf8JsonWriter w, string name, IReadOnlyList<double> values)
    {
        w.WriteStartArray(name);
        foreach (double v in values)
        {
            w.WriteNumberValue(Finite(v));
        }

        w.WriteEndArray();
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        w.WriteNumber(name, Finite(value));
    }

    /// <summary>
    /// Utf8JsonWriter writes doubles in their shortest round-trip form with the invariant culture (the same
    /// text as <c>ToString("R", CultureInfo.InvariantCulture)</c>).
    /// </summary>
    private static double Finite(double value) =>
        double.IsFinite(value)
            ? value
            : throw new ArgumentException($"{value.ToString(CultureInfo.InvariantCulture)} cannot be written: spec numbers must be finite", nameof(value));
}
