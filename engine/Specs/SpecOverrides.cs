using System.Text.Json.Nodes;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Applies Hydra-style <c>path=value</c> overrides to a spec tree. The path is dotted
/// (<c>model.activation.kind</c>); the value is parsed as YAML (<c>[100,200]</c>, <c>0.5</c>, <c>relu</c>,
/// <c>{kind: ramp, t1: 0.2}</c>, <c>null</c>) and replaces whatever was there. Missing intermediate
/// mappings are created.
/// </summary>
internal static class SpecOverrides
{
    private const string Example = "expected path=value, e.g. grid.width=[100,200]";

    public static void Apply(JsonNode? root, IReadOnlyList<string> overrides, ErrorSink errors)
    {
        foreach (string text in overrides)
        {
            ApplyOne(root, text ?? "", errors);
        }
    }

    private static void ApplyOne(JsonNode? root, string text, ErrorSink errors)
    {
        if (Split(text) is not { } parts)
        {
            errors.Add(SpecError.OverridePath, $"{NodeText.Quote(text)} is malformed: {Malformation(text)}; {Example}");
            return;
        }

        (string[] segments, string valueText) = parts;

        string path = string.Join('.', segments);
        int before = errors.Count;
        JsonNode? value = YamlTree.Load(valueText, path, errors, out string? syntaxError);
        if (syntaxError is not null)
        {
            errors.Add(SpecError.OverridePath, $"{NodeText.Quote(text)} has a value that is not valid YAML ({syntaxError})");
            return;
        }

        if (errors.Count > before)
        {
            return;
        }

        if (root is not JsonObject obj)
        {
            errors.Add(SpecError.OverridePath, $"{NodeText.Quote(text)} cannot be applied: the document is {NodeText.Describe(root)}, not a mapping");
            return;
        }

        Set(obj, segments, value, text, errors);
    }

    /// <summary>Splits <c>a.b.c=value</c>; null when there is no '=' or the path has an empty segment.</summary>
    private static (string[] Segments, string Value)? Split(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq < 0)
        {
            return null;
        }

        string[] segments = text[..eq].Trim().Split('.');
        return segments.Any(s => s.Trim().Length == 0)
            ? null
            : (segments.Select(s => s.Trim()).ToArray(), text[(eq + 1)..]);
    }

    private static string Malformation(string text)
    {
        int eq = text.IndexOf('=', StringComparison.Ordinal);
        return eq < 0 ? "it has no '='"
            : text[..eq].Trim().Length == 0 ? "the path before '=' is empty"
            : "the path has an empty segment";
    }

    private static void Set(JsonObject root, string[] segments, JsonNode? value, string text, ErrorSink errors)
    {
        // grid.model.init.kappa=[...]: an axis over a field is one grid key, the field's dotted path.
        if (segments.Length > 2 && segments[0] == SpecFields.Grid && !SpecFields.GridFields.Contains(segments[1]))
        {
            segments = [segments[0], string.Join('.', segments[1..])];
        }

        JsonObject current = root;
        for (int i = 0; i < segments.Length - 1; i++)
        {
            JsonNode? child = current[segments[i]];
            if (child is null)
            {
                child = new JsonObject();
                current[segments[i]] = child;
            }

            if (child is not JsonObject next)
            {
                string prefix = string.Join('.', segments[..(i + 1)]);
                errors.Add(SpecError.OverridePath, $"{NodeText.Quote(text)} cannot be applied: {prefix} is {NodeText.Describe(child)}, not a mapping");
                return;
            }

            current = next;
        }

        string last = segments[^1];
        RemoveAliasOf(current, segments, last);
        current[last] = value;
    }

    /// <summary>Setting <c>training.horizon</c> replaces <c>training.T</c> and vice versa.</summary>
    private static void RemoveAliasOf(JsonObject parent, string[] segments, string last)
    {
        if (segments.Length != 2 || segments[0] != SpecFields.Training)
        {
            return;
        }

        string? other = last switch
        {
            SpecFields.Horizon => SpecFields.HorizonAlias,
            SpecFields.HorizonAlias => SpecFields.Horizon,
            _ => null,
        };
        if (other is not null)
        {
            parent.Remove(other);
        }
    }
}
