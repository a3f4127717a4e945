using System.Globalization;

namespace MeanFieldCluster.Client.Tests;

/// <summary>Runs the mfc command line in-process with captured output, and finds repository files.</summary>
internal static class CliHarness
{
    public static async Task<(int ExitCode, string Output, string Error)> Run(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        int code = await Cli.RunAsync(args, output, error, interactive: false);
        return (code, output.ToString(), error.ToString());
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MeanFieldCluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MeanFieldCluster.sln not found above the test binaries.");
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(ProcessRoot.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    // One root per test process (TestFolders, shared with the other test projects that run processes).
    private static readonly Lazy<string> ProcessRoot = new(() => MeanFieldCluster.Tests.Shared.TestFolders.ProcessRoot("mfc-tests"));

    /// <summary>The rows of a results table (no quoted cells), each as column name → cell text.</summary>
    public static List<Dictionary<string, string>> ReadCsv(string path)
    {
        string[] lines = File.ReadAllLines(path);
        string[] header = lines[0].Split(',');
        return [.. lines.Skip(1).Select(l => header.Zip(l.Split(',')).ToDictionary(p => p.First, p => p.Second))];
    }

    public static string WriteSpec(string directory, string text, string name = "spec.yaml")
    {
        string path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}
