using System.Diagnostics;
using System.Globalization;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// A single-node SLURM made for one test: munged, slurmctld and slurmd (Debian's packages) in the
/// foreground, with their key, configuration, state and logs in a temporary folder and free ports, so it
/// touches no system-wide SLURM or munge. The node offers 2 CPUs whatever the machine has.
/// </summary>
internal sealed class SlurmCluster : IDisposable
{
    private readonly List<ChildProcess> _daemons = [];

    private SlurmCluster(string directory)
    {
        Directory = directory;
        Config = Path.Combine(directory, "slurm.conf");
    }

    public string Directory { get; }

    /// <summary>The configuration file; commands find it through SLURM_CONF.</summary>
    public string Config { get; }

    public static async Task<SlurmCluster> StartAsync(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        var slurm = new SlurmCluster(directory);
        try
        {
            await slurm.Start();
            return slurm;
        }
        catch
        {
            slurm.Dispose();
            throw;
        }
    }

    /// <summary>Runs a SLURM command (sbatch, squeue, scancel, scontrol) against this cluster.</summary>
    public (int Code, string Output) Command(string tool, params string[] args)
    {
        using var process = new ChildProcess(Prerequisites.Which(tool) ?? tool, args, Directory, new Dictionary<string, string> { ["SLURM_CONF"] = Config });
        int code = process.WaitForExit(TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        return (code, process.Output);
    }

    /// <summary>Submits a batch script; returns the job id.</summary>
    public string Submit(string script, IEnumerable<string> sbatchOptions, IEnumerable<string> scriptArguments, IDictionary<string, string> environment)
    {
        var all = new Dictionary<string, string>(environment) { ["SLURM_CONF"] = Config };
        using var sbatch = new ChildProcess(Prerequisites.Which("sbatch")!, ["--parsable", .. sbatchOptions, script, .. scriptArguments], Directory, all);
        int code = sbatch.WaitForExit(TimeSpan.FromMinutes(1)).GetAwaiter().GetResult();
        string output = sbatch.Output.Trim();
        return code == 0 && int.TryParse(output.Split(';')[0], CultureInfo.InvariantCulture, out int id) ? id.ToString(CultureInfo.InvariantCulture) : throw new InvalidOperationException($"sbatch failed ({code}): {output}");
    }

    /// <summary>The job's state (PENDING, RUNNING, COMPLETED, CANCELLED, FAILED, ...) and exit code, from scontrol.</summary>
    public (string State, string ExitCode) Job(string id)
    {
        string text = Command("scontrol", "show", "job", id).Output;
        string Field(string name) => text.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault(f => f.StartsWith(name + "=", StringComparison.Ordinal))?[(name.Length + 1)..] ?? "";
        return (Field("JobState"), Field("ExitCode"));
    }

    /// <summary>Waits until no job of this cluster is pending or running.</summary>
    public async Task WaitUntilIdle(TimeSpan timeout, Func<string>? context = null)
    {
        var clock = Stopwatch.StartNew();
        while (Command("squeue", "-h", "-o", "%i").Output.Trim().Length > 0)
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"SLURM jobs still queued after {timeout}:\n{Command("squeue").Output}\n{context?.Invoke()}");
            }

            await Task.Delay(500);
        }
    }

    /// <summary>Cancels every job still queued, waits for them to end, then stops the daemons.</summary>
    public void Dispose()
    {
        try
        {
            foreach (string id in Command("squeue", "-h", "-o", "%i").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                Command("scancel", id);
            }

            WaitUntilIdle(TimeSpan.FromMinutes(2)).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or IOException)
        {
            // Stopping the daemons below ends what is left (their process trees are killed).
        }

        foreach (ChildProcess daemon in Enumerable.Reverse(_daemons))
        {
            daemon.Dispose();
        }
    }

    private async Task Start()
    {
        string d = Directory;
        string node = Environment.MachineName;
        foreach (string sub in new[] { "state", "spool" })
        {
            System.IO.Directory.CreateDirectory(Path.Combine(d, sub));
        }

        string key = Path.Combine(d, "munge.key");
        await File.WriteAllBytesAsync(key, System.Security.Cryptography.RandomNumberGenerator.GetBytes(128));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(key, UnixFileMode.UserRead);
        }
        string socket = Path.Combine(d, "munge.socket");
        int ctldPort = Env.FreePort(), slurmdPort = Env.FreePort();
        await File.WriteAllTextAsync(Config, $"""
            ClusterName=mfctest
            SlurmctldHost={node}(127.0.0.1)
            SlurmUser=root
            SlurmdUser=root
            AuthType=auth/munge
            AuthInfo=socket={socket}
            CredType=cred/munge
            SlurmctldPort={ctldPort}
            SlurmdPort={slurmdPort}
            StateSaveLocation={d}/state
            SlurmdSpoolDir={d}/spool
            SlurmctldPidFile={d}/slurmctld.pid
            SlurmdPidFile={d}/slurmd.pid
            SlurmctldLogFile={d}/slurmctld.log
            SlurmdLogFile={d}/slurmd.log
            ProctrackType=proctrack/linuxproc
            TaskPlugin=task/none
            JobAcctGatherType=jobacct_gather/none
            SelectType=select/cons_tres
            SelectTypeParameters=CR_CPU
            SchedulerType=sched/backfill
            MpiDefault=none
            ReturnToService=2
            SlurmdParameters=config_overrides
            KillWait=10
            NodeName={node} NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
            PartitionName=test Nodes={node} Default=YES MaxTime=INFINITE State=UP

            """);

        ChildProcess munged = Daemon("munged", "-F", "--force", $"--key-file={key}", $"--socket={socket}", $"--pid-file={d}/munged.pid", $"--log-file={d}/munged.log", $"--seed-file={d}/munged.seed");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(socket))
        {
            if (munged.HasExited || clock.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new InvalidOperationException($"munged did not start:\n{munged.Output}");
            }

            await Task.Delay(100);
        }

        ChildProcess ctld = Daemon("slurmctld", "-D", "-i", "-f", Config);
        ChildProcess slurmd = Daemon("slurmd", "-D", "-f", Config, "-N", node);
        clock.Restart();
        while (!Command("sinfo", "-h", "-o", "%T").Output.Contains("idle", StringComparison.Ordinal))
        {
            if (ctld.HasExited || slurmd.HasExited || clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new InvalidOperationException($"the SLURM node did not become idle:\n{Command("sinfo").Output}\nslurmctld:\n{ctld.Output}\n{Log("slurmctld.log")}\nslurmd:\n{slurmd.Output}\n{Log("slurmd.log")}");
            }

            await Task.Delay(250);
        }
    }

    private ChildProcess Daemon(string tool, params string[] args)
    {
        var process = new ChildProcess(Prerequisites.Which(tool)!, args, Directory, new Dictionary<string, string> { ["SLURM_CONF"] = Config });
        _daemons.Add(process);
        return process;
    }

    private string Log(string name)
    {
        string path = Path.Combine(Directory, name);
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }
}
