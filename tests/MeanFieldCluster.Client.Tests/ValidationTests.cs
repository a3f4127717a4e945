namespace MeanFieldCluster.Client.Tests;

public sealed class ValidationTests
{
    private const string Valid = """
        name: tiny
        seed: 1
        model: {preset: mmn-isotropic, activation: ramp}
        data: {kind: isotropic-gaussian, d: 4, delta: 0.5}
        training: {horizon: 1}
        observe: {test_samples: 100, quantiles: 8}
        grid: {width: [10], step_size: [0.01], seeds: 1}
        """;

    public static TheoryData<string, string, string> InvalidSpecs() => new()
    {
        { "negative width", Valid.Replace("width: [10]", "width: [-10]"), "grid.width[0]" },
        { "unknown activation", Valid.Replace("activation: ramp", "activation: swish"), "model.activation" },
        { "empty grid", Valid.Replace("width: [10]", "width: []"), "grid.width" },
        { "missing data kind", Valid.Replace("kind: isotropic-gaussian, ", ""), "data.kind" },
        { "d = 0", Valid.Replace("d: 4", "d: 0"), "data.d" },
        { "step size 0", Valid.Replace("step_size: [0.01]", "step_size: [0]"), "grid.step_size[0]" },
        { "negative step size", Valid.Replace("step_size: [0.01]", "step_size: [-0.01]"), "grid.step_size[0]" },
        { "yaml syntax error", Valid.Replace("grid: {width: [10]", "grid: {width: [10"), "(yaml)" },
        { "unknown field", Valid.Replace("seed: 1", "seed: 1\nlearning_rate: 3"), "learning_rate" },
        { "unknown nested field", Valid.Replace("delta: 0.5", "delta: 0.5, sigma: 2"), "data.sigma" },
        { "gamma zero", Normalized.Replace("gamma: 1", "gamma: 0"), "model.gamma" },
        { "gamma above 1", Normalized.Replace("gamma: 1", "gamma: 1.25"), "model.gamma" },
        { "gamma below one half", Normalized.Replace("gamma: 1", "gamma: 0.4"), "model.gamma" },
        { "gamma for a mean-field preset", Valid.Replace("activation: ramp", "activation: ramp, gamma: 0.5"), "model.gamma" },
        { "every block frozen", Valid.Replace("activation: ramp", "activation: ramp, train: {first: false}"), "model.train" },
        { "widths list of the wrong length", Normalized.Replace("width: [10]", "width: [[10, 20, 30]]"), "grid.width[0]" },
        { "csv file missing", CsvSpec("/nonexistent/data.csv", "y"), "data.csv.path" },
        { "csv label column absent", CsvSpec("{good}", "label"), "data.csv.label" },
        { "csv non-numeric cell", CsvSpec("{bad}", "y"), "data.csv.path" },
    };

    private const string Normalized = """
        name: tiny-normalized
        model: {preset: normalized, activation: tanh, gamma: 1}
        data: {kind: isotropic-gaussian, d: 4}
        training: {horizon: 1}
        grid: {width: [10], step_size: [0.01], layers: [2]}
        """;

    private static string CsvSpec(string path, string label) => $$"""
        name: tiny-csv
        model: {preset: mmn-relu, activation: relu}
        data:
          kind: csv
          csv: {path: "{{path}}", label: {{label}}}
        training: {horizon: 1}
        grid: {width: [10], step_size: [0.01]}
        """;

