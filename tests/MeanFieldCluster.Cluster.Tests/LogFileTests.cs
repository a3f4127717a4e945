using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The log file of a run (<c>mfc.log</c>) gets warnings and errors in full, stack traces included, and nothing
/// below: at trace level Orleans wrote hundreds of MB per example run into it.
/// </summary>
public sealed class LogFileTests
{
    [Fact]
    public void ALogFileThatCannotBeWrittenIsNamedAtTheStartAndOneThatCanIsCreated()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mfc-log-{Guid.NewGuid():N}");
        Directory.CreateDirectory(directory);
        try
        {
            string file = Path.Combine(directory, "a-file");
            File.WriteAllText(file, "kept");
            Assert.Equal($"--log-file: '{directory}' is a folder; expected a file path", MfcLogging.CheckLogFile(directory));
            string under = Path.Combine(file, "x.log");
            Assert.StartsWith($"--log-file: '{under}' cannot be written (", MfcLogging.CheckLogFile(under), StringComparison.Ordinal);

            // A writable one: its folder is made, the file exists (empty), and an existing file is appended to, not cut.
            string fresh = Path.Combine(directory, "logs", "silo.log");
            Assert.Null(MfcLogging.CheckLogFile(fresh));
            Assert.Equal(0, new FileInfo(fresh).Length);
            Assert.Null(MfcLogging.CheckLogFile(file));
            Assert.Equal("kept", File.ReadAllText(file));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void TheLogFileKeepsWarningsAndErrorsWithTheirStackTracesAndNothingBelow()
    {
        string directory = Path.Combine(Path.GetTempPath(), $"mfc-log-{Guid.NewGuid():N}");
        string path = Path.Combine(directory, "mfc.log");
        try
        {
            using (ServiceProvider services = new ServiceCollection().AddLogging(l => l.AddMfcLogging(path, consoleOn: () => false)).BuildServiceProvider())
            {
                ILoggerFactory factory = services.GetRequiredService<ILoggerFactory>();
                ILogger orleans = factory.CreateLogger("Orleans.Runtime.Messaging.MessageCenter"), ours = factory.CreateLogger("MeanFieldCluster.Silo.Grains.SweepGrain");
                orleans.LogTrace("trace line");
                orleans.LogDebug("debug line");
                ours.LogInformation("information line");
                ours.LogWarning("warning line");
                orleans.LogError(Thrown(), "error line");
            }

            string text = File.ReadAllText(path);
            Assert.DoesNotContain("trace line", text, StringComparison.Ordinal);
            Assert.DoesNotContain("debug line", text, StringComparison.Ordinal);
            Assert.DoesNotContain("information line", text, StringComparison.Ordinal);
            Assert.Contains("[WRN] MeanFieldCluster.Silo.Grains.SweepGrain: warning line", text, StringComparison.Ordinal);
            Assert.Contains("[ERR] Orleans.Runtime.Messaging.MessageCenter: error line", text, StringComparison.Ordinal);
            Assert.Contains("   at ", text, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static InvalidOperationException Thrown()
    {
        try
        {
            throw new InvalidOperationException("the cause");
        }
        catch (InvalidOperationException ex)
        {
            return ex;
        }
    }
}
