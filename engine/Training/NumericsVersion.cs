namespace MeanFieldCluster.Engine.Training;

/// <summary>
/// The version of the engine's numbers: what a spec computes, bit for bit. It goes up whenever a change to the
/// engine changes any number a run produces (the order of a kernel's operations, a random stream, an observation),
/// and it is recorded with what a run keeps: summary.json's <c>numerics_version</c>, the resume marker of an
/// unfinished run, and the cluster's stored sweep and point states. An unfinished run is continued only by an engine
/// of the same version, since points computed by two versions would not be the numbers of one run. Records from
/// before the version was recorded hold version 1. The fingerprint test (NumericsFingerprintTests) fails when the
/// numbers change while the version stays.
/// </summary>
public static class NumericsVersion
{
    /// <summary>The version of this build's numbers (docs/models.md, "The numerics version").</summary>
    public const int Current = 3;

    /// <summary>The version of records written before the version was recorded.</summary>
    public const int Unversioned = 1;

    /// <summary>Why work computed with <paramref name="version"/>, held in <paramref name="where"/>, cannot be continued here; null when it can.</summary>
    /// <param name="version">The recorded version, or null when none was recorded (<see cref="Unversioned"/>).</param>
    /// <param name="where">What holds the work, for the message ("--resume: the unfinished run in 'runs/a'").</param>
    public static string? Check(int? version, string where) => (version ?? Unversioned) == Current
        ? null
        : $"{where} was computed with engine numerics version {version ?? Unversioned}; this mfc computes with numerics version {Current}, so what it computed now would not continue those numbers bit for bit; finish it with the mfc that started it, or run the sweep again";
}
