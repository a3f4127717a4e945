using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using F = MeanFieldCluster.Engine.Specs.SpecFields;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Writes a resolved <see cref="SweepSpec"/> as canonical JSON: snake_case keys in a fixed order, every
/// default filled in, seeds as an explicit list, time grids as given (a list, or count and spacing),
/// two-space indentation, '\n' line ends, numbers in shortest round-trip form. β = ∞, no raw times and no
/// γ axis are written as null; csv data is written with its absolute path and resolved feature columns.
/// Parsing the output with <see cref="SpecLoader.Parse"/> gives a spec that writes back to the identical
/// text (for csv data, as long as the file is unchanged).
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
            if (spec.LargeDeviations is not null)
            {
                w.WriteString(F.Task, SpecLimits.LargeDeviationsTask);
            }

            WriteModel(w, spec.Model);
            WriteData(w, spec.Data);
            WriteTraining(w, spec.Training);
            WriteObserve(w, spec.Observe);
            WriteGrid(w, spec.Grid);
            if (spec.LargeDeviations is { } ld)
            {
                WriteLargeDeviations(w, ld);
            }

            // Annotations only: written when present, so a spec without them keeps its canonical text.
            if (spec.Tags.Count > 0)
            {
                w.WriteStartArray(F.Tags);
                foreach (string tag in spec.Tags)
                {
                    w.WriteStringValue(tag);
                }

                w.WriteEndArray();
            }

            if (spec.Notes is { } notes)
            {
                w.WriteString(F.Notes, notes);
            }

            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteLargeDeviations(Utf8JsonWriter w, LargeDeviationsSpec ld)
    {
        w.WriteStartObject(F.LargeDeviations);
        w.WriteString(F.Functional, ld.Functional);
        w.WriteNumber(F.Replicas, ld.Replicas);
        w.WriteNumber("batch_size", ld.BatchSize);
        w.WriteStartArray(F.Modes);
        foreach (string mode in ld.Modes)
        {
            w.WriteStringValue(mode);
        }

        w.WriteEndArray();
        Numbers(w, F.XGrid, ld.XGrid);
        Numbers(w, F.KGrid, ld.KGrid);
        w.WriteNumber(F.EssMin, ld.EssMin);
        w.WriteNumber(F.Bootstrap, ld.Bootstrap);
        w.WriteNumber(F.BootstrapSeed, ld.BootstrapSeed);
        w.WriteNumber(F.QuenchedDraws, ld.QuenchedDraws);
        if (ld.AllowFixedStep)
        {
            w.WriteBoolean(F.AllowFixedStep, true);
        }

        if (ld.QuenchedExtrapolation != QuenchedExtrapolations.Auto)
        {
            w.WriteString(F.QuenchedExtrapolation, ld.QuenchedExtrapolation);
        }

        if (ld.RareEvents is { } rare)
        {
            w.WriteStartObject(F.RareEvents);
            w.WriteString("estimator", rare.Estimator);
            Numbers(w, "levels", rare.Levels);
            w.WriteNumber(F.Replicas, rare.Replicas);
            w.WriteNumber("runs", rare.Runs);
            w.WriteNumber("kill_fraction", rare.KillFraction);
            w.WriteNumber("checkpoints", rare.Checkpoints);
            w.WriteNumber("max_replicas", rare.MaxReplicas);
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static void WriteModel(Utf8JsonWriter w, ModelSpec model)
    {
        w.WriteStartObject(F.Model);
        w.WriteString(F.Preset, model.Preset);
        WriteActivation(w, F.Activation, model.Activation);
        w.WriteStartObject(F.Init);
        Number(w, F.Kappa, model.Init.Kappa);
        Number(w, F.OutputMean, model.Init.OutputMean);
        Number(w, F.OutputStd, model.Init.OutputStd);
        Number(w, F.BiasMean, model.Init.BiasMean);
        Number(w, F.BiasStd, model.Init.BiasStd);
        Number(w, F.HiddenMean, model.Init.HiddenMean);
        Number(w, F.HiddenStd, model.Init.HiddenStd);
        if (model.Init.OutputLaw != new InitSpec().OutputLaw)
        {
            w.WriteString(F.OutputLaw, model.Init.OutputLaw);
        }

        if (model.Init.Sampling != new InitSpec().Sampling)
        {
            w.WriteString(F.Sampling, model.Init.Sampling);
        }

        if (model.Init.HiddenStructure != 0)
        {
            Number(w, F.HiddenStructure, model.Init.HiddenStructure);
        }

        if (model.Init.Nested)
        {
            w.WriteBoolean(F.Nested, true);
        }

        w.WriteEndObject();
        Numbers(w, F.Gamma, model.Gamma);
        w.WriteBoolean(F.Bias, model.Bias);
        w.WriteStartObject(F.Train);
        w.WriteBoolean(F.First, model.Train.First);
        w.WriteBoolean(F.Hidden, model.Train.Hidden);
        w.WriteBoolean(F.Output, model.Train.Output);
        w.WriteBoolean(F.Bias, model.Train.Bias);
        w.WriteEndObject();
        w.WriteBoolean(F.MeanFieldScaling, model.MeanFieldScaling);
        Number(w, F.DivergenceBound, model.DivergenceBound);
        w.WriteEndObject();
    }

    /// <summary>Ramp parameters are written only for the ramp, the one activation that has them.</summary>
    private static void WriteActivation(Utf8JsonWriter w, string name, ActivationSpec activation)
    {
        w.WriteStartObject(name);
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

    /// <summary>Only the fields of the data kind are written (csv data has no <c>d</c>: it comes from the file).</summary>
    private static void WriteData(Utf8JsonWriter w, DataSpec data)
    {
        w.WriteStartObject(F.Data);
        w.WriteString(F.Kind, data.Kind);
        switch (data.Kind)
        {
            case DataKinds.Csv when data.Csv is { } csv:
                w.WriteStartObject(F.Csv);
                w.WriteString(F.CsvPath, csv.Path);
                w.WriteString(F.Label, csv.Label);
                w.WriteStartArray(F.Features);
                foreach (string feature in csv.Features)
                {
                    w.WriteStringValue(feature);
                }

                w.WriteEndArray();
                Number(w, F.TestFraction, csv.TestFraction);
                w.WriteBoolean(F.StandardizeLabel, csv.StandardizeLabel);
                w.WriteEndObject();
                break;
            case DataKinds.TeacherStudent when data.Teacher is { } teacher:
                w.WriteNumber(F.Dimension, data.Dimension);
                w.WriteStartObject(F.Teacher);
                w.WriteNumber(F.Width, teacher.Width);
                WriteActivation(w, F.Activation, teacher.Activation);
                w.WriteNumber(F.Seed, teacher.Seed);
                w.WriteEndObject();
                Number(w, F.Noise, data.Noise);
                break;
            case DataKinds.AnisotropicGaussian when data.InformativeDimensions is { } s0:
                w.WriteNumber(F.Dimension, data.Dimension);
                Number(w, F.Delta, data.Delta);
                w.WriteNumber(F.InformativeDimensions, s0);
                break;
            default:
                w.WriteNumber(F.Dimension, data.Dimension);
                Number(w, F.Delta, data.Delta);
                break;
        }

        w.WriteEndObject();
    }

    /// <summary>ξ is always a mapping; β = ∞ (null in the record) is written as null.</summary>
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

        w.WriteStartObject(F.Xi);
        w.WriteString(F.Kind, training.Xi.Kind);
        if (training.Xi.Kind == SpecLimits.PowerSchedule)
        {
            Number(w, F.T0, training.Xi.T0);
            Number(w, F.Alpha, training.Xi.Alpha);
        }

        w.WriteEndObject();
        w.WriteNumber(F.BatchSize, training.BatchSize);
        Number(w, F.Ridge, training.Ridge);
        if (training.Beta is { } beta && !double.IsPositiveInfinity(beta))
        {
            Number(w, F.Beta, beta);
        }
        else
        {
            w.WriteNull(F.Beta);
        }

        w.WriteString(F.Precision, training.Precision);
        w.WriteEndObject();
    }

    private static void WriteObserve(Utf8JsonWriter w, ObserveSpec observe)
    {
        w.WriteStartObject(F.Observe);
        w.WriteNumber(F.TestSamples, observe.TestSamples);
        WriteTimes(w, F.RiskTimes, observe.RiskTimes);
        WriteTimes(w, F.SnapshotTimes, observe.SnapshotTimes);
        w.WriteNumber(F.Quantiles, observe.QuantileLevels);
        w.WriteNumber(F.HistogramBins, observe.HistogramBins);
        if (observe.RawTimes is { } raw)
        {
            Numbers(w, F.RawTimes, raw);
        }
        else
        {
            w.WriteNull(F.RawTimes);
        }

        w.WriteNumber(F.SlicedDirections, observe.SlicedDirections);
        w.WriteNumber(F.EdgeSample, observe.EdgeSample);
        if (observe.ProbeInputs != SpecLimits.DefaultProbeInputs)
        {
            w.WriteNumber(F.ProbeInputs, observe.ProbeInputs);
        }
        DependenceSpec dependence = observe.Dependence ?? new DependenceSpec();
        w.WriteStartObject(F.Dependence);
        w.WriteBoolean(F.Chaos, dependence.Chaos);
        w.WriteBoolean(F.Edges, dependence.Edges);
        w.WriteNumber(F.Permutations, dependence.Permutations);
        w.WriteEndObject();
        w.WriteString(F.Risk, observe.Risk);
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

    /// <summary>
    /// Width entries: one width as an integer, one width per layer as a list. Step sizes: a number, or the
    /// string "c/N". No γ axis is written as null.
    /// </summary>
    private static void WriteGrid(Utf8JsonWriter w, GridSpec grid)
    {
        w.WriteStartObject(F.Grid);
        w.WriteStartArray(F.Width);
        foreach (IReadOnlyList<int> entry in grid.Width)
        {
            if (entry.Count == 1)
            {
                w.WriteNumberValue(entry[0]);
            }
            else
            {
                w.WriteStartArray();
                foreach (int n in entry)
                {
                    w.WriteNumberValue(n);
                }

                w.WriteEndArray();
            }
        }

        w.WriteEndArray();
        w.WriteStartArray(F.StepSize);
        foreach (StepSizeSpec step in grid.StepSize)
        {
            if (step.DividedByWidth)
            {
                w.WriteStringValue(StepSizeText(step));
            }
            else
            {
                w.WriteNumberValue(Finite(step.Value));
            }
        }

        w.WriteEndArray();
        Integers(w, F.Layers, grid.Layers);
        if (grid.Gamma is { } gamma)
        {
            Numbers(w, F.Gamma, gamma);
        }
        else
        {
            w.WriteNull(F.Gamma);
        }

        Integers(w, F.Seeds, grid.Seeds);
        foreach (GridAxis axis in grid.Axes)
        {
            w.WriteStartArray(axis.Path);
            foreach (AxisValue value in axis.Values)
            {
                w.WriteRawValue(value.Json);
            }

            w.WriteEndArray();
        }

        w.WriteEndObject();
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
