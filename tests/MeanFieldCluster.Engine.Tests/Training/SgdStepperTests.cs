using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

public sealed class SgdStepperTests
{
    public static TheoryData<string, string, int> Models() => new()
    {
        { Presets.MmnIsotropic, ActivationKinds.Ramp, 1 },
        { Presets.MmnRelu, ActivationKinds.Relu, 1 },
        { Presets.ThreeLayer, ActivationKinds.Tanh, 2 },
        { Presets.Normalized, ActivationKinds.Sigmoid, 3 },
        { Presets.DeepFixedEnds, ActivationKinds.Tanh, 3 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void FusedAndUnfusedPassesGiveBitIdenticalWeightsAfterAThousandSteps(string preset, string activation, int layers)
    {
        foreach (double ridge in new[] { 0.0, 0.05 })
        {
            SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(preset, activation, bias: true), d: 13, ridge: ridge);
            PointSpec point = TestSpecs.Point(spec, width: 21, stepSize: 0.001, layers: layers);

            SgdRun fused = RunToEnd(spec, point, new SgdStepperOptions { Fused = true });
            SgdRun unfused = RunToEnd(spec, point, new SgdStepperOptions { Fused = false });

            Assert.Equal(1000, fused.Step);
            Assert.Equal(unfused.Network.Theta, fused.Network.Theta);
            Assert.Equal(unfused.Risk, fused.Risk);
        }
    }

    [Theory]
    [InlineData(Presets.MmnIsotropic, ActivationKinds.Ramp, Precisions.Float64)]
    [InlineData(Presets.MmnIsotropic, ActivationKinds.Ramp, Precisions.Float32)]
    [InlineData(Presets.MmnRelu, ActivationKinds.Relu, Precisions.Float64)]
    [InlineData(Presets.MmnRelu, ActivationKinds.Relu, Precisions.Float32)]
    public void AWideTwoLayerNetGivesBitIdenticalWeightsFusedUnfusedAndAtEveryKernelWidth(string preset, string activation, string precision)
    {
        // 1203 neurons: several blocks of the folded first-layer pass, and a last block that ends inside a
        // block of lanes; d = 40 as in the benchmark.
        SweepSpec spec = WithPrecision(TestSpecs.Small(model: TestSpecs.Model(preset, activation, bias: true), d: 40, horizon: 0.02), precision);
        PointSpec point = TestSpecs.Point(spec, width: 1203, stepSize: 0.0001);

        double[] unfused = RunToEnd(spec, point, new SgdStepperOptions { Fused = false, Width = SimdWidth.Scalar }).Network.Theta;
        foreach (SimdWidth width in Simd.Supported)
        {
            Assert.Equal(unfused, RunToEnd(spec, point, new SgdStepperOptions { Width = width }).Network.Theta);
        }
    }

    [Theory]
    [InlineData(Presets.ThreeLayer, ActivationKinds.Tanh, 2, 97)]
    [InlineData(Presets.Normalized, ActivationKinds.Sigmoid, 3, 70)]
    [InlineData(Presets.DeepFixedEnds, ActivationKinds.Relu, 2, 64)]
    public void FusedAndUnfusedPassesAgreeWhenTheLastLayerIsProcessedInSeveralBlocks(string preset, string activation, int layers, int width)
    {
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(preset, activation, bias: true), d: 9, ridge: 0.01, horizon: 0.3);
        PointSpec point = TestSpecs.Point(spec, width: width, stepSize: 0.001, layers: layers);

        SgdRun fused = RunToEnd(spec, point, new SgdStepperOptions { Fused = true });
        SgdRun unfused = RunToEnd(spec, point, new SgdStepperOptions { Fused = false });

        Assert.Equal(unfused.Network.Theta, fused.Network.Theta);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryKernelWidthGivesBitIdenticalWeights(string preset, string activation, int layers)
    {
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(preset, activation, bias: true), d: 13, ridge: 0.01, horizon: 0.3);
        PointSpec point = TestSpecs.Point(spec, width: 19, stepSize: 0.001, layers: layers);

        double[] scalar = RunToEnd(spec, point, new SgdStepperOptions { Width = SimdWidth.Scalar }).Network.Theta;
        foreach (SimdWidth width in Simd.Supported)
        {
            Assert.Equal(scalar, RunToEnd(spec, point, new SgdStepperOptions { Width = width }).Network.Theta);
        }
    }

