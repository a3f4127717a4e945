using System.CommandLine;
using MeanFieldCluster.Client.Commands;

namespace MeanFieldCluster.Client;

/// <summary>The <c>mfc</c> command line.</summary>
internal static class Cli
{
    /// <summary>Parses and runs a command; returns the process exit code (2 for bad input).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken = default)
    {
        RootCommand root = Build(output, error, interactive);
        ParseResult parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                await error.WriteLineAsync($"error: {e.Message}");
            }

            await error.WriteLineAsync("Run 'mfc --help' for usage.");
            return SpecInput.BadInput;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = TimeSpan.FromSeconds(40) }, cancellationToken);
    }

    private static RootCommand Build(TextWriter output, TextWriter error, bool interactive)
    {
        var specArgument = new Argument<string>("spec") { Description = "Sweep spec file (.yaml, .yml or .json)." };
        var setOption = new Option<string[]>("--set")
        {
            Description = "Override a spec field: --set path=value (e.g. --set grid.width=[100,200]). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var outOption = new Option<string?>("--out", "-o") { Description = "Results folder (default: results/<spec name>)." };
        var forceOption = new Option<bool>("--force") { Description = "Overwrite an existing results folder." };
        var workersOption = new Option<int>("--workers")
        {
            Description = "Points computing at once (default: the number of cores).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        workersOption.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError($"--workers: {r.GetValueOrDefault<int>()} is not allowed; expected an integer >= 1.");
            }
        });

        var run = new Command("run", "Run a sweep on an in-process silo and write a results folder.") { specArgument, setOption, outOption, forceOption, workersOption };
        run.SetAction((parse, token) => RunCommand.ExecuteAsync(
            new RunSettings(parse.GetValue(specArgument)!, parse.GetValue(setOption) ?? [], parse.GetValue(outOption), parse.GetValue(forceOption), parse.GetValue(workersOption)),
            output, error, interactive, token));

        var validate = new Command("validate", "Check a spec without running it; exit 2 with every error when it is not valid.") { specArgument, setOption };
        validate.SetAction((parse, _) => ValidateCommand.ExecuteAsync(parse.GetValue(specArgument)!, parse.GetValue(setOption) ?? [], output, error));

        return new RootCommand("mfc: mean-field SGD sweeps on an Orleans cluster (MeanFieldCluster).") { run, validate };
    }
}
