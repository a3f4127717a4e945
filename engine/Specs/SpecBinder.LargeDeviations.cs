using System.Globalization;
using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.LargeDeviations;
using F = MeanFieldCluster.Engine.Specs.SpecFields;
using L = MeanFieldCluster.Engine.Specs.SpecLimits;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>The <c>task</c> field and the <c>large_deviations</c> section (MATH section 6).</summary>
internal static partial class SpecBinder
{
    /// <summary>The task: <c>sgd</c> (default) or <c>large-deviations</c>.</summary>
    private static string? ReadTask(NodeReader r) => r.Choice(F.Task, "task", L.Tasks, L.SgdTask);

    private static LargeDeviationsSpec? ReadLargeDeviations(NodeReader root, string task)
    {
        bool wanted = task == L.LargeDeviationsTask;
        if (!wanted)
        {
            if (root.Has(F.LargeDeviations))
            {
                root.Errors.Add(root.PathOf(F.LargeDeviations), $"not used by task '{task}'; set task: {L.LargeDeviationsTask} to estimate rate functions");
            }

            return null;
        }

        NodeReader? d = root.Section(F.LargeDeviations, RecordReader.FieldsOf<LargeDeviationsSpec>(), required: true);
        if (d is null)
        {
            return null;
        }

        return RecordReader.Read<LargeDeviationsSpec>(d, custom: new Dictionary<string, Func<RecordReader.Field>>
        {
            [F.Modes] = () => RecordReader.Field.Of(ReadModes(d)),
            [F.XGrid] = () => RecordReader.Field.Of(ReadGrid(d, F.XGrid, requireZero: false)),
            [F.KGrid] = () => RecordReader.Field.Of(ReadGrid(d, F.KGrid, requireZero: true)),
            [F.RareEvents] = () => ReadRareEvents(d, out RareEventsSpec? rare) ? new(true, rare) : RecordReader.Field.Failed,
        });
    }

    // modes: one mode or a non-empty list of distinct modes; default [quenched].
    private static List<string>? ReadModes(NodeReader d)
    {
        JsonNode? value = d.Get(F.Modes);
        if (value is null)
        {
            return [.. RecordReader.DefaultOf<LargeDeviationsSpec, string[]>(nameof(LargeDeviationsSpec.Modes))];
        }

        JsonNode?[] items = value is JsonArray array ? [.. array] : [value];
        if (items.Length == 0)
        {
            d.Errors.Add(d.PathOf(F.Modes), $"[] is not allowed; expected one or more of {string.Join(", ", LdModes.All)}");
            return null;
        }

        var modes = new List<string>();
        for (int i = 0; i < items.Length; i++)
        {
            string path = value is JsonArray ? d.ItemPath(F.Modes, i) : d.PathOf(F.Modes);
            if (ValueRules.Choice(items[i], path, "mode", LdModes.All, d.Errors) is not { } mode)
            {
                return null;
            }

            if (modes.Contains(mode))
            {
                d.Errors.Add(path, $"'{mode}' is listed twice; expected distinct modes");
                return null;
            }

            modes.Add(mode);
        }

        return modes;
    }

    // A grid: a non-empty list of finite numbers (sorted, distinct), or {from, to, step}.
    private static double[]? ReadGrid(NodeReader d, string name, bool requireZero)
    {
        JsonNode? value = d.Get(name);
        double[]? grid = null;
        switch (value)
        {
            case null:
                d.Missing(name, "a list of numbers or {from, to, step}");
                return null;
            case JsonArray:
                IReadOnlyList<double>? list = d.List<double>(name, (v, p) => ValueRules.Number(v, p, Bounds.Any, d.Errors), "finite numbers", allowScalar: false, distinct: true);
                grid = list is null ? null : [.. list.Order()];
                break;
            case JsonObject:
                NodeReader? g = NodeReader.Open(value, d.PathOf(name), F.RangeFields, d.Errors);
                double? from = g?.Number(F.From, Bounds.Any), to = g?.Number(F.To, Bounds.Any), step = g?.Number(F.Step, Bounds.Above(0));
                if (g is null || from is null || to is null || step is null)
                {
                    return null;
                }

                if (!(to > from) || (to - from) / step > 100_000)
                {
                    d.Errors.Add(d.PathOf(name), $"from = {from}, to = {to}, step = {step} is not allowed; expected from < to and at most 100000 points");
                    return null;
                }

                grid = LdSettings.Grid(from.Value, to.Value, step.Value);
                break;
            default:
                ValueRules.Reject(value, d.PathOf(name), "a non-empty list of numbers, or {from, to, step}", d.Errors);
                return null;
        }

        if (grid is not null && requireZero && !grid.Contains(0.0))
        {
            d.Errors.Add(d.PathOf(name), "the k grid must contain k = 0 (the reliable range of tilts is the interval around 0)");
            return null;
        }

        return grid;
    }

