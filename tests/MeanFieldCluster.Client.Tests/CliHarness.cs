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

    // This test process's folders live under one root, p<process id>. A run removes the roots of test processes
    // that are no longer alive, so a failed run's files stay for a look until the next run and example runs and
    // fault scenarios do not pile up in /tmp. (The test host is ended without a reliable exit event.)
    private static readonly Lazy<string> ProcessRoot = new(() =>
    {
        string parent = Path.Combine(Path.GetTempPath(), "mfc-tests");
        Directory.CreateDirectory(parent);
        foreach (string stale in Directory.EnumerateDirectories(parent, "p*"))
        {
            if (OperatingSystem.IsLinux() && int.TryParse(Path.GetFileName(stale)[1..], out int pid) && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                try
                {
                    Directory.Delete(stale, recursive: true);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // Another run removing it at the same time, or a file not ours: left alone.
                }
            }
        }

        string root = Path.Combine(parent, $"p{Environment.ProcessId}");
        Directory.CreateDirectory(root);
        return root;
    });

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
