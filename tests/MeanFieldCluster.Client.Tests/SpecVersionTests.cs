using System.Text.Json.Nodes;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Client.Tests;

/// <summary>
/// Results folders and unfinished runs record the spec format version of their resolved spec; another version
/// is refused with a message naming both, a record without one is version 1 (docs/spec.md, "Format version").
/// </summary>
public sealed class SpecVersionTests
{
    private const string Spec = """
        name: versioned
        model: {preset: mmn-relu, activation: relu}
        data: {kind: isotropic-gaussian, d: 4}
        training: {horizon: 1}
        grid: {width: 6, step_size: 0.1}
        """;

    [Fact]
    public async Task A_results_folder_of_another_spec_format_version_is_refused_naming_both_versions()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Spec, "a.yaml");
        JsonNode resolved = JsonNode.Parse(SpecWriter.ToJson(SpecLoader.LoadFile(spec)))!;
        string old = Directory.CreateDirectory(Path.Combine(dir, "old")).FullName;
        string unversioned = Directory.CreateDirectory(Path.Combine(dir, "unversioned")).FullName;
        File.WriteAllText(Path.Combine(old, "summary.json"), new JsonObject { ["spec_version"] = SpecVersion.Current + 1, ["spec"] = resolved.DeepClone() }.ToJsonString());
        File.WriteAllText(Path.Combine(unversioned, "summary.json"), new JsonObject { ["spec"] = resolved.DeepClone() }.ToJsonString());

        var (code, output, error) = await CliHarness.Run("diff", old, spec);
        var same = await CliHarness.Run("diff", unversioned, spec);

        Assert.True(code == 2, output + error);
        Assert.Contains($"error: A: '{Path.Combine(old, "summary.json")}' was written with spec format version {SpecVersion.Current + 1}; this mfc reads spec format version {SpecVersion.Current}", error, StringComparison.Ordinal);
        Assert.True(same.ExitCode == 0, same.Output + same.Error);
        Assert.Contains("the specs are the same", same.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resuming_a_run_of_another_spec_format_version_is_refused_naming_both_versions()
    {
        var (code, output, error, outDir) = await ResumeWithMarker(specJson => new JsonObject { ["SweepId"] = "v-1", ["SpecJson"] = specJson, ["SpecVersion"] = SpecVersion.Current + 1 });

        Assert.True(code == 2, output + error);
        Assert.Contains($"error: --resume: the unfinished run in '{outDir}' was written with spec format version {SpecVersion.Current + 1}; this mfc reads spec format version {SpecVersion.Current}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resuming_a_run_begun_by_an_engine_of_another_numerics_version_is_refused_naming_both_versions()
    {
        var (code, output, error, outDir) = await ResumeWithMarker(specJson => new JsonObject { ["SweepId"] = "v-1", ["SpecJson"] = specJson, ["SpecVersion"] = SpecVersion.Current, ["NumericsVersion"] = NumericsVersion.Current + 1 });

        Assert.True(code == 2, output + error);
        Assert.Contains($"error: --resume: the unfinished run in '{outDir}' was computed with engine numerics version {NumericsVersion.Current + 1}; this mfc computes with numerics version {NumericsVersion.Current},", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_finished_run_records_the_numerics_version_and_a_marker_without_one_counts_as_version_1()
    {
        var (code, output, error, outDir) = await ResumeWithMarker(specJson => new JsonObject { ["SweepId"] = "v-1", ["SpecJson"] = specJson, ["SpecVersion"] = SpecVersion.Current, ["NumericsVersion"] = NumericsVersion.Current });

        Assert.True(code == 0, output + error);
        JsonNode summary = JsonNode.Parse(File.ReadAllText(Path.Combine(outDir, "summary.json")))!;
        Assert.Equal(NumericsVersion.Current, summary["numerics_version"]!.GetValue<int>());

        // A marker written before the versions were recorded: version 1 of both, and version 1's numbers are not this engine's.
        var (oldCode, _, oldError, _) = await ResumeWithMarker(specJson => new JsonObject { ["SweepId"] = "v-1", ["SpecJson"] = specJson });
        Assert.Equal(2, oldCode);
        Assert.Contains($"was computed with engine numerics version {NumericsVersion.Unversioned}; this mfc computes with numerics version {NumericsVersion.Current},", oldError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"SweepId\": \"v-1\", \"SpecJson\": ", "cannot be read: ")]
    [InlineData("{\"SweepId\": \"v-1\", \"SpecJson\": \"{}\", \"NumericsVersion\": \"two\"}", "cannot be read: ")]
    [InlineData("null", "is damaged: it names no sweep id and spec")]
    [InlineData("{}", "is damaged: it names no sweep id and spec")]
    public async Task A_damaged_resume_marker_is_an_error_naming_it_not_a_crash(string marker, string reason)
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Spec, "a.yaml");
        string outDir = Path.Combine(dir, "out");
        string file = Path.Combine(Directory.CreateDirectory(Path.Combine(outDir, MeanFieldCluster.Client.Commands.RunCommand.StateFolder)).FullName, "run.json");
        File.WriteAllText(file, marker);

        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir, "--resume");

        Assert.True(code == 2, output + error);
        Assert.StartsWith($"error: --resume: the marker of the unfinished run in '{outDir}' ('{file}') {reason}", error, StringComparison.Ordinal);
        Assert.Contains("pass --force to start over", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"spec\": {\"name\": \"x\"}, \"spec_version\": \"one\"}", "is not the summary.json of a results folder: field spec_version: \"one\" is not allowed; expected an integer")]
    [InlineData("{\"spec\": {\"name\": \"x\"}, \"numerics_version\": 2.5}", "is not the summary.json of a results folder: field numerics_version: 2.5 is not allowed; expected an integer")]
    [InlineData("[1, 2]", "holds no spec; expected the summary.json of a results folder")]
    public async Task Diff_of_a_damaged_summary_is_an_error_naming_it_not_a_crash(string summary, string reason)
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Spec, "a.yaml");
        string folder = Directory.CreateDirectory(Path.Combine(dir, "damaged")).FullName;
        File.WriteAllText(Path.Combine(folder, "summary.json"), summary);

        var (code, output, error) = await CliHarness.Run("diff", folder, spec);

        Assert.True(code == 2, output + error);
        Assert.StartsWith($"error: A: '{Path.Combine(folder, "summary.json")}' {reason}", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Diff_names_results_folders_computed_with_different_numerics_versions()
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Spec, "a.yaml");
        JsonNode resolved = JsonNode.Parse(SpecWriter.ToJson(SpecLoader.LoadFile(spec)))!;
        string newer = Directory.CreateDirectory(Path.Combine(dir, "newer")).FullName;
        string unversioned = Directory.CreateDirectory(Path.Combine(dir, "unversioned")).FullName;
        File.WriteAllText(Path.Combine(newer, "summary.json"), new JsonObject { ["numerics_version"] = NumericsVersion.Current + 1, ["spec"] = resolved.DeepClone() }.ToJsonString());
        File.WriteAllText(Path.Combine(unversioned, "summary.json"), new JsonObject { ["spec"] = resolved.DeepClone() }.ToJsonString());

        var (code, output, error) = await CliHarness.Run("diff", unversioned, newer);
        var againstSpec = await CliHarness.Run("diff", newer, spec);

        Assert.True(code == 0, output + error);
        Assert.Contains($"(engine) numerics_version: {NumericsVersion.Unversioned} | {NumericsVersion.Current + 1} (the engines compute different numbers", output, StringComparison.Ordinal);
        Assert.Contains("the specs are the same", againstSpec.Output, StringComparison.Ordinal);
    }

    /// <summary>Runs <c>mfc run --resume</c> on a folder whose unfinished-run marker is <paramref name="marker"/> (given the resolved spec).</summary>
    private static async Task<(int Code, string Output, string Error, string OutDir)> ResumeWithMarker(Func<string, JsonObject> marker)
    {
        string dir = CliHarness.TempDirectory();
        string spec = CliHarness.WriteSpec(dir, Spec, "a.yaml");
        string outDir = Path.Combine(dir, "out");
        string state = Directory.CreateDirectory(Path.Combine(outDir, MeanFieldCluster.Client.Commands.RunCommand.StateFolder)).FullName;
        File.WriteAllText(Path.Combine(state, "run.json"), marker(SpecWriter.ToJson(SpecLoader.LoadFile(spec))).ToJsonString());
        var (code, output, error) = await CliHarness.Run("run", spec, "--out", outDir, "--resume");
        return (code, output, error, outDir);
    }
}
