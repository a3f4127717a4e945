using System.Text.Json.Nodes;
using F = MeanFieldCluster.Engine.Specs.SpecFields;
using L = MeanFieldCluster.Engine.Specs.SpecLimits;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Binds a normalized spec tree to a <see cref="SweepSpec"/>, checking every rule of docs/spec.md and
/// reporting every violation with its path. Returns null when anything was reported.
/// </summary>
internal static class SpecBinder
{
    public static SweepSpec? Bind(JsonNode? root, ErrorSink errors)
    {
        if (root is null)
        {
            errors.Add(SpecError.RootPath, $"the document is empty; expected {NodeReader.MappingOf(F.RootFields)}");
            return null;
        }

        NodeReader? r = NodeReader.Open(root, SpecPath.Root, F.RootFields, errors);
        if (r is null)
        {
            return null;
        }

        string? name = ReadName(r);
        long? seed = r.Integer(F.Seed, L.Seed, 0);
        (string? preset, ModelSpec? model) = ReadModel(r);
        DataSpec? data = ReadData(r);
        TrainingSpec? training = ReadTraining(r);
        ObserveSpec? observe = ReadObserve(r);
        GridSpec? grid = ReadGrid(r, preset);

        if (errors.HasErrors || name is null || seed is null || model is null || data is null
            || training is null || observe is null || grid is null)
        {
            return null;
        }

        return new SweepSpec(name, (ulong)seed.Value, model, data, training, observe, grid);
    }

    private static string? ReadName(NodeReader r)
    {
        if (!r.Has(F.Name))
        {
            return L.DefaultName;
        }

        JsonNode? value = r.Get(F.Name);
        const string expected = "a non-empty string of at most 100 characters from A-Z, a-z, 0-9, '.', '_', '-'";
        if (NodeText.TryGetString(value, out string name) && IsValidName(name))
        {
            return name;
        }

        ValueRules.Reject(value, r.PathOf(F.Name), expected, r.Errors);
        return null;
    }

    private static bool IsValidName(string name) =>
        name.Length is > 0 and <= L.MaxNameLength
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static (string? Preset, ModelSpec? Model) ReadModel(NodeReader root)
    {
        NodeReader? m = root.Section(F.Model, F.ModelFields, required: true);
        if (m is null)
        {
            return (null, null);
        }

        string? preset = m.Choice(F.Preset, "preset", Presets.All);
        ActivationSpec? activation = ReadActivation(m);
        InitSpec? init = ReadInit(m);
        ModelSpec? model = preset is null || activation is null || init is null ? null : new ModelSpec(preset, activation, init);
        return (preset, model);
    }

    private static ActivationSpec? ReadActivation(NodeReader model)
    {
        JsonNode? value = model.Get(F.Activation);
        string path = model.PathOf(F.Activation);
        switch (value)
        {
            case null:
                model.Missing(F.Activation, $"one of {NodeText.List(ActivationKinds.All)}, or {NodeReader.MappingOf(F.ActivationFields)}");
                return null;
            case JsonObject:
                NodeReader? a = NodeReader.Open(value, path, F.ActivationFields, model.Errors);
                return a is null ? null : ReadActivationMapping(a);
            default:
                string? kind = ValueRules.Choice(value, path, "activation", ActivationKinds.All, model.Errors);
                return kind is null ? null : new ActivationSpec(kind);
        }
    }

    private static ActivationSpec? ReadActivationMapping(NodeReader a)
    {
        string? kind = a.Choice(F.Kind, "activation", ActivationKinds.All);
        if (kind is not null and not ActivationKinds.Ramp)
        {
            return RejectRampParameters(a, kind) ? new ActivationSpec(kind) : null;
        }

        var defaults = new ActivationSpec(ActivationKinds.Ramp);
        double? t1 = a.Number(F.T1, Bounds.Any, defaults.T1);
        double? t2 = a.Number(F.T2, Bounds.Any, defaults.T2);
        double? s1 = a.Number(F.S1, Bounds.Any, defaults.S1);
        double? s2 = a.Number(F.S2, Bounds.Any, defaults.S2);
        if (t1 is { } lo && t2 is { } hi && hi <= lo)
        {
            a.Errors.Add(a.PathOf(F.T2), $"{NodeText.Number(hi)} is not allowed; expected a finite number > t1 = {NodeText.Number(lo)}");
            return null;
        }

        return kind is null || t1 is null || t2 is null || s1 is null || s2 is null
            ? null
            : new ActivationSpec(kind, t1.Value, t2.Value, s1.Value, s2.Value);
    }

