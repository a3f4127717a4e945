namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// The version of the spec format that results folders (summary.json's <c>spec_version</c>) and unfinished
/// runs (the resume marker) record with their resolved spec. A folder or marker from before the version was
/// recorded holds version 1, the format it was written in. A different version is refused with a message
/// that names both versions: a resolved spec is only compared and re-read in the format it was written in.
/// </summary>
public static class SpecVersion
{
    /// <summary>The version this build writes and reads (docs/spec.md, "Format version").</summary>
    public const int Current = 1;

    /// <summary>The version of records written before the version was recorded.</summary>
    public const int Unversioned = 1;

    /// <summary>Why a spec recorded with <paramref name="version"/> in <paramref name="where"/> cannot be used, or null when it can.</summary>
    /// <param name="version">The recorded version, or null when none was recorded (<see cref="Unversioned"/>).</param>
    /// <param name="where">What holds the spec, for the message ("'runs/a/summary.json'").</param>
    public static string? Check(int? version, string where) => (version ?? Unversioned) == Current
        ? null
        : $"{where} was written with spec format version {version ?? Unversioned}; this mfc reads spec format version {Current}; run the spec again with this version (or use the mfc that wrote it)";
}
