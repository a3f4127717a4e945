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
    public const string Risk = "risk";
    public const string Task = "task";
    public const string LargeDeviations = "large_deviations";
    public const string Functional = "functional";
    public const string Modes = "modes";
    public const string XGrid = "x_grid";
    public const string KGrid = "k_grid";
    public const string From = "from";
    public const string To = "to";
    public const string Step = "step";
    public const string RareEvents = "rare_events";
    public const string AllowFixedStep = "allow_fixed_step";
    public static readonly IReadOnlyList<string> RangeFields = [From, To, Step];
    public const string Grid = "grid";

    public const string Preset = "preset";
    public const string Activation = "activation";
    public const string Init = "init";
    public const string Gamma = "gamma";
    public const string Bias = "bias";
    public const string Train = "train";

    public const string Kind = "kind";
    public const string T2 = "t2";

    public const string OutputMean = "output_mean";
    public const string HiddenMean = "hidden_mean";
    public const string HiddenStructure = "hidden_structure";
    public const string Nested = "nested";

    public const string Dimension = "d";
    public const string Delta = "delta";
    public const string InformativeDimensions = "s0";
    public const string Teacher = "teacher";
    public const string Noise = "noise";
    public const string Csv = "csv";

    public const string CsvPath = "path";
    public const string Label = "label";
    public const string Features = "features";
    public const string TestFraction = "test_fraction";
    public const string StandardizeLabel = "standardize_label";

    public const string Horizon = "horizon";
    public const string HorizonAlias = "T";
    public const string Steps = "steps";
    public const string Xi = "xi";
    public const string BatchSize = "batch_size";
    public const string Ridge = "ridge";
    public const string Beta = "beta";
    public const string Precision = "precision";


    public const string RiskTimes = "risk_times";
    public const string SnapshotTimes = "snapshot_times";
    public const string RawTimes = "raw_times";
    public const string ProbeInputs = "probe_inputs";
    public const string Dependence = "dependence";
    public const string Count = "count";
    public const string Spacing = "spacing";

    public const string Width = "width";
    public const string StepSize = "step_size";
    public const string Layers = "layers";
    public const string Seeds = "seeds";

    public const string Tags = "tags";
    public const string Notes = "notes";

    public static readonly IReadOnlyList<string> RootFields = [Name, Seed, Task, Model, Data, Training, Observe, Grid, LargeDeviations, Tags, Notes];
    public const string Sampling = "sampling";


    public static readonly IReadOnlyList<string> TrainingFields = [Horizon, HorizonAlias, Steps, Xi, BatchSize, Ridge, Beta, Precision];

    public static readonly IReadOnlyList<string> TimeGridFields = [Count, Spacing];

    public static readonly IReadOnlyList<string> GridFields = [Width, StepSize, Layers, Gamma, Seeds];
}

/// <summary>Allowed values and limits of the spec format (docs/spec.md).</summary>
internal static class SpecLimits
{
    public const string SgdTask = "sgd";
    public const string LargeDeviationsTask = "large-deviations";
    public static readonly IReadOnlyList<string> Tasks = [SgdTask, LargeDeviationsTask];
    public const int MaxNameLength = 100;
    public const long MaxSteps = 1_000_000_000_000;
    public const long MaxPoints = 1_000_000;
    public const int DefaultRiskCount = 21;
    public const int DefaultSnapshotCount = 5;

    /// <summary>Largest step size ε, also the bound on c / N_1 for step sizes written c/N.</summary>
    public const double MaxStepSize = 10;

    /// <summary>Largest number of columns listed in an error message about a csv file.</summary>
    public const int MaxListedColumns = 20;


    /// <summary>Strings accepted for β = ∞ besides YAML's <c>.inf</c> (compared ignoring case).</summary>
    public static readonly IReadOnlyList<string> InfinityWords = ["inf", "infinity", ".inf", "+inf", "+infinity", "+.inf"];

    public static readonly Bounds Seed = Bounds.Between(0, long.MaxValue);
    public static readonly Bounds NonNegative = Bounds.AtLeast(0);
    public static readonly Bounds Positive = Bounds.Above(0);
    public static readonly Bounds Gamma = RecordReader.LimitOf<ModelSpec>(nameof(ModelSpec.Gamma));
    public static readonly Bounds Dimension = RecordReader.LimitOf<DataSpec>(nameof(DataSpec.Dimension));
    public static readonly Bounds Delta = RecordReader.LimitOf<DataSpec>(nameof(DataSpec.Delta));
    public static readonly Bounds TestFraction = RecordReader.LimitOf<CsvSpec>(nameof(CsvSpec.TestFraction));
    public static readonly Bounds Horizon = Bounds.Above(0);
    public static readonly Bounds Steps = RecordReader.LimitOf<TrainingSpec>(nameof(TrainingSpec.Steps));
    public static readonly Bounds Width = Bounds.Between(1, 10_000_000);
    public static readonly Bounds StepSize = Bounds.AboveUpTo(0, MaxStepSize);
    public static readonly Bounds Layers = RecordReader.LimitOf<GridSpec>(nameof(GridSpec.Layers));
    public static readonly Bounds SeedCount = Bounds.Between(1, 100_000);
    public static readonly Bounds SeedIndex = RecordReader.LimitOf<GridSpec>(nameof(GridSpec.Seeds));
}

/// <summary>What a preset fixes and what it defaults (docs/spec.md, "Presets").</summary>
/// <param name="MinLayers">Smallest hidden layer count L allowed (also the default of <c>grid.layers</c>).</param>
/// <param name="MaxLayers">Largest hidden layer count L allowed.</param>
/// <param name="Train">Default trained blocks.</param>
/// <param name="Bias">Default of <c>model.bias</c>.</param>
/// <param name="FreeGamma">Whether γ may differ from 1 (and the γ grid axis may be used).</param>
internal sealed record PresetRules(int MinLayers, int MaxLayers, TrainSpec Train, bool Bias, bool FreeGamma)
{
    // The preset's structure and defaults are declared once, with the presets (Presets.LayerRange, Presets.Defaults).
    private static readonly Dictionary<string, PresetRules> ByName = Presets.All.ToDictionary(p => p, Create, StringComparer.Ordinal);

    /// <summary>The rules of a known preset.</summary>
    public static PresetRules Of(string preset) => ByName[preset];

    private static PresetRules Create(string preset)
    {
        (int min, int max) = Presets.LayerRange(preset);
        (TrainSpec train, bool bias) = Presets.Defaults(preset);
        return new PresetRules(min, max, train, bias, FreeGamma: preset == Presets.Normalized);
    }

    /// <summary>"every layer count must be 1", "... must be 2", "... must be &gt;= 2", for error messages.</summary>
    public string LayerRule(string preset) => (MinLayers, MaxLayers) switch
    {
        (1, 1) => $"preset {NodeText.Quote(preset)} is a one-hidden-layer network, so every layer count must be 1",
        var (lo, hi) when lo == hi => $"preset {NodeText.Quote(preset)} has exactly {lo} hidden layers, so every layer count must be {lo}",
        var (lo, _) => $"preset {NodeText.Quote(preset)} needs at least {lo} hidden layers, so every layer count must be >= {lo}",
    };
}
