using System.CommandLine;
using MeanFieldCluster.Client.Cluster;
using MeanFieldCluster.Client.Commands;
using MeanFieldCluster.Client.Plotting;

namespace MeanFieldCluster.Client;

/// <summary>The <c>mfc</c> command line.</summary>
internal static class Cli
{
    /// <summary>Parses and runs a command; returns the process exit code (2 for bad input).</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, bool interactive, CancellationToken cancellationToken = default)
    {
        Results.Provenance.SetCommandLine(args);
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
        var sweepIdArgument = new Argument<string>("sweep-id") { Description = "The sweep id printed by 'mfc submit'." };
        var setOption = new Option<string[]>("--set")
        {
            Description = "Override a spec field: --set path=value (e.g. --set grid.width=[100,200]). Repeatable.",
            AllowMultipleArgumentsPerToken = false,
        };
        var outOption = new Option<string?>("--out", "-o") { Description = "Results folder (default: results/<spec name> for run, results/<sweep id> for results)." };
        var forceOption = new Option<bool>("--force") { Description = "Start over in (or overwrite) a results folder that holds results or an unfinished run." };
        var resumeOption = new Option<bool>("--resume") { Description = "Finish the interrupted run in the results folder, without recomputing finished points." };
        var workersOption = new Option<int>("--workers")
        {
            Description = "Points computing at once (default: the number of cores).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
            CustomParser = IntegerOption.AtLeastOne("--workers", Environment.ProcessorCount),
        };

        var wideOption = new Option<int>("--threads-per-wide-point")
        {
            Description = "Worker slots (threads) a point with at least 20000 first-layer neurons takes (default 1); results are the same.",
            DefaultValueFactory = _ => 1,
            CustomParser = IntegerOption.AtLeastOne("--threads-per-wide-point", 1),
        };

        var sweepIdOption = new Option<string?>("--sweep-id") { Description = "Choose the sweep id (default: <name>-<time>-<random>); resubmitting the same spec under an id returns that sweep; every results table carries it." };
        sweepIdOption.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is { } id && !SpecInput.IsValidSweepId(id))
            {
                r.AddError($"--sweep-id: '{id}' is not allowed; expected {SpecInput.SweepIdRule}.");
            }
        });

        var budget = new BudgetOptions();
        var axes = new AxisOptions();
        var plotAfterRunOption = new Option<bool>("--plot") { Description = "When the run completes, also draw its figures (PNG) into <out>/figures, as 'mfc plot' does." };
        Option<int?> dashboardOption = RunCommand.DashboardOption();

        var logFileOption = new Option<string?>("--log-file") { Description = $"Where warnings and errors go in full, stack traces included (default <out>/{RunCommand.LogFileName}); the console shows one line each." };
        var run = new Command("run", "Run a sweep on an in-process silo and write a results folder.") { specArgument, setOption, outOption, forceOption, resumeOption, workersOption, plotAfterRunOption, dashboardOption, wideOption, sweepIdOption, logFileOption };
        budget.AddTo(run);
        axes.AddTo(run);
        run.SetAction((parse, token) => RunCommand.ExecuteAsync(
            new RunSettings(parse.GetValue(specArgument)!, axes.Overrides(parse, setOption), parse.GetValue(outOption), parse.GetValue(forceOption), parse.GetValue(resumeOption), parse.GetValue(workersOption), parse.GetValue(plotAfterRunOption), parse.GetValue(dashboardOption), parse.GetValue(wideOption)) { Budget = budget.Budget(parse), SweepId = parse.GetValue(sweepIdOption), LogFile = parse.GetValue(logFileOption), ClusterRedis = Environment.GetEnvironmentVariable("MFC_REDIS") },
            output, error, interactive, token));

        var resultsDirArgument = new Argument<string>("dir") { Description = "A results folder written by 'mfc run' or 'mfc results'." };
        var formatOption = new Option<string>("--format")
        {
            Description = $"Image format: png ({FigureRenderer.Width * FigureRenderer.PngScale}x{FigureRenderer.Height * FigureRenderer.PngScale} pixels) or svg.",
            DefaultValueFactory = _ => "png",
        };
        formatOption.Validators.Add(r =>
        {
            string value = r.GetValueOrDefault<string>() ?? "";
            if (!PlotCommand.Formats.Contains(value.ToLowerInvariant()))
            {
                r.AddError($"--format: '{value}' is not allowed; expected one of: {string.Join(", ", PlotCommand.Formats)}.");
            }
        });
        var plot = new Command("plot", "Draw a results folder's figures into DIR/figures: risk against t, distances against N with fitted power laws, weight-law quantiles, rate functions.") { resultsDirArgument, formatOption };
        plot.SetAction((parse, token) => PlotCommand.ExecuteAsync(parse.GetValue(resultsDirArgument)!, parse.GetValue(formatOption)!, output, error, token));

        var runsDirArgument = new Argument<string>("dir") { Description = "A folder holding results folders (searched " + RunsCommand.MaxDepth + " levels deep), e.g. results." };
        var runs = new Command("runs", "List the results folders under DIR: name, date, status, points, axes, tags (newest first).") { runsDirArgument };
        runs.SetAction((parse, _) => RunsCommand.ListAsync(parse.GetValue(runsDirArgument)!, output, error));

        var diffA = new Argument<string>("a") { Description = "A results folder (or its summary.json, or a spec file)." };
        var diffB = new Argument<string>("b") { Description = "Another results folder (or summary.json, or spec file)." };
        var diff = new Command("diff", "Show how two runs' specs differ: every differing field path with its value in A and in B.") { diffA, diffB };
        diff.SetAction((parse, _) => RunsCommand.DiffAsync(parse.GetValue(diffA)!, parse.GetValue(diffB)!, output, error));

        var validate = new Command("validate", "Check a spec without running it; exit 2 with every error when it is not valid.") { specArgument, setOption };
        budget.AddTo(validate);
        axes.AddTo(validate);
        validate.SetAction((parse, _) => ValidateCommand.ExecuteAsync(parse.GetValue(specArgument)!, axes.Overrides(parse, setOption), budget.Budget(parse), output, error));

        var leadingOrderOption = new Option<bool>("--leading-order") { Description = "Keep only the n = 0 Hermite term: the d = infinity equation (from the finite-d initial law)." };
        var pde = new Command("pde", "Solve the mean-field limit (radial PDE of MMN example 1, or the anisotropic (r1, r2) PDE of MMN example 2) of a spec alone and write pde.csv.") { specArgument, setOption, outOption, forceOption, leadingOrderOption };
        pde.SetAction((parse, _) => PdeCommand.ExecuteAsync(parse.GetValue(specArgument)!, parse.GetValue(setOption) ?? [], parse.GetValue(outOption), parse.GetValue(forceOption), parse.GetValue(leadingOrderOption), output, error));

        // Cluster mode: every command takes the connection options.
        var redisOption = new Option<string?>("--redis")
        {
            Description = "The cluster's Redis, e.g. localhost:6379 or host:6380,password=...,ssl=true (default: $MFC_REDIS).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_REDIS"),
        };
        var clusterIdOption = new Option<string>("--cluster-id")
        {
            Description = "Cluster id (default: $MFC_CLUSTER_ID or mfc).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_CLUSTER_ID") ?? "mfc",
        };
        var serviceIdOption = new Option<string>("--service-id")
        {
            Description = "Service id (default: $MFC_SERVICE_ID or MeanFieldCluster).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_SERVICE_ID") ?? "MeanFieldCluster",
        };
        var tlsCertOption = new Option<string?>("--tls-cert")
        {
            Description = "This client's certificate when the cluster uses TLS: a PEM file (with --tls-key) or a .pfx/.p12 (password in $MFC_TLS_PASSWORD), signed by the cluster's CA (default: $MFC_TLS_CERT).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_TLS_CERT"),
        };
        var tlsKeyOption = new Option<string?>("--tls-key")
        {
            Description = "The PEM private key of --tls-cert (default: $MFC_TLS_KEY).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_TLS_KEY"),
        };
        var tlsCaOption = new Option<string?>("--tls-ca")
        {
            Description = "The cluster's CA certificate (PEM): gateways must present a certificate it signed (default: $MFC_TLS_CA).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_TLS_CA"),
        };
        var connectTimeoutOption = new Option<string>("--connect-timeout")
        {
            Description = $"Seconds to wait for the cluster (Redis and a gateway silo) before giving up with exit code 2 (default: $MFC_CONNECT_TIMEOUT or {ConnectionSettings.DefaultConnectTimeout.TotalSeconds:0}).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_CONNECT_TIMEOUT") ?? FormattableString.Invariant($"{ConnectionSettings.DefaultConnectTimeout.TotalSeconds:0}"),
        };
        connectTimeoutOption.Validators.Add(r =>
        {
            string value = r.GetValueOrDefault<string>();
            if (ConnectTimeoutSeconds(value) is null)
            {
                r.AddError($"--connect-timeout: '{value}' is not allowed; expected seconds from 1 to 3600 (from the option or $MFC_CONNECT_TIMEOUT).");
            }
        });
        ConnectionSettings Connection(ParseResult p) => new(p.GetValue(redisOption), p.GetValue(clusterIdOption)!, p.GetValue(serviceIdOption)!)
        {
            Tls = new() { Certificate = p.GetValue(tlsCertOption), Key = p.GetValue(tlsKeyOption), Authority = p.GetValue(tlsCaOption), Password = Environment.GetEnvironmentVariable("MFC_TLS_PASSWORD") },
            ConnectTimeout = TimeSpan.FromSeconds(ConnectTimeoutSeconds(p.GetValue(connectTimeoutOption)) ?? ConnectionSettings.DefaultConnectTimeout.TotalSeconds),
        };
        Command ClusterCommand(string name, string description, params Symbol[] symbols)
        {
            var command = new Command(name, description);
            foreach (Symbol s in symbols.Concat([redisOption, clusterIdOption, serviceIdOption, tlsCertOption, tlsKeyOption, tlsCaOption, connectTimeoutOption]))
            {
                switch (s)
                {
                    case Argument a:
                        command.Arguments.Add(a);
                        break;
                    case Option o:
                        command.Options.Add(o);
                        break;
                }
            }

            return command;
        }

        var submit = ClusterCommand("submit", "Submit a sweep to the cluster; prints its id and returns at once.", specArgument, setOption, sweepIdOption);
        budget.AddTo(submit);
        axes.AddTo(submit);
        submit.SetAction((p, t) => ClusterCommands.SubmitAsync(Connection(p), p.GetValue(specArgument)!, axes.Overrides(p, setOption), p.GetValue(sweepIdOption), budget.Budget(p), output, error, t));

        var watch = ClusterCommand("watch", "Show live progress of a sweep until it finishes (survives the loss of a gateway silo).", sweepIdArgument);
        watch.SetAction((p, t) => ClusterCommands.WatchAsync(Connection(p), p.GetValue(sweepIdArgument)!, output, error, interactive, t));

        var status = ClusterCommand("status", "Print a sweep's state and progress once.", sweepIdArgument);
        status.SetAction((p, t) => ClusterCommands.StatusAsync(Connection(p), p.GetValue(sweepIdArgument)!, output, error, t));

        var list = ClusterCommand("list", "List the cluster's sweeps.");
        list.SetAction((p, t) => ClusterCommands.ListAsync(Connection(p), output, error, t));

        var cancel = ClusterCommand("cancel", "Cancel a sweep: running points stop after their current chunk, finished results are kept.", sweepIdArgument);
        cancel.SetAction((p, t) => ClusterCommands.CancelAsync(Connection(p), p.GetValue(sweepIdArgument)!, output, error, t));

        var results = ClusterCommand("results", "Write a sweep's results folder (the same files as mfc run).", sweepIdArgument, outOption, forceOption);
        results.SetAction((p, t) => ClusterCommands.ResultsAsync(Connection(p), p.GetValue(sweepIdArgument)!, p.GetValue(outOption), p.GetValue(forceOption), output, error, t));

        return new RootCommand("mfc: mean-field SGD sweeps on an Orleans cluster (MeanFieldCluster).") { run, validate, pde, plot, runs, diff, submit, watch, status, list, cancel, results };
    }

    // --connect-timeout's seconds (1 to 3600), or null when the text is not such a number.
    private static double? ConnectTimeoutSeconds(string? text) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double s) && s >= 1 && s <= 3600 ? s : null;
}
