using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

public sealed class SgdRunTests
{
    public static TheoryData<string, int, int> ResumeCases() => new()
    {
        { Presets.MmnIsotropic, 1, 1 },
        { Presets.MmnRelu, 3, 1 },
        { Presets.ThreeLayer, 1, 2 },
        { Presets.Normalized, 2, 3 },
    };

    [Theory]
    [MemberData(nameof(ResumeCases))]
    public void ARunCapturedAndRestoredBetweenChunksEndsBitIdenticalToAnUninterruptedRun(string preset, int batch, int layers)
    {
        SweepSpec spec = TestSpecs.Small(batch: batch, model: TestSpecs.Model(preset, bias: true), beta: 50.0, ridge: 0.1);
        PointSpec point = TestSpecs.Point(spec, width: 12, stepSize: 0.005, layers: layers);

        SgdRun straight = TestSpecs.Run(spec, point);
        straight.Advance(long.MaxValue);

        var (data, testSet) = TestSpecs.DataOf(spec);
        var chunked = new SgdRun(spec, point, data, testSet);
        while (chunked.Status == RunStatus.Running)
        {
            chunked.Advance(37);
            chunked = new SgdRun(spec, point, data, testSet, chunked.Capture());
        }

        Assert.Equal(RunStatus.Completed, straight.Status);
        Assert.Equal(straight.Network.Theta, chunked.Network.Theta);
        Assert.Equal(straight.Risk, chunked.Risk);
        Assert.Equal(Flatten(straight.Snapshots), Flatten(chunked.Snapshots));
        Assert.Equal(DependenceValues(straight.Dependence), DependenceValues(chunked.Dependence));
        Assert.Equal(straight.Raw.SelectMany(r => r.Values), chunked.Raw.SelectMany(r => r.Values));
    }

    [Fact]
    public void RiskSnapshotsHistogramsAndRawDumpsAreRecordedExactlyAtThePlannedSteps()
    {
        SweepSpec spec = TestSpecs.Small(Presets.MmnRelu);
        PointSpec point = TestSpecs.Point(spec, width: 8, stepSize: 0.01);

        SgdRun run = TestSpecs.Run(spec, point);
        long taken = run.Advance(long.MaxValue);

        Assert.Equal(point.Steps, taken);
        Assert.Equal(point.RiskSteps, run.Risk.Select(r => r.Step));
        Assert.Equal(["w_norm", "w_proj0", "w_proj1", "w_proj2", "w_proj3", "b1", "c"], run.Features);
        MeasureSnapshot[] laws = [.. run.Snapshots.Where(s => !FeatureNames.IsProbe(s.Feature))];
        Assert.Equal(point.SnapshotSteps.Count * run.Features.Count, laws.Length);
        Assert.Equal(laws.Length, run.Histograms.Count);
        Assert.All(run.Histograms, h => Assert.Equal(8, h.Counts.Count));
        Assert.All(run.Histograms, h => Assert.Equal(8L, h.Counts.Sum()));
        Assert.All(run.Risk, r => Assert.Equal(r.Step * point.StepSize, r.Time, 12));
        Assert.All(laws, s => Assert.Equal(spec.Observe.QuantileLevels, s.Values.Count));

        // Probes: the output and the layer's spread on the first 16 test inputs at every snapshot step.
        MeasureSnapshot[] probes = [.. run.Snapshots.Where(s => FeatureNames.IsProbe(s.Feature))];
        Assert.Equal(point.SnapshotSteps.Count * 2, probes.Length);
        Assert.All(probes, s => Assert.Equal(16, s.Values.Count));
        Assert.Equal([FeatureNames.OutputProbe, FeatureNames.Spread(1)], probes.Take(2).Select(s => s.Feature));
        Assert.Equal(["w", "b1", "c"], run.Raw.Select(r => r.Feature));
        Assert.All(run.Raw, r => Assert.Equal(point.RawSteps[0], r.Step));
    }