    [Theory]
    [InlineData(Precisions.Float64)]
    [InlineData(Precisions.Float32)]
    public void AWidePointGivesBitIdenticalWeightsOnOneTwoAndThreeThreads(string precision)
    {
        SweepSpec spec = WithPrecision(TestSpecs.Small(model: TestSpecs.Model(Presets.MmnRelu, ActivationKinds.Relu), d: 6, horizon: 0.05), precision);
        PointSpec point = TestSpecs.Point(spec, width: 20_000, stepSize: 0.001);

        double[] serial = RunToEnd(spec, point, new SgdStepperOptions { Threads = 1 }).Network.Theta;
        double[] two = RunToEnd(spec, point, new SgdStepperOptions { Threads = 2 }).Network.Theta;
        double[] three = RunToEnd(spec, point, new SgdStepperOptions { Threads = 3, RowBlock = 333 }).Network.Theta;

        Assert.Equal(serial, two);
        Assert.Equal(serial, three);
    }

    [Fact]
    public void AFloat32FirstLayerStoredInPairedRowsGivesTheBitsOfRowMajorOnOneTwoAndThreeThreadsAndAcrossRestarts()
    {
        // d = 40 in float32: the first layer is stored with odd rows rotated (PairedRows) where AVX-512 runs.
        SweepSpec spec = WithPrecision(TestSpecs.Small(model: TestSpecs.Model(Presets.MmnIsotropic, ActivationKinds.Ramp, bias: true), d: 40, horizon: 0.02), Precisions.Float32);
        PointSpec point = TestSpecs.Point(spec, width: 1203, stepSize: 0.0001);

        SgdRun rowMajor = RunToEnd(spec, point, new SgdStepperOptions { PairedRows = false });
        Assert.Equal(rowMajor.Network.Theta, RunToEnd(spec, point, null).Network.Theta);
        Assert.Equal(rowMajor.Network.Theta, RunToEnd(spec, point, new SgdStepperOptions { Threads = 2, ParallelMinWidth = 1, RowBlock = 64 }).Network.Theta);
        Assert.Equal(rowMajor.Network.Theta, RunToEnd(spec, point, new SgdStepperOptions { Threads = 3, ParallelMinWidth = 1, RowBlock = 333 }).Network.Theta);

        SgdRun chunked = RunCapturedAndRestored(spec, point, 37);
        Assert.Equal(rowMajor.Network.Theta, chunked.Network.Theta);
        Assert.Equal(rowMajor.Risk, chunked.Risk);
    }

