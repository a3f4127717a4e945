namespace MeanFieldCluster.Engine.Tests.Data;

/// <summary>A csv file in a fresh temporary folder, deleted on dispose.</summary>
internal sealed class TempCsv : IDisposable
{
    private readonly string _folder;

    public TempCsv(string text)
    {
        _folder = Path.Combine(Path.GetTempPath(), "mfc-data-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
        FilePath = Path.Combine(_folder, "data.csv");
        File.WriteAllText(FilePath, text);
    }

    public string FilePath { get; }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>
    /// Twenty rows with distinct values in a and b, a constant column c and a ±1 label y:
    /// a = i + 1, b = 10 + 0.25·(7i mod 20), c = 3, y = +1 for even i, -1 for odd i (i = 0..19).
    /// </summary>
    public static TempCsv Twenty()
    {
        var lines = new List<string> { "a,b,c,y" };
        for (int i = 0; i < 20; i++)
        {
            lines.Add(FormattableString.Invariant($"{i + 1},{10 + (0.25 * (7 * i % 20))},3,{(i % 2 == 0 ? 1 : -1)}"));
        }

        return new TempCsv(string.Join('\n', lines) + "\n");
    }

    /// <summary>The raw row i of <see cref="Twenty"/>: a, b, c, y.</summary>
    public static double[] TwentyRow(int i) => [i + 1, 10 + (0.25 * (7 * i % 20)), 3, i % 2 == 0 ? 1 : -1];
}

/// <summary>Locates files of the repository from the test binaries.</summary>
internal static class RepositoryFiles
{
    /// <summary>The folder holding MeanFieldCluster.sln, found by walking up from the test binaries.</summary>
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MeanFieldCluster.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"MeanFieldCluster.sln not found above {AppContext.BaseDirectory}.");
    }
}
