using System.Text.Json.Nodes;
using F = MeanFieldCluster.Engine.Specs.SpecFields;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>The spec's free-form annotations, <c>tags:</c> and <c>notes:</c> (docs/spec.md, "Tags and notes").</summary>
internal static partial class SpecBinder
{
    /// <summary>Most tags a spec may carry.</summary>
    public const int MaxTags = 32;

    /// <summary>Longest tag, in characters.</summary>
    public const int MaxTagLength = 64;

    /// <summary>Longest notes text, in characters.</summary>
    public const int MaxNotesLength = 10_000;

    private static readonly string TagExpected =
        $"a string of 1 to {MaxTagLength} characters without control characters or commas (quote numbers, e.g. \"2024\")";

    /// <summary><c>tags:</c> a list of distinct short strings (or one string), empty when absent; null after an error.</summary>
    private static IReadOnlyList<string>? ReadTags(NodeReader r)
    {
        if (!r.Has(F.Tags))
        {
            return [];
        }

        JsonNode? value = r.Get(F.Tags);
        string path = r.PathOf(F.Tags);
        if (value is JsonValue)
        {
            return Tag(value, path, r.Errors) is { } single ? [single] : null;
        }

        if (value is not JsonArray items || items.Count > MaxTags)
        {
            ValueRules.Reject(value, path, $"a list of at most {MaxTags} tags, each {TagExpected}", r.Errors);
            return null;
        }

        var tags = new List<string>();
        bool ok = true;
        for (int i = 0; i < items.Count; i++)
        {
            string itemPath = SpecPath.Item(path, i);
            if (Tag(items[i], itemPath, r.Errors) is not { } tag)
            {
                ok = false;
            }
            else if (tags.Contains(tag, StringComparer.Ordinal))
            {
                r.Errors.Add(SpecPath.Show(itemPath), $"{NodeText.Quote(tag)} is not allowed: the tag is listed twice; expected distinct tags");
                ok = false;
            }
            else
            {
                tags.Add(tag);
            }
        }

        return ok ? tags.AsReadOnly() : null;
    }

    private static string? Tag(JsonNode? value, string path, ErrorSink errors)
    {
        if (NodeText.TryGetString(value, out string tag) && tag.Length is > 0 and <= MaxTagLength && !tag.Any(c => char.IsControl(c) || c == ','))
        {
            return tag;
        }

        ValueRules.Reject(value, path, TagExpected, errors);
        return null;
    }

    /// <summary><c>notes:</c> free text (Markdown welcome), null when absent or empty; <paramref name="ok"/> false after an error.</summary>
    private static string? ReadNotes(NodeReader r, out bool ok)
    {
        ok = true;
        if (!r.Has(F.Notes))
        {
            return null;
        }

        JsonNode? value = r.Get(F.Notes);
        if (NodeText.TryGetString(value, out string notes) && notes.Length <= MaxNotesLength)
        {
            return notes.Length == 0 ? null : notes;
        }

        ValueRules.Reject(value, r.PathOf(F.Notes), $"a string of at most {MaxNotesLength} characters", r.Errors);
        ok = false;
        return null;
    }
}
