using System.Text;
using CsCheck;

namespace MeanFieldCluster.Client.Tests;

/// <summary>
/// Damaged spec files through the real command line: every case ends in exit 0 (and then the spec runs)
/// or exit 2 with one <c>error: &lt;field&gt;: ...</c> line per problem; never another code, an unhandled
/// exception or a hang.
/// </summary>
public sealed class SpecFuzzCliTests
{
    private static readonly string[] ValidLines =
    [
        "name: fuzz",
        "seed: 3",
        "model: {preset: mmn-isotropic, activation: ramp, init: {kappa: 0.8}}",
        "data: {kind: isotropic-gaussian, d: 3, delta: 0.5}",
        "training: {horizon: 0.2}",
        "observe: {test_samples: 50, quantiles: 8, risk_times: {count: 3}, snapshot_times: [0, 0.2]}",
        "grid: {width: [4, 8], step_size: [0.05], seeds: 1}",
    ];

    private static readonly Gen<string> Scalar = Gen.OneOf(
        Gen.OneOfConst(
            "0", "-1", "1e308", "-1e308", "1e-320", "99999999999999999999999", "0x10", ".nan", ".inf", "-.inf", "~", "null", "true",
            "''", "\"\"", "[]", "{}", "[[[[]]]]", "{a: {b: {c: {d: 1}}}}", "[1, 'two', 3.5]", "ramp", "relu", "csv", "population",
            "Ωmega", "名前", "😀😀", "\u0000", "\"\\u0000\"", "\u202e", "'a\nb'", "&anchor 1", "*missing", "!!binary aGk=", "- x", "? k",
            "2147483648", "9223372036854775808", "4.9e-324", "1_000", "+5", "0.5/N", "1/N", "-0.0"),
        Gen.Int.Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Gen.Double.Select(d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)),
        Gen.String[Gen.Char[' ', '\uFFFD'], 0, 40].Select(s => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));

    private static readonly Gen<string> Field = Gen.OneOfConst(
        "name", "seed", "task", "model", "model.preset", "model.activation", "model.init.kappa", "model.gamma", "data", "data.kind", "data.d",
        "data.delta", "training", "training.horizon", "training.steps", "training.batch_size", "training.beta", "training.ridge",
        "observe.test_samples", "observe.quantiles", "observe.risk_times", "observe.snapshot_times", "grid", "grid.width",
        "grid.step_size", "grid.seeds", "grid.layers", "unknown", "model.ünïcödé", "large_deviations", "large_deviations.replicas");

    /// <summary>A damaged spec: lines dropped or duplicated, overrides of any field with any scalar, raw garbage.</summary>
    private static readonly Gen<(string Text, string[] Overrides)> Damaged = Gen.Select(
        Gen.Int[0, 7].Array[0, 3],
        Gen.Select(Field, Scalar).Array[0, 3],
        Gen.OneOfConst("", "\t", "\n---\n", "%%%", ": :", "[", "a: b: c", "\uFEFF", "\r\n\r\n", "# ok"),
        (drop, sets, garbage) =>
        {
            var lines = ValidLines.Where((_, i) => !drop.Contains(i)).ToList();
            string text = string.Join('\n', lines) + "\n" + garbage;
            return (text, sets.Select(s => $"{s.Item1}={s.Item2}").ToArray());
        });

    [Fact]
    public void DamagedSpecFilesEndInExit0OrInExit2WithFieldMessages()
    {
        string dir = CliHarness.TempDirectory();
        int valid = 0;
        Damaged.Sample((text, overrides) =>
        {
            string path = CliHarness.WriteSpec(dir, text);
            string[] args = ["validate", path, .. overrides.SelectMany(o => new[] { "--set", o })];
            var (code, output, error) = RunBounded(args);
            AssertCleanOutcome(code, output, error);
            if (code == 0)
            {
                valid++;
            }
        }, iter: 400, threads: 1);

        Assert.True(valid > 0, "no damaged spec was valid: the generator only exercises errors");
    }

    [Fact]
    public async Task ValidMutationsRunToCompletion()
    {
        string dir = CliHarness.TempDirectory();
        string path = CliHarness.WriteSpec(dir, string.Join('\n', ValidLines));
        string[][] mutations =
        [
            ["--set", "data.d=1", "--set", "grid.width=[1]"],
            ["--set", "grid.step_size=[0.5/N]", "--set", "training.batch_size=3"],
            ["--set", "observe.quantiles=2", "--set", "observe.test_samples=10", "--set", "observe.snapshot_times=[0]"],
            ["--set", "model.activation=relu", "--set", "grid.seeds=3"],
            ["--set", "name=Ωmega-😀"],
            ["--set", "model.init.kappa=0"],
        ];
        int ran = 0;
        foreach (string[] mutation in mutations)
        {
            var (validateCode, validateOut, validateError) = await CliHarness.Run(["validate", path, .. mutation]);
            AssertCleanOutcome(validateCode, validateOut, validateError);
            if (validateCode != 0)
            {
                continue;
            }

            string outDir = Path.Combine(dir, Guid.NewGuid().ToString("N"));
            var (code, output, error) = await CliHarness.Run(["run", path, "--out", outDir, "--workers", "1", .. mutation]);
            Assert.True(code == 0, $"{string.Join(' ', mutation)}: exit {code}\n{output}\n{error}");
            Assert.True(File.Exists(Path.Combine(outDir, "points.csv")), string.Join(' ', mutation));
            ran++;
        }

        Assert.True(ran >= 4, $"only {ran} of the mutations were valid");
    }

    public static TheoryData<string, string?> TenMegabyteFiles() => new()
    {
        { "a 10 MB comment", null },
        { "a 10 MB unknown field", "extra" },
        { "a 10 MB name", "name" },
        { "a 10 MB list of widths", "grid" },
        { "10 MB of nested lists", "(yaml)" },
    };

    [Theory]
    [MemberData(nameof(TenMegabyteFiles))]
    [Trait("Category", "Slow")]
    public void TenMegabyteSpecFilesEndCleanly(string kind, string? field)
    {
        const int size = 10_000_000;
        string valid = string.Join('\n', ValidLines) + "\n";
        string text = kind switch
        {
            "a 10 MB comment" => valid + "# " + new string('x', size) + "\n",
            "a 10 MB unknown field" => valid + "extra: \"" + new string('a', size) + "\"\n",
            "a 10 MB name" => valid.Replace("name: fuzz", "name: " + new string('é', size / 2), StringComparison.Ordinal),
            "a 10 MB list of widths" => valid.Replace("width: [4, 8]", "width: [" + string.Join(", ", Enumerable.Range(1, size / 8)) + "]", StringComparison.Ordinal),
            _ => valid + "extra: " + new string('[', size / 2) + new string(']', size / 2) + "\n",
        };
        Assert.True(Encoding.UTF8.GetByteCount(text) >= size);
        string path = CliHarness.WriteSpec(CliHarness.TempDirectory(), text);

        var (code, output, error) = RunBounded(["validate", path]);

        AssertCleanOutcome(code, output, error);
        if (field is null)
        {
            Assert.Equal(0, code);
        }
        else
        {
            Assert.Equal(2, code);
            Assert.Contains($"error: {field}", error, StringComparison.Ordinal);
            Assert.True(error.Length < 100_000, $"{error.Length} characters of errors");
        }
    }

    // A hang detector, not a speed test: the bound is far above the seconds these take on an idle machine, so a
    // machine loaded many times over (a CI neighbour, the suite-level test hooks) does not fail it.
    private static (int Code, string Output, string Error) RunBounded(string[] args)
    {
        Task<(int, string, string)> run = Task.Run(() => CliHarness.Run(args));
        Assert.True(run.Wait(TimeSpan.FromMinutes(10)), $"mfc {string.Join(' ', args.Take(2))} did not finish within 10 minutes");
        return run.Result;
    }

    private static void AssertCleanOutcome(int code, string output, string error)
    {
        Assert.True(code is 0 or 2, $"exit {code}\n{output}\n{error}");
        Assert.DoesNotContain("Unhandled", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        if (code == 2)
        {
            string[] errorLines = [.. error.Split('\n').Where(l => l.StartsWith("error: ", StringComparison.Ordinal))];
            Assert.NotEmpty(errorLines);
            Assert.All(errorLines, l => Assert.Matches(@"^error: (\(\w+\)|[A-Za-z_\-\[\]0-9.\u0080-\uFFFF]+|--[a-z\-]+): .+", l.TrimEnd('\r')));
        }
    }
}
