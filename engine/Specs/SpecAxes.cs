using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using F = MeanFieldCluster.Engine.Specs.SpecFields;
using L = MeanFieldCluster.Engine.Specs.SpecLimits;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Any field is an axis (docs/spec.md, "Any field is an axis"): <c>grid:</c> entries named by a spec path
/// (<c>model.init.kappa: [0.5, 0.8]</c>) and <c>--sweep path=v1,v2</c>. A point's spec is the sweep's spec
/// with the point's field coordinates set, bound again by the same rules, so every combination is checked
/// the way a spec written with those values would be.
/// </summary>
public static class SpecAxes
{
    /// <summary>Field combinations checked one by one when a spec is loaded; beyond it, each value is checked with the others' first values.</summary>
    public const int MaxCheckedCombinations = 4096;

    /// <summary>The grid's own axes as written in <c>grid:</c> and <c>--sweep</c>.</summary>
    private static readonly IReadOnlyList<string> NamedAxes = F.GridFields;

    private static readonly ConditionalWeakTable<SweepSpec, ConcurrentDictionary<string, SweepSpec>> Resolved = new();

    /// <summary>The spec of one point: <paramref name="spec"/> with the point's field coordinates set.</summary>
    /// <param name="spec">The sweep's spec.</param>
    /// <param name="point">A point planned from it.</param>
    /// <returns><paramref name="spec"/> itself when the point has no field coordinates.</returns>
    /// <exception cref="SpecException">The combination is not valid (never for specs from <see cref="SpecLoader"/>).</exception>
    public static SweepSpec ForPoint(this SweepSpec spec, PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(point);
        return At(spec, [.. point.FieldCoordinates]);
    }

    /// <summary>The spec at one combination of field coordinates (cached per spec instance).</summary>
    /// <param name="spec">The sweep's spec.</param>
    /// <param name="coordinates">Values of field axes, by spec path.</param>
    /// <returns>The resolved spec, without field axes.</returns>
    /// <exception cref="SpecException">The combination is not valid.</exception>
    public static SweepSpec At(SweepSpec spec, IReadOnlyList<AxisCoordinate> coordinates)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(coordinates);
        if (coordinates.Count == 0 && spec.Grid.Axes.Count == 0)
        {
            return spec;
        }

