using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Orleans.Storage;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Every stored grain state (checkpoint files in embedded mode, Redis values in cluster mode) carries a
/// SHA-256 of its contents after a short text header, <c>mfc-sha256:&lt;64 hex digits&gt;\n</c>. A state
/// that fails it (truncated, zeroed, overwritten) is reported once and read as a fresh state: a point then
/// restarts from its beginning (its numbers do not depend on it), a coordinator is rebuilt from its points
/// when the sweep is resubmitted. Never an endless retry of an unreadable state (docs/operations.md).
/// </summary>
public static partial class StateChecksum
{
    private const string Prefix = "mfc-sha256:";
    private const int HeaderLength = 11 + 64 + 1;

    /// <summary>The stored form of <paramref name="payload"/>: header, then the payload unchanged.</summary>
    public static byte[] Seal(ReadOnlySpan<byte> payload) => Seal([], payload);

    /// <summary>
    /// The stored form of the payload <paramref name="prefix"/> followed by <paramref name="body"/>: header, then
    /// both, without first copying them into one buffer.
    /// </summary>
    public static byte[] Seal(ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> body)
    {
        byte[] sealedBytes = new byte[HeaderLength + prefix.Length + body.Length];
        prefix.CopyTo(sealedBytes.AsSpan(HeaderLength));
        body.CopyTo(sealedBytes.AsSpan(HeaderLength + prefix.Length));
        Encoding.ASCII.GetBytes(Prefix, sealedBytes);
        Encoding.ASCII.GetBytes(Convert.ToHexStringLower(SHA256.HashData(sealedBytes.AsSpan(HeaderLength))), sealedBytes.AsSpan(Prefix.Length));
        sealedBytes[HeaderLength - 1] = (byte)'\n';
        return sealedBytes;
    }

    /// <summary>The payload of a stored state, or null with the reason when it fails its checksum.</summary>
    public static ReadOnlyMemory<byte>? Open(ReadOnlyMemory<byte> stored, out string? problem)
    {
        ReadOnlySpan<byte> span = stored.Span;
        if (span.Length < HeaderLength || !span[..Prefix.Length].SequenceEqual("mfc-sha256:"u8) || span[HeaderLength - 1] != (byte)'\n')
        {
            problem = span.Length < HeaderLength ? $"{span.Length} bytes, shorter than the checksum header" : "no checksum header";
            return null;
        }

        ReadOnlyMemory<byte> payload = stored[HeaderLength..];
        string expected = Encoding.ASCII.GetString(span.Slice(Prefix.Length, 64));
        if (!string.Equals(expected, Convert.ToHexStringLower(SHA256.HashData(payload.Span)), StringComparison.Ordinal))
        {
            problem = "checksum mismatch (truncated or overwritten)";
            return null;
        }

        problem = null;
        return payload;
    }

    /// <summary>Reports a damaged state once: which grain, where, what is wrong and what happens now.</summary>
    public static void ReportDamaged(ILogger logger, string grain, string location, string problem) =>
        LogDamaged(logger, grain, location, problem);

    [LoggerMessage(Level = LogLevel.Error, Message = "damaged state: {Grain} at {Location}: {Problem}; it starts again from an empty state (a point from its beginning, a coordinator from its points' states)")]
    private static partial void LogDamaged(ILogger logger, string grain, string location, string problem);
}

/// <summary>
/// A grain storage serializer that seals what it writes with <see cref="StateChecksum"/> and reads a damaged value
/// as a fresh state, reporting it with its Redis key (cluster mode). The key comes from <see cref="ReadContext"/>,
/// set by <see cref="ReadNamingGrainStorage"/> around each read: the storage deserializes off the grain's
/// scheduler, where the current grain context is not the grain being read.
/// States are written by <paramref name="binary"/> (Orleans' own serializer, as the embedded mode's files), after
/// the marker <c>mfc-binary\n</c>; a value without the marker was written as JSON by an earlier version and is
/// read by <paramref name="json"/>, so a sweep stored before the change resumes where it was. A checkpoint's
/// parameters cost 9 bytes each in binary against about 20 characters in JSON, whose number formatting took
/// 5-6% of a core per silo during a sweep (docs/performance.md, "Scale-out").
/// </summary>
public sealed class ChecksummedStorageSerializer(IGrainStorageSerializer binary, IGrainStorageSerializer json, ILogger logger) : IGrainStorageSerializer
{
    /// <summary>The Redis key of the state being read in this asynchronous flow, or null outside a read.</summary>
    internal static readonly AsyncLocal<(string Grain, string Key)?> ReadContext = new();

    private static ReadOnlySpan<byte> BinaryMarker => "mfc-binary\n"u8;

    /// <inheritdoc/>
    public BinaryData Serialize<T>(T? input) => new(StateChecksum.Seal(BinaryMarker, binary.Serialize(input).ToMemory().Span));

    /// <inheritdoc/>
    public T Deserialize<T>(BinaryData input)
    {
        ArgumentNullException.ThrowIfNull(input);
        ReadOnlyMemory<byte>? payload = StateChecksum.Open(input.ToMemory(), out string? problem);
        if (payload is { } valid)
        {
            try
            {
                T? state = valid.Span.StartsWith(BinaryMarker)
                    ? binary.Deserialize<T>(new BinaryData(valid[BinaryMarker.Length..]))
                    : json.Deserialize<T>(new BinaryData(valid));
                return state ?? Activator.CreateInstance<T>();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                problem = $"unreadable ({ex.GetType().Name}: {ex.Message})";
            }
        }

        (string grain, string key) = ReadContext.Value ?? ("a grain", "an unknown key");
        StateChecksum.ReportDamaged(logger, grain, $"Redis key {key}", problem!);
        return Activator.CreateInstance<T>();
    }
}

/// <summary>
/// Wraps the Redis grain storage so that a damaged value read is reported under its own key: each read
/// sets <see cref="ChecksummedStorageSerializer.ReadContext"/> (the grain and <c>{service id}/state/{grain id}/{state name}</c>, the
/// storage's own key) for the flow that deserializes it. A write that Redis refuses for good raises a
/// <see cref="StorageFaultException"/> naming that key.
/// </summary>
public sealed class ReadNamingGrainStorage(IGrainStorage inner, string keyPrefix) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <inheritdoc/>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        // Set inside this async method, the value flows into the read and ends with it.
        ChecksummedStorageSerializer.ReadContext.Value = (grainId.ToString(), $"{keyPrefix}{grainId}/{stateName}");
        await inner.ReadStateAsync(stateName, grainId, grainState);
    }

    /// <inheritdoc/>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        try
        {
            await inner.WriteStateAsync(stateName, grainId, grainState);
        }
        catch (Exception ex) when (StorageFaults.Describe(ex) is { } reason && ex is not StorageFaultException)
        {
            // A write Redis refuses for good (out of memory, MISCONF, READONLY) names its key: no retry cures it.
            throw new StorageFaultException(new StorageFault($"Redis key {keyPrefix}{grainId}/{stateName}", reason), ex);
        }
    }

    /// <inheritdoc/>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);

    /// <inheritdoc/>
    public void Participate(ISiloLifecycle observer) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(observer);
}
