using System.Diagnostics.CodeAnalysis;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>A storage failure that waiting will not cure: where it happened and why, in one line.</summary>
/// <param name="Location">The file, folder or store that could not be written.</param>
/// <param name="Reason">What the system said, e.g. "No space left on device".</param>
public sealed record StorageFault(string Location, string Reason)
{
    /// <summary>The message a user reads: the location and the reason.</summary>
    public override string ToString() => $"cannot write {Location}: {Reason}";
}

/// <summary>A write refused for good (see <see cref="StorageFaults"/>), raised where the location is known.</summary>
/// <param name="fault">Where and why.</param>
/// <param name="inner">What the store raised.</param>
public sealed class StorageFaultException(StorageFault fault, Exception inner) : IOException(fault.ToString(), inner)
{
    /// <summary>Where and why.</summary>
    public StorageFault Fault { get; } = fault;
}

/// <summary>
/// Storage failures that retrying does not cure (a full disk or quota, a read-only or forbidden folder, a
/// Redis out of memory or refusing writes), as opposed to a brief outage that retries ride out. The
/// first one is kept and <see cref="Tripped"/> completes, so a run can end at once with one clear message
/// instead of retrying; everything already stored stays, so the run can be resumed once there is space.
/// </summary>
public sealed class StorageFaults
{
    // errno values of the failures that waiting does not cure (Linux): EPERM, EACCES, EFBIG, ENOSPC, EROFS, EDQUOT.
    private static readonly HashSet<int> PermanentErrnos = [1, 13, 27, 28, 30, 122];

    // Replies of a Redis server that refuses writes until an operator acts.
    private static readonly string[] RedisRefusals = ["OOM command not allowed", "MISCONF", "READONLY You can't write"];

    private readonly TaskCompletionSource<StorageFault> _tripped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _cancel = new();

    /// <summary>The first permanent failure, or null while there is none.</summary>
    public StorageFault? First => _tripped.Task.IsCompleted ? _tripped.Task.Result : null;

    /// <summary>Completes with the first permanent failure.</summary>
    public Task<StorageFault> Tripped => _tripped.Task;

    /// <summary>Cancelled at the first permanent failure.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>
    /// Records <paramref name="exception"/> when it is a permanent storage failure at
    /// <paramref name="location"/>; returns whether it was one.
    /// </summary>
    public bool Report(string location, Exception exception)
    {
        if (Describe(exception) is not { } reason)
        {
            return false;
        }

        if (_tripped.TrySetResult(new StorageFault(location, reason)))
        {
            // Off the reporting thread: the storage call that failed is not held up by whoever listens.
            _ = Task.Run(_cancel.Cancel);
        }

        return true;
    }

    /// <summary>
    /// The fault, when <paramref name="exception"/> (or one it wraps) is a permanent storage failure: its own
    /// location when a <see cref="StorageFaultException"/> names it, else <paramref name="location"/>; otherwise null.
    /// </summary>
    public static StorageFault? Find(Exception exception, string location)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is StorageFaultException named)
            {
                return named.Fault;
            }
        }

        return Describe(exception) is { } reason ? new StorageFault(location, reason) : null;
    }

    /// <summary>The reason, when <paramref name="exception"/> (or one it wraps) is a permanent storage failure; otherwise null.</summary>
    public static string? Describe(Exception exception) => TryDescribe(exception, out string? reason) ? reason : null;

    private static bool TryDescribe(Exception? exception, [NotNullWhen(true)] out string? reason)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate)
            {
                foreach (Exception inner in aggregate.InnerExceptions)
                {
                    if (TryDescribe(inner, out reason))
                    {
                        return true;
                    }
                }
            }

            if (e is StorageFaultException named)
            {
                reason = named.Fault.Reason;
                return true;
            }

            if (e is UnauthorizedAccessException)
            {
                reason = "permission denied";
                return true;
            }

            // On Unix, .NET's IOException carries the errno as its HResult.
            if (e is IOException io && PermanentErrnos.Contains(io.HResult))
            {
                reason = FirstClause(io.Message);
                return true;
            }

            if (RedisRefusals.FirstOrDefault(r => e.Message.Contains(r, StringComparison.Ordinal)) is { } refusal)
            {
                reason = $"Redis refused the write ({RedisReply(e.Message, refusal)})";
                return true;
            }
        }

        reason = null;
        return false;
    }

    // Redis's own reply from wherever it sits in a wrapped message, without the script's id:
    // "... RedisServerException: OOM command not allowed when used memory > 'maxmemory'. script: ..." ->
    // "OOM command not allowed when used memory > 'maxmemory'".
    private static string RedisReply(string message, string refusal)
    {
        string reply = message[message.IndexOf(refusal, StringComparison.Ordinal)..];
        foreach (string end in (string[])[". script:", "\r", "\n"])
        {
            int at = reply.IndexOf(end, StringComparison.Ordinal);
            reply = at > 0 ? reply[..at] : reply;
        }

        return reply.TrimEnd('.', ' ');
    }

    // "No space left on device : '/path'" -> "No space left on device": the location is reported apart.
    private static string FirstClause(string message)
    {
        int at = message.IndexOf(" : '", StringComparison.Ordinal);
        string first = (at > 0 ? message[..at] : message).Trim();
        int line = first.IndexOfAny(['\r', '\n']);
        return line > 0 ? first[..line] : first;
    }
}