        string key = string.Join('\n', coordinates.Select(c => $"{c.Axis}={c.Value.Json}"));
        return Resolved.GetOrCreateValue(spec).GetOrAdd(key, _ =>
        {
            var sink = new ErrorSink();
            SweepSpec? resolved = Resolve(spec, coordinates, sink);
            sink.ThrowIfAny();
            return resolved!;
        });
    }

    /// <summary>Every path of the spec format (sections and fields), for suggestions.</summary>
    public static IReadOnlyList<string> AllPaths => SpecJsonSchema.Paths;

    /// <summary>Why the field at <paramref name="path"/> cannot vary per point, or null when it can.</summary>
    public static string? FixedReason(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        bool Under(string prefix) => path == prefix || path.StartsWith(prefix + ".", StringComparison.Ordinal);
        return path switch
        {
            _ when Under(F.Name) => "the name is one per sweep",
            _ when Under(F.Seed) => "the sweep seed is one per sweep; vary the seed indices with grid.seeds (or --sweep seeds=...)",
            _ when Under(F.Task) => "the task decides how the whole sweep is planned; run one sweep per task",
            _ when Under(F.Grid) => "grid fields are the axes themselves",
            _ when Under(F.LargeDeviations) => "a large-deviations study is planned as replicas of one spec; run one study per value",
            _ when Under(F.Observe) => "what is observed, and when, is shared by the whole sweep so that curves, laws and fits compare points at the same times",
            _ when Under($"{F.Model}.{F.Preset}") => "the preset fixes the architecture, its layer counts and trained blocks; run one sweep per preset",
            _ when Under($"{F.Model}.{F.Gamma}") => "γ has its own axis: use grid.gamma (or --sweep gamma=...)",
            _ => null,
        };
    }

    /// <summary>
    /// The axes nearest to <paramref name="path"/>: named axes and the paths of fields that may vary, by edit
    /// distance on the whole path and on its last segment.
    /// </summary>
    public static IReadOnlyList<string> Nearest(string path, int count = 3)
    {
        ArgumentNullException.ThrowIfNull(path);
        string last = path[(path.LastIndexOf('.') + 1)..];
        return [.. NamedAxes.Concat(AllPaths.Where(p => FixedReason(p) is null))
            .Select(p => (Path: p, Score: Math.Min(Distance(path, p), Distance(last, p[(p.LastIndexOf('.') + 1)..]) + 1)))
            .OrderBy(x => x.Score)
            .ThenBy(x => x.Path, StringComparer.Ordinal)
            .Take(count)
            .Select(x => x.Path)];
    }

    /// <summary>
    /// The <c>--set</c> override that a <c>--sweep path=v1,v2</c> item stands for: <c>grid.path=[v1,v2]</c>
    /// (a named axis such as <c>width</c> or a field path such as <c>data.delta</c>; values split at
    /// commas outside brackets, braces and quotes).
    /// </summary>
    /// <param name="sweep">The item.</param>
    /// <param name="error">Why the item is malformed, when the result is null.</param>
    /// <returns>The override, or null.</returns>
    public static string? ToOverride(string sweep, out string? error)
    {
        ArgumentNullException.ThrowIfNull(sweep);
        int eq = sweep.IndexOf('=', StringComparison.Ordinal);
        string path = eq < 0 ? "" : sweep[..eq].Trim();
        if (path.Length == 0 || path.Split('.').Any(s => s.Trim().Length == 0) || eq == sweep.Length - 1)
        {
            error = $"--sweep: {NodeText.Quote(sweep)} is malformed; expected path=v1,v2,..., e.g. --sweep data.delta=0.2,0.5 or --sweep width=100,200";
            return null;
        }

        List<string> values = [.. SplitTopLevel(sweep[(eq + 1)..]).Select(v => v.Trim())];
        if (values.FindIndex(v => v.Length == 0) is int empty and >= 0)
        {
            error = $"--sweep: {NodeText.Quote(sweep)} has an empty value (value {empty + 1} of {values.Count}); expected path=v1,v2,... with a value between every two commas, e.g. --sweep data.delta=0.2,0.5";
            return null;
        }

        error = null;
        string key = path.StartsWith(F.Grid + ".", StringComparison.Ordinal) ? path[(F.Grid.Length + 1)..] : path;
        return $"{F.Grid}.{key}=[{string.Join(", ", values)}]";
    }

    /// <summary>
    /// Takes the field axes out of <c>grid:</c> (every key that is not a named axis), reports unknown and
    /// fixed paths, and sets each axis's first value in the tree, so that the tree binds as the first combination.
    /// </summary>
    internal static IReadOnlyList<(string Key, GridAxis Axis)> Extract(JsonNode? root, ErrorSink errors)
    {
        if (root is not JsonObject obj || obj[F.Grid] is not JsonObject grid)
        {
            return [];
        }

        var axes = new List<(string, GridAxis)>();
        foreach (string key in grid.Select(p => p.Key).Where(k => !NamedAxes.Contains(k)).ToList())
        {
            JsonNode? value = grid[key];
            grid.Remove(key);
            string at = SpecPath.Child(F.Grid, key);
            string path = key == $"{F.Training}.{F.HorizonAlias}" ? $"{F.Training}.{F.Horizon}" : key;
            if (!AllPaths.Contains(path, StringComparer.Ordinal))
            {
                string allowed = $"{NodeText.List(NamedAxes)}, or the path of a spec field such as model.init.kappa";
                errors.Add(at, $"unknown field {NodeText.Quote(key)}; allowed fields: {allowed}; nearest: {NodeText.List(Nearest(path))}");
                continue;
            }

            if (FixedReason(path) is { } reason)
            {
                errors.Add(at, $"{NodeText.Describe(value)} is not allowed; {path} cannot vary per point: {reason}");
                continue;
            }

            if (AxisValues(value, at, errors) is { } values)
            {
                axes.Add((key, new GridAxis(path, values)));
            }
        }

        foreach ((_, GridAxis axis) in axes)
        {
            Set(obj, axis.Path, JsonNode.Parse(axis.Values[0].Json));
        }

        return axes;
    }

    /// <summary>
    /// Checks every combination of <paramref name="axes"/> against the spec bound at the first one (or, past
    /// <see cref="MaxCheckedCombinations"/>, every value with the others' first values) and the size of the grid.
    /// </summary>
    internal static SweepSpec? Attach(SweepSpec spec, IReadOnlyList<(string Key, GridAxis Axis)> axes, ErrorSink errors)
    {
        if (axes.Count == 0)
        {
            return spec;
        }

        if (spec.LargeDeviations is not null)
        {
            errors.Add(SpecPath.Child(F.Grid, axes[0].Key), $"an axis over {axes[0].Axis.Path} is not allowed with task {L.LargeDeviationsTask}: a large-deviations study is planned as replicas of one spec; its grid sweeps width only");
            return null;
        }

        GridSpec g = spec.Grid;
        long named = (long)g.Layers.Count * g.Width.Count * (g.Gamma?.Count ?? 1) * g.StepSize.Count * g.Seeds.Count;
        long combinations = axes.Aggregate(1L, (n, a) => n * a.Axis.Values.Count);
        if (combinations > L.MaxPoints || named * combinations > L.MaxPoints)
        {
            string sizes = string.Join(" × ", axes.Select(a => a.Axis.Values.Count).Append((int)Math.Min(named, int.MaxValue)));
            errors.Add(F.Grid, $"the grid has {(double)named * combinations:0} points ({string.Join(" × ", axes.Select(a => a.Key))} × the grid's own axes = {sizes}); expected at most {L.MaxPoints}");
            return null;
        }

        var withAxes = spec with { Grid = g with { Axes = [.. axes.Select(a => a.Axis)] } };
        foreach (int[] choice in Choices(axes, combinations <= MaxCheckedCombinations).Skip(1))
        {
            var sink = new ErrorSink();
            AxisCoordinate[] coordinates = [.. axes.Select((a, i) => new AxisCoordinate(a.Axis.Path, a.Axis.Values[choice[i]]))];
            Resolve(withAxes, coordinates, sink);
            string at = string.Join(", ", coordinates.Select(c => $"{c.Axis} = {c.Value}"));
            foreach (SpecError e in sink.Errors)
            {
                int axis = IndexOfAxis(axes, e.Path);
                string path = axis < 0 ? e.Path : SpecPath.Item(SpecPath.Child(F.Grid, axes[axis].Key), choice[axis]);
                errors.Add(path, $"with {at}: {e.Message}");
            }
        }

        return errors.HasErrors ? null : withAxes;
    }

    /// <summary>Rewrites errors of the first combination that fall on an axis's field to the axis's first value.</summary>
    internal static void Rebase(IReadOnlyList<SpecError> errors, IReadOnlyList<(string Key, GridAxis Axis)> axes, ErrorSink into)
    {
        foreach (SpecError e in errors)
        {
            int axis = IndexOfAxis(axes, e.Path);
            into.Add(axis < 0 ? e.Path : SpecPath.Item(SpecPath.Child(F.Grid, axes[axis].Key), 0), axis < 0 ? e.Message : $"with {axes[axis].Axis.Path} = {axes[axis].Axis.Values[0]}: {e.Message}");
        }
    }

    /// <summary>Sets <paramref name="path"/> in a spec tree (see <see cref="Extract"/>), creating missing mappings.</summary>
    internal static void Set(JsonObject root, string path, JsonNode? value)
    {
        string[] segments = path.Split('.');
        JsonObject current = root;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            JsonNode? child = current[segments[i]];
            if (child is not JsonObject next)
            {
                // An activation (or ξ) written as a name becomes {kind: name} so that one of its fields can be set.
                next = NodeText.TryGetString(child, out string name) ? new JsonObject { [F.Kind] = name } : [];
                current[segments[i]] = next;
            }

            current = next;
        }

        string last = segments[^1];
        current[last] = value;
        if (path == $"{F.Training}.{F.Horizon}")
        {
            current.Remove(F.HorizonAlias);
        }

        if (last == F.Kind && NodeText.TryGetString(value, out string kind))
        {
            DropParametersOfOtherKinds(current, string.Join('.', segments[..^1]), kind);
        }
    }

    /// <summary>Changing a kind drops the parameters only the old kind had (ramp knees, power-law ξ, data fields).</summary>
    private static void DropParametersOfOtherKinds(JsonObject owner, string ownerPath, string kind)
    {
        Type? record = ownerPath switch
        {
            F.Data => typeof(DataSpec),
            $"{F.Training}.{F.Xi}" => typeof(XiSpec),
            _ when ownerPath.EndsWith(F.Activation, StringComparison.Ordinal) => typeof(ActivationSpec),
            _ => null,
        };
        IEnumerable<string> drop = record is null ? [] : RecordReader.FieldsOf(record).Except(RecordReader.FieldsOfKind(record, kind));
        foreach (string field in drop.ToList())
        {
            owner.Remove(field);
        }
    }

    private static SweepSpec? Resolve(SweepSpec spec, IReadOnlyList<AxisCoordinate> coordinates, ErrorSink errors)
    {
        var root = (JsonObject)JsonNode.Parse(SpecWriter.ToJson(spec with { Grid = spec.Grid with { Axes = [] } }))!;
        foreach (AxisCoordinate c in coordinates)
        {
            Set(root, c.Axis, JsonNode.Parse(c.Value.Json));
        }

        return SpecBinder.Bind(root, errors, new SpecLocation(Directory.GetCurrentDirectory(), null));
    }

    private static IReadOnlyList<AxisValue>? AxisValues(JsonNode? value, string path, ErrorSink errors)
    {
        if (value is JsonArray { Count: 0 })
        {
            errors.Add(path, "the list must not be empty; expected a non-empty list of distinct values for the field");
            return null;
        }

        JsonNode?[] items = value is JsonArray array ? [.. array] : [value];
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var values = new List<AxisValue>(items.Length);
        bool ok = true;
        for (int i = 0; i < items.Length; i++)
        {
            var v = AxisValue.Of(items[i]);
            if (!seen.TryAdd(v.Json, i))
            {
                errors.Add(SpecPath.Item(path, i), $"{NodeText.Describe(items[i])} is not allowed; it repeats {SpecPath.Item(path, seen[v.Json])} (values must be distinct)");
                ok = false;
            }

            values.Add(v);
        }

        return ok ? values : null;
    }

    /// <summary>Value indices per axis: every combination (first axis outermost), or each value with the others' first.</summary>
    private static IEnumerable<int[]> Choices(IReadOnlyList<(string Key, GridAxis Axis)> axes, bool all)
    {
        if (!all)
        {
            yield return new int[axes.Count];
            for (int a = 0; a < axes.Count; a++)
            {
                for (int v = 1; v < axes[a].Axis.Values.Count; v++)
                {
                    int[] choice = new int[axes.Count];
                    choice[a] = v;
                    yield return choice;
                }
            }

            yield break;
        }

        foreach (int[] choice in Odometer([.. axes.Select(a => a.Axis.Values.Count)]))
        {
            yield return choice;
        }
    }

    /// <summary>Every index tuple of a product of the given sizes, the last index fastest.</summary>
    internal static IEnumerable<int[]> Odometer(IReadOnlyList<int> sizes)
    {
        int[] current = new int[sizes.Count];
        while (true)
        {
            yield return (int[])current.Clone();
            int k = sizes.Count - 1;
            while (k >= 0 && ++current[k] == sizes[k])
            {
                current[k] = 0;
                k--;
            }

            if (k < 0)
            {
                yield break;
            }
        }
    }

    private static int IndexOfAxis(IReadOnlyList<(string Key, GridAxis Axis)> axes, string errorPath)
    {
        for (int i = 0; i < axes.Count; i++)
        {
            if (Within(errorPath, axes[i].Axis.Path))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool Within(string errorPath, string axisPath) =>
        errorPath == axisPath || errorPath.StartsWith(axisPath + ".", StringComparison.Ordinal) || errorPath.StartsWith(axisPath + "[", StringComparison.Ordinal);

    /// <summary>Splits at commas outside brackets, braces and quotes.</summary>
    private static IEnumerable<string> SplitTopLevel(string text)
    {
        int depth = 0, start = 0;
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote != '\0')
            {
                quote = c == quote ? '\0' : quote;
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c is '[' or '{')
            {
                depth++;
            }
            else if (c is ']' or '}')
            {
                depth--;
            }
            else if (c == ',' && depth == 0)
            {
                yield return text[start..i];
                start = i + 1;
            }
        }

        yield return text[start..];
    }

    /// <summary>Levenshtein distance.</summary>
    private static int Distance(string a, string b)
    {
        int[] row = [.. Enumerable.Range(0, b.Length + 1)];
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }

        return row[b.Length];
    }
}