    [Fact]
    public void LayeredModelsRecordInnerWeightLawsAndTheCrossLayerDependence()
    {
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer));
        PointSpec point = TestSpecs.Point(spec, width: 9, stepSize: 0.01, layers: 2);

        SgdRun run = TestSpecs.Run(spec, point);
        run.Advance(long.MaxValue);

        Assert.Contains("W1_row_mean", run.Features);
        Assert.Contains("W1_edges", run.Features);
        Assert.NotNull(run.Dependence);
        NeuronFeatures neurons = Assert.IsType<NeuronFeatures>(run.Dependence.Neurons);
        int d = spec.Data.Dimension;
        Assert.Equal(run.Network.FirstLayer[..d].ToArray(), neurons.FinalX);
        Assert.Equal([run.Network.Output[0], run.Network.Hidden(1)[..9].ToArray().Average()], neurons.FinalY);
        Assert.Equal(d, neurons.InitialX.Count);
        Assert.NotEqual(neurons.InitialX, neurons.FinalX);
        EdgeStructure edges = Assert.IsType<EdgeStructure>(run.Dependence.Edges);
        Assert.InRange(edges.RankOneShare, 0.0, 1.0);
        Assert.InRange(edges.FeatureShare, 0.0, 1.0);
        Assert.True(edges.RelativeChange > 0);
        Assert.Equal(point.Steps, run.Dependence.Step);
    }

    /// <summary>
    /// The dependence measured at the final step is an end-of-run diagnostic: its time is counted in
    /// DiagnosticsClock (the line of its own in mfc run), not with the steps and in-run observations.
    /// </summary>
    [Fact]
    public void TheFinalStepDependenceIsCountedAsAnEndOfRunDiagnostic()
    {
        SweepSpec layered = TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer));
        SgdRun run = TestSpecs.Run(layered, TestSpecs.Point(layered, width: 9, stepSize: 0.01, layers: 2));
        TimeSpan before = DiagnosticsClock.FinalStepTime;
        run.Advance(long.MaxValue);
        Assert.NotNull(run.Dependence);
        Assert.True(run.DiagnosticTime > TimeSpan.Zero);

        // Other tests may add to the process-wide clock meanwhile, never take from it.
        Assert.True(DiagnosticsClock.FinalStepTime - before >= run.DiagnosticTime);

        SweepSpec single = TestSpecs.Small();
        SgdRun plain = TestSpecs.Run(single, TestSpecs.Point(single, width: 9, stepSize: 0.01));
        plain.Advance(long.MaxValue);
        Assert.Null(plain.Dependence);
        Assert.Equal(TimeSpan.Zero, plain.DiagnosticTime);
        Assert.Equal(42, DiagnosticsClock.Aggregation(() => 42));
    }

    [Fact]
    public void TheSameSpecAndPointGiveTheSameNumbersAndAnotherSeedIndexGivesOthers()
    {
        SweepSpec spec = TestSpecs.Small();
        double FinalRisk(int seed)
        {
            SgdRun run = TestSpecs.Run(spec, TestSpecs.Point(spec, 10, 0.01, seed));
            run.Advance(long.MaxValue);
            return run.Risk[^1].Risk;
        }

        Assert.Equal(FinalRisk(0), FinalRisk(0));
        Assert.NotEqual(FinalRisk(0), FinalRisk(1));
    }

    [Fact]
    public void SgdLowersTheTestRiskOfTheMmnIsotropicModel()
    {
        SweepSpec spec = TestSpecs.Small(d: 10, horizon: 5.0, testSamples: 4000);
        SgdRun run = TestSpecs.Run(spec, TestSpecs.Point(spec, width: 50, stepSize: 0.002));

        run.Advance(long.MaxValue);

        RiskPoint first = run.Risk[0], last = run.Risk[^1];
        Assert.True(last.Risk + (3 * last.StdErr) < first.Risk - (3 * first.StdErr), $"risk went from {first.Risk} to {last.Risk}");
    }

    [Fact]
    public void AHugeStepSizeEndsTheRunAsDivergedBeforeTheLastStep()
    {
        SweepSpec spec = TestSpecs.Small(Presets.MmnRelu, ActivationKinds.Relu, horizon: 1e4);
        SgdRun run = TestSpecs.Run(spec, TestSpecs.Point(spec, width: 10, stepSize: 5.0));

        run.Advance(long.MaxValue);

        Assert.Equal(RunStatus.Diverged, run.Status);
        Assert.True(run.Step < run.TotalSteps);
    }

    [Fact]
    public void AParameterAboveTheDivergenceBoundEndsTheRunAtACheckStep()
    {
        // Output weights start near 1, above the bound 0.5: the check at step 0 stops the run.
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.MmnRelu) with { DivergenceBound = 0.5 });
        SgdRun run = TestSpecs.Run(spec, TestSpecs.Point(spec, width: 10, stepSize: 0.01));

        run.Advance(long.MaxValue);

        Assert.Equal(RunStatus.Diverged, run.Status);
        Assert.Equal(0, run.Step);
        Assert.True(run.Network.MaxAbsParameter() > 0.5);
    }

    [Fact]
    public void ThePowerScheduleDecaysAsOnePlusTOverT0ToTheMinusAlpha()
    {
        SweepSpec spec = TestSpecs.Small() with { Training = new TrainingSpec(1.0, null, new XiSpec("power", T0: 2.0, Alpha: 0.5)) };
        SgdRun run = TestSpecs.Run(spec, TestSpecs.Point(spec, 4, 0.01));

        Assert.Equal(1.0, run.Xi(0), 15);
        Assert.Equal(Math.Pow(3.0, -0.5), run.Xi(4.0), 15);
    }

    // Mean-zero output weights: the controls are recorded once, at step 0, from θ(0) (they equal a direct
    // measurement of the initial network), and a run resumed from a checkpoint keeps them without recording again.
    [Fact]
    public void MeanZeroOutputWeightsRecordTheInitialOutputControlsOnceAtStepZero()
    {
        var init = new InitSpec(Kappa: 1.0, OutputMean: 0.0, OutputStd: 1.0, HiddenStd: 1.0);
        SweepSpec spec = TestSpecs.Small(model: TestSpecs.Model(Presets.Normalized, ActivationKinds.Tanh, init: init, gamma: [0.75]));
        PointSpec point = TestSpecs.Point(spec, 12, 0.01);
        (DataModel data, TestSet testSet) = TestSpecs.DataOf(spec);

        var first = new SgdRun(spec, point, data, testSet);
        first.Advance(point.Steps / 3);
        var resumed = new SgdRun(spec, point, data, testSet, first.Capture());
        resumed.Advance(long.MaxValue);

        // A run advanced part way, then to the end in one call (long.MaxValue once overflowed Step + maxSteps).
        first.Advance(long.MaxValue);
        Assert.Equal(RunStatus.Completed, first.Status);
        Assert.Equal(resumed.Network.Theta, first.Network.Theta);

        MeasureSnapshot controls = Assert.Single(resumed.Snapshots, s => s.Feature == FeatureNames.OutputControls);
        Assert.Equal(0, controls.Step);
        var rng = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Initialization, PointKeys.Of(point));
        MeanFieldNetwork initial = MeanFieldNetwork.Initialize(spec.Model, data.Dimension, point.Widths, point.Gamma, ref rng, MeanFieldNetwork.NeuronKey(spec.Seed, point.Seed));
        Assert.Equal(OutputControls.Measure(initial, testSet, 1.0), controls.Values);

        // A checkpoint taken at step 0, before the first Advance (which measures them), still leads to them.
        var early = new SgdRun(spec, point, data, testSet, new SgdRun(spec, point, data, testSet).Capture());
        early.Advance(long.MaxValue);
        Assert.Equal(controls.Values, Assert.Single(early.Snapshots, s => s.Feature == FeatureNames.OutputControls).Values);
        Assert.Equal(Flatten(resumed.Snapshots), Flatten(early.Snapshots));

        // Output weights with mean 1 (TestSpecs.Small's): none.
        SweepSpec shifted = TestSpecs.Small();
        SgdRun plain = TestSpecs.Run(shifted, TestSpecs.Point(shifted, 12, 0.01));
        plain.Advance(long.MaxValue);
        Assert.DoesNotContain(plain.Snapshots, s => s.Feature == FeatureNames.OutputControls);
    }

    private static IEnumerable<string> Flatten(IEnumerable<MeasureSnapshot> snapshots) =>
        snapshots.Select(s => $"{s.Step}/{s.Feature}/{string.Join(',', s.Values)}");

    private static double[] DependenceValues(DependenceResult? d) => d is null ? [] :
    [
        d.Step, .. d.Neurons?.InitialX ?? [], .. d.Neurons?.InitialY ?? [], .. d.Neurons?.FinalX ?? [], .. d.Neurons?.FinalY ?? [],
        d.Edges?.RankOneShare ?? -1, d.Edges?.FeatureShare ?? -1, d.Edges?.LeftAlignment ?? -1, d.Edges?.RightAlignment ?? -1, d.Edges?.RelativeChange ?? -1,
    ];
}