    /// <summary>Reports ramp parameters given for another activation; true when there were none.</summary>
    private static bool RejectRampParameters(NodeReader a, string kind)
    {
        bool ok = true;
        foreach (string parameter in F.RampParameters.Where(a.Has))
        {
            string reason = $"parameter {NodeText.Quote(parameter)} applies only to activation 'ramp', not {NodeText.Quote(kind)}";
            a.Errors.Add(a.PathOf(parameter), $"{NodeText.Describe(a.Get(parameter))} is not allowed; {reason}");
            ok = false;
        }

        return ok;
    }

    private static InitSpec? ReadInit(NodeReader model)
    {
        NodeReader? i = model.Section(F.Init, F.InitFields, required: false);
        if (i is null)
        {
            return null;
        }

        var d = new InitSpec();
        double? kappa = i.Number(F.Kappa, L.Kappa, d.Kappa);
        double? outputMean = i.Number(F.OutputMean, Bounds.Any, d.OutputMean);
        double? outputStd = i.Number(F.OutputStd, L.NonNegative, d.OutputStd);
        double? biasMean = i.Number(F.BiasMean, Bounds.Any, d.BiasMean);
        double? biasStd = i.Number(F.BiasStd, L.NonNegative, d.BiasStd);
        return kappa is null || outputMean is null || outputStd is null || biasMean is null || biasStd is null
            ? null
            : new InitSpec(kappa.Value, outputMean.Value, outputStd.Value, biasMean.Value, biasStd.Value);
    }

    private static DataSpec? ReadData(NodeReader root)
    {
        NodeReader? d = root.Section(F.Data, F.DataFields, required: true);
        if (d is null)
        {
            return null;
        }

        string? kind = d.Choice(F.Kind, "data kind", DataKinds.All);
        long? dimension = d.Integer(F.Dimension, L.Dimension);
        double? delta = d.Number(F.Delta, L.Delta, 0.0);
        return kind is null || dimension is null || delta is null ? null : new DataSpec(kind, (int)dimension.Value, delta.Value);
    }

    private static TrainingSpec? ReadTraining(NodeReader root)
    {
        NodeReader? t = root.Section(F.Training, F.TrainingFields, required: true);
        if (t is null)
        {
            return null;
        }

        bool ok = CheckHorizonOrSteps(t);
        string horizonKey = t.Has(F.HorizonAlias) && !t.Has(F.Horizon) ? F.HorizonAlias : F.Horizon;
        double? horizon = t.Has(horizonKey) ? t.Number(horizonKey, L.Horizon) : null;
        long? steps = t.Has(F.Steps) ? t.Integer(F.Steps, L.Steps) : null;
        ok &= t.Has(horizonKey) == horizon.HasValue && t.Has(F.Steps) == steps.HasValue;
        string? xi = t.Choice(F.Xi, "learning-rate schedule", L.Schedules, L.ConstantSchedule);
        long? batchSize = t.Integer(F.BatchSize, L.BatchSize, 1);
        return !ok || xi is null || batchSize is null ? null : new TrainingSpec(horizon, steps, xi, (int)batchSize.Value);
    }

    /// <summary>Checks that exactly one of horizon (or its alias T) and steps is given.</summary>
    private static bool CheckHorizonOrSteps(NodeReader t)
    {
        if (t.Has(F.Horizon) && t.Has(F.HorizonAlias))
        {
            string reason = $"'{F.HorizonAlias}' is another name for '{F.Horizon}', which is also given";
            t.Errors.Add(t.PathOf(F.HorizonAlias), $"{NodeText.Describe(t.Get(F.HorizonAlias))} is not allowed; {reason}");
            return false;
        }

        string horizonKey = t.Has(F.HorizonAlias) ? F.HorizonAlias : F.Horizon;
        bool hasHorizon = t.Has(horizonKey);
        bool hasSteps = t.Has(F.Steps);
        if (hasHorizon && hasSteps)
        {
            string given = $"{horizonKey} = {NodeText.Describe(t.Get(horizonKey))} and steps = {NodeText.Describe(t.Get(F.Steps))}";
            t.Errors.Add(t.Path, $"both {given} are given; expected exactly one of horizon (or T) and steps");
            return false;
        }

        if (!hasHorizon && !hasSteps)
        {
            t.Errors.Add(t.Path, "neither horizon nor steps is given; expected exactly one of horizon (or T) and steps");
            return false;
        }

        return true;
    }

    private static ObserveSpec? ReadObserve(NodeReader root)
    {
        NodeReader? o = root.Section(F.Observe, F.ObserveFields, required: false);
        if (o is null)
        {
            return null;
        }

        long? testSamples = o.Integer(F.TestSamples, L.TestSamples, L.DefaultTestSamples);
        TimeGrid? risk = ReadTimeGrid(o, F.RiskTimes, L.DefaultRiskCount);
        TimeGrid? snapshots = ReadTimeGrid(o, F.SnapshotTimes, L.DefaultSnapshotCount);
        long? quantiles = o.Integer(F.Quantiles, L.Quantiles, L.DefaultQuantiles);
        return testSamples is null || risk is null || snapshots is null || quantiles is null
            ? null
            : new ObserveSpec((int)testSamples.Value, risk, snapshots, (int)quantiles.Value);
    }

