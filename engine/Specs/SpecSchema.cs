namespace MeanFieldCluster.Engine.Specs;

/// <summary>The snake_case field names of the spec format, shared by the binder and the writer.</summary>
internal static class SpecFields
{
    public const string Name = "name";
    public const string Seed = "seed";
    public const string Model = "model";
    public const string Data = "data";
    public const string Training = "training";
    public const string Observe = "observe";
    public const string Grid = "grid";

    public const string Preset = "preset";
    public const string Activation = "activation";
    public const string Init = "init";

    public const string Kind = "kind";
    public const string T1 = "t1";
    public const string T2 = "t2";
    public const string S1 = "s1";
    public const string S2 = "s2";

    public const string Kappa = "kappa";
    public const string OutputMean = "output_mean";
    public const string OutputStd = "output_std";
    public const string BiasMean = "bias_mean";
    public const string BiasStd = "bias_std";

    public const string Dimension = "d";
    public const string Delta = "delta";

    public const string Horizon = "horizon";
    public const string HorizonAlias = "T";
    public const string Steps = "steps";
    public const string Xi = "xi";
    public const string BatchSize = "batch_size";

    public const string TestSamples = "test_samples";
    public const string RiskTimes = "risk_times";
    public const string SnapshotTimes = "snapshot_times";
    public const string Quantiles = "quantiles";
    public const string Count = "count";
    public const string Spacing = "spacing";

    public const string Width = "width";
    public const string StepSize = "step_size";
    public const string Layers = "layers";
    public const string Seeds = "seeds";

    public static readonly IReadOnlyList<string> RootFields = [Name, Seed, Model, Data, Training, Observe, Grid];
    public static readonly IReadOnlyList<string> ModelFields = [Preset, Activation, Init];
    public static readonly IReadOnlyList<string> ActivationFields = [Kind, T1, T2, S1, S2];
    public static readonly IReadOnlyList<string> RampParameters = [T1, T2, S1, S2];
    public static readonly IReadOnlyList<string> InitFields = [Kappa, OutputMean, OutputStd, BiasMean, BiasStd];
    public static readonly IReadOnlyList<string> DataFields = [Kind, Dimension, Delta];
    public static readonly IReadOnlyList<string> TrainingFields = [Horizon, HorizonAlias, Steps, Xi, BatchSize];
    public static readonly IReadOnlyList<string> ObserveFields = [TestSamples, RiskTimes, SnapshotTimes, Quantiles];
    public static readonly IReadOnlyList<string> TimeGridFields = [Count, Spacing];
    public static readonly IReadOnlyList<string> GridFields = [Width, StepSize, Layers, Seeds];
}

/// <summary>Allowed values and limits of the spec format (docs/spec.md).</summary>
internal static class SpecLimits
{
    public const string DefaultName = "sweep";
    public const int MaxNameLength = 100;
    public const long MaxSteps = 1_000_000_000_000;
    public const long MaxPoints = 1_000_000;
    public const int DefaultRiskCount = 21;
    public const int DefaultSnapshotCount = 5;
    public const int DefaultTestSamples = 2000;
    public const int DefaultQuantiles = 256;

    public const string ConstantSchedule = "constant";
    public const string LinearSpacing = "linear";
    public const string LogSpacing = "log";

    /// <summary>Learning-rate schedules ξ known to this version.</summary>
    public static readonly IReadOnlyList<string> Schedules = [ConstantSchedule];

    /// <summary>Spacings of generated time grids.</summary>
    public static readonly IReadOnlyList<string> Spacings = [LinearSpacing, LogSpacing];

    /// <summary>Presets whose network has exactly one hidden layer.</summary>
    public static readonly IReadOnlyList<string> OneHiddenLayerPresets = [Presets.MmnIsotropic, Presets.MmnRelu];

    public static readonly Bounds Seed = Bounds.Between(0, long.MaxValue);
    public static readonly Bounds Kappa = Bounds.Above(0);
    public static readonly Bounds NonNegative = Bounds.AtLeast(0);
    public static readonly Bounds Dimension = Bounds.Between(1, 100_000);
    public static readonly Bounds Delta = Bounds.FromUpToExcluding(0, 1);
    public static readonly Bounds Horizon = Bounds.Above(0);
    public static readonly Bounds Steps = Bounds.Between(1, MaxSteps);
    public static readonly Bounds BatchSize = Bounds.Between(1, 100_000);
    public static readonly Bounds TestSamples = Bounds.Between(10, 10_000_000);
    public static readonly Bounds TimeCount = Bounds.Between(2, 10_000);
    public static readonly Bounds Quantiles = Bounds.Between(2, 100_000);
    public static readonly Bounds Width = Bounds.Between(1, 10_000_000);
    public static readonly Bounds StepSize = Bounds.AboveUpTo(0, 10);
    public static readonly Bounds Layers = Bounds.Between(1, 64);
    public static readonly Bounds SeedCount = Bounds.Between(1, 100_000);
    public static readonly Bounds SeedIndex = Bounds.Between(0, int.MaxValue);
}
