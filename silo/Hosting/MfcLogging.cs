using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Serilog;

namespace MeanFieldCluster.Silo.Hosting;

/// <summary>
/// Logging of silos and embedded runs: the console gets one line per event, an exception summarized by its
/// type and message; stack traces go only to the log file, when there is one.
/// </summary>
public static class MfcLogging
{
    /// <summary>The name of the one-line console format.</summary>
    public const string FormatterName = "mfc-one-line";

    /// <summary>
    /// Replaces the logging providers: the one-line console (warnings, Orleans' own only from errors on),
    /// while <paramref name="consoleOn"/> says so, and, with <paramref name="logFile"/>, a file that gets every
    /// warning and error in full, stack traces included.
    /// </summary>
    public static ILoggingBuilder AddMfcLogging(this ILoggingBuilder logging, string? logFile, Func<bool>? consoleOn = null)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Warning);
        logging.AddConsole(o => o.FormatterName = FormatterName);
        logging.AddConsoleFormatter<OneLineConsoleFormatter, ConsoleFormatterOptions>();
        logging.AddFilter<ConsoleLoggerProvider>((category, level) =>
            (consoleOn?.Invoke() ?? true) && level >= (category?.StartsWith("Orleans", StringComparison.Ordinal) == true ? LogLevel.Error : LogLevel.Warning));
        if (logFile is not null)
        {
            // Serilog's provider is exempt from the minimum level above (AddSerilog lets every level through to
            // it), so the file sets its own: at Verbose, Orleans' trace events made a run's log hundreds of MB.
            Serilog.Core.Logger file = new LoggerConfiguration()
                .MinimumLevel.Warning()
                .WriteTo.File(logFile, outputTemplate: "{Timestamp:yyyy-MM-dd HH:mm:ss.fff zzz} [{Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}")
                .CreateLogger();
            logging.AddSerilog(file, dispose: true);
        }

        return logging;
    }

    /// <summary>
    /// Why <paramref name="logFile"/> (a --log-file the user named) cannot be written, or null when it can: its folder is
    /// created and the file opened for appending once, so that a log that cannot be kept is an error at the start
    /// (exit 2) rather than events silently lost (the file sink swallows its own write failures).
    /// </summary>
    public static string? CheckLogFile(string logFile)
    {
        ArgumentNullException.ThrowIfNull(logFile);
        try
        {
            string full = Path.GetFullPath(logFile);
            if (Directory.Exists(full))
            {
                return $"--log-file: '{full}' is a folder; expected a file path";
            }

            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            using (new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            {
            }

            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            return $"--log-file: '{logFile}' cannot be written ({ex.Message}); expected a file this user can create or append to";
        }
    }

    /// <summary>Writes "level: category: message (ExceptionType: message)" on one line, never a stack trace.</summary>
    private sealed class OneLineConsoleFormatter() : ConsoleFormatter(FormatterName)
    {
        public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
        {
            string message = logEntry.Formatter(logEntry.State, logEntry.Exception);
            string level = logEntry.LogLevel switch
            {
                LogLevel.Critical => "crit",
                LogLevel.Error => "fail",
                LogLevel.Warning => "warn",
                LogLevel.Information => "info",
                _ => "dbug",
            };
            string category = logEntry.Category[(logEntry.Category.LastIndexOf('.') + 1)..];
            string cause = logEntry.Exception is { } ex ? $" ({ex.GetType().Name}: {FirstLine(ex.GetBaseException().Message)})" : "";
            textWriter.WriteLine($"{level}: {category}: {FirstLine(message)}{cause}");
        }

        private static string FirstLine(string text)
        {
            int end = text.IndexOfAny(['\r', '\n']);
            return end < 0 ? text : text[..end];
        }
    }
}
