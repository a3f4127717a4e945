using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations.Batched;

/// <summary>
/// Replicas trained in vector lanes (<see cref="ReplicaBatch"/>) have the bits of the SGD stepper trained on the
/// same samples, and a replica's numbers do not depend on its block, offset or the lane Gaussians' vector width
/// (docs/large-deviations.md, "Batched replicas" and "The replicas' random numbers").
/// </summary>
public sealed class ReplicaBatchTests
{
    /// <summary>The linear neuron of the known answer (d = 1), annealed and quenched.</summary>
    private const string Linear = """
        name: ld-batch-linear
        seed: 3
        task: large-deviations
        model: {preset: linear, activation: identity, init: {kappa: 0.5}}
        data: {kind: teacher-student, d: D, noise: 0.3, teacher: {width: 1, activation: identity, seed: 2}}
        training: {horizon: 0.5}
        observe: {test_samples: 200}
        grid: {width: [16], step_size: ["0.25/N"]}
        large_deviations: {functional: risk, replicas: 100, batch_size: 100, modes: [MODE], x_grid: [0.1], k_grid: [-1, 0, 1]}
        """;

    /// <summary>MMN relu (trains w, b and c; N = 21 exercises the inner products' tails), with ridge.</summary>
    private const string Relu = """
        name: ld-batch-relu
        seed: 5
        task: large-deviations
        model: {preset: mmn-relu, activation: relu, init: {kappa: 1.0, output_mean: 0.5, output_std: 1.0, bias_std: 0.3}}
        data: {kind: isotropic-gaussian, d: 3}
        training: {horizon: 0.5, ridge: 0.1}
        grid: {width: [21], step_size: ["0.5/N"]}
        large_deviations: {functional: mean-sq-norm, replicas: 100, batch_size: 100, modes: [annealed], x_grid: [0.1], k_grid: [-1, 0, 1]}
        """;

    /// <summary>MMN isotropic with the ramp (trains w only; d = 10 runs a full block of the inner product's lanes).</summary>
    private const string Ramp = """
        name: ld-batch-ramp
        seed: 7
        task: large-deviations
        model: {preset: mmn-isotropic, activation: {kind: ramp, t1: 0.5, t2: 1.5, s1: -2.5, s2: 7.5}, init: {kappa: 0.8}}
        data: {kind: isotropic-gaussian, d: 10, delta: 0.8}
        training: {horizon: 0.4}
        grid: {width: [16], step_size: ["0.2/N"]}
        large_deviations: {functional: mean-sq-norm, replicas: 100, batch_size: 100, modes: [annealed], x_grid: [0.1], k_grid: [-1, 0, 1]}
        """;

    /// <summary>
    /// The identity at d = 1 with N a multiple of 8 (the fused rows of ReplicaBatch.FusedRows) where c and b are trained:
    /// u is read by the output update and the biases are not +0. OUTPUT sets c's initial law; with mean 0 and std 0 every
    /// δ_i is 0 at the first step, so the rows are skipped lane-wise there.
    /// </summary>
    private const string Identity = """
        name: ld-batch-identity
        seed: 9
        task: large-deviations
        model: {preset: mmn-relu, activation: identity, init: {kappa: 1.0, OUTPUT, bias_std: 0.3}}
        data: {kind: isotropic-gaussian, d: 1}
        training: {horizon: 0.5}
        grid: {width: [16], step_size: ["0.5/N"]}
        large_deviations: {functional: mean-sq-norm, replicas: 100, batch_size: 100, modes: [annealed], x_grid: [0.1], k_grid: [-1, 0, 1]}
        """;

