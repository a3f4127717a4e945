using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace MeanFieldCluster.Fault.Tests;

/// <summary>Paths and ports shared by the multi-process tests.</summary>
internal static class Env
{
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

    /// <summary>The built dll of a project's executable, from the same configuration as these tests.</summary>
    public static string Executable(string project, string assembly)
    {
        string configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        string path = Path.Combine(RepositoryRoot(), project, "bin", configuration, "net10.0", assembly);
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is not built; build the solution first.");
    }

    /// <summary>
    /// A free loopback port (see <see cref="FreePorts"/>). Scripts take the ports after a base for their
    /// further silos (deploy/slurm, deploy/local: base + i), so the next <see cref="Stride"/> - 1 ports are
    /// checked too and never handed out by a later call of this process.
    /// </summary>
    public static int FreePort() => FreePorts(1);

    /// <summary>
    /// The first of <paramref name="count"/> consecutive loopback ports that are free now. They are taken below
    /// the kernel's ephemeral range, so no outgoing connection of any process (a build, a Redis client) can be
    /// given one of them between this check and the moment a silo or Redis binds it: port 0 would hand out an
    /// ephemeral port, and the one after it is anyone's. Each test process walks its own stretch (from its pid)
    /// and never hands out a port twice; a port some other process holds is skipped.
    /// </summary>
    public static int FreePorts(int count)
    {
        lock (PortLock)
        {
            int span = EphemeralLow - PortFloor;
            for (int attempt = 0; attempt < span; attempt++)
            {
                int block = Math.Max(count, Stride);
                int first = PortFloor + (int)((_nextPort + (long)attempt) % (span - block));
                if (Enumerable.Range(first, block).All(IsFree))
                {
                    _nextPort = first - PortFloor + block;
                    return first;
                }
            }

            throw new InvalidOperationException($"no {count} consecutive free ports between {PortFloor} and {EphemeralLow}");
        }
    }

    // Ports reserved per call: a base and the ports scripts derive from it (one per silo of a test cluster).
    private const int Stride = 8;
    private const int PortFloor = 10000;
    private static readonly object PortLock = new();
    private static readonly int EphemeralLow = ReadEphemeralLow();
    private static long _nextPort = Environment.ProcessId % 97 * 200;

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    // The low end of net.ipv4.ip_local_port_range (32768 by default), never below PortFloor + 1000.
    private static int ReadEphemeralLow()
    {
        try
        {
            string range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            int low = int.Parse(range.Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
            return Math.Max(low, PortFloor + 1000);
        }
        catch (IOException)
        {
            return 32768;
        }
        catch (UnauthorizedAccessException)
        {
            return 32768;
        }
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(ProcessRoot.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    // One root per test process (TestFolders, shared with the other test projects that run processes).
    private static readonly Lazy<string> ProcessRoot = new(() => MeanFieldCluster.Tests.Shared.TestFolders.ProcessRoot("mfc-fault-tests"));
}

/// <summary>A child process whose output is captured, killed with its tree on dispose.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    public ChildProcess(string fileName, IEnumerable<string> arguments, string? workingDirectory = null, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (string a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        start.Environment["CI"] = "true";
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ProcessId => _process.Id;

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits until the output contains <paramref name="text"/>; throws with the output on timeout or exit.</summary>
    public async Task WaitForOutput(string text, TimeSpan timeout, int occurrences = 1)
    {
        var clock = Stopwatch.StartNew();
        while (Count(Output, text) < occurrences)
        {
            if (clock.Elapsed > timeout || _process.HasExited)
            {
                throw new TimeoutException($"'{text}' x{occurrences} not seen within {timeout} (exited: {_process.HasExited}). Output:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>SIGKILL: no shutdown, no flush, as when a machine dies.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private static int Count(string haystack, string needle)
    {
        int count = 0;
        for (int at = haystack.IndexOf(needle, StringComparison.Ordinal); at >= 0; at = haystack.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}

/// <summary>A real redis-server on a free loopback port with AOF on, in its own folder.</summary>
internal sealed class RedisServer : IDisposable
{
    private readonly string _directory = Env.TempDirectory();
    private ChildProcess? _process;

    public RedisServer()
    {
        Port = Env.FreePort();
        Start();
    }

    public int Port { get; }

    public string Connection => $"127.0.0.1:{Port}";

    public void Start()
    {
        _process = new ChildProcess("redis-server", ["--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory, "--appendonly", "yes", "--appendfsync", "always", "--save", ""]);
        try
        {
            WaitUntilReady();
        }
        catch
        {
            // A server that never answered is stopped here: no caller holds this object to dispose it.
            _process.Dispose();
            throw;
        }
    }

    /// <summary>Sends one command (RESP) and returns the first line of the reply, e.g. "+OK".</summary>
    public string Command(params string[] args)
    {
        using var client = new TcpClient("127.0.0.1", Port);
        using NetworkStream stream = client.GetStream();
        var request = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{args.Length}\r\n");
        foreach (string arg in args)
        {
            request.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(arg)}\r\n{arg}\r\n");
        }

        stream.Write(Encoding.UTF8.GetBytes(request.ToString()));
        var buffer = new byte[4096];
        int read = stream.Read(buffer);
        return Encoding.UTF8.GetString(buffer, 0, read).Split("\r\n")[0];
    }

    /// <summary>Stops the server abruptly (SIGKILL); with appendfsync always nothing acknowledged is lost.</summary>
    public void Stop() => _process?.Kill();

    public void Dispose()
    {
        _process?.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void WaitUntilReady()
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60) && !(_process?.HasExited ?? true))
        {
            try
            {
                using var client = new TcpClient("127.0.0.1", Port);
                using NetworkStream stream = client.GetStream();
                stream.Write("PING\r\n"u8);
                var buffer = new byte[64];
                int read = stream.Read(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (SocketException)
            {
            }

            Thread.Sleep(100);
        }

        throw new TimeoutException($"redis-server on port {Port} did not answer PING. Output:\n{_process?.Output}");
    }
}

/// <summary>A real mfc-silo process in cluster mode.</summary>
internal sealed class SiloProcess : IDisposable
{
    private readonly ChildProcess _process;

    private SiloProcess(ChildProcess process, int siloPort, int gatewayPort, int httpPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    /// <summary>The port of the silo's HTTP endpoint (dashboard, /metrics) on 127.0.0.1.</summary>
    public int HttpPort { get; }

    public string Output => _process.Output;

    public int ProcessId => _process.ProcessId;

    public static async Task<SiloProcess> StartAsync(string redis, string clusterId, int workers = 1, IDictionary<string, string>? environment = null, IEnumerable<string>? extraArguments = null)
    {
        int siloPort = Env.FreePort(), gatewayPort = Env.FreePort(), httpPort = Env.FreePort();
        var process = new ChildProcess("dotnet", [Env.Executable("silo", "mfc-silo.dll"), "--redis", redis, "--cluster-id", clusterId, "--silo-port", $"{siloPort}", "--gateway-port", $"{gatewayPort}", "--workers", $"{workers}", "--fast-failure-detection", "true", "--http-port", $"{httpPort}", .. extraArguments ?? []], environment: environment);
        await process.WaitForOutput("mfc-silo: cluster", TimeSpan.FromSeconds(60));
        return new SiloProcess(process, siloPort, gatewayPort, httpPort);
    }

    public bool HasExited => _process.HasExited;

    /// <summary>Waits for the process to exit and returns its exit code; throws when <paramref name="timeout"/> passes first.</summary>
    public Task<int> WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Kill() => _process.Kill();

    public void Dispose() => _process.Dispose();
}
