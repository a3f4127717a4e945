namespace MeanFieldCluster.Client.Cluster;

/// <summary>
/// Grain calls that ride out a silo's death: until the cluster declares the silo dead (a few seconds),
/// calls to grains it hosted fail; afterwards the grains are re-activated elsewhere from storage.
/// </summary>
internal static class Resilient
{
    /// <summary>How long a call is retried before its error is reported.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Calls <paramref name="call"/>, retrying transient cluster errors for up to <see cref="Patience"/>.</summary>
    public static async Task<T> Call<T>(Func<Task<T>> call)
    {
        ArgumentNullException.ThrowIfNull(call);
        DateTime deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (IsTransient(ex) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
            }
        }
    }

    /// <summary>As <see cref="Call{T}"/> for calls without a result.</summary>
    public static Task Call(Func<Task> call) => Call(async () =>
    {
        await call();
        return true;
    });

    private static bool IsTransient(Exception ex) => ex is OrleansException or TimeoutException;
}
