using MeanFieldCluster.Silo.Hosting;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>Which storage failures end a run at once (no retry cures them), and the one line each gives.</summary>
public sealed class StorageFaultsTests
{
    [Theory]
    [InlineData("Failed to write grain state for point grain with ID sweeppoint/x/1. StackExchange.Redis.RedisServerException: OOM command not allowed when used memory > 'maxmemory'. script: ba16, on @user_script:3.", "Redis refused the write (OOM command not allowed when used memory > 'maxmemory')")]
    [InlineData("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.", "Redis refused the write (MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk)")]
    [InlineData("READONLY You can't write against a read only replica.", "Redis refused the write (READONLY You can't write against a read only replica)")]
    public void ARedisRefusalIsPermanentAndItsReplyIsQuotedWithoutTheWrapping(string message, string reason)
    {
        var wrapped = new InvalidOperationException("Error from storage provider", new IOException(message));
        Assert.Equal(reason, StorageFaults.Describe(wrapped));
    }

    [Fact]
    public void AFullDiskIsPermanentAndABriefOutageIsNot()
    {
        Assert.Equal("No space left on device", StorageFaults.Describe(new IOException("No space left on device : '/x/y'", 28)));
        Assert.Null(StorageFaults.Describe(new IOException("Connection reset by peer", 104)));
        Assert.Null(StorageFaults.Describe(new TimeoutException("Timeout performing EVAL")));
    }

    [Fact]
    public void AFaultNamedWhereItHappenedKeepsItsLocationThroughWrapping()
    {
        var named = new StorageFaultException(new StorageFault("Redis key s/state/sweeppoint/x/1/point", "Redis refused the write (OOM command not allowed)"), new IOException("OOM command not allowed"));
        var wrapped = new AggregateException(new InvalidOperationException("write failed", named));
        Assert.Equal("cannot write Redis key s/state/sweeppoint/x/1/point: Redis refused the write (OOM command not allowed)", StorageFaults.Find(wrapped, "elsewhere")!.ToString());
        Assert.Equal("cannot write elsewhere: No space left on device", StorageFaults.Find(new IOException("No space left on device", 28), "elsewhere")!.ToString());
        Assert.Null(StorageFaults.Find(new IOException("Connection reset by peer", 104), "elsewhere"));
    }
}