    [Fact]
    public void ParallelPassesOfANarrowerDeepNetAreBitIdenticalWhenTheThresholdIsLowered()
    {
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer, ActivationKinds.Tanh, bias: true), d: 7, ridge: 0.02, horizon: 0.2);
        PointSpec point = TestSpecs.Point(spec, width: 300, stepSize: 0.001, layers: 2);

        double[] serial = RunToEnd(spec, point, null).Network.Theta;
        double[] parallel = RunToEnd(spec, point, new SgdStepperOptions { Threads = 2, ParallelMinWidth = 1, RowBlock = 64 }).Network.Theta;

        Assert.Equal(serial, parallel);
    }

    public static TheoryData<string, string, int, int, double, double?> StepCases() => new()
    {
        { Presets.MmnIsotropic, ActivationKinds.Ramp, 1, 1, 0.0, null },
        { Presets.MmnIsotropic, ActivationKinds.Ramp, 1, 1, 0.3, null },
        { Presets.MmnRelu, ActivationKinds.Relu, 1, 1, 0.1, null },
        { Presets.MmnRelu, ActivationKinds.Tanh, 1, 3, 0.1, null },
        { Presets.ThreeLayer, ActivationKinds.Tanh, 2, 1, 0.2, null },
        { Presets.Normalized, ActivationKinds.Sigmoid, 3, 1, 0.0, null },
        { Presets.DeepFixedEnds, ActivationKinds.Erf, 3, 2, 0.1, null },
        { Presets.MmnRelu, ActivationKinds.Relu, 1, 1, 0.1, 20.0 },
        { Presets.ThreeLayer, ActivationKinds.Tanh, 2, 2, 0.0, 50.0 },
    };

    [Theory]
    [MemberData(nameof(StepCases))]
    public void StepsMatchTheNetworkSgdStepWhoseGradientsAreCheckedByFiniteDifferences(string preset, string activation, int layers, int batch, double ridge, double? beta)
    {
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(preset, activation, bias: true), d: 5, batch: batch, ridge: ridge, beta: beta);
        (MeanFieldNetwork reference, MeanFieldNetwork trained, DataModel data) = TwoNetworks(spec, layers);
        var rng = new Xoshiro256(5);
        var noise = new Xoshiro256(6);
        SgdStepper stepper = SgdStepper.Create(spec, trained, data, rng, noise);
        double[] xs = new double[batch * 5], ys = new double[batch];

        for (int step = 0; step < 3; step++)
        {
            for (int b = 0; b < batch; b++)
            {
                ys[b] = data.Sample(ref rng, xs.AsSpan(b * 5, 5));
            }

            double expectedResidual = reference.SgdStep(xs, ys, 0.05, ridge, beta ?? double.PositiveInfinity, ref noise);
            double residual = stepper.Step(0.05);
            Assert.Equal(expectedResidual, residual, 12);
        }

        stepper.Publish();
        for (int p = 0; p < reference.ParameterCount; p++)
        {
            Assert.True(Math.Abs(trained.Theta[p] - reference.Theta[p]) <= 1e-12 * Math.Max(1, Math.Abs(reference.Theta[p])), $"parameter {p}: {trained.Theta[p]} vs {reference.Theta[p]}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void AFloat32StepAgreesWithAFloat64StepFromTheSameRoundedParametersToSinglePrecision(string preset, string activation, int layers)
    {
        SweepSpec spec64 = TestSpecs.Small(model: TestSpecs.Model(preset, activation, bias: true), d: 5, ridge: 0.1);
        SweepSpec spec32 = WithPrecision(spec64, Precisions.Float32);
        (MeanFieldNetwork net64, MeanFieldNetwork net32, DataModel data) = TwoNetworks(spec64, layers);
        SgdStepper single = SgdStepper.Create(spec32, net32, data, new Xoshiro256(5), new Xoshiro256(6));
        net32.Theta.CopyTo(net64.Theta, 0); // start the double run from the float-rounded parameters
        double[] start = (double[])net64.Theta.Clone();
        SgdStepper dbl = SgdStepper.Create(spec64, net64, data, new Xoshiro256(5), new Xoshiro256(6));

        single.Step(0.2);
        dbl.Step(0.2);
        single.Publish();
        dbl.Publish();

        double largestMove = start.Zip(net64.Theta, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(largestMove > 1e-3, "the step must move the parameters for the comparison to mean anything");
        for (int p = 0; p < net64.ParameterCount; p++)
        {
            Assert.True(Math.Abs(net32.Theta[p] - net64.Theta[p]) <= 1e-5 * Math.Max(1, Math.Abs(net64.Theta[p])), $"parameter {p}: {net32.Theta[p]} vs {net64.Theta[p]}");
        }
    }

    [Theory]
    [InlineData(Precisions.Float64)]
    [InlineData(Precisions.Float32)]
    public void AFusedRunCapturedAndRestoredEveryFewStepsEndsBitIdenticalToAnUninterruptedRun(string precision)
    {
        SweepSpec spec = WithPrecision(TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer, ActivationKinds.Tanh, bias: true), ridge: 0.01), precision);
        PointSpec point = TestSpecs.Point(spec, width: 12, stepSize: 0.005, layers: 2);
        SgdRun straight = RunToEnd(spec, point, null);

        SgdRun chunked = RunCapturedAndRestored(spec, point, 37);
        Assert.Equal(straight.Network.Theta, chunked.Network.Theta);
        Assert.Equal(straight.Risk, chunked.Risk);
    }

    [Fact]
    public void TheCapturedTrainingStreamHasDrawnExactlyOneSamplePerStepDone()
    {
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.MmnIsotropic, ActivationKinds.Ramp));
        PointSpec point = TestSpecs.Point(spec, width: 10, stepSize: 0.01);
        var (data, testSet) = TestSpecs.DataOf(spec);
        var run = new SgdRun(spec, point, data, testSet);

        run.Advance(41);

        var stream = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Training, PointKeys.WithStepSize(point));
        double[] x = new double[data.Dimension];
        for (int k = 0; k < 41; k++)
        {
            data.Sample(ref stream, x);
        }

        Assert.Equal(stream.GetState(), run.Capture().Rng);
    }

    [Theory]
    [InlineData(Presets.MmnIsotropic, ActivationKinds.Ramp, 1, Precisions.Float64)]
    [InlineData(Presets.MmnIsotropic, ActivationKinds.Ramp, 1, Precisions.Float32)]
    [InlineData(Presets.ThreeLayer, ActivationKinds.Tanh, 2, Precisions.Float64)]
    public void StepsAllocateNothing(string preset, string activation, int layers, string precision)
    {
        SweepSpec spec = WithPrecision(TestSpecs.Small(model: TestSpecs.Model(preset, activation, bias: true), d: 40, ridge: 0.01), precision);
        (_, MeanFieldNetwork network, DataModel data) = TwoNetworks(spec, layers, width: 300);
        SgdStepper stepper = SgdStepper.Create(spec, network, data, new Xoshiro256(1), new Xoshiro256(2));
        for (int k = 0; k < 200; k++)
        {
            stepper.Step(1e-4);
        }

        // A step that allocates does so in every window, while the runtime may allocate once in some window
        // (seen once in CI: 4992 bytes over 2000 steps, not reproduced since), so the quietest window counts.
        var windows = new long[3];
        for (int w = 0; w < windows.Length; w++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int k = 0; k < 1000; k++)
            {
                stepper.Step(1e-4);
            }

            windows[w] = GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Assert.Equal(0, windows.Min());
    }

    [Theory]
    [InlineData(Precisions.Float64)]
    [InlineData(Precisions.Float32)]
    public void TheLargestAbsoluteParameterIsReportedAndANaNParameterMakesItNaN(string precision)
    {
        SweepSpec spec = WithPrecision(TestSpecs.Small(model: TestSpecs.Model(Presets.MmnRelu, ActivationKinds.Relu, bias: true)), precision);
        (_, MeanFieldNetwork network, DataModel data) = TwoNetworks(spec, 1, width: 40);
        network.Theta.AsSpan().Clear();
        network.Theta[17] = -7.5;
        network.Theta[3] = 2.0;

        Assert.Equal(7.5, SgdStepper.Create(spec, network, data, new Xoshiro256(1), new Xoshiro256(2)).MaxAbsParameter());

        network.Theta[30] = double.NaN;
        Assert.True(double.IsNaN(SgdStepper.Create(spec, network, data, new Xoshiro256(1), new Xoshiro256(2)).MaxAbsParameter()));
    }

    private static SgdRun RunToEnd(SweepSpec spec, PointSpec point, SgdStepperOptions? options)
    {
        var (data, testSet) = TestSpecs.DataOf(spec);
        var run = new SgdRun(spec, point, data, testSet, null, options);
        run.Advance(long.MaxValue);
        Assert.Equal(RunStatus.Completed, run.Status);
        return run;
    }

    // Runs the point to its end in chunks of `chunk` steps, each on a new run restored from the previous one's capture.
    private static SgdRun RunCapturedAndRestored(SweepSpec spec, PointSpec point, long chunk)
    {
        var (data, testSet) = TestSpecs.DataOf(spec);
        var run = new SgdRun(spec, point, data, testSet);
        while (run.Status == RunStatus.Running)
        {
            run.Advance(chunk);
            run = new SgdRun(spec, point, data, testSet, run.Capture());
        }

        return run;
    }

    private static SweepSpec WithPrecision(SweepSpec spec, string precision) =>
        spec with { Training = spec.Training with { Precision = precision } };

    private static (MeanFieldNetwork A, MeanFieldNetwork B, DataModel Data) TwoNetworks(SweepSpec spec, int layers, int width = 7)
    {
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        int[] widths = [.. Enumerable.Range(0, layers).Select(l => width + l)];
        double[] gamma = [.. Enumerable.Repeat(1.0, layers)];
        var a = new Xoshiro256(3);
        var b = new Xoshiro256(3);
        return (MeanFieldNetwork.Initialize(spec.Model, data.Dimension, widths, gamma, ref a), MeanFieldNetwork.Initialize(spec.Model, data.Dimension, widths, gamma, ref b), data);
    }
}
