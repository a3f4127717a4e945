using System.Diagnostics;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// What the machine-level tests need (root, network namespaces, SLURM), checked once; each returns null
/// when present, or the reason the tests that need it are skipped.
/// </summary>
internal static class Prerequisites
{
    private static readonly Lazy<string?> NamespacesMissing = new(CheckNamespaces);
    private static readonly Lazy<string?> SlurmMissing = new(CheckSlurm);
    private static readonly Lazy<string?> PodmanMissing = new(CheckPodman);

    /// <summary>Null when this process may create network namespaces, veth pairs and a bridge.</summary>
    public static string? Namespaces => NamespacesMissing.Value;

    /// <summary>Null when a single-node SLURM (munged, slurmctld, slurmd, sbatch) can be started here.</summary>
    public static string? Slurm => SlurmMissing.Value;

    /// <summary>Null when podman (with runc) can build and run images here as root.</summary>
    public static string? Podman => PodmanMissing.Value;

    /// <summary>The full path of <paramref name="tool"/> on PATH (or in the sbin folders), or null.</summary>
    public static string? Which(string tool)
    {
        string[] folders = [.. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries), "/usr/sbin", "/sbin"];
        return folders.Select(f => Path.Combine(f, tool)).FirstOrDefault(File.Exists);
    }

    /// <summary>Runs a short command; returns its exit code and output (stdout and stderr).</summary>
    public static (int Code, string Output) Run(string file, params string[] args) => Run(TimeSpan.FromSeconds(60), file, args);

    /// <summary>As <see cref="Run(string, string[])"/>, for a command that may take up to <paramref name="timeout"/>.</summary>
    public static (int Code, string Output) Run(TimeSpan timeout, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"{file} {string.Join(' ', args)}: no exit within {timeout.TotalSeconds:0} s");
        }

        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string? CheckNamespaces()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "network namespaces need Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "creating network namespaces needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN); run the tests as root or in a privileged container";
        }

        if (Which("ip") is null || Which("redis-server") is null)
        {
            return "needs 'ip' (iproute2) and redis-server on PATH";
        }

        // A probe: some sandboxes grant root but no netns or no bridge/veth.
        string probe = $"mfcprobe{Environment.ProcessId}";
        try
        {
            var add = Run("ip", "netns", "add", probe);
            if (add.Code != 0)
            {
                return $"'ip netns add' failed here: {add.Output.Trim()}";
            }

            var bridge = Run("ip", "-n", probe, "link", "add", "br0", "type", "bridge");
            var veth = Run("ip", "-n", probe, "link", "add", "va", "type", "veth", "peer", "name", "vb");
            return bridge.Code != 0 || veth.Code != 0 ? $"bridges or veth pairs cannot be created here: {bridge.Output.Trim()} {veth.Output.Trim()}" : null;
        }
        finally
        {
            Run("ip", "netns", "del", probe);
        }
    }

    private static string? CheckPodman()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "the podman test needs Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "the podman test runs containers as root (host network, runc); run the tests as root (./test.sh installs podman and runc)";
        }

        string[] missing = [.. new[] { "podman", "runc", "redis-server" }.Where(t => Which(t) is null)];
        if (missing.Length > 0)
        {
            return $"not installed: {string.Join(", ", missing)} (apt-get install podman runc)";
        }

        var info = Run("podman", "info");
        return info.Code == 0 ? null : $"'podman info' failed here: {info.Output.Trim()}";
    }

    private static string? CheckSlurm()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "SLURM needs Linux";
        }

        if (!Environment.IsPrivilegedProcess)
        {
            return "starting slurmd and munged needs root; run the tests as root (./test.sh installs slurmctld, slurmd and munge)";
        }

        string[] missing = [.. new[] { "munged", "slurmctld", "slurmd", "sbatch", "scancel", "squeue", "srun", "redis-server" }.Where(t => Which(t) is null)];
        return missing.Length > 0 ? $"not installed: {string.Join(", ", missing)} (apt-get install slurmctld slurmd slurm-client munge)" : null;
    }
}

/// <summary>A fact that is skipped, with the reason, when the machine cannot create network namespaces.</summary>
public sealed class NamespaceFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when namespaces are unavailable.</summary>
    public NamespaceFactAttribute()
    {
        if (Prerequisites.Namespaces is { } why)
        {
            Skip = why;
        }
    }
}

/// <summary>A fact that is skipped, with the reason, when no SLURM can be started on this machine.</summary>
public sealed class SlurmFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when SLURM is unavailable.</summary>
    public SlurmFactAttribute()
    {
        if (Prerequisites.Slurm is { } why)
        {
            Skip = why;
        }
    }
}
