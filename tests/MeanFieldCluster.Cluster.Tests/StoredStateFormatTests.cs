using System.Text;
using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Orleans.Storage;

namespace MeanFieldCluster.Cluster.Tests;

/// <summary>
/// The form of a state in Redis (<see cref="ChecksummedStorageSerializer"/>): the checksum header, the binary marker
/// and Orleans' binary serializer, which keeps a checkpoint's parameters bit for bit at 9 bytes each; a state
/// written as JSON by earlier versions still reads, checkpoint included.
/// </summary>
public sealed class StoredStateFormatTests
{
    private static readonly IServiceProvider Services = new ServiceCollection().AddSerializer().BuildServiceProvider();
    private static readonly JsonGrainStorageSerializer Json = new(new OrleansJsonSerializer(Options.Create(new OrleansJsonSerializerOptions())));
    private static readonly ChecksummedStorageSerializer Stored = new(new OrleansGrainStorageSerializer(Services.GetRequiredService<Serializer>()), Json, NullLogger.Instance);

    // A point of examples/bench-64-points.yaml (N = 800, d = 40: 33,600 stored parameters, 42 a neuron) after 2,000 steps.
    private static PointGrainState PointAfterSomeSteps()
    {
        SweepSpec spec = SpecLoader.Parse("""
            name: stored-form
            seed: 5
            model: {preset: mmn-isotropic, activation: {kind: ramp, t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5}, init: {kappa: 0.8}}
            data: {kind: isotropic-gaussian, d: 40, delta: 0.8}
            training: {steps: 4000}
            observe: {test_samples: 50, risk_times: {count: 6, spacing: log}, snapshot_times: [0], quantiles: 8}
            grid: {width: [800], step_size: [1e-4], seeds: 1}
            """, SpecFormat.Yaml);
        PointSpec point = SweepPlanner.Expand(spec)[0];
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        var run = new SgdRun(spec, point, data, TestSet.For(data, spec.Observe.TestSamples, spec.Seed));
        run.Advance(2000);
        return new PointGrainState
        {
            Stored = Mapping.ToStored(Mapping.ToAssignment("stored-form", spec, point)),
            Checkpoint = CheckpointData.Capture(0, run),
            Attempts = 1,
        };
    }

    [Fact]
    public void A_checkpoint_is_stored_in_binary_after_the_checksum_and_reads_back_bit_for_bit()
    {
        PointGrainState state = PointAfterSomeSteps();
        byte[] stored = Stored.Serialize(state).ToArray();
        PointGrainState read = Stored.Deserialize<PointGrainState>(new BinaryData(stored));

        // Header "mfc-sha256:<64 hex>\n", then the marker.
        Assert.Equal("mfc-binary\n", Encoding.ASCII.GetString(stored, 76, 11));
        double[] written = state.Checkpoint!.Parameters, back = read.Checkpoint!.Parameters;
        Assert.Equal(33_600, written.Length);
        Assert.True(written.AsSpan().SequenceEqual(back), "the parameters changed on the way through storage");
        Assert.Equal(state.Checkpoint.Step, read.Checkpoint.Step);
        Assert.Equal(state.Checkpoint.Rng, read.Checkpoint.Rng);
        Assert.Equal(state.Checkpoint.Partial.Risk.Select(r => r.Risk), read.Checkpoint.Partial.Risk.Select(r => r.Risk));
        Assert.Equal(state.Stored!.SpecJson, read.Stored!.SpecJson);

        // 9 bytes a number (the parameters and the measures' values so far: Orleans' field header and the 8 bytes)
        // plus the rest of the state (the spec, the risks): not the ~20 characters a number of JSON.
        int numbers = written.Length + state.Checkpoint.Partial.Measures.Sum(m => m.Values.Length);
        int json = Json.Serialize(state).ToArray().Length;
        Assert.True(stored.Length < (9 * numbers) + 16_384, $"stored {stored.Length} bytes for {numbers} numbers");
        Assert.True(json > 2 * stored.Length, $"JSON {json} bytes, binary {stored.Length}");
    }

    [Fact]
    public void A_state_written_as_json_by_an_earlier_version_reads_with_its_checkpoint()
    {
        PointGrainState state = PointAfterSomeSteps();
        byte[] earlier = StateChecksum.Seal(Json.Serialize(state).ToArray());

        PointGrainState read = Stored.Deserialize<PointGrainState>(new BinaryData(earlier));

        Assert.NotNull(read.Checkpoint);
        Assert.True(state.Checkpoint!.Parameters.AsSpan().SequenceEqual(read.Checkpoint.Parameters));
        Assert.Equal(state.Checkpoint.Step, read.Checkpoint.Step);
        Assert.Equal(state.Attempts, read.Attempts);
    }
}
