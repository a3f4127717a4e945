using System.Collections.Concurrent;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Parses the canonical JSON of resolved specs (<see cref="SpecWriter.ToJson"/>) once per process: a silo's
/// point grains, aggregator and dashboard of one sweep share one validated <see cref="SweepSpec"/> instead of
/// binding the spec again (and re-reading its csv file) for every point. The text is the key, so a sweep's
/// spec is bound once; at most <see cref="Capacity"/> specs are kept (the cache starts over past it).
/// </summary>
public static class ResolvedSpecs
{
    /// <summary>Specs kept at most.</summary>
    public const int Capacity = 64;

    private static readonly ConcurrentDictionary<string, SweepSpec> Cache = new(StringComparer.Ordinal);

    /// <summary>Keeps <paramref name="spec"/>, just bound from <paramref name="canonicalJson"/> by its caller (a coordinator admitting it), so that it is not bound again.</summary>
    /// <returns>The spec kept for the text (the one kept first when two callers race).</returns>
    public static SweepSpec Remember(string canonicalJson, SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(canonicalJson);
        ArgumentNullException.ThrowIfNull(spec);
        if (Cache.Count >= Capacity)
        {
            Cache.Clear();
        }

        return Cache.GetOrAdd(canonicalJson, spec);
    }

    /// <summary>The spec whose canonical JSON is <paramref name="canonicalJson"/>, bound on first use.</summary>
    /// <param name="canonicalJson">Canonical JSON written by <see cref="SpecWriter.ToJson"/>.</param>
    /// <exception cref="SpecException">The text is not a valid spec (not kept).</exception>
    public static SweepSpec Parse(string canonicalJson)
    {
        ArgumentNullException.ThrowIfNull(canonicalJson);
        if (Cache.TryGetValue(canonicalJson, out SweepSpec? spec))
        {
            return spec;
        }

        return Remember(canonicalJson, SpecLoader.Parse(canonicalJson, SpecFormat.Json));
    }
}
