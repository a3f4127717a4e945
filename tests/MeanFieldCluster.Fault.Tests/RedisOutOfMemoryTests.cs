namespace MeanFieldCluster.Fault.Tests;

/// <summary>
/// Cluster mode: a Redis that refuses writes (out of memory) mid-sweep stops the points and ends
/// <c>mfc watch</c> with exit 1 and one message naming the key and Redis's reply, without retrying for
/// minutes; once Redis takes writes again the cluster resumes the points by itself from what was stored,
/// and the results equal an embedded run's.
/// </summary>
[Collection(nameof(ProcessCollection))]
[Trait("Category", "Slow")]
public sealed class RedisOutOfMemoryTests
{
    [Fact]
    public async Task ARedisOutOfMemoryEndsTheWatchWithOneMessageAndTheClusterResumesOnceItTakesWritesAgain()
    {
        // Every point holds at its first chunk boundary, its checkpoint stored, while a watch follows the sweep;
        // then Redis refuses writes.
        using HeldWatchedSweep held = await HeldWatchedSweep.StartAsync("oom", 17);
        (RedisServer redis, SiloProcess silo, string[] connection) = (held.Redis, held.Silo, held.Connection);
        Assert.Equal("+OK", redis.Command("CONFIG", "SET", "maxmemory-policy", "noeviction"));
        Assert.Equal("+OK", redis.Command("CONFIG", "SET", "maxmemory", "1"));
        held.Gate.ReleaseAll();

        // The points' next checkpoints are refused: the watch ends with one clear message, not a retry loop.
        var refused = (Code: await held.Watching, Output: held.Output.Text, Error: held.Error.Text);
        Assert.True(refused.Code == 1, $"exit {refused.Code}\n{refused.Output}\n{refused.Error}\n{silo.Output}");
        string[] errors = refused.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string storage = Assert.Single(errors, l => l.StartsWith("error: storage: ", StringComparison.Ordinal));
        Assert.Contains("cannot write Redis key", storage, StringComparison.Ordinal);
        Assert.EndsWith(": Redis refused the write (OOM command not allowed when used memory > 'maxmemory')", storage, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", refused.Output + refused.Error, StringComparison.Ordinal);
        // A client joining now cannot (joining writes to Redis) and says why.
        var joining = await FaultTests.Mfc(["status", "oom", .. connection]);
        Assert.True(joining.Code == 2, joining.Output + joining.Error);
        Assert.Contains("is up but refuses writes: Redis refused the write (OOM command not allowed", joining.Error, StringComparison.Ordinal);

        // Redis takes writes again: the coordinator finds out (its next watchdog tick) and restarts the stopped
        // points from their checkpoints; mfc status stops reporting the fault.
        Assert.Equal("+OK", redis.Command("CONFIG", "SET", "maxmemory", "0"));
        await FaultTests.WaitUntil(async () => !(await FaultTests.Mfc(["status", "oom", .. connection])).Output.Contains("storage: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));

        var resumed = await FaultTests.Mfc(["watch", "oom", .. connection]);
        Assert.True(resumed.Code == 0, $"exit {resumed.Code}\n{resumed.Output}\n{resumed.Error}\n{silo.Output}");
        (string cluster, string embedded) = await held.ResultsAndEmbeddedRun();
        foreach (string table in FourPointSweep.Tables.Where(t => t != "aggregate.json"))
        {
            Assert.True(File.ReadAllBytes(Path.Combine(cluster, table)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(embedded, table))), $"{table} differs from the embedded run");
        }
    }
}