    /// <summary>Writes the spec, with {good} and {bad} replaced by csv files written beside it.</summary>
    private static string WriteWithCsvFiles(string spec)
    {
        string dir = CliHarness.TempDirectory();
        File.WriteAllText(Path.Combine(dir, "good.csv"), "a,b,y\n1,2,1\n3,4,-1\n5,6,1\n7,8,-1\n");
        File.WriteAllText(Path.Combine(dir, "bad.csv"), "a,b,y\n1,2,1\n3,four,-1\n5,6,1\n");
        return CliHarness.WriteSpec(dir, spec.Replace("{good}", "good.csv", StringComparison.Ordinal).Replace("{bad}", "bad.csv", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task ValidateRejectsABadSpecWithExitCode2AndAMessageNamingTheField(string because, string spec, string field)
    {
        string path = WriteWithCsvFiles(spec);

        var (code, _, error) = await CliHarness.Run("validate", path);

        Assert.True(code == 2, $"{because}: exit code {code}, stderr: {error}");
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task RunRejectsABadSpecWithExitCode2BeforeStartingAnything(string because, string spec, string field)
    {
        string path = WriteWithCsvFiles(spec);
        string dir = Path.GetDirectoryName(path)!;

        var (code, _, error) = await CliHarness.Run("run", path, "--out", Path.Combine(dir, "out"));

        Assert.True(code == 2, $"{because}: exit code {code}");
        Assert.Contains(field, error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir, "out")));
    }

    [Fact]
    public async Task ValidateAcceptsAValidSpecAndCountsItsPoints()
    {
        string path = CliHarness.WriteSpec(CliHarness.TempDirectory(), Valid);

        var (code, output, _) = await CliHarness.Run("validate", path, "--set", "grid.width=[10,20,40]");

        Assert.Equal(0, code);
        Assert.Contains("3 points", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateListsTheAxesOfASweepOverAnyField()
    {
        string path = CliHarness.WriteSpec(CliHarness.TempDirectory(), Valid);

        var (code, output, error) = await CliHarness.Run("validate", path, "--sweep", "data.delta=0.2,0.5", "--sweep", "width=10,20", "--sweep", "model.activation.kind=relu,tanh");

        Assert.True(code == 0, error);
        Assert.Contains("8 points", output, StringComparison.Ordinal);
        Assert.Contains("axis data.delta: 2 values (0.2, 0.5)", output, StringComparison.Ordinal);
        Assert.Contains("axis model.activation.kind: 2 values (relu, tanh)", output, StringComparison.Ordinal);
        Assert.Contains("axis width: 2 values (10, 20)", output, StringComparison.Ordinal);
        Assert.Contains("axis seed: 1 value (0)", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("abc")]
    [InlineData("7200")]
    public async Task AConnectTimeoutOutsideOneSecondToAnHourIsBadInputNamingTheOption(string seconds)
    {
        // Refused while parsing, before any connection is tried (the Redis address goes nowhere).
        var (code, _, error) = await CliHarness.Run("list", "--redis", "127.0.0.1:1", "--connect-timeout", seconds);

        Assert.Equal(2, code);
        Assert.Contains($"--connect-timeout: '{seconds}' is not allowed; expected seconds from 1 to 3600", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("model.init.kapa=0.5,0.8", "grid.model.init.kapa", "nearest: model.init.kappa")]
    [InlineData("seed=1,2", "grid.seed", "cannot vary per point")]
    [InlineData("data.delta", "--sweep", "is malformed")]
    public async Task ABadSweepIsBadInputNamingThePath(string sweep, string path, string message)
    {
        string spec = CliHarness.WriteSpec(CliHarness.TempDirectory(), Valid);

        var (code, _, error) = await CliHarness.Run("validate", spec, "--sweep", sweep);

        Assert.Equal(2, code);
        Assert.Contains(path, error, StringComparison.Ordinal);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASweepLargerThanMaxPointsIsRefusedWithTheCount()
    {
        string spec = CliHarness.WriteSpec(CliHarness.TempDirectory(), Valid);

        var (code, _, error) = await CliHarness.Run("validate", spec, "--sweep", "data.delta=0.1,0.2,0.3", "--set", "grid.seeds=5", "--max-points", "14");

        Assert.Equal(2, code);
        Assert.Contains("the sweep has 15 points (data.delta 3 × layers 1 × width 1 × step_size 1 × seed 5); expected at most 14", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMissingSpecFileIsBadInput()
    {
        var (code, _, error) = await CliHarness.Run("validate", "/nonexistent/spec.yaml");

        Assert.Equal(2, code);
        Assert.Contains("/nonexistent/spec.yaml", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownCommandLineOptionIsBadInput()
    {
        var (code, _, error) = await CliHarness.Run("run", "x.yaml", "--frobnicate");

        Assert.Equal(2, code);
        Assert.Contains("--frobnicate", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidatePrintsTheEstimatedMemoryAndTimePerPoint()
    {
        string path = CliHarness.WriteSpec(CliHarness.TempDirectory(), Valid);

        var (code, output, _) = await CliHarness.Run("validate", path, "--set", "grid.width=[10,2000]", "--max-point-memory", "3GB", "--max-point-hours", "2");

        Assert.Equal(0, code);
        Assert.Contains("estimated per point: memory up to ", output, StringComparison.Ordinal);
        Assert.Contains("(point 1, 12,000 parameters)", output, StringComparison.Ordinal);
        Assert.Contains("budget per point: 3 GiB, 2 h", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("validate")]
    [InlineData("run")]
    [InlineData("submit")]
    public async Task PointsOverTheBudgetAreRefusedBeforeAnythingRuns(string command)
    {
        string dir = CliHarness.TempDirectory();
        string path = CliHarness.WriteSpec(dir, Valid);
        string outDir = Path.Combine(dir, "out");

        string[] extra = command switch
        {
            "run" => ["--out", outDir],
            "submit" => ["--redis", "127.0.0.1:1"],
            _ => [],
        };

        var (code, _, error) = await CliHarness.Run([command, path, "--set", "grid.width=[10,100000]", "--max-point-memory", "20MB", .. extra]);

        Assert.Equal(2, code);
        Assert.Contains("does not fit the resource budget", error, StringComparison.Ordinal);
        Assert.Contains("error: grid: point 1 (N=100000, step_size=0.01): needs about ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("point 0", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(outDir));
    }

    [Theory]
    [InlineData("--max-point-memory", "lots")]
    [InlineData("--max-point-memory", "-5GB")]
    [InlineData("--max-point-hours", "0")]
    [InlineData("--max-point-hours", "soon")]
    public async Task ABadBudgetIsBadInputNamingTheOption(string option, string value)
    {
        string path = CliHarness.WriteSpec(CliHarness.TempDirectory(), Valid);

        var (code, _, error) = await CliHarness.Run("validate", path, option, value);

        Assert.Equal(2, code);
        Assert.Contains($"{option}: '{value}'", error, StringComparison.Ordinal);
    }
}
