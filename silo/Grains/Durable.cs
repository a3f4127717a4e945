using Microsoft.Extensions.Logging;
using MeanFieldCluster.Silo.Hosting;
using Orleans.Storage;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>
/// Retries for grain work that must not be lost when storage or a peer silo is briefly unreachable (a
/// Redis restart, a silo dying): up to 60 attempts with back-off doubling from 0.2 s to 5 s.
/// </summary>
internal static partial class Durable
{
    private const int Attempts = 60;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Runs <paramref name="action"/> until it succeeds or the attempts run out (then its error propagates); the
    /// delays run on <paramref name="time"/>. A storage failure that waiting does not cure (<see cref="StorageFaults"/>:
    /// a full disk, a Redis out of memory) propagates at once.
    /// </summary>
    public static async Task Retry(Func<Task> action, TimeProvider time, ILogger logger)
    {
        TimeSpan delay = FirstDelay;
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await action();
                return;
            }
            catch (Exception ex) when (attempt < Attempts && ex is not OperationCanceledException && StorageFaults.Describe(ex) is null && !ActivationGone(ex))
            {
                LogRetry(logger, ex, attempt, delay.TotalSeconds);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    /// <summary>
    /// Writes grain state with retries. A write that reached storage but whose reply was lost leaves a stale
    /// ETag: the ETag is refreshed and the in-memory state written again.
    /// </summary>
    public static Task Write<T>(IPersistentState<T> state, TimeProvider time, ILogger logger) => Retry(
        async () =>
        {
            try
            {
                await state.WriteStateAsync();
            }
            catch (InconsistentStateException)
            {
                T mine = state.State;
                await state.ReadStateAsync();
                state.State = mine;
                throw;
            }
        },
        time,
        logger);

    /// <summary>
    /// Whether <paramref name="ex"/> says the calling activation is no longer valid (Orleans deactivated it, e.g.
    /// when the grain directory lost its registration with a dead silo): nothing done from it can succeed again,
    /// so retrying only holds its worker slot (it once held one for the whole 60 attempts, 4.7 minutes, while
    /// the point's new activation waited for that slot). Orleans throws a plain InvalidOperationException
    /// (GrainRuntime.CheckRuntimeContext), recognised by its message.
    /// </summary>
    public static bool ActivationGone(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is InvalidOperationException && ex.Message.StartsWith(InvalidActivationMessage, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The start of Orleans' message for a call from an invalid activation.</summary>
    internal const string InvalidActivationMessage = "Attempt to access an invalid activation";

    [LoggerMessage(Level = LogLevel.Warning, Message = "Attempt {Attempt} failed; retrying in {Seconds} s")]
    private static partial void LogRetry(ILogger logger, Exception exception, int attempt, double seconds);
}
