namespace MeanFieldCluster.Client.Commands;

/// <summary>
/// Checks an output folder (<c>--out</c> of run, results and pde) before any work starts, so that a path that is a
/// file, lies under a file, or cannot be written is an error naming it (exit 2) rather than a failure after the
/// computing. Nothing is created: the folder is made when the results are written.
/// </summary>
internal static class OutputFolder
{
    /// <summary>Why <paramref name="directory"/> (a full path) cannot be the output folder, or null when it can.</summary>
    public static string? Check(string directory)
    {
        if (File.Exists(directory))
        {
            return $"--out: '{directory}' is a file; expected a folder (created when missing)";
        }

        // The nearest folder that exists must be writable: the missing ones are created in it.
        string? existing = directory;
        while (existing is not null && !Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                return $"--out: '{directory}' cannot be created: '{existing}' is a file; expected a folder path";
            }

            existing = Path.GetDirectoryName(existing);
        }

        if (existing is null)
        {
            return $"--out: '{directory}' cannot be created: no folder of its path exists; expected a folder path on a mounted file system";
        }

        string probe = Path.Combine(existing, $".mfc-write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"--out: '{directory}' cannot be written: no file can be created in '{existing}' ({ex.Message}); expected a folder this user can create and write";
        }
    }
}
