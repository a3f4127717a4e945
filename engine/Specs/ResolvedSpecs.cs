using System.Collections.Concurrent;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Parses the canonical JSON of resolved specs (<see cref="SpecWriter.ToJson"/>) once per process: a silo's
/// point grains, aggregator and dashboard of one sweep share one validated <see cref="SweepSpec"/> instead of
/// binding the spec again (and re-reading its csv file) for every point, and an embedded run's coordinator
/// admits the spec its client bound in the same process. The text is the key, so a sweep's spec is bound
/// once; at most <see cref="Capacity"/> specs are kept (the cache starts over past it).
/// </summary>
public static class ResolvedSpecs
{
    /// <summary>Specs kept at most.</summary>
    public const int Capacity = 64;

    private static readonly ConcurrentDictionary<string, Bound> Cache = new(StringComparer.Ordinal);

    /// <summary>
    /// Keeps <paramref name="spec"/>, just bound from <paramref name="canonicalJson"/> (or from the spec file it
    /// was written from) by its caller, so that it is not bound again in this process.
    /// </summary>
    /// <param name="canonicalJson">The spec's canonical JSON.</param>
    /// <param name="spec">The bound spec.</param>
    /// <param name="dataRoot">The data root its csv file was checked against when bound, or null for none.</param>
    /// <returns>The spec kept for the text (the one kept first when two callers race).</returns>
    public static SweepSpec Remember(string canonicalJson, SweepSpec spec, string? dataRoot = null)
    {
        ArgumentNullException.ThrowIfNull(canonicalJson);
        ArgumentNullException.ThrowIfNull(spec);
        if (Cache.Count >= Capacity)
        {
            Cache.Clear();
        }

        // A binding checked against a data root serves callers with and without one: it replaces one that was not.
        var bound = new Bound(spec, Normalized(dataRoot));
        return Cache.AddOrUpdate(canonicalJson, bound, (_, kept) => kept.DataRoot is null && bound.DataRoot is not null ? bound : kept).Spec;
    }

    /// <summary>
    /// The spec bound in this process from <paramref name="canonicalJson"/> with its csv file checked against
    /// <paramref name="dataRoot"/> (any binding when it is null), or null when there is none.
    /// </summary>
    public static SweepSpec? Find(string canonicalJson, string? dataRoot)
    {
        ArgumentNullException.ThrowIfNull(canonicalJson);
        return Cache.TryGetValue(canonicalJson, out Bound? bound) && (dataRoot is null || bound.DataRoot == Normalized(dataRoot)) ? bound.Spec : null;
    }

    /// <summary>The spec whose canonical JSON is <paramref name="canonicalJson"/>, bound on first use.</summary>
    /// <param name="canonicalJson">Canonical JSON written by <see cref="SpecWriter.ToJson"/>.</param>
    /// <exception cref="SpecException">The text is not a valid spec (not kept).</exception>
    public static SweepSpec Parse(string canonicalJson) =>
        Find(canonicalJson, null) ?? Remember(canonicalJson, SpecLoader.Parse(canonicalJson, SpecFormat.Json));

    private static string? Normalized(string? dataRoot) => dataRoot is null ? null : Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataRoot));

    private sealed record Bound(SweepSpec Spec, string? DataRoot);
}
