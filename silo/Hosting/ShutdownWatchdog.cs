// One job: ending an mfc-silo process whose graceful stop does not finish within the shutdown timeout.
using Microsoft.Extensions.Hosting;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Bounds how long a silo takes to stop once asked to (SIGTERM, Ctrl+C). A graceful stop leaves the cluster
/// through the membership table in Redis; with Redis gone Orleans waits for it at two stages of its stop, a
/// minute each (measured: 122 s from SIGTERM to exit), longer than cluster managers wait before they kill the
/// process. Armed when the host starts stopping: if the process is still there <see cref="SiloOptions.ShutdownTimeout"/>
/// seconds later, the watchdog reports it on standard error and ends the process with <see cref="ExitCode"/>. What
/// was stored stays: points resume from their last checkpoint on the silos that remain, which declare this one
/// dead by their failure detection.
/// </summary>
public sealed class ShutdownWatchdog : IDisposable
{
    /// <summary>The exit code of a silo that the watchdog ended.</summary>
    public const int ExitCode = 1;

    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;
    private readonly Action<string> _report;
    private readonly Action<int> _exit;
    private readonly CancellationTokenRegistration _stopping;
    private readonly Lock _gate = new();
    private ITimer? _timer;
    private bool _disposed;

    /// <summary>
    /// Arms the watchdog on <paramref name="lifetime"/>'s stopping signal. <paramref name="report"/> receives the
    /// message and <paramref name="exit"/> the exit code when the timeout passes (in the silo: standard error and
    /// <see cref="Environment.Exit(int)"/>).
    /// </summary>
    public ShutdownWatchdog(IHostApplicationLifetime lifetime, TimeSpan timeout, TimeProvider time, Action<string> report, Action<int> exit)
    {
        ArgumentNullException.ThrowIfNull(lifetime);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
        _timeout = timeout;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _report = report ?? throw new ArgumentNullException(nameof(report));
        _exit = exit ?? throw new ArgumentNullException(nameof(exit));
        _stopping = lifetime.ApplicationStopping.Register(Start);
    }

    /// <summary>The message of a stop that did not finish within <paramref name="timeout"/>.</summary>
    public static string Message(TimeSpan timeout) =>
        $"error: the silo did not stop within {timeout.TotalSeconds:0.###} s of the stop request (--shutdown-timeout); ending it now. "
        + "It could not leave the cluster cleanly: is the cluster's Redis reachable? The other silos will declare it dead, "
        + "and its points resume from their last checkpoints on them.";

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _timer?.Dispose();
        }

        _stopping.Dispose();
    }

    private void Start()
    {
        lock (_gate)
        {
            if (!_disposed && _timer is null)
            {
                _timer = _time.CreateTimer(_ => Fire(), null, _timeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Fire()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
        }

        _report(Message(_timeout));
        _exit(ExitCode);
    }
}