    // Rules that tie the large-deviations section to the rest of the spec.
    private static void CheckLargeDeviations(SweepSpec spec, ErrorSink errors)
    {
        if (spec.LargeDeviations is not { } ld)
        {
            return;
        }

        string path = F.LargeDeviations + "." + F.Functional;
        if (ld.Functional == LdFunctionals.W1ToReference && Limit.RadialReduction.Check(spec) is { } reason)
        {
            errors.Add(path, $"'{ld.Functional}' compares with the mean-field limit, which needs the radial reduction: {reason}");
        }

        if (ld.Functional == LdFunctionals.MeanOutputWeight && !spec.Model.Train.Output && spec.Model.Init.OutputStd == 0)
        {
            errors.Add(path, "'mean-output-weight' is constant for this model (output weights neither trained nor random); expected a functional that varies");
        }

        if (spec.Grid.StepSize.Count != 1 || spec.Grid.Layers.Count != 1 || (spec.Grid.Gamma?.Count ?? 1) != 1)
        {
            errors.Add("grid", "a large-deviations sweep takes one step size, one layer count and one gamma; widths are its only axis (seeds are replaced by replicas)");
        }

        if (spec.Model.Init.Nested)
        {
            errors.Add(
                F.Model + "." + F.Init + "." + F.Nested,
                $"true is not allowed for task {L.LargeDeviationsTask}: its replicas draw their initial weights from the stream of (width, draw) when quenched or (width, replica) when annealed, so the per-neuron streams shared across widths would not be nested; expected false (omit it)");
        }

        CheckSpeedNScaling(spec, ld, errors);
    }

    // Hirsch–Willhalm's principle at speed N needs step α/N over a horizon T (MATH section 6): a fixed step lets
    // each step's data noise move all neurons together, and a fixed step count at α/N is a horizon that shrinks.
    private static void CheckSpeedNScaling(SweepSpec spec, LargeDeviationsSpec ld, ErrorSink errors)
    {
        bool trains = (spec.Training.Horizon ?? 0) > 0 || (spec.Training.Steps ?? 0) > 0;
        if (!trains || spec.Grid.StepSize.Count != 1)
        {
            return;
        }

        StepSizeSpec step = spec.Grid.StepSize[0];
        if (!step.DividedByWidth && !ld.AllowFixedStep)
        {
            int smallest = spec.Grid.Width.Min(w => w[0]);
            string alpha = (step.Value * smallest).ToString("G6", CultureInfo.InvariantCulture);
            errors.Add(
                SpecPath.Item("grid." + F.StepSize, 0),
                $"{step.Value.ToString("R", CultureInfo.InvariantCulture)} is not allowed for task {L.LargeDeviationsTask} with T > 0: with a fixed step the data noise of each step moves all neurons together and does not average out over them, so there is no principle at speed N; " +
                $"give the step as alpha/N (Hirsch–Willhalm's scaling), e.g. step_size: [\"{alpha}/N\"] (the same step at N = {smallest}), or set {F.LargeDeviations}.{F.AllowFixedStep}: true to run it anyway (not a speed-N principle)");
        }

        if (step.DividedByWidth && spec.Training.Horizon is null && (spec.Training.Steps ?? 0) > 0)
        {
            errors.Add(
                "training." + F.Steps,
                $"{spec.Training.Steps} is not allowed for task {L.LargeDeviationsTask} with step alpha/N: a fixed number of steps is a horizon that shrinks like 1/N; give training.horizon T instead (then each width runs NT/alpha steps)");
        }
    }

    // model.init.sampling: stratified covers one hidden layer (docs/large-deviations.md, quenched initial measures).
    private static void CheckInitSampling(SweepSpec spec, ErrorSink errors)
    {
        if (spec.Model.Init.Sampling == Networks.InitSamplings.Stratified && spec.Grid.Layers.Any(l => l != 1))
        {
            errors.Add(
                F.Model + "." + F.Init + "." + F.Sampling,
                $"'{Networks.InitSamplings.Stratified}' is not allowed with L = {string.Join(", ", spec.Grid.Layers.Where(l => l != 1))}; it stratifies the neurons of one hidden layer; expected iid for deeper networks");
        }

        // A stratified draw fills the layer jointly (one lattice over the neurons), so there are no per-neuron streams to nest.
        if (spec.Model.Init.Sampling == Networks.InitSamplings.Stratified && spec.Model.Init.Nested)
        {
            errors.Add(
                F.Model + "." + F.Init + "." + F.Nested,
                $"true is not allowed with {F.Model}.{F.Init}.{F.Sampling}: '{Networks.InitSamplings.Stratified}': a stratified draw places the N neurons jointly on one lattice, so a narrower network's neurons cannot be those of a wider one; expected {F.Nested}: false, or {F.Sampling}: '{Networks.InitSamplings.Iid}'");
        }
    }
}
