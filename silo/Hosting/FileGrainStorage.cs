using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Grain storage in a local folder, one file per grain state, for embedded mode: durable across a killed
/// process, so <c>mfc run --resume</c> continues where a run stopped. Each write goes to a temporary file
/// that is then renamed over the old one, so a file is always a complete state. Every file carries a
/// checksum (<see cref="StateChecksum"/>): a damaged one is reported once, set aside as <c>*.damaged</c>,
/// and read as a fresh state. A write that fails for good (full disk, read-only folder) is reported to
/// <see cref="StorageFaults"/>, so the run ends with one message instead of retrying. Single-process only.
/// </summary>
public sealed class FileGrainStorage(string directory, Serializer serializer, ILogger<FileGrainStorage> logger, StorageFaults faults) : IGrainStorage
{
    /// <inheritdoc/>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        string path = PathOf(stateName, grainId);
        if (!File.Exists(path))
        {
            grainState.RecordExists = false;
            return;
        }

        byte[] bytes = await File.ReadAllBytesAsync(path);
        ReadOnlyMemory<byte>? payload = StateChecksum.Open(bytes, out string? problem);
        T? state = default;
        if (payload is { } valid)
        {
            try
            {
                state = serializer.Deserialize<T>(valid);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                problem = $"unreadable ({ex.GetType().Name}: {ex.Message})";
            }
        }

        if (problem is not null)
        {
            StateChecksum.ReportDamaged(logger, grainId.ToString(), $"file {path}", problem);
            try
            {
                File.Move(path, path + ".damaged", overwrite: true);
            }
            catch (Exception ex) when (faults.Report(directory, ex))
            {
                throw;
            }

            grainState.State = Activator.CreateInstance<T>();
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = state!;
        grainState.ETag = File.GetLastWriteTimeUtc(path).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc/>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        string path = PathOf(stateName, grainId);
        string temporary = path + ".partial";
        try
        {
            Directory.CreateDirectory(directory);
            await File.WriteAllBytesAsync(temporary, StateChecksum.Seal(serializer.SerializeToArray(grainState.State)));
            File.Move(temporary, path, overwrite: true);
        }
        catch (Exception ex) when (faults.Report(directory, ex))
        {
            // The last complete state stays; the partial one would only hold on to the little space left.
            DeleteQuietly(temporary);
            throw;
        }

        grainState.ETag = File.GetLastWriteTimeUtc(path).Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    /// <inheritdoc/>
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        File.Delete(PathOf(stateName, grainId));
        grainState.ETag = null;
        grainState.RecordExists = false;
        return Task.CompletedTask;
    }

    private static void DeleteQuietly(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A read-only folder keeps it; the next good write replaces it.
        }
    }

    // A file name from the state name and grain id, with anything outside [A-Za-z0-9._-] escaped.
    private string PathOf(string stateName, GrainId grainId)
    {
        var name = new StringBuilder();
        foreach (char ch in $"{stateName}__{grainId}")
        {
            name.Append(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '-' or '_' ? ch : $"%{(int)ch:X2}");
        }

        return Path.Combine(directory, name.Append(".bin").ToString());
    }
}

/// <summary>Registration of <see cref="FileGrainStorage"/>.</summary>
public static class FileGrainStorageExtensions
{
    /// <summary>Adds a file-backed grain storage provider named <paramref name="name"/> writing to <paramref name="directory"/>.</summary>
    public static ISiloBuilder AddFileGrainStorage(this ISiloBuilder silo, string name, string directory)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.AddGrainStorage(name, (services, _) => new FileGrainStorage(directory, services.GetRequiredService<Serializer>(), services.GetRequiredService<ILogger<FileGrainStorage>>(), services.GetRequiredService<StorageFaults>()));
        return silo;
    }
}
