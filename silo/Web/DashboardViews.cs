namespace MeanFieldCluster.Silo.Web;

// What the dashboard's JSON API returns (snake_case keys). Non-finite numbers are sent as null.

/// <summary>One sweep in the list.</summary>
internal sealed record SweepSummaryView(string Id, string Name, string State, int Points, int FinishedPoints, double Fraction, DateTime SubmittedUtc, DateTime? FinishedUtc);

/// <summary>The list of sweeps, newest first.</summary>
internal sealed record SweepListView(IReadOnlyList<SweepSummaryView> Sweeps, int Total, bool CanCancel);

/// <summary>A sweep with the progress of its points.</summary>
internal sealed record SweepDetailView(
    string Id,
    string Name,
    string State,
    string Task,
    DateTime StartedUtc,
    DateTime? FinishedUtc,
    double ElapsedSeconds,
    int Points,
    IReadOnlyDictionary<string, int> Counts,
    long DoneWork,
    long TotalWork,
    double Fraction,
    string WorkUnit,
    IReadOnlyList<string> Groups,
    int PointsShown,
    IReadOnlyList<PointView> PointRows);

/// <summary>One point's coordinates and progress.</summary>
internal sealed record PointView(int Index, string Group, IReadOnlyList<int> Widths, double StepSize, int Layers, IReadOnlyList<double> Gamma, int Seed, string? Mode, int Draw, int Replicas, string State, long Done, long Total, double Fraction);

/// <summary>One curve: a group of points (all coordinates but the seed) or the mean-field limit.</summary>
/// <param name="Label">Legend text.</param>
/// <param name="Widths">Hidden widths N_1..N_L (empty for the limit).</param>
/// <param name="StepSize">Step size ε (0 for the limit).</param>
/// <param name="Seeds">Seeds in the group.</param>
/// <param name="SeedsReporting">Seeds with at least one value so far.</param>
/// <param name="Values">One value per x of the view (null where no seed has one yet).</param>
/// <param name="StdErr">Standard error over seeds per x (null with fewer than two seeds there).</param>
internal sealed record SeriesView(string Label, IReadOnlyList<int> Widths, double StepSize, int Seeds, int SeedsReporting, IReadOnlyList<double?> Values, IReadOnlyList<double?> StdErr);

/// <summary>Risk curves: per group, the mean over seeds at every recorded time; the mean-field limit when the sweep has one.</summary>
/// <param name="Times">The recorded times t (ascending; t = 0 included).</param>
/// <param name="Series">One per group (at most <see cref="DashboardData.MaxSeries"/>).</param>
/// <param name="Pde">The limit's risk at the same times, or null.</param>
/// <param name="PdeStatus">ready, computing, failed: ..., or not applicable: ....</param>
/// <param name="Groups">Groups in the sweep (more than the series when capped).</param>
/// <param name="Thinned">Whether the times were thinned to at most <see cref="DashboardData.MaxTimes"/>.</param>
internal sealed record RiskView(IReadOnlyList<double> Times, IReadOnlyList<SeriesView> Series, SeriesView? Pde, string PdeStatus, int Groups, bool Thinned);

/// <summary>Quantile functions of one feature's law at one snapshot time, per group (pooled over seeds).</summary>
/// <param name="Features">Features recorded by the sweep.</param>
/// <param name="Feature">The feature shown.</param>
/// <param name="Times">Snapshot times of the sweep.</param>
/// <param name="Time">The time shown (null before any snapshot).</param>
/// <param name="Levels">Quantile levels p.</param>
/// <param name="Series">Q(p) per group; values aligned with <paramref name="Levels"/>.</param>
/// <param name="Pde">The limit's radial law (feature w_norm only), or null.</param>
/// <param name="PdeStatus">As in <see cref="RiskView"/>.</param>
internal sealed record QuantileView(IReadOnlyList<string> Features, string? Feature, IReadOnlyList<double> Times, double? Time, IReadOnlyList<double> Levels, IReadOnlyList<SeriesView> Series, SeriesView? Pde, string PdeStatus);

/// <summary>Rate functions of a large-deviations sweep.</summary>
/// <param name="Applicable">False for sweeps without large deviations (everything else empty).</param>
/// <param name="Functional">The functional F.</param>
/// <param name="Time">The time T it is taken at.</param>
/// <param name="Source">final (the coordinator's aggregate) or provisional (finished batches only).</param>
/// <param name="BatchesUsed">Batches whose samples entered.</param>
/// <param name="Batches">Batches in the sweep.</param>
/// <param name="Modes">Per mode (quenched, annealed).</param>
internal sealed record RateView(bool Applicable, string? Functional, double? Time, string Source, int BatchesUsed, int Batches, IReadOnlyList<RateModeView> Modes);

/// <summary>The rate-function curves of one mode.</summary>
internal sealed record RateModeView(string Mode, IReadOnlyList<RateCurveView> Curves);

/// <summary>Î(x) of one width (or inf, the extrapolation in N) by one estimator, with its bootstrap 95% interval.</summary>
internal sealed record RateCurveView(string Width, string Estimator, IReadOnlyList<double> X, IReadOnlyList<double?> Value, IReadOnlyList<double?> Low, IReadOnlyList<double?> High, IReadOnlyList<bool> Censored);

/// <summary>An error answer.</summary>
internal sealed record ErrorView(string Error);

/// <summary>The answer to a cancel.</summary>
internal sealed record CancelView(string Id, string State, string Message);