    public static TheoryData<string> Specs => new()
    {
        Identity.Replace("OUTPUT", "output_mean: 0.5, output_std: 1.0", StringComparison.Ordinal),
        Identity.Replace("OUTPUT", "output_mean: 0, output_std: 0", StringComparison.Ordinal),
        Linear.Replace("D,", "1,", StringComparison.Ordinal).Replace("MODE", "annealed", StringComparison.Ordinal),
        Linear.Replace("D,", "1,", StringComparison.Ordinal).Replace("MODE", "quenched", StringComparison.Ordinal),
        Linear.Replace("D,", "3,", StringComparison.Ordinal).Replace("MODE", "annealed", StringComparison.Ordinal),

        // d = 2 (the row pass's middle case), and the fused rows at d = 1 with ridge (every row written: shrink ≠ 1).
        Linear.Replace("D,", "2,", StringComparison.Ordinal).Replace("MODE", "annealed", StringComparison.Ordinal),
        Identity.Replace("OUTPUT", "output_mean: 0.5, output_std: 1.0", StringComparison.Ordinal).Replace("training: {horizon: 0.5}", "training: {horizon: 0.5, ridge: 0.1}", StringComparison.Ordinal),

        // The linear neuron's fused rows with ridge: nothing reads u and every bias is +0 (FusedRowsHalfLean at 256 bits), every row shrinks.
        Linear.Replace("D,", "1,", StringComparison.Ordinal).Replace("MODE", "annealed", StringComparison.Ordinal).Replace("training: {horizon: 0.5}", "training: {horizon: 0.5, ridge: 0.1}", StringComparison.Ordinal),

        // N = 64 (K = 128 steps, 129 samples: two blocks of 64 samples' Gaussians, then a last block of two), at d = 1 and 3.
        Linear.Replace("D,", "1,", StringComparison.Ordinal).Replace("MODE", "annealed", StringComparison.Ordinal).Replace("width: [16]", "width: [64]", StringComparison.Ordinal),
        Linear.Replace("D,", "3,", StringComparison.Ordinal).Replace("MODE", "quenched", StringComparison.Ordinal).Replace("width: [16]", "width: [64]", StringComparison.Ordinal),
        Relu,
        Ramp,
    };

