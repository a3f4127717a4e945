namespace MeanFieldCluster.Tests.Shared;

/// <summary>
/// The temporary folders of a test process: one root, <c>/tmp/&lt;area&gt;/p&lt;process id&gt;</c>. Creating it removes
/// the roots of test processes no longer alive, so a failed run's files stay for a look until the next run and
/// nothing piles up in /tmp (the test host ends without a reliable exit event). Linked into the test projects
/// that run mfc or real processes.
/// </summary>
internal static class TestFolders
{
    /// <summary>This process's root under <c>/tmp/<paramref name="area"/></c>, created, after removing dead processes' roots.</summary>
    public static string ProcessRoot(string area)
    {
        string parent = Path.Combine(Path.GetTempPath(), area);
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
    }
}
