using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MeanFieldCluster.Client.Results;
using ParquetSharp;

namespace MeanFieldCluster.Client.Tests;

/// <summary>
/// Self-describing results (docs/results.md): every table carries sweep_id and the point's coordinates,
/// aggregate.json is also written as tidy tables, Parquet files carry key-value metadata, summary.json
/// records provenance, tags and notes; mfc runs and mfc diff; the published aggregate schema and the
/// pandas recipe of the docs.
/// </summary>
public sealed partial class SelfDescribingResultsTests
{
    private const string Tagged = """
        name: tagged
        seed: 3
        tags: [baseline, "2024"]
        notes: "ReLU at two widths; a |pipe| and 'quotes'"
        model: {preset: mmn-relu, activation: relu}
        data: {kind: isotropic-gaussian, d: 4, delta: 0.5}
        training: {horizon: 1}
        observe: {test_samples: 100, risk_times: {count: 3}, snapshot_times: [0, 1], quantiles: 8}
        grid: {width: [6, 12], step_size: [0.02, "0.1/N"], seeds: 2}
        """;

    private static readonly string[] PerPointTables = ["points", "curves", "measures", "histograms"];

    [Fact]
    public async Task EveryTableCarriesTheSweepIdAndThePointsCoordinatesAsTypedColumns()
    {
        RunOutcome run = await SharedRuns.Example("mmn-fig1-small.yaml");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(run.Directory, "summary.json")))!;
        string sweepId = summary["sweep_id"]!.GetValue<string>();

        Dictionary<string, Dictionary<string, string>> points = CliHarness.ReadCsv(Path.Combine(run.Directory, "points.csv")).ToDictionary(r => r["point"]);
        foreach (string table in PerPointTables)
        {
            List<Dictionary<string, string>> rows = CliHarness.ReadCsv(Path.Combine(run.Directory, table + ".csv"));
            Assert.NotEmpty(rows);
            foreach (Dictionary<string, string> row in rows)
            {
                Assert.Equal(sweepId, row["sweep_id"]);
                Dictionary<string, string> point = points[row["point"]];
                foreach (string coordinate in new[] { "layers", "width_1", "step_size", "step_size_value", "step_size_per_width", "gamma_1", "seed" })
                {
                    Assert.Equal(point[coordinate], row[coordinate]);
                }
            }
        }

        // Widths are integers, not "100;100" text; the grid's widths and seeds, point by point.
        Assert.Equal(["100", "100", "200", "200", "400", "400"], points.Values.OrderBy(p => int.Parse(p["point"], CultureInfo.InvariantCulture)).Select(p => p["width_1"]));
        Assert.Equal(["0", "1", "0", "1", "0", "1"], points.Values.OrderBy(p => int.Parse(p["point"], CultureInfo.InvariantCulture)).Select(p => p["seed"]));

        // Every CSV table of the folder (the aggregate ones too) names its sweep in every row.
        foreach (string csv in Directory.EnumerateFiles(run.Directory, "*.csv"))
        {
            Assert.All(CliHarness.ReadCsv(csv), row => Assert.Equal(sweepId, row["sweep_id"]));
        }

        // Every Parquet file carries the sweep id, the spec hash and the tool version as key-value metadata.
        foreach (string parquet in Directory.EnumerateFiles(run.Directory, "*.parquet"))
        {
            using var file = new ParquetFileReader(parquet);
            IReadOnlyDictionary<string, string> metadata = file.FileMetaData.KeyValueMetadata;
            Assert.Equal(sweepId, metadata["mfc.sweep_id"]);
            Assert.Equal(summary["spec_hash"]!.GetValue<string>(), metadata["mfc.spec_hash"]);
            Assert.Equal(summary["provenance"]!["tool_version"]!.GetValue<string>(), metadata["mfc.tool_version"]);
            Assert.Equal("2", metadata["mfc.tables_version"]);
        }
    }

    // With a field axis the PDE comparison is one per value (aggregate.json's pde_comparisons, each with its axes):
    // agg_pde, agg_pde_gaps and the PDE fits of agg_fits hold every one of them, told apart by the axis's column.
    [Fact]
    [Trait("Category", "Slow")]
    public async Task WithAFieldAxisThePdeTablesHoldOneComparisonPerValue()
    {
        string outDir = Path.Combine(CliHarness.TempDirectory(), "out");
        var (code, _, error) = await CliHarness.Run("run", Path.Combine(CliHarness.RepositoryRoot(), "examples", "mmn-fig1-small.yaml"), "--out", outDir, "--sweep", "data.delta=0.2,0.5");
        Assert.True(code == 0, error);
        JsonNode aggregate = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "aggregate.json")))!;
        JsonArray pdes = aggregate["pde_comparisons"]!.AsArray();
        Assert.Equal(2, pdes.Count);

        List<Dictionary<string, string>> pde = CliHarness.ReadCsv(Path.Combine(outDir, "agg_pde.csv"));
        List<Dictionary<string, string>> gaps = CliHarness.ReadCsv(Path.Combine(outDir, "agg_pde_gaps.csv"));
        List<Dictionary<string, string>> fits = CliHarness.ReadCsv(Path.Combine(outDir, "agg_fits.csv"));
        foreach (JsonNode? comparison in pdes)
        {
            string delta = comparison!["axes"]![0]!["value"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture);
            Assert.Equal(
                comparison["risk"]!.AsArray().Select(r => r!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)),
                pde.Where(r => r["data.delta"] == delta).Select(r => r["risk"]));
            Assert.Equal(["100", "200", "400"], gaps.Where(g => g["data.delta"] == delta && g["quantity"] == "risk_gap").Select(g => g["width"]));
            Dictionary<string, string> gapFit = Assert.Single(fits, r => r["quantity"] == "pde_risk_gap" && r["data.delta"] == delta);
            Assert.Equal(comparison["families"]![0]!["risk_gap_fit"]!["exponent"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture), gapFit["exponent"]);
        }
    }

    [Fact]
    public async Task TheTidyAggregateTablesHoldWhatAggregateJsonHolds()
    {
        RunOutcome run = await SharedRuns.Example("mmn-fig1-small.yaml");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        JsonNode aggregate = JsonNode.Parse(File.ReadAllText(Path.Combine(run.Directory, "aggregate.json")))!;

        // Risk curves: one row per group and recorded step, the same numbers (shortest round-trip text on both sides).
        List<Dictionary<string, string>> curves = CliHarness.ReadCsv(Path.Combine(run.Directory, "agg_risk_curves.csv"));
        var expected = aggregate["risk_curves"]!.AsArray()
            .SelectMany(g => g!["curve"]!.AsArray().Select(c => (Width: g["widths"]![0]!.GetValue<int>(), Step: c!["step"]!.GetValue<long>(), Mean: c["mean"]!.GetValue<double>())))
            .ToList();
        Assert.Equal(expected.Count, curves.Count);
        Assert.Equal(
            expected.Select(e => $"{e.Width}/{e.Step}/{e.Mean.ToString("R", CultureInfo.InvariantCulture)}"),
            curves.Select(c => $"{c["width_1"]}/{c["step"]}/{c["risk_mean"]}"));

        // The PDE's risk curve, and the fitted exponent of the risk gap in N.
        JsonNode pde = aggregate["pde_comparison"]!;
        List<Dictionary<string, string>> pdeRows = CliHarness.ReadCsv(Path.Combine(run.Directory, "agg_pde.csv"));
        Assert.Equal(pde["risk"]!.AsArray().Select(r => r!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)), pdeRows.Select(r => r["risk"]));
        Dictionary<string, string> gapFit = Assert.Single(CliHarness.ReadCsv(Path.Combine(run.Directory, "agg_fits.csv")), r => r["quantity"] == "pde_risk_gap");
        Assert.Equal(pde["families"]![0]!["risk_gap_fit"]!["exponent"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture), gapFit["exponent"]);

        // Per width, the mean risk gap to the PDE; law distances per feature, time, width and metric.
        List<Dictionary<string, string>> gaps = CliHarness.ReadCsv(Path.Combine(run.Directory, "agg_pde_gaps.csv"));
        Assert.Equal(["100", "200", "400"], gaps.Where(g => g["quantity"] == "risk_gap").Select(g => g["width"]));
        List<Dictionary<string, string>> distances = CliHarness.ReadCsv(Path.Combine(run.Directory, "agg_law_distances.csv"));
        JsonNode feature = aggregate["measure_convergence"]![0]!["features"]![0]!;
        JsonNode atLast = feature["times"]!.AsArray()[^1]!;
        JsonNode widest = atLast["widths"]!.AsArray()[0]!;
        Dictionary<string, string> row = Assert.Single(distances, d => d["feature"] == feature["feature"]!.GetValue<string>() && d["metric"] == "w1"
            && d["t"] == atLast["time"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture) && d["width_1"] == widest["widths"]![0]!.ToString());
        Assert.Equal(widest["w1"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture), row["value"]);

        // The scaling section's risk fits: one row per family, time, estimate and width, with the fit on each.
        List<Dictionary<string, string>> extrapolation = CliHarness.ReadCsv(Path.Combine(run.Directory, "agg_width_extrapolation.csv"));
        JsonNode fitted = aggregate["scaling"]!["families"]![0]!["risk_extrapolation"]!.AsArray().First(at => at!["fit"] is JsonObject)!;
        string time = fitted["time"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture);
        List<Dictionary<string, string>> rows = [.. extrapolation.Where(r => r["t"] == time && r["estimate"] == "plain")];
        Assert.Equal(fitted["n"]!.AsArray().Select(n => n!.ToString()), rows.Select(r => r["width"]));
        Assert.Equal(fitted["mean"]!.AsArray().Select(m => m!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture)), rows.Select(r => r["mean"]));
        Assert.All(rows, r => Assert.Equal(fitted["fit"]!["p"]!.GetValue<double>().ToString("R", CultureInfo.InvariantCulture), r["p"]));
        Assert.All(rows, r => Assert.Equal(fitted["correction"]!["status"]!.GetValue<string>(), r["status"]));
    }

    [Fact]
    public void ThePublishedAggregateSchemaIsTheOneTheRecordsGive()
    {
        string path = Path.Combine(CliHarness.RepositoryRoot(), AggregateSchema.PublishedPath);
        string schema = AggregateSchema.Export();
        if (Environment.GetEnvironmentVariable("MFC_UPDATE_SCHEMA") == "1")
        {
            File.WriteAllText(path, schema);
        }

        Assert.True(
            File.Exists(path) && File.ReadAllText(path) == schema,
            $"{AggregateSchema.PublishedPath} is out of date with the aggregate records; regenerate it with MFC_UPDATE_SCHEMA=1 dotnet test tests/MeanFieldCluster.Client.Tests --filter ThePublishedAggregateSchemaIsTheOneTheRecordsGive");
        JsonNode root = JsonNode.Parse(schema)!;
        Assert.Equal(
            ["sweep", "points", "counts", "risk_curves", "measure_convergence", "cross_layer_dependence", "pde_comparison", "pde_comparisons", "scaling"],
            root["properties"]!.AsObject().Select(p => p.Key));
    }

    [Fact]
    public async Task SummaryRecordsProvenanceTagsAndNotesAndRunsListsTheFolder()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Tagged);
        string outDir = Path.Combine(dir, "results", "tagged");
        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir, "--sweep-id", "tagged-1");
        Assert.True(code == 0, output + error);

        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        Assert.Equal(["baseline", "2024"], summary["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("ReLU at two widths; a |pipe| and 'quotes'", summary["notes"]!.GetValue<string>());
        Assert.Equal(["baseline", "2024"], summary["spec"]!["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(summary["notes"]!.GetValue<string>(), summary["spec"]!["notes"]!.GetValue<string>());
        Assert.Equal(["grid.width", "grid.step_size", "grid.seeds"], summary["axes"]!.AsArray().Select(a => a!.GetValue<string>()));
        JsonNode provenance = summary["provenance"]!;
        Assert.Equal($"mfc run {spec} --out {outDir} --sweep-id tagged-1", provenance["command_line"]!.GetValue<string>());
        Assert.Equal(Environment.MachineName, provenance["host"]!.GetValue<string>());
        Assert.Contains(provenance["simd_bits"]!.GetValue<int>(), new[] { 64, 256, 512 });
        Assert.StartsWith(".NET", provenance["dotnet"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(provenance["cpu_model"]!.GetValue<string>()));
        Assert.Matches("^[0-9]+\\.[0-9]+\\.[0-9]+", provenance["tool_version"]!.GetValue<string>());
        // Built from this checkout: the commit is the one the SDK stamped (40 hex digits).
        Assert.Matches("^[0-9a-f]{40}$", provenance["git_commit"]!.GetValue<string>());
        Assert.Matches("^sha256:[0-9a-f]{64}$", summary["spec_hash"]!.GetValue<string>());

        // step_size_per_width and step_size_value tell a grid entry c/N from a plain ε.
        List<Dictionary<string, string>> points = CliHarness.ReadCsv(Path.Combine(outDir, "points.csv"));
        Assert.Equal(
            ["0.02/false/0.02", "0.02/false/0.02", "0.1/true/0.016666666666666666", "0.1/true/0.016666666666666666", "0.02/false/0.02", "0.02/false/0.02", "0.1/true/0.008333333333333333", "0.1/true/0.008333333333333333"],
            points.Select(p => $"{p["step_size_value"]}/{p["step_size_per_width"]}/{p["step_size"]}"));

        // An unfinished run beside it, and a folder that is not a run.
        Directory.CreateDirectory(Path.Combine(dir, "results", "half", ".mfc-state"));
        Directory.CreateDirectory(Path.Combine(dir, "results", "notes"));
        var runs = await CliHarness.Run("runs", Path.Combine(dir, "results"));
        Assert.True(runs.ExitCode == 0, runs.Error);
        string[][] table = [.. runs.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => SpacesRegex().Split(l.TrimEnd()))];
        Assert.Equal(["name", "date", "status", "points", "axes", "tags"], table[0]);
        Assert.Equal(3, table.Length);
        string[] tagged = Assert.Single(table, r => r[0] == "tagged");
        Assert.Equal(["completed", "8/8", "width,step_size,seeds", "baseline,2024"], tagged[2..]);
        Assert.Matches("^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}Z$", tagged[1]);
        Assert.Equal("unfinished", Assert.Single(table, r => r[0] == "half")[2]);
    }

    [Fact]
    public async Task DiffShowsEveryFieldInWhichTwoSpecsDifferWithBothValues()
    {
        string dir = CliHarness.TempDirectory();
        string a = CliHarness.WriteSpec(dir, Tagged, "a.yaml");
        string b = CliHarness.WriteSpec(dir, Tagged.Replace("delta: 0.5", "delta: 0.7", StringComparison.Ordinal).Replace("tags: [baseline, \"2024\"]", "tags: [wider]", StringComparison.Ordinal).Replace("width: [6, 12]", "width: [6, 12, 24]", StringComparison.Ordinal), "b.yaml");

        var (code, output, error) = await CliHarness.Run("diff", a, b);

        Assert.True(code == 0, error);
        string[] lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("data.delta: 0.5 | 0.7", lines);
        Assert.Contains("grid.width: [6,12] | [6,12,24]", lines);
        Assert.Contains("tags: [\"baseline\",\"2024\"] | [\"wider\"]", lines);
        Assert.Contains("3 difference(s), as field path: value in A | value in B", lines);

        var same = await CliHarness.Run("diff", a, a);
        Assert.Contains("the specs are the same", same.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("runs", "{dir}/missing", "error: DIR: ", "does not exist")]
    [InlineData("runs", "{dir}/a.yaml", "error: DIR: ", "is a file")]
    [InlineData("diff", "{dir}/missing {dir}/a.yaml", "error: A: ", "does not exist")]
    [InlineData("diff", "{dir}/a.yaml {dir}/bad.yaml", "error: tags[1]: ", "a string of 1 to 64 characters")]
    [InlineData("diff", "{dir}/a.yaml {dir}/empty", "error: B: ", "has no summary.json")]
    [InlineData("validate", "{dir}/bad.yaml", "error: tags[1]: ", "a string of 1 to 64 characters")]
    [InlineData("validate", "{dir}/badnotes.yaml", "error: notes: ", "a string of at most 10000 characters")]
    [InlineData("validate", "{dir}/twice.yaml", "error: tags[1]: ", "listed twice")]
    [InlineData("run", "{dir}/a.yaml --sweep-id a,b", "error: --sweep-id: 'a,b' is not allowed", "1 to 100 characters")]
    public async Task BadInputToTheResultsCommandsAndToTagsAndNotesIsAClearErrorWithExitCode2(string command, string arguments, string prefix, string reason)
    {
        string dir = CliHarness.TempDirectory();
        CliHarness.WriteSpec(dir, Tagged, "a.yaml");
        CliHarness.WriteSpec(dir, Tagged.Replace("tags: [baseline, \"2024\"]", "tags: [baseline, 2024]", StringComparison.Ordinal), "bad.yaml");
        CliHarness.WriteSpec(dir, Tagged.Replace("notes: \"ReLU", "notes: {text: \"ReLU", StringComparison.Ordinal).Replace("quotes'\"", "quotes'\"}", StringComparison.Ordinal), "badnotes.yaml");
        CliHarness.WriteSpec(dir, Tagged.Replace("tags: [baseline, \"2024\"]", "tags: [x, x]", StringComparison.Ordinal), "twice.yaml");
        Directory.CreateDirectory(Path.Combine(dir, "empty"));

        var (code, output, error) = await CliHarness.Run([command, .. arguments.Replace("{dir}", dir, StringComparison.Ordinal).Split(' ')]);

        Assert.True(code == 2, output + error);
        Assert.Contains(prefix, error, StringComparison.Ordinal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [PandasFact]
    public async Task ThePandasRecipeOfTheDocsRunsOnARealResultsFolder()
    {
        RunOutcome run = await SharedRuns.Example("mmn-fig1-small.yaml");
        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        string doc = File.ReadAllText(Path.Combine(CliHarness.RepositoryRoot(), "docs", "results.md"));
        Match recipe = RecipeRegex().Match(doc);
        Assert.True(recipe.Success, "docs/results.md has no ```python block");
        string script = Path.Combine(CliHarness.TempDirectory(), "recipe.py");
        await File.WriteAllTextAsync(script, recipe.Groups[1].Value);

        (int code, string output, string error) = await PandasFactAttribute.Python(script, run.Directory);

        Assert.True(code == 0, $"the recipe failed (exit {code}):\n{output}\n{error}");
        // It prints the mean final risk per width from curves.csv alone (no join with points.csv) ...
        Dictionary<string, string>[] points = [.. CliHarness.ReadCsv(Path.Combine(run.Directory, "points.csv"))];
        foreach (var width in points.GroupBy(p => p["width_1"]))
        {
            double mean = width.Average(p => double.Parse(p["final_risk"], CultureInfo.InvariantCulture));
            Assert.Contains($"final risk at N = {width.Key}: {mean.ToString("F6", CultureInfo.InvariantCulture)}", output, StringComparison.Ordinal);
        }

        // ... and the fitted exponent of the risk gap to the PDE, as in aggregate.json.
        JsonNode fit = JsonNode.Parse(File.ReadAllText(Path.Combine(run.Directory, "aggregate.json")))!["pde_comparison"]!["families"]![0]!["risk_gap_fit"]!;
        Assert.Contains($"risk gap ~ N^-a: a = {fit["exponent"]!.GetValue<double>().ToString("F4", CultureInfo.InvariantCulture)}", output, StringComparison.Ordinal);
    }

    [GeneratedRegex("  +")]
    private static partial Regex SpacesRegex();

    [GeneratedRegex("```python\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex RecipeRegex();
}

/// <summary>A fact that is skipped, with the reason, when /usr/bin/python3 cannot import pandas.</summary>
public sealed class PandasFactAttribute : FactAttribute
{
    /// <summary>The Python that has Debian's pandas (the python3 first on PATH may be a pyenv shim without it).</summary>
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Interpreter))
        {
            return $"{Interpreter} is missing (test.sh installs python3-pandas)";
        }

        (int code, _, string error) = Python("-c", "import pandas").GetAwaiter().GetResult();
        return code == 0 ? null : $"{Interpreter} cannot import pandas (test.sh installs python3-pandas): {error.Trim()}";
    });

    public PandasFactAttribute()
    {
        if (Missing.Value is { } reason)
        {
            Skip = reason;
        }
    }

    /// <summary>Runs <see cref="Interpreter"/> with <paramref name="args"/>; its exit code and output.</summary>
    public static async Task<(int Code, string Output, string Error)> Python(params string[] args)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync(), error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
