using System.Collections.Concurrent;

namespace MeanFieldCluster.Client.Tests;

/// <summary>The exit code, output and results folder of an `mfc run`.</summary>
internal sealed record RunOutcome(int ExitCode, string Output, string Error, string Directory);

/// <summary>
/// Runs of the shipped examples that several tests read (the example tests, plotting, Parquet), each
/// computed once per test run. Tests that write into a results folder work on a copy (<see cref="CopyOf"/>).
/// </summary>
internal static class SharedRuns
{
    private static readonly ConcurrentDictionary<string, Lazy<Task<RunOutcome>>> Runs = new(StringComparer.Ordinal);

    /// <summary>The run of examples/<paramref name="example"/>, started by the first caller.</summary>
    public static Task<RunOutcome> Example(string example) =>
        Runs.GetOrAdd(example, name => new Lazy<Task<RunOutcome>>(() => RunAsync(name))).Value;

    /// <summary>A private copy of a results folder (without its figures).</summary>
    public static string CopyOf(string directory)
    {
        string copy = Path.Combine(CliHarness.TempDirectory(), Path.GetFileName(directory));
        foreach (string file in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(directory, file);
            if (relative.StartsWith("figures", StringComparison.Ordinal))
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(copy, relative))!);
            File.Copy(file, Path.Combine(copy, relative));
        }

        return copy;
    }

    private static async Task<RunOutcome> RunAsync(string example)
    {
        string spec = Path.Combine(CliHarness.RepositoryRoot(), "examples", example);
        string outDir = Path.Combine(CliHarness.TempDirectory(), Path.GetFileNameWithoutExtension(example));
        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir);
        return new RunOutcome(code, output, error, outDir);
    }
}
