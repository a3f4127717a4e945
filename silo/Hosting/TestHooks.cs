using System.Globalization;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Test-only hooks that change when points compute, never what they compute (docs/testing.md). Read from
/// environment variables so that child processes (mfc, mfc-silo) started by a test obey them too; an
/// in-process test cluster may pass its own. With none set (the default) a silo behaves as in production.
/// </summary>
public sealed record TestHooks
{
    /// <summary>Environment variable of <see cref="GateDirectory"/>.</summary>
    public const string GateVariable = "MFC_TEST_GATE";

    /// <summary>Environment variable of <see cref="ChunkSteps"/>.</summary>
    public const string ChunkStepsVariable = "MFC_TEST_CHUNK_STEPS";

    /// <summary>Environment variable of <see cref="ChunkDelay"/> (milliseconds).</summary>
    public const string ChunkDelayVariable = "MFC_TEST_CHUNK_DELAY_MS";

    /// <summary>No hooks: production behaviour.</summary>
    public static TestHooks None { get; } = new();

    /// <summary>
    /// The gate: at every chunk boundary (a chunk computed and its checkpoint stored) a point writes
    /// <c>held-&lt;index&gt;</c> into this folder and waits until <c>release-&lt;index&gt;</c> or
    /// <c>release-all</c> exists there (empty: for good; holding a number n: for the boundaries before n steps
    /// of work). A test thus knows a point is in flight with a stored checkpoint.
    /// </summary>
    public string? GateDirectory { get; init; }

    /// <summary>Forces every chunk to this many SGD steps (and a large-deviations chunk to one replica).</summary>
    public long? ChunkSteps { get; init; }

    /// <summary>A pause at every chunk boundary, as if the machine were that much slower.</summary>
    public TimeSpan ChunkDelay { get; init; }

    /// <summary>Whether any hook is set.</summary>
    public bool Any => GateDirectory is not null || ChunkSteps is not null || ChunkDelay > TimeSpan.Zero;

    /// <summary>The hooks set in this process's environment; an unreadable value is an error naming the variable.</summary>
    public static TestHooks FromEnvironment() => From(Environment.GetEnvironmentVariable);

    /// <summary>The hooks from a variable lookup (testable).</summary>
    public static TestHooks From(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        string? gate = variable(GateVariable);
        string? steps = variable(ChunkStepsVariable);
        string? delay = variable(ChunkDelayVariable);
        return new TestHooks
        {
            GateDirectory = string.IsNullOrWhiteSpace(gate) ? null : Path.GetFullPath(gate),
            ChunkSteps = string.IsNullOrWhiteSpace(steps) ? null : Positive(ChunkStepsVariable, steps),
            ChunkDelay = string.IsNullOrWhiteSpace(delay) ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Positive(ChunkDelayVariable, delay)),
        };
    }

    private static long Positive(string name, string value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n >= 1
            ? n
            : throw new InvalidOperationException($"{name}: '{value}' is not allowed; expected an integer >= 1 (or unset)");
}
