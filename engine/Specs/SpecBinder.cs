using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MeanFieldCluster.Engine.Data;
using F = MeanFieldCluster.Engine.Specs.SpecFields;
using L = MeanFieldCluster.Engine.Specs.SpecLimits;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Binds a normalized spec tree to a <see cref="SweepSpec"/>, checking every rule of docs/spec.md and
/// reporting every violation with its path. Returns null when anything was reported.
/// </summary>
internal static partial class SpecBinder
{
    private const string StepSizeForms =
        "a number > 0 and <= 10, or a string 'c/N' with c a finite number > 0 (ε = c / N_1, e.g. '0.5/N')";

    private const string WidthEntryForms =
        "an integer >= 1 and <= 10000000 (every hidden layer), or a non-empty list of such integers (one per hidden layer)";

    /// <summary>Binds <paramref name="root"/>.</summary>
    /// <param name="root">The normalized tree.</param>
    /// <param name="errors">Where problems are reported.</param>
    /// <param name="location">Where relative csv paths start, and the data root csv files must lie under (when set).</param>
    public static SweepSpec? Bind(JsonNode? root, ErrorSink errors, SpecLocation location)
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
        long? seed = r.Integer(F.Seed, L.Seed, RecordReader.DefaultOf<SweepSpec, long>(nameof(SweepSpec.Seed)));
        string task = ReadTask(r) ?? L.SgdTask;
        ModelParts model = ReadModel(r);
        DataSpec? data = ReadData(r, location);
        TrainingSpec? training = ReadTraining(r, allowZeroHorizon: task == L.LargeDeviationsTask);
        LargeDeviationsSpec? largeDeviations = ReadLargeDeviations(r, task);
        ObserveSpec? observe = ReadObserve(r);
        (GridSpec? grid, IReadOnlyList<int>? layers) = ReadGrid(r, model.Preset);
        CheckModelAgainstLayers(model, layers, errors);
        IReadOnlyList<string>? tags = ReadTags(r);
        string? notes = ReadNotes(r, out bool notesOk);

        if (errors.HasErrors || name is null || tags is null || !notesOk || seed is null || model.Spec is null || data is null
            || training is null || observe is null || grid is null)
        {
            return null;
        }

        if (task == L.LargeDeviationsTask && largeDeviations is null)
        {
            return null;
        }

        var spec = new SweepSpec(name, (ulong)seed.Value, model.Spec, data, training, observe, grid, largeDeviations) { Tags = tags, Notes = notes };
        CheckLargeDeviations(spec, errors);
        CheckRareEvents(spec, errors);
        CheckInitSampling(spec, errors);
        if (errors.HasErrors)
        {
            return null;
        }

        if (observe.Risk == RiskKinds.Population && Limit.RadialReduction.CheckPopulationRisk(spec) is { } reason)
        {
            errors.Add(F.Observe + "." + F.Risk, $"'{RiskKinds.Population}' is not available for this sweep: {reason}; expected '{RiskKinds.Test}'");
            return null;
        }