    [Theory]
    [MemberData(nameof(Specs))]
    public void A_replica_has_the_same_bits_whatever_the_block_offset_and_lane_width(string yaml)
    {
        (ReplicaRunner runner, SweepSpec spec, PointSpec point, DataModel data) = Runner(yaml);
        Assert.True(runner.Batched);

        // A block of 11 replicas from 5 (several vectors and a partial one) against each alone and a block from 9.
        double[] batched = runner.RunMany(5, 11);
        Assert.All(batched, v => Assert.True(double.IsFinite(v)));
        double[] alone = [.. Enumerable.Range(5, 11).Select(runner.Run)];
        Assert.Equal(alone.Select(BitConverter.DoubleToInt64Bits), batched.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(batched.Skip(4).Take(3).Select(BitConverter.DoubleToInt64Bits), runner.RunMany(9, 3).Select(BitConverter.DoubleToInt64Bits));

        // The lane Gaussians and row passes computed at every width this machine runs (scalar, 256, 512 bits; the rows run as
        // 256-bit halves at 256 bits and on whole 512-bit lanes otherwise).
        foreach (SimdWidth width in Simd.Supported)
        {
            var forced = new ReplicaRunner(spec, point, data, TestSet.For(data, spec.Observe.TestSamples, spec.Seed), null) { VectorWidth = width };
            Assert.Equal(batched.Select(BitConverter.DoubleToInt64Bits), forced.RunMany(5, 11).Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Lanes_have_the_bits_of_the_stepper_fed_the_replicas_samples(string yaml)
    {
        // The independent check of the lanes' arithmetic: the SGD stepper trains replica r alone on the samples
        // LaneSamples.Sample defines for it (one at a time, scalar), from the replica's initial network.
        (ReplicaRunner runner, SweepSpec spec, PointSpec point, DataModel data) = Runner(yaml);
        LaneSamples samples = LaneSamples.For(data)!;
        foreach (int r in new[] { 40, 41, 47 })
        {
            ulong key = RandomStreams.Key(spec.Seed, RandomStreams.Purpose.Training, [.. PointKeys.WithStepSize(point), (ulong)r]);
            int d = data.Dimension;
            var x = new double[(point.Steps + 1) * d];
            var y = new double[point.Steps + 1];
            for (int s = 0; s <= point.Steps; s++)
            {
                y[s] = samples.Sample(ReplicaBatch.GaussianStream(key), ReplicaBatch.SignStream(key), s, x.AsSpan(s * d, d));
            }

            MeanFieldNetwork one = runner.InitialNetwork(r);
            var unused = new Xoshiro256(1);
            SgdStepper stepper = SgdStepper.Create(spec, one, new ReplayData(x, y, d), unused, unused);
            for (long k = 0; k < point.Steps; k++)
            {
                Assert.True(double.IsFinite(stepper.Step(point.StepSize)));
            }

            stepper.Publish();
            MeanFieldNetwork lanes = runner.Train(r)!;
            Assert.Equal(one.Theta.Select(BitConverter.DoubleToInt64Bits), lanes.Theta.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Theory]
    [InlineData("1,", "annealed")]
    [InlineData("3,", "quenched")]
    public void The_lanes_affine_risk_is_the_networks_risk_to_rounding(string d, string mode)
    {
        // Batched replicas read a and v off the lanes (Σ c_i b_i, Σ c_i w_i); Functional reads them by forward passes.
        (ReplicaRunner runner, _, _, _) = Runner(Linear.Replace("D,", d, StringComparison.Ordinal).Replace("MODE", mode, StringComparison.Ordinal));
        Assert.True(runner.ClosedFormRisk);
        double[] batched = runner.RunMany(0, 10);
        for (int r = 0; r < batched.Length; r++)
        {
            double viaNetwork = runner.Functional(runner.Train(r)!);
            Assert.Equal(viaNetwork, batched[r], 1e-12 * viaNetwork);
        }
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Lanes_drawn_in_place_have_the_bits_of_networks_drawn_then_loaded(string yaml)
    {
        // RunMany draws annealed replicas' initial weights straight into the lanes (TrainDrawn); Train(r) draws them
        // into a network (InitialNetwork) and loads it. Both must give the same trained parameters, bit for bit.
        (ReplicaRunner runner, SweepSpec spec, PointSpec point, DataModel data) = Runner(yaml);
        if (point.Mode != LdModes.Annealed)
        {
            return;
        }

        ModelSpec iid = spec.Model with { Init = spec.Model.Init with { Sampling = InitSamplings.Iid } };
        int[] replicas = [3, 4, 5, 6, 7, 8, 9];
        ulong[] initial = [.. replicas.Select(r => RandomStreams.Key(spec.Seed, RandomStreams.Purpose.Initialization, [.. PointKeys.Of(point), (ulong)r]))];
        ulong[] training = [.. replicas.Select(r => RandomStreams.Key(spec.Seed, RandomStreams.Purpose.Training, [.. PointKeys.WithStepSize(point), (ulong)r]))];
        MeanFieldNetwork[] drawn = [.. replicas.Select(runner.InitialNetwork)];
        ReplicaBatch batch = ReplicaBatch.For(spec, drawn[0], data);
        bool[] finite = batch.TrainDrawn(iid, initial, training, point.Steps, _ => point.StepSize);
        batch.Store(drawn);
        Assert.All(finite, Assert.True);
        foreach ((int r, MeanFieldNetwork lanes) in replicas.Zip(drawn))
        {
            MeanFieldNetwork alone = runner.Train(r)!;
            Assert.Equal(alone.Theta.Select(BitConverter.DoubleToInt64Bits), lanes.Theta.Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Theory]
    [MemberData(nameof(Specs))]
    public void Every_lane_array_starts_on_a_cache_line_inside_the_pinned_store(string yaml)
    {
        // A 512-bit lane vector that straddles two cache lines costs two loads: every array must start on a 64-byte
        // boundary (then every vector of it does), whatever address the allocator gave the store.
        (ReplicaRunner runner, SweepSpec spec, _, DataModel data) = Runner(yaml);
        for (int attempt = 0; attempt < 8; attempt++)
        {
            // Allocations of odd sizes in between move the next store's address.
            GC.KeepAlive(new byte[(attempt * 24) + 8]);
            ReplicaBatch batch = ReplicaBatch.For(spec, runner.InitialNetwork(0), data);
            foreach ((nint start, nint end, nint storeStart, nint storeEnd) in batch.LaneLayout())
            {
                Assert.Equal(0, start % 64);
                Assert.InRange(start, storeStart, storeEnd);
                Assert.InRange(end, start, storeEnd);
            }
        }
    }

    [Fact]
    public void The_key_of_a_replica_extends_the_key_of_its_point()
    {
        ulong[] keys = [4, 1600, 1];
        ulong prefix = RandomStreams.Key(12, RandomStreams.Purpose.Training, keys);
        foreach (ulong r in new ulong[] { 0, 1, 77, ulong.MaxValue })
        {
            Assert.Equal(RandomStreams.Key(12, RandomStreams.Purpose.Training, [.. keys, r]), RandomStreams.Extend(prefix, r));
        }
    }

    [Fact]
    public void An_annealed_replica_draws_its_initial_weights_from_its_lane_stream()
    {
        (ReplicaRunner runner, SweepSpec spec, PointSpec point, _) = Runner(Linear.Replace("D,", "3,", StringComparison.Ordinal).Replace("MODE", "annealed", StringComparison.Ordinal));
        MeanFieldNetwork network = runner.InitialNetwork(12);
        ulong key = RandomStreams.Key(spec.Seed, RandomStreams.Purpose.Initialization, [.. PointKeys.Of(point), 12]);
        double std = spec.Model.Init.Kappa / Math.Sqrt(network.Dimension);
        for (int p = 0; p < network.FirstLayer.Length; p++)
        {
            Assert.Equal(std * LaneGaussians.At(LaneStream.For(key, 1), p), network.FirstLayer[p]);
        }

        // The linear preset's output weights are deterministic (std 0): their mean, with no draw.
        Assert.All(network.Output.ToArray(), c => Assert.Equal(spec.Model.Init.OutputMean, c));
    }

    [Fact]
    public void An_annealed_replica_with_biases_and_a_Gaussian_output_law_draws_w_then_b_then_c_from_its_lane_stream()
    {
        // MMN relu (N = 21, d = 3): Gaussians 0..62 give w, 63..83 the biases, 84..104 the output weights.
        (ReplicaRunner runner, SweepSpec spec, PointSpec point, _) = Runner(Relu);
        MeanFieldNetwork network = runner.InitialNetwork(5);
        LaneStream stream = LaneStream.For(RandomStreams.Key(spec.Seed, RandomStreams.Purpose.Initialization, [.. PointKeys.Of(point), 5]), 1);
        InitSpec init = spec.Model.Init;
        int n = network.Widths[0], d = network.Dimension;
        for (int p = 0; p < n * d; p++)
        {
            Assert.Equal(init.Kappa / Math.Sqrt(d) * LaneGaussians.At(stream, p), network.FirstLayer[p]);
        }

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(init.BiasMean + (init.BiasStd * LaneGaussians.At(stream, (n * d) + i)), network.Bias(1)[i]);
            Assert.Equal(init.OutputMean + (init.OutputStd * LaneGaussians.At(stream, (n * d) + n + i)), network.Output[i]);
        }
    }

    [Fact]
    public void A_diverging_replica_gives_NaN_in_a_block_as_alone()
    {
        string yaml = Linear.Replace("D,", "1,", StringComparison.Ordinal).Replace("MODE", "annealed", StringComparison.Ordinal)
            .Replace("""step_size: ["0.25/N"]""", "step_size: [3.0]", StringComparison.Ordinal)
            .Replace("horizon: 0.5", "horizon: 6000", StringComparison.Ordinal)
            .Replace("k_grid: [-1, 0, 1]}", "k_grid: [-1, 0, 1], allow_fixed_step: true}", StringComparison.Ordinal);
        (ReplicaRunner runner, _, _, _) = Runner(yaml);
        double[] batched = runner.RunMany(0, 6);
        double[] alone = [.. Enumerable.Range(0, 6).Select(runner.Run)];
        Assert.Contains(batched, double.IsNaN);
        Assert.Equal(alone.Select(BitConverter.DoubleToInt64Bits), batched.Select(BitConverter.DoubleToInt64Bits));
    }

    [Fact]
    public void The_lane_inner_product_has_the_bits_of_the_fixed_order()
    {
        var rng = new Xoshiro256(11);
        int lanes = Vector512<double>.Count;
        for (int n = 0; n <= 40; n++)
        {
            var a = new Vector512<double>[n];
            var b = new Vector512<double>[n];
            double[] flatA = new double[n * lanes], flatB = new double[n * lanes];
            for (int p = 0; p < flatA.Length; p++)
            {
                // Some exact zeros of both signs, so the order of the additions of +0 matters.
                flatA[p] = p % 7 == 3 ? -0.0 : rng.NextGaussian();
                flatB[p] = p % 5 == 1 ? 0.0 : rng.NextGaussian() * 1e3;
            }

            MemoryMarshal.Cast<double, Vector512<double>>(flatA).CopyTo(a);
            MemoryMarshal.Cast<double, Vector512<double>>(flatB).CopyTo(b);
            Vector512<double> dot = ReplicaBatch.Dot(a, 0, 1, b, 0, 1, n);
            for (int r = 0; r < lanes; r++)
            {
                double[] ar = [.. Enumerable.Range(0, n).Select(j => flatA[(j * lanes) + r])];
                double[] br = [.. Enumerable.Range(0, n).Select(j => flatB[(j * lanes) + r])];
                Assert.Equal(BitConverter.DoubleToInt64Bits(Dot.Compute<double>(ar, br, SimdWidth.Scalar)), BitConverter.DoubleToInt64Bits(dot[r]));
            }
        }
    }

    [Theory]
    [InlineData("sampling: iid")]
    [InlineData("sampling: stratified")]
    public void Redraw_gives_the_values_of_a_new_network(string init)
    {
        SweepSpec spec = SpecLoader.Parse(Relu.Replace("bias_std: 0.3}", $"bias_std: 0.3, {init}}}", StringComparison.Ordinal), SpecFormat.Yaml);
        var first = new Xoshiro256(8);
        var second = new Xoshiro256(9);
        MeanFieldNetwork reused = MeanFieldNetwork.Initialize(spec.Model, 3, [21], [1.0], ref first);
        var again = new Xoshiro256(9);
        reused.Redraw(spec.Model, ref again);
        MeanFieldNetwork fresh = MeanFieldNetwork.Initialize(spec.Model, 3, [21], [1.0], ref second);
        Assert.Equal(fresh.Theta.Select(BitConverter.DoubleToInt64Bits), reused.Theta.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(second.NextUInt64(), again.NextUInt64());
    }

    private static (ReplicaRunner Runner, SweepSpec Spec, PointSpec Point, DataModel Data) Runner(string yaml)
    {
        SweepSpec spec = SpecLoader.Parse(yaml, SpecFormat.Yaml);
        PointSpec point = SweepPlanner.Expand(spec)[0];
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        TestSet testSet = TestSet.For(data, spec.Observe.TestSamples, spec.Seed);
        return (new ReplicaRunner(spec, point, data, testSet, null), spec, point, data);
    }
}