    private static TimeGrid? ReadTimeGrid(NodeReader observe, string name, int defaultCount)
    {
        JsonNode? value = observe.Get(name);
        switch (value)
        {
            case null:
                return new TimeGrid(null, defaultCount, L.LinearSpacing);
            case JsonArray:
                IReadOnlyList<double>? times = observe.List<double>(
                    name,
                    (v, p) => ValueRules.Number(v, p, L.NonNegative, observe.Errors),
                    L.NonNegative.Describe(integer: false, plural: true),
                    allowScalar: false,
                    distinct: false);
                return times is null ? null : new TimeGrid(times, defaultCount, L.LinearSpacing);
            case JsonObject:
                NodeReader? g = NodeReader.Open(value, observe.PathOf(name), F.TimeGridFields, observe.Errors);
                return g is null ? null : ReadGeneratedTimes(g, defaultCount);
            default:
                string expected = $"a non-empty list of times >= 0, or {NodeReader.MappingOf(F.TimeGridFields)}";
                ValueRules.Reject(value, observe.PathOf(name), expected, observe.Errors);
                return null;
        }
    }

    private static TimeGrid? ReadGeneratedTimes(NodeReader g, int defaultCount)
    {
        long? count = g.Integer(F.Count, L.TimeCount, defaultCount);
        string? spacing = g.Choice(F.Spacing, "spacing", L.Spacings, L.LinearSpacing);
        return count is null || spacing is null ? null : new TimeGrid(null, (int)count.Value, spacing);
    }

    private static GridSpec? ReadGrid(NodeReader root, string? preset)
    {
        NodeReader? g = root.Section(F.Grid, F.GridFields, required: true);
        if (g is null)
        {
            return null;
        }

        IReadOnlyList<int>? width = IntegerList(g, F.Width, L.Width, fallback: null);
        IReadOnlyList<double>? stepSize = g.List<double>(
            F.StepSize,
            (v, p) => ValueRules.Number(v, p, L.StepSize, g.Errors),
            L.StepSize.Describe(integer: false, plural: true),
            allowScalar: true,
            distinct: true);
        IReadOnlyList<int>? layers = IntegerList(g, F.Layers, L.Layers, fallback: [1]);
        IReadOnlyList<int>? seeds = ReadSeeds(g);
        bool ok = layers is null || CheckLayers(g, layers, preset);
        if (width is null || stepSize is null || layers is null || seeds is null || !ok)
        {
            return null;
        }

        long points = (long)layers.Count * width.Count * stepSize.Count * seeds.Count;
        if (points > L.MaxPoints)
        {
            string sizes = $"layers × widths × step sizes × seeds = {layers.Count} × {width.Count} × {stepSize.Count} × {seeds.Count}";
            g.Errors.Add(g.Path, $"the grid has {points} points ({sizes}); expected at most {L.MaxPoints}");
            return null;
        }

        return new GridSpec(width, stepSize, layers, seeds);
    }

    private static IReadOnlyList<int>? IntegerList(NodeReader g, string name, Bounds bounds, IReadOnlyList<int>? fallback) =>
        g.List<int>(
            name,
            (v, p) => ValueRules.Integer(v, p, bounds, g.Errors) is { } n ? (int)n : null,
            bounds.Describe(integer: true, plural: true),
            allowScalar: true,
            distinct: true,
            fallback);

    /// <summary>The presets of this version are one-hidden-layer networks: every layer count must be 1.</summary>
    private static bool CheckLayers(NodeReader g, IReadOnlyList<int> layers, string? preset)
    {
        if (preset is null || !L.OneHiddenLayerPresets.Contains(preset))
        {
            return true;
        }

        bool ok = true;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] != 1)
            {
                string reason = $"preset {NodeText.Quote(preset)} is a one-hidden-layer network, so every layer count must be 1";
                g.Errors.Add(g.ItemPath(F.Layers, i), $"{layers[i]} is not allowed; {reason}");
                ok = false;
            }
        }

        return ok;
    }

    private static IReadOnlyList<int>? ReadSeeds(NodeReader g)
    {
        JsonNode? value = g.Get(F.Seeds);
        if (value is null or JsonArray)
        {
            return IntegerList(g, F.Seeds, L.SeedIndex, fallback: [0]);
        }

        string expected = $"a seed count ({L.SeedCount.Describe(integer: true)}) or a non-empty list of distinct integers >= 0";
        if (NodeText.TryGetInteger(value, out long count) && L.SeedCount.Contains(count))
        {
            return Enumerable.Range(0, (int)count).ToList().AsReadOnly();
        }

        ValueRules.Reject(value, g.PathOf(F.Seeds), expected, g.Errors);
        return null;
    }
}