        return spec;
    }

    private static string? ReadName(NodeReader r)
    {
        if (!r.Has(F.Name))
        {
            return RecordReader.DefaultOf<SweepSpec, string>(nameof(SweepSpec.Name));
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

    // ---------------------------------------------------------------- model

    /// <summary>The parts of the model section needed by checks against the grid, each null when invalid.</summary>
    private sealed record ModelParts(string? Preset, ModelSpec? Spec, IReadOnlyList<double>? Gamma, TrainSpec? Train, bool? Bias)
    {
        public static readonly ModelParts None = new(null, null, null, null, null);
    }

    private static ModelParts ReadModel(NodeReader root)
    {
        NodeReader? m = root.Section(F.Model, RecordReader.FieldsOf<ModelSpec>(), required: true);
        if (m is null)
        {
            return ModelParts.None;
        }

        string? preset = m.Choice(F.Preset, "preset", Presets.All);
        PresetRules? rules = preset is null ? null : PresetRules.Of(preset);
        IReadOnlyList<double>? gamma = null;
        bool? bias = null;
        TrainSpec? train = null;
        ModelSpec? model = RecordReader.Read<ModelSpec>(m, custom: new Dictionary<string, Func<RecordReader.Field>>
        {
            [F.Preset] = () => RecordReader.Field.Of(preset),
            [F.Activation] = () => RecordReader.Field.Of(ReadModelActivation(m, preset)),
            [F.Init] = () => RecordReader.Field.Of(ReadInit(m)),
            [F.Gamma] = () => RecordReader.Field.Of(gamma = ReadModelGamma(m, preset)),
            [F.Bias] = () => RecordReader.Field.Of(bias = m.Bool(F.Bias, rules?.Bias ?? false)),
            [F.Train] = () => RecordReader.Field.Of(train = ReadTrain(m, rules)),
        });
        return new ModelParts(preset, model, gamma, train, bias);
    }

    /// <summary>The model's activation: identity for the linear preset (the only one it allows).</summary>
    private static ActivationSpec? ReadModelActivation(NodeReader m, string? preset)
    {
        bool linear = preset == Presets.Linear;
        ActivationSpec? activation = ReadActivation(m, F.Activation, linear ? new ActivationSpec(ActivationKinds.Identity) : null);
        if (linear && activation is not null && activation.Kind != ActivationKinds.Identity)
        {
            string path = m.Get(F.Activation) is JsonObject ? SpecPath.Child(m.PathOf(F.Activation), F.Kind) : m.PathOf(F.Activation);
            m.Errors.Add(path, $"activation {NodeText.Quote(activation.Kind)} is not allowed; preset linear is the linear neuron; activation must be identity");
            return null;
        }

        return activation;
    }

    /// <summary>An activation: a name or a mapping; <paramref name="fallback"/> when absent, or an error when there is none.</summary>
    private static ActivationSpec? ReadActivation(NodeReader parent, string name, ActivationSpec? fallback)
    {
        ActivationSpec? activation = ReadKind(parent, name, "activation", "activation", fallback);
        if (activation is { Kind: ActivationKinds.Ramp } ramp && ramp.T2 <= ramp.T1)
        {
            parent.Errors.Add(SpecPath.Child(parent.PathOf(name), F.T2), $"{NodeText.Number(ramp.T2)} is not allowed; expected a finite number > t1 = {NodeText.Number(ramp.T1)}");
            return null;
        }

        return activation;
    }

    /// <summary>
    /// A record with a kind (an activation, a schedule ξ): the kind's name, or a mapping with the kind and the
    /// fields that kind has (<see cref="ForKindsAttribute"/>), the rest at their declared defaults;
    /// <paramref name="fallback"/> when absent, or an error when there is none.
    /// </summary>
    private static T? ReadKind<T>(NodeReader parent, string name, string noun, string kindNoun, T? fallback)
        where T : class
    {
        JsonNode? value = parent.Get(name);
        string path = parent.PathOf(name);
        IReadOnlyList<string> kinds = RecordReader.ChoicesOf<T>(F.Kind);
        switch (value)
        {
            case null when fallback is not null:
                return fallback;
            case null:
                parent.Missing(name, $"one of {NodeText.List(kinds)}, or {NodeReader.MappingOf(RecordReader.FieldsOf<T>())}");
                return null;
            case JsonObject:
                NodeReader? r = NodeReader.Open(value, path, RecordReader.FieldsOf<T>(), parent.Errors);
                if (r?.Choice(F.Kind, noun, kinds) is not { } kind || !RejectOtherKinds(r, typeof(T), kindNoun, kind))
                {
                    return null;
                }

                return RecordReader.Read<T>(r, custom: new Dictionary<string, Func<RecordReader.Field>> { [F.Kind] = () => new(true, kind) });
            default:
                string? named = ValueRules.Choice(value, path, noun, kinds, parent.Errors);
                NodeReader? only = named is null ? null : NodeReader.Open(new JsonObject(), path, RecordReader.FieldsOf<T>(), parent.Errors);
                return only is null ? null : RecordReader.Read<T>(only, custom: new Dictionary<string, Func<RecordReader.Field>> { [F.Kind] = () => new(true, named) });
        }
    }

    /// <summary>
    /// Reports parameters of <paramref name="record"/> that other kinds have (<see cref="ForKindsAttribute"/>), given
    /// with kind <paramref name="kind"/>; true when there were none.
    /// </summary>
    private static bool RejectOtherKinds(NodeReader a, Type record, string noun, string kind)
    {
        bool ok = true;
        foreach ((string parameter, IReadOnlyList<string> owners) in RecordReader.FieldsOfOtherKinds(record, kind).Where(f => a.Has(f.Name)))
        {
            string reason = $"parameter {NodeText.Quote(parameter)} applies only to {noun} {string.Join(" or ", owners.Select(NodeText.Quote))}, not {NodeText.Quote(kind)}";
            a.Errors.Add(a.PathOf(parameter), $"{NodeText.Describe(a.Get(parameter))} is not allowed; {reason}");
            ok = false;
        }

        return ok;
    }

    private static InitSpec? ReadInit(NodeReader model) =>
        model.Section(F.Init, RecordReader.FieldsOf<InitSpec>(), required: false) is { } i ? RecordReader.Read<InitSpec>(i) : null;

    /// <summary>γ: one number or a list; every value must be 1 unless the preset frees it.</summary>
    private static IReadOnlyList<double>? ReadModelGamma(NodeReader m, string? preset)
    {
        IReadOnlyList<double>? gamma = m.List<double>(
            F.Gamma,
            (v, p) => ValueRules.Number(v, p, L.Gamma, m.Errors),
            L.Gamma.Describe(integer: false, plural: true),
            allowScalar: true,
            distinct: false,
            fallback: RecordReader.DefaultOf<ModelSpec, double[]>(nameof(ModelSpec.Gamma)));
        if (gamma is null || preset is null || PresetRules.Of(preset).FreeGamma)
        {
            return gamma;
        }

        bool ok = true;
        for (int i = 0; i < gamma.Count; i++)
        {
            if (gamma[i] != 1.0)
            {
                m.Errors.Add(m.ItemPath(F.Gamma, i), $"{NodeText.Number(gamma[i])} is not allowed; {FixedGamma(preset)}");
                ok = false;
            }
        }

        return ok ? gamma : null;
    }

    private static string FixedGamma(string preset) => $"preset {preset} fixes gamma = 1; use preset {Presets.Normalized} for other values";

    /// <summary>The trained blocks: the preset's defaults, overridden by the fields given.</summary>
    private static TrainSpec? ReadTrain(NodeReader model, PresetRules? rules)
    {
        NodeReader? t = model.Section(F.Train, RecordReader.FieldsOf<TrainSpec>(), required: false);
        TrainSpec? train = t is null ? null : RecordReader.Read(t, rules?.Train ?? new TrainSpec(First: false, Hidden: false, Output: false, Bias: false));
        return rules is null ? null : train;
    }

    /// <summary>Checks γ's length and that something is trained, for every layer count of the grid.</summary>
    private static void CheckModelAgainstLayers(ModelParts model, IReadOnlyList<int>? layers, ErrorSink errors)
    {
        if (layers is null)
        {
            return;
        }

        if (model.Gamma is { Count: > 1 } gamma && layers.Where(l => l != gamma.Count).ToList() is { Count: > 0 } bad)
        {
            errors.Add(
                SpecPath.Child(F.Model, F.Gamma),
                $"a list of {gamma.Count} values is not allowed with {LayerCounts(bad)}; expected one γ per hidden layer (a list as long as every L of grid.layers) or a single value for every layer");
        }

        if (model.Train is { } train && model.Bias is { } bias
            && layers.Select(l => Frozen(train, bias, l)).FirstOrDefault(m => m is not null) is { } message)
        {
            errors.Add(SpecPath.Child(F.Model, F.Train), message);
        }
    }

    /// <summary>Why nothing would be trained with <paramref name="layers"/> hidden layers, or null when something is.</summary>
    private static string? Frozen(TrainSpec t, bool bias, int layers)
    {
        if (t.First || (t.Hidden && layers >= 2) || t.Output || (t.Bias && bias))
        {
            return null;
        }

        string hidden = t.Hidden ? "hidden = true has no effect with one hidden layer" : "hidden = false";
        string biases = t.Bias ? "bias = true has no effect without biases (model.bias = false)" : "bias = false";
        string hiddenOn = layers >= 2 ? "hidden" : "hidden (with L >= 2)";
        string biasOn = bias ? "bias" : "bias (with model.bias: true)";
        return $"nothing is trained with L = {layers}: first = false, {hidden}, output = false, {biases}; "
            + $"expected at least one trained block: switch on first, output, {hiddenOn} or {biasOn}";
    }

    private static string LayerCounts(IReadOnlyList<int> layers) =>
        layers.Count == 1 ? $"L = {layers[0]}" : $"L = {string.Join(", ", layers)} (grid.layers)";

    // ---------------------------------------------------------------- data

    private static DataSpec? ReadData(NodeReader root, SpecLocation location)
    {
        JsonNode? value = root.Get(F.Data);
        if (value is null)
        {
            root.Missing(F.Data, NodeReader.MappingOf(RecordReader.FieldsOf<DataSpec>()));
            return null;
        }

        string? known = value is JsonObject obj && NodeText.TryGetString(obj[F.Kind], out string k) && DataKinds.All.Contains(k, StringComparer.Ordinal) ? k : null;
        IReadOnlyList<string> fields = known is null ? RecordReader.FieldsOf<DataSpec>() : RecordReader.FieldsOfKind(typeof(DataSpec), known);
        NodeReader? d = NodeReader.Open(value, root.PathOf(F.Data), fields, root.Errors, key => Misplaced(known, key));
        if (d is null)
        {
            return null;
        }

        string? kind = d.Choice(F.Kind, "data kind", DataKinds.All);
        if (kind == DataKinds.Csv)
        {
            return ReadCsv(d, location) is { } csv ? new DataSpec(kind, csv.Features.Count, Csv: csv) : null;
        }

        if (kind is null)
        {
            // Unknown kind: still check the fields every kind reads the same way.
            if (d.Has(F.Dimension))
            {
                d.Integer(F.Dimension, L.Dimension);
            }

            foreach ((string field, Bounds bounds) in new[] { (F.Delta, L.Delta), (F.Noise, L.NonNegative) }.Where(f => d.Has(f.Item1)))
            {
                d.Number(field, bounds);
            }

            return null;
        }

        // The kind's fields (ForKinds), read from the record's declaration; s0 counts informative coordinates
        // among the d: from 1 to d (to the largest d while d is unknown).
        long? dimension = null;
        return RecordReader.Read<DataSpec>(d, kind: kind, custom: new Dictionary<string, Func<RecordReader.Field>>
        {
            [F.Kind] = () => new(true, kind),
            [F.Dimension] = () => (dimension = d.Integer(F.Dimension, L.Dimension)) is { } n ? new(true, (int)n) : RecordReader.Field.Failed,
            [F.InformativeDimensions] = () => d.Integer(F.InformativeDimensions, dimension is { } dim ? Bounds.Between(1, dim) : L.Dimension) is { } s0 ? new(true, (int)s0) : RecordReader.Field.Failed,
            [F.Teacher] = () => RecordReader.Field.Of(ReadTeacher(d)),
        });
    }

    /// <summary>Why a field of another data kind is not allowed with <paramref name="kind"/>; null for unknown fields.</summary>
    private static string? Misplaced(string? kind, string key)
    {
        if (kind is null || !RecordReader.FieldsOf<DataSpec>().Contains(key, StringComparer.Ordinal))
        {
            return null;
        }

        return kind == DataKinds.Csv && key == F.Dimension
            ? "csv data has no field 'd': the dimension is the number of feature columns"
            : $"field {NodeText.Quote(key)} is not used by data kind {NodeText.Quote(kind)}";
    }

    private static TeacherSpec? ReadTeacher(NodeReader data)
    {
        if (!data.Has(F.Teacher))
        {
            data.Missing(F.Teacher, NodeReader.MappingOf(RecordReader.FieldsOf<TeacherSpec>()));
            return null;
        }

        NodeReader? t = NodeReader.Open(data.Get(F.Teacher), data.PathOf(F.Teacher), RecordReader.FieldsOf<TeacherSpec>(), data.Errors);
        return t is null ? null : RecordReader.Read<TeacherSpec>(t, custom: new Dictionary<string, Func<RecordReader.Field>>
        {
            [F.Activation] = () => RecordReader.Field.Of(ReadActivation(t, F.Activation, new ActivationSpec(ActivationKinds.Relu))),
        });
    }

    /// <summary>
    /// The csv section: its fields, then (only when they are all valid) the file itself, its columns and
    /// the number of rows left for training.
    /// </summary>
    private static CsvSpec? ReadCsv(NodeReader data, SpecLocation location)
    {
        if (!data.Has(F.Csv))
        {
            data.Missing(F.Csv, NodeReader.MappingOf(RecordReader.FieldsOf<CsvSpec>()));
            return null;
        }

        int before = data.Errors.Count;
        NodeReader? c = NodeReader.Open(data.Get(F.Csv), data.PathOf(F.Csv), RecordReader.FieldsOf<CsvSpec>(), data.Errors);
        if (c is null)
        {
            return null;
        }

        string? path = c.Text(F.CsvPath, "a non-empty string: the csv file, absolute or relative to the spec file's folder");
        string? label = c.Text(F.Label, "a non-empty string: the name of the label column");
        IReadOnlyList<string>? features = c.Has(F.Features)
            ? c.ObjectList<string>(F.Features, (v, p) => ColumnName(v, p, c.Errors), "distinct column names", allowScalar: false, StringComparer.Ordinal)
            : null;
        double? testFraction = c.Number(F.TestFraction, L.TestFraction, CsvSpec.DefaultTestFraction);
        bool? standardize = c.Bool(F.StandardizeLabel, false);
        if (data.Errors.Count > before || path is null || label is null || testFraction is null || standardize is null)
        {
            return null;
        }

        if (ResolvePath(c, path, location) is not { } fullPath || ReadTable(c, fullPath) is not { } table)
        {
            return null;
        }

        return CheckColumns(c, fullPath, table, label, features, testFraction.Value, standardize.Value);
    }

    private static string? ColumnName(JsonNode? value, string path, ErrorSink errors)
    {
        if (NodeText.TryGetString(value, out string name) && name.Length > 0)
        {
            return name;
        }

        ValueRules.Reject(value, path, "a column name (a non-empty string; quote names that look like numbers)", errors);
        return null;
    }

    private static string? ResolvePath(NodeReader c, string path, SpecLocation location)
    {
        try
        {
            string full = Path.GetFullPath(path, location.BaseDirectory);
            if (location.DataRoot is null)
            {
                return full;
            }

            // Links are followed, so a link under the root cannot lead outside it.
            string root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(location.DataRoot));
            string target = File.Exists(full) ? new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full : full;
            string? folder = Path.GetDirectoryName(target);
            string realFolder = folder is not null && Directory.Exists(folder) ? new DirectoryInfo(folder).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? folder : folder ?? target;
            string resolved = Path.Combine(realFolder, Path.GetFileName(target));
            if (!resolved.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                c.Errors.Add(c.PathOf(F.CsvPath), $"{NodeText.Quote(path)} is outside the data root {NodeText.Quote(root)}; expected a csv file under it (the cluster's data root is set by its operators)");
                return null;
            }

            return full;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            c.Errors.Add(c.PathOf(F.CsvPath), $"{NodeText.Quote(path)} is not allowed: {e.Message}; expected the path of a csv file");
            return null;
        }
    }

    private static CsvShape? ReadTable(NodeReader c, string fullPath)
    {
        try
        {
            return CsvShape.Of(fullPath);
        }
        catch (CsvFormatException e)
        {
            string message = e.Message.Contains(fullPath, StringComparison.Ordinal) ? e.Message : $"csv file '{fullPath}', {e.Message}";
            string expected = File.Exists(fullPath)
                ? "a header row of column names, then rows of numbers separated by commas"
                : "the path of an existing csv file";
            c.Errors.Add(c.PathOf(F.CsvPath), $"{message}; expected {expected}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            c.Errors.Add(c.PathOf(F.CsvPath), $"csv file '{fullPath}' cannot be read: {e.Message}; expected a readable csv file");
        }

        return null;
    }

    private static CsvSpec? CheckColumns(NodeReader c, string fullPath, CsvShape table, string label, IReadOnlyList<string>? features, double testFraction, bool standardize)
    {
        var columns = new HashSet<string>(table.Columns, StringComparer.Ordinal);
        string available = $"expected one of its columns: {ColumnList(table.Columns)}";
        bool ok = true;
        if (!columns.Contains(label))
        {
            c.Errors.Add(c.PathOf(F.Label), $"{NodeText.Quote(label)} is not a column of '{fullPath}'; {available}");
            ok = false;
        }

        for (int i = 0; features is not null && i < features.Count; i++)
        {
            string path = SpecPath.Item(c.PathOf(F.Features), i);
            if (features[i] == label)
            {
                c.Errors.Add(path, $"{NodeText.Quote(features[i])} is not allowed; it is the label column, which cannot also be a feature");
                ok = false;
            }
            else if (!columns.Contains(features[i]))
            {
                c.Errors.Add(path, $"{NodeText.Quote(features[i])} is not a column of '{fullPath}'; {available}");
                ok = false;
            }
        }

        IReadOnlyList<string> resolved = features ?? table.Columns.Where(name => name != label).ToList().AsReadOnly();
        if (ok && !L.Dimension.Contains(resolved.Count))
        {
            string where = features is null ? c.Path : c.PathOf(F.Features);
            c.Errors.Add(where, $"the data would have {resolved.Count} feature columns; expected at least 1 and at most {NodeText.Number(L.Dimension.Max ?? 0)} (every column but the label, unless features are listed)");
            ok = false;
        }

        int rows = table.Rows;
        int testRows = CsvSplit.TestRows(rows, testFraction);
        if (rows - testRows < CsvSplit.MinTrainingRows)
        {
            c.Errors.Add(
                c.PathOf(F.TestFraction),
                $"{NodeText.Number(testFraction)} is not allowed with the {rows} data rows of '{fullPath}': it holds out {testRows} test rows and leaves {rows - testRows} training rows; expected a fraction that leaves at least 1 test row and {CsvSplit.MinTrainingRows} training rows");
            ok = false;
        }

        return ok ? new CsvSpec(fullPath, label, resolved, testFraction, standardize) : null;
    }

    private static string ColumnList(IReadOnlyList<string> columns) =>
        columns.Count <= L.MaxListedColumns
            ? NodeText.List(columns)
            : $"{NodeText.List(columns.Take(L.MaxListedColumns))}, ... ({columns.Count} columns)";

    // ---------------------------------------------------------------- training

    private static TrainingSpec? ReadTraining(NodeReader root, bool allowZeroHorizon)
    {
        NodeReader? t = root.Section(F.Training, F.TrainingFields, required: true);
        if (t is null)
        {
            return null;
        }

        bool ok = CheckHorizonOrSteps(t);
        string horizonKey = t.Has(F.HorizonAlias) && !t.Has(F.Horizon) ? F.HorizonAlias : F.Horizon;
        double? horizon = t.Has(horizonKey) ? t.Number(horizonKey, allowZeroHorizon ? L.NonNegative : L.Horizon) : null;
        long? steps = t.Has(F.Steps) ? t.Integer(F.Steps, L.Steps) : null;
        ok &= t.Has(horizonKey) == horizon.HasValue && t.Has(F.Steps) == steps.HasValue;
        TrainingSpec? training = RecordReader.Read<TrainingSpec>(t, custom: new Dictionary<string, Func<RecordReader.Field>>
        {
            [F.Horizon] = () => new(true, horizon),
            [F.Steps] = () => new(true, steps),
            [F.Xi] = () => RecordReader.Field.Of(ReadKind(t, F.Xi, "learning-rate schedule", "xi kind", new XiSpec())),
            [F.Beta] = () => ReadBeta(t, out double? beta) ? new(true, beta) : RecordReader.Field.Failed,
        });
        return ok ? training : null;
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

    /// <summary>β: a finite number &gt; 0, or ∞ (.inf, "inf", "infinity", or not given) read as null.</summary>
    private static bool ReadBeta(NodeReader t, out double? beta)
    {
        beta = null;
        JsonNode? value = t.Get(F.Beta);
        if (value is null)
        {
            return true;
        }

        if (NodeText.TryGetNumber(value, out double number))
        {
            if (double.IsPositiveInfinity(number))
            {
                return true;
            }

            if (L.Positive.Contains(number))
            {
                beta = number;
                return true;
            }
        }
        else if (NodeText.TryGetString(value, out string text) && L.InfinityWords.Contains(text.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            return true;
        }

        ValueRules.Reject(value, t.PathOf(F.Beta), "a finite number > 0, or .inf (also 'inf', 'infinity' or null) for β = ∞", t.Errors);
        return false;
    }

    // ---------------------------------------------------------------- observe

    private static ObserveSpec? ReadObserve(NodeReader root)
    {
        NodeReader? o = root.Section(F.Observe, RecordReader.FieldsOf<ObserveSpec>(), required: false);
        if (o is null)
        {
            return null;
        }

        return RecordReader.Read<ObserveSpec>(o, custom: new Dictionary<string, Func<RecordReader.Field>>
        {
            [F.RiskTimes] = () => RecordReader.Field.Of(ReadTimeGrid(o, F.RiskTimes, L.DefaultRiskCount)),
            [F.SnapshotTimes] = () => RecordReader.Field.Of(ReadTimeGrid(o, F.SnapshotTimes, L.DefaultSnapshotCount)),
            [F.RawTimes] = () => ReadRawTimes(o, out IReadOnlyList<double>? raw) ? new(true, raw) : RecordReader.Field.Failed,
            [F.Dependence] = () => RecordReader.Field.Of(ReadDependence(o)),
        });
    }

    private static TimeGrid? ReadTimeGrid(NodeReader observe, string name, int defaultCount)
    {
        JsonNode? value = observe.Get(name);
        switch (value)
        {
            case null:
                return new TimeGrid(null, defaultCount, Spacings.Linear);
            case JsonArray:
                IReadOnlyList<double>? times = ReadTimes(observe, name);
                return times is null ? null : new TimeGrid(times, defaultCount, Spacings.Linear);
            case JsonObject:
                NodeReader? g = NodeReader.Open(value, observe.PathOf(name), F.TimeGridFields, observe.Errors);
                return g is null ? null : ReadGeneratedTimes(g, defaultCount);
            default:
                string expected = $"a non-empty list of times >= 0, or {NodeReader.MappingOf(F.TimeGridFields)}";
                ValueRules.Reject(value, observe.PathOf(name), expected, observe.Errors);
                return null;
        }
    }

    private static IReadOnlyList<double>? ReadTimes(NodeReader observe, string name) =>
        observe.List<double>(
            name,
            (v, p) => ValueRules.Number(v, p, L.NonNegative, observe.Errors),
            L.NonNegative.Describe(integer: false, plural: true),
            allowScalar: false,
            distinct: false);

    private static TimeGrid? ReadGeneratedTimes(NodeReader g, int defaultCount) =>
        RecordReader.Read(g, new TimeGrid(null, defaultCount), new Dictionary<string, Func<RecordReader.Field>> { ["times"] = () => new(true, null) });

    /// <summary>raw_times: an explicit list of times, or absent (null: no raw dumps).</summary>
    private static bool ReadRawTimes(NodeReader observe, out IReadOnlyList<double>? times)
    {
        times = null;
        if (!observe.Has(F.RawTimes))
        {
            return true;
        }

        times = ReadTimes(observe, F.RawTimes);
        return times is not null;
    }

    private static DependenceSpec? ReadDependence(NodeReader observe) =>
        observe.Section(F.Dependence, RecordReader.FieldsOf<DependenceSpec>(), required: false) is { } d ? RecordReader.Read<DependenceSpec>(d) : null;

    // ---------------------------------------------------------------- grid

    /// <summary>One entry of grid.width, remembering whether it was written as a per-layer list.</summary>
    private sealed record WidthEntry(IReadOnlyList<int> Widths, bool PerLayer);

    /// <summary>Width entries are repeats when they hold the same widths, however written.</summary>
    private sealed class SameWidths : IEqualityComparer<WidthEntry>
    {
        public static readonly SameWidths Instance = new();

        public bool Equals(WidthEntry? x, WidthEntry? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.Widths.SequenceEqual(y.Widths));

        public int GetHashCode(WidthEntry obj)
        {
            var hash = default(HashCode);
            foreach (int w in obj.Widths)
            {
                hash.Add(w);
            }

            return hash.ToHashCode();
        }
    }

    /// <summary>
    /// The grid and its layer counts. The layer counts are returned, for the model's checks, whenever they
    /// are valid, even when another grid field is not.
    /// </summary>
    private static (GridSpec? Grid, IReadOnlyList<int>? Layers) ReadGrid(NodeReader root, string? preset)
    {
        NodeReader? g = root.Section(F.Grid, F.GridFields, required: true);
        if (g is null)
        {
            return (null, null);
        }

        PresetRules? rules = preset is null ? null : PresetRules.Of(preset);
        IReadOnlyList<WidthEntry>? width = g.ObjectList<WidthEntry>(
            F.Width,
            (v, p) => ReadWidthEntry(v, p, g.Errors),
            "widths (each an integer, or a list of integers with one per hidden layer; every integer >= 1 and <= 10000000)",
            allowScalar: true,
            SameWidths.Instance);
        IReadOnlyList<StepSizeSpec>? stepSize = g.ObjectList<StepSizeSpec>(
            F.StepSize,
            (v, p) => ReadStepSize(v, p, g.Errors),
            "step sizes (each a number > 0 and <= 10, or a string 'c/N')",
            allowScalar: true,
            EqualityComparer<StepSizeSpec>.Default);
        IReadOnlyList<int>? layers = IntegerList(g, F.Layers, L.Layers, fallback: [rules?.MinLayers ?? 1]);
        bool gammaOk = ReadGridGamma(g, preset, out IReadOnlyList<double>? gamma);
        IReadOnlyList<int>? seeds = ReadSeeds(g);
        bool layersOk = layers is not null && CheckLayers(g, layers, preset);
        bool ok = layersOk;
        ok &= width is null || !layersOk || CheckWidthLengths(g, width, layers!);
        ok &= width is null || stepSize is null || CheckStepSizes(g, stepSize, width);
        IReadOnlyList<int>? validLayers = layersOk ? layers : null;
        if (width is null || stepSize is null || layers is null || seeds is null || !gammaOk || !ok)
        {
            return (null, validLayers);
        }

        int gammaCount = gamma?.Count ?? 1;
        long points = (long)layers.Count * width.Count * gammaCount * stepSize.Count * seeds.Count;
        if (points > L.MaxPoints)
        {
            string sizes = $"layers × widths × gammas × step sizes × seeds = {layers.Count} × {width.Count} × {gammaCount} × {stepSize.Count} × {seeds.Count}";
            g.Errors.Add(g.Path, $"the grid has {points} points ({sizes}); expected at most {L.MaxPoints}");
            return (null, validLayers);
        }

        IReadOnlyList<IReadOnlyList<int>> widths = width.Select(w => w.Widths).ToList().AsReadOnly();
        return (new GridSpec(widths, stepSize, layers, seeds, gamma), validLayers);
    }

    private static WidthEntry? ReadWidthEntry(JsonNode? value, string path, ErrorSink errors)
    {
        switch (value)
        {
            case JsonArray { Count: 0 }:
                errors.Add(path, $"the list must not be empty; expected {WidthEntryForms}");
                return null;
            case JsonArray array:
                var widths = new List<int>(array.Count);
                for (int i = 0; i < array.Count; i++)
                {
                    if (ValueRules.Integer(array[i], SpecPath.Item(path, i), L.Width, errors) is { } w)
                    {
                        widths.Add((int)w);
                    }
                }

                return widths.Count == array.Count ? new WidthEntry(widths.AsReadOnly(), PerLayer: true) : null;
            case JsonObject:
                ValueRules.Reject(value, path, WidthEntryForms, errors);
                return null;
            default:
                return ValueRules.Integer(value, path, L.Width, errors) is { } n ? new WidthEntry([(int)n], PerLayer: false) : null;
        }
    }

    /// <summary>A per-layer width list must have one width for every L of the grid.</summary>
    private static bool CheckWidthLengths(NodeReader g, IReadOnlyList<WidthEntry> width, IReadOnlyList<int> layers)
    {
        bool ok = true;
        for (int i = 0; i < width.Count; i++)
        {
            int count = width[i].Widths.Count;
            if (width[i].PerLayer && layers.Where(l => l != count).ToList() is { Count: > 0 } bad)
            {
                g.Errors.Add(
                    g.ItemPath(F.Width, i),
                    $"a list of {count} widths is not allowed with {LayerCounts(bad)}; expected one width per hidden layer (a list as long as every L of grid.layers) or a single integer for every layer");
                ok = false;
            }
        }

        return ok && (layers.Count != 1 || CheckSameNetworks(g, width, layers[0]));
    }

    /// <summary>
    /// With one layer count L, a per-layer list of equal widths is the same network as that uniform width
    /// (<c>[5, 5]</c> and <c>5</c> with L = 2): a repeated entry.
    /// </summary>
    private static bool CheckSameNetworks(NodeReader g, IReadOnlyList<WidthEntry> width, int layers)
    {
        var first = new Dictionary<string, int>(StringComparer.Ordinal);
        bool ok = true;
        for (int i = 0; i < width.Count; i++)
        {
            IReadOnlyList<int> w = width[i].Widths;
            string key = string.Join(',', w.Count == 1 ? Enumerable.Repeat(w[0], layers) : w);
            if (!first.TryAdd(key, i))
            {
                string path = g.ItemPath(F.Width, i);
                string reason = $"with L = {layers} it gives the same widths ({key.Replace(",", ", ", StringComparison.Ordinal)}) as {g.ItemPath(F.Width, first[key])} (entries must be distinct)";
                g.Errors.Add(path, $"{NodeText.Describe(ItemValue(g, F.Width, i))} is not allowed; {reason}");
                ok = false;
            }
        }

        return ok;
    }

    /// <summary>Item <paramref name="index"/> of a list field, or the field itself when it is a single value.</summary>
    private static JsonNode? ItemValue(NodeReader r, string name, int index) =>
        r.Get(name) is JsonArray array ? array[index] : r.Get(name);

    private static StepSizeSpec? ReadStepSize(JsonNode? value, string path, ErrorSink errors)
    {
        if (NodeText.TryGetNumber(value, out _))
        {
            return ValueRules.Number(value, path, L.StepSize, errors) is { } eps ? new StepSizeSpec(eps) : null;
        }

        if (NodeText.TryGetString(value, out string text) && OverWidth().Match(text) is { Success: true } match
            && double.TryParse(match.Groups["c"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double c)
            && L.Positive.Contains(c))
        {
            return new StepSizeSpec(c, DividedByWidth: true);
        }

        ValueRules.Reject(value, path, StepSizeForms, errors);
        return null;
    }

    /// <summary>A step size c/N must give ε = c / N_1 &lt;= 10 for every width of the grid.</summary>
    private static bool CheckStepSizes(NodeReader g, IReadOnlyList<StepSizeSpec> stepSize, IReadOnlyList<WidthEntry> width)
    {
        int narrowest = width.Min(w => w.Widths[0]);
        bool ok = true;
        for (int i = 0; i < stepSize.Count; i++)
        {
            StepSizeSpec s = stepSize[i];
            double eps = s.Resolve(narrowest);
            if (s.DividedByWidth && eps > L.MaxStepSize)
            {
                g.Errors.Add(
                    g.ItemPath(F.StepSize, i),
                    $"'{NodeText.Number(s.Value)}/N' is not allowed with first hidden width N_1 = {narrowest}: it gives ε = {NodeText.Number(eps)}; expected c / N_1 <= {NodeText.Number(L.MaxStepSize)} for every width of the grid");
                ok = false;
            }
        }

        return ok;
    }

    /// <summary>The optional γ axis: only for presets that free γ.</summary>
    private static bool ReadGridGamma(NodeReader g, string? preset, out IReadOnlyList<double>? gamma)
    {
        gamma = null;
        if (!g.Has(F.Gamma))
        {
            return true;
        }

        if (preset is not null && !PresetRules.Of(preset).FreeGamma)
        {
            string reason = $"the gamma axis is allowed only for preset {Presets.Normalized} ({FixedGamma(preset)})";
            g.Errors.Add(g.PathOf(F.Gamma), $"{NodeText.Describe(g.Get(F.Gamma))} is not allowed; {reason}");
            return false;
        }

        gamma = g.List<double>(
            F.Gamma,
            (v, p) => ValueRules.Number(v, p, L.Gamma, g.Errors),
            L.Gamma.Describe(integer: false, plural: true),
            allowScalar: true,
            distinct: true);
        return gamma is not null;
    }

    private static IReadOnlyList<int>? IntegerList(NodeReader g, string name, Bounds bounds, IReadOnlyList<int>? fallback) =>
        g.List<int>(
            name,
            (v, p) => ValueRules.Integer(v, p, bounds, g.Errors) is { } n ? (int)n : null,
            bounds.Describe(integer: true, plural: true),
            allowScalar: true,
            distinct: true,
            fallback);

    /// <summary>Every layer count must be one the preset allows.</summary>
    private static bool CheckLayers(NodeReader g, IReadOnlyList<int> layers, string? preset)
    {
        if (preset is null)
        {
            return true;
        }

        PresetRules rules = PresetRules.Of(preset);
        bool ok = true;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] < rules.MinLayers || layers[i] > rules.MaxLayers)
            {
                g.Errors.Add(g.ItemPath(F.Layers, i), $"{layers[i]} is not allowed; {rules.LayerRule(preset)}");
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
            return IntegerList(g, F.Seeds, L.SeedIndex, fallback: RecordReader.DefaultOf<GridSpec, int[]>(nameof(GridSpec.Seeds)));
        }

        string expected = $"a seed count ({L.SeedCount.Describe(integer: true)}) or a non-empty list of distinct integers >= 0";
        if (NodeText.TryGetInteger(value, out long count) && L.SeedCount.Contains(count))
        {
            return Enumerable.Range(0, (int)count).ToList().AsReadOnly();
        }

        ValueRules.Reject(value, g.PathOf(F.Seeds), expected, g.Errors);
        return null;
    }

    /// <summary>"c/N": a number, a slash and a capital N, with optional spaces.</summary>
    [GeneratedRegex(@"^\s*(?<c>[^/\s][^/]*?)\s*/\s*N\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex OverWidth();
}
