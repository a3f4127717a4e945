using System.Text.Json.Nodes;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Serialization.Cloning;
using Orleans.Storage;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The spec crosses grain calls as typed records (<see cref="SpecSurrogates"/>): every example, and a spec with
/// every optional part, arrives as the same spec and the same points; the stored form reads back, and one of
/// another spec format version is refused by name.
/// </summary>
public sealed class SpecWireTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private static readonly Serializer Wire = Services.GetRequiredService<Serializer>();
    private static readonly DeepCopier Copier = Services.GetRequiredService<DeepCopier>();

    private const string EveryPart = """
        name: every-part
        seed: 11
        tags: [wire, test]
        notes: "β finite, raw times, field axes"
        model: {preset: normalized, activation: {kind: ramp, t1: 0.25, t2: 1.75, s1: -2, s2: 8}, init: {kappa: 0.7, output_law: rademacher, output_std: 1}, gamma: [0.75]}
        data: {kind: teacher-student, d: 5, teacher: {width: 3, activation: tanh, seed: 4}, noise: 0.1}
        training: {steps: 40, xi: {kind: power, t0: 2, alpha: 0.25}, batch_size: 2, ridge: 0.01, beta: 50, precision: float32}
        observe: {test_samples: 50, risk_times: {count: 3, spacing: log}, snapshot_times: [0, 0.02], raw_times: [0.02], quantiles: 8}
        grid:
          width: [4, [4, 6]]
          step_size: [0.001, 0.5/N]
          layers: [2]
          gamma: [0.5, 1]
          seeds: [0, 3]
          model.init.kappa: [0.5, 0.9]
          model.activation.kind: [ramp, relu]
        """;

    public static TheoryData<string> Specs()
    {
        var specs = new TheoryData<string> { "every-part" };
        foreach (string file in Directory.GetFiles(Path.Combine(TelemetryTests.RepositoryRoot(), "examples"), "*.yaml").Order(StringComparer.Ordinal))
        {
            specs.Add(Path.GetFileName(file));
        }

        return specs;
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void An_assignment_arrives_as_the_same_spec_and_point(string name)
    {
        SweepSpec spec = name == "every-part"
            ? SpecLoader.Parse(EveryPart, SpecFormat.Yaml)
            : SpecLoader.LoadFile(Path.Combine(TelemetryTests.RepositoryRoot(), "examples", name));
        string canonical = SpecWriter.ToJson(spec);
        PointSpec[] points = [.. SweepPlanner.Expand(spec).Take(64)];

        foreach (PointSpec point in points)
        {
            PointAssignment sent = Mapping.ToAssignment("s", spec, point);
            PointAssignment received = Wire.Deserialize<PointAssignment>(Wire.SerializeToArray(sent))!;
            PointAssignment copied = Copier.Copy(sent)!;
            PointAssignment restored = Mapping.FromStored(Wire.Deserialize<StoredAssignment>(Wire.SerializeToArray(Mapping.ToStored(sent)))!);

            foreach (PointAssignment arrived in (PointAssignment[])[received, copied, restored])
            {
                Assert.Equal(canonical, SpecWriter.ToJson(arrived.Spec));
                Assert.Equal(SpecSurrogates.Encode(point), SpecSurrogates.Encode(arrived.Point));
                Assert.Equal(point.Coordinates, arrived.Point.Coordinates);
                Assert.Equal(SpecWriter.ToJson(spec.ForPoint(point)), SpecWriter.ToJson(arrived.Spec.ForPoint(arrived.Point)));
            }
        }

        Assert.Equal(spec.Grid.Axes.Count > 0, points.Any(p => p.FieldCoordinates.Any()));
    }

    [Fact]
    public void A_stored_assignment_of_another_spec_format_version_is_refused_naming_both_versions()
    {
        SweepSpec spec = SpecLoader.Parse(EveryPart, SpecFormat.Yaml);
        StoredAssignment stored = Mapping.ToStored(Mapping.ToAssignment("old-sweep", spec, SweepPlanner.Expand(spec).First()));

        var ex = Assert.Throws<InvalidOperationException>(() => Mapping.FromStored(stored with { SpecVersion = SpecVersion.Current + 1 }));
        PointAssignment unversioned = Mapping.FromStored(stored with { SpecVersion = 0 });

        Assert.Equal($"the stored state of point 0 of sweep 'old-sweep' was written with spec format version {SpecVersion.Current + 1}; this mfc reads spec format version {SpecVersion.Current}; run the spec again with this version (or use the mfc that wrote it)", ex.Message);
        Assert.Equal(SpecWriter.ToJson(spec), SpecWriter.ToJson(unversioned.Spec));
    }

    [Fact]
    public void A_coordinator_state_of_another_spec_format_version_is_refused_naming_both_versions()
    {
        string specJson = SpecWriter.ToJson(SpecLoader.Parse(EveryPart, SpecFormat.Yaml));
        var state = new SweepGrainState();
        SweepAdmission.Record(state, specJson, "every-part", 1, DateTime.UnixEpoch, null);

        var ex = Assert.Throws<InvalidOperationException>(() => SweepAdmission.Plan(specJson, SpecVersion.Current + 1, NumericsVersion.Current, "old-sweep"));

        Assert.Equal(SpecVersion.Current, state.SpecVersion);
        Assert.StartsWith($"the stored state of sweep 'old-sweep' was written with spec format version {SpecVersion.Current + 1}; this mfc reads spec format version {SpecVersion.Current};", ex.Message, StringComparison.Ordinal);
        // A state stored before the spec format version was recorded (0) reads as format version 1 (the numerics
        // version's own check is the next test's).
        Assert.Equal(SweepPlanner.Expand(SpecLoader.Parse(EveryPart, SpecFormat.Yaml)).Count(), SweepAdmission.Plan(specJson, 0, NumericsVersion.Current, "unversioned").Points.Length);
    }

    [Fact]
    public void A_coordinator_or_point_state_begun_by_an_engine_of_another_numerics_version_is_refused_naming_both_versions()
    {
        SweepSpec spec = SpecLoader.Parse(EveryPart, SpecFormat.Yaml);
        string specJson = SpecWriter.ToJson(spec);
        var state = new SweepGrainState();
        SweepAdmission.Record(state, specJson, "every-part", 1, DateTime.UnixEpoch, null);
        Assert.Equal(NumericsVersion.Current, state.NumericsVersion);
        string expected = $"was computed with engine numerics version {NumericsVersion.Current + 1}; this mfc computes with numerics version {NumericsVersion.Current},";

        var sweep = Assert.Throws<InvalidOperationException>(() => SweepAdmission.Plan(specJson, SpecVersion.Current, NumericsVersion.Current + 1, "older"));
        Assert.StartsWith($"the stored state of sweep 'older' {expected}", sweep.Message, StringComparison.Ordinal);

        StoredAssignment stored = Mapping.ToStored(Mapping.ToAssignment("older", spec, SweepPlanner.Expand(spec).First()));
        Assert.Equal(NumericsVersion.Current, stored.NumericsVersion);
        var point = Assert.Throws<InvalidOperationException>(() => Mapping.FromStored(stored with { NumericsVersion = NumericsVersion.Current + 1 }));
        Assert.StartsWith($"the stored state of point 0 of sweep 'older' {expected}", point.Message, StringComparison.Ordinal);

        // States stored before the version was recorded (0) count as version 1, whose numbers this engine no longer computes.
        var unversioned = Assert.Throws<InvalidOperationException>(() => Mapping.FromStored(stored with { NumericsVersion = 0 }));
        Assert.Contains($"computed with engine numerics version {NumericsVersion.Unversioned}; this mfc computes with numerics version {NumericsVersion.Current},", unversioned.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_point_state_stored_as_json_before_the_typed_assignment_reads_without_it_and_keeps_its_checkpoint()
    {
        var json = new JsonGrainStorageSerializer(new OrleansJsonSerializer(Options.Create(new OrleansJsonSerializerOptions())));
        SweepSpec spec = SpecLoader.Parse(EveryPart, SpecFormat.Yaml);
        StoredAssignment stored = Mapping.ToStored(Mapping.ToAssignment("old", spec, SweepPlanner.Expand(spec).First()));
        var state = new PointGrainState { Stored = stored, Attempts = 2, PartialSamples = [1.5] };

        // The layout before: the assignment under "Assignment", typed PointAssignment (the name the wire record has now).
        JsonNode old = JsonNode.Parse(json.Serialize(state).ToString())!;
        JsonObject assignment = old["Stored"]!.AsObject().DeepClone().AsObject();
        assignment["$type"] = typeof(PointAssignment).FullName + ", " + typeof(PointAssignment).Assembly.GetName().Name;
        old.AsObject().Remove("Stored");
        old["Assignment"] = assignment;
        PointGrainState read = json.Deserialize<PointGrainState>(BinaryData.FromString(old.ToJsonString()))!;
        PointGrainState now = json.Deserialize<PointGrainState>(json.Serialize(state))!;

        Assert.Null(read.Stored);
        Assert.Equal((2, 1.5), (read.Attempts, read.PartialSamples![0]));
        Assert.Equal(stored.SpecJson, now.Stored!.SpecJson);
        Assert.Equal(SpecVersion.Current, now.Stored.SpecVersion);
    }
}
