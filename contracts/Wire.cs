using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Contracts;

// Wire records: Orleans includes a record's primary-constructor parameters as fields with ids in
// parameter order, so new parameters are only ever appended at the end.

/// <summary>Lifecycle of one grid point.</summary>
[GenerateSerializer]
public enum PointState
{
    /// <summary>Assigned, waiting for a worker slot.</summary>
    Pending,

    /// <summary>SGD steps are being taken.</summary>
    Running,

    /// <summary>All steps done; results reported.</summary>
    Completed,

    /// <summary>NaN or infinity appeared; the point stopped and reported what it had.</summary>
    Diverged,

    /// <summary>An unexpected error ended the point; the message is in the result.</summary>
    Failed,

    /// <summary>Stopped on request.</summary>
    Cancelled,
}

/// <summary>Lifecycle of a sweep.</summary>
[GenerateSerializer]
public enum SweepState
{
    /// <summary>No spec has been submitted under this id.</summary>
    Unknown,

    /// <summary>Some points are not finished.</summary>
    Running,

    /// <summary>Every point reached a final state.</summary>
    Completed,

    /// <summary>Stopped on request; finished points keep their results.</summary>
    Cancelled,
}

/// <summary>
/// What a point grain is asked to run, as typed records: the sweep's resolved spec and the planned point with
/// its grid coordinates. The spec records are engine types and cross grain calls through the surrogates of
/// <see cref="SpecSurrogates"/>; nothing is parsed or validated again on the way. What the point keeps in
/// grain storage is <see cref="StoredAssignment"/>.
/// </summary>
/// <param name="SweepId">The sweep the point belongs to.</param>
/// <param name="Spec">The sweep's resolved spec; the point's own spec is <c>Spec.ForPoint(Point)</c>.</param>
/// <param name="Point">The point: index, widths, ε, γ, seed, recorded steps, large-deviation batch and its grid coordinates.</param>
[GenerateSerializer, Immutable]
public sealed record PointAssignment(string SweepId, SweepSpec Spec, PointSpec Point)
{
    /// <summary>Point index in the expanded grid.</summary>
    public int Index => Point.Index;
}

/// <summary>Progress of one point.</summary>
/// <param name="Index">Point index.</param>
/// <param name="State">Current state.</param>
/// <param name="Step">Steps done.</param>
/// <param name="TotalSteps">Steps planned.</param>
[GenerateSerializer, Immutable]
public sealed record PointProgress(int Index, PointState State, long Step, long TotalSteps)
{
    /// <summary>Whether the point reached a final state.</summary>
    public bool IsFinished => PointStates.IsFinal(State);

    /// <summary>Work counted as done: all of it once the point is final, else the steps done.</summary>
    public long DoneSteps => IsFinished ? TotalSteps : Step;
}

/// <summary>Helpers on <see cref="PointState"/>.</summary>
public static class PointStates
{
    /// <summary>Whether <paramref name="state"/> is final (anything but pending or running).</summary>
    public static bool IsFinal(PointState state) => state is not (PointState.Pending or PointState.Running);

    /// <summary>Units of work of a point: its SGD steps, or replicas × steps per replica for a large-deviations batch.</summary>
    public static long Work(long steps, int replicaCount) => replicaCount > 0 ? replicaCount * Math.Max(1, steps) : steps;
}

/// <summary>The risk at one recorded step.</summary>
/// <param name="Step">SGD step.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Risk">Test-set risk.</param>
/// <param name="StdErr">Its standard error.</param>
[GenerateSerializer, Immutable]
public sealed record RiskRow(long Step, double Time, double Risk, double StdErr);

/// <summary>Quantiles of one feature at one recorded step.</summary>
/// <param name="Step">SGD step.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Feature">Feature name.</param>
/// <param name="Values">Quantile values at levels (j + 1/2)/n.</param>
[GenerateSerializer, Immutable]
public sealed record MeasureRow(long Step, double Time, string Feature, double[] Values);

/// <summary>A histogram of one feature at one recorded step.</summary>
/// <param name="Step">SGD step.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Feature">Feature name.</param>
/// <param name="Low">Left edge of the first bin.</param>
/// <param name="High">Right edge of the last bin.</param>
/// <param name="Counts">Count per equal-width bin.</param>
[GenerateSerializer, Immutable]
public sealed record HistogramRow(long Step, double Time, string Feature, double Low, double High, long[] Counts);

/// <summary>The raw values of one parameter block at one step.</summary>
/// <param name="Step">SGD step.</param>
/// <param name="Time">t = k ε.</param>
/// <param name="Block">Block name (w, b1, W1, c, ...).</param>
/// <param name="Values">Values in the block's row-major layout.</param>
[GenerateSerializer, Immutable]
public sealed record RawRow(long Step, double Time, string Block, double[] Values);

/// <summary>What a layered point contributes to the cross-layer dependence checks (engine DependenceResult).</summary>
/// <param name="Step">Step measured at.</param>
/// <param name="InitialX">Features of neuron 1 of layer 1 at step 0; null when the chaos check is off.</param>
/// <param name="InitialY">Features of neuron 1 of layer 2 at step 0; null when off.</param>
/// <param name="FinalX">Features of neuron 1 of layer 1 at the final step; null when off.</param>
/// <param name="FinalY">Features of neuron 1 of layer 2 at the final step; null when off.</param>
/// <param name="Edges">The structure of the edge change W¹(T) − W¹(0); null when off.</param>
[GenerateSerializer, Immutable]
public sealed record DependenceRow(long Step, double[]? InitialX, double[]? InitialY, double[]? FinalX, double[]? FinalY, EdgeStructureRow? Edges);

/// <summary>The structure of a point's edge change (engine EdgeStructure).</summary>
/// <param name="RankOneShare">Share of ‖ΔW‖² in its best rank-one approximation.</param>
/// <param name="FeatureShare">R² of the bilinear regression on the endpoints' initial features.</param>
/// <param name="LeftAlignment">Share of the top left singular vector in the span of layer-2 initial features.</param>
/// <param name="RightAlignment">Share of the top right singular vector in the span of layer-1 initial features.</param>
/// <param name="RelativeChange">‖ΔW‖ / ‖W¹(0)‖.</param>
[GenerateSerializer, Immutable]
public sealed record EdgeStructureRow(double RankOneShare, double FeatureShare, double LeftAlignment, double RightAlignment, double RelativeChange);

/// <summary>The final report of one point.</summary>
/// <param name="Index">Point index.</param>
/// <param name="State">Final state.</param>
/// <param name="Steps">Steps done.</param>
/// <param name="Error">Why the point failed, when it did.</param>
/// <param name="Risk">The risk curve.</param>
/// <param name="Measures">The quantile snapshots.</param>
/// <param name="Seconds">Wall-clock seconds spent computing (not part of the reproducible results).</param>
/// <param name="Histograms">The histograms.</param>
/// <param name="Raw">The raw parameter dumps.</param>
/// <param name="Dependence">The cross-layer dependence test, for layered models.</param>
/// <param name="Samples">Large deviations: the functional F of every replica of the batch, in replica order (NaN for a diverged replica).</param>
[GenerateSerializer, Immutable]
public sealed record PointResult(int Index, PointState State, long Steps, string? Error, RiskRow[] Risk, MeasureRow[] Measures, double Seconds, HistogramRow[] Histograms, RawRow[] Raw, DependenceRow? Dependence, double[]? Samples = null);

/// <summary>A sweep as the coordinator sees it.</summary>
/// <param name="SweepId">Sweep id.</param>
/// <param name="Name">Name from the spec.</param>
/// <param name="State">Sweep state.</param>
/// <param name="Points">Progress of every point, by index.</param>
/// <param name="StartedUtc">When the sweep was submitted.</param>
/// <param name="FinishedUtc">When the last point finished, if it has.</param>
/// <param name="Coordinator">What coordinating the sweep has cost so far.</param>
[GenerateSerializer, Immutable]
public sealed record SweepStatus(string SweepId, string Name, SweepState State, PointProgress[] Points, DateTime StartedUtc, DateTime? FinishedUtc, CoordinatorStats? Coordinator = null)
{
    /// <summary>Points in a final state.</summary>
    public int FinishedCount => Points.Count(p => p.IsFinished);
}

/// <summary>What a point has recorded so far (see <see cref="ISweepPointGrain.GetRecorded"/>).</summary>
/// <param name="Index">Point index.</param>
/// <param name="Step">Steps the observations cover: the last checkpoint's step, or the steps done once finished.</param>
/// <param name="Finished">Whether these are the point's final observations (they will not change).</param>
/// <param name="Risk">The risk curve so far.</param>
/// <param name="Features">Names of the features with quantile snapshots so far, in recording order.</param>
/// <param name="Measures">The quantile snapshots of the requested feature at every recorded time; empty when none was requested.</param>
[GenerateSerializer, Immutable]
public sealed record PointRecord(int Index, long Step, bool Finished, RiskRow[] Risk, string[] Features, MeasureRow[] Measures);

/// <summary>
/// What coordinating a sweep has cost: the calls the coordinator grain handled (submission, progress and
/// result reports, status polls, the aggregation), the time spent in them, and its storage writes. Counted
/// from the submission, across failovers up to the coordinator's last stored state.
/// </summary>
/// <param name="Calls">Grain calls handled.</param>
/// <param name="CallSeconds">Wall-clock seconds spent inside those calls (storage writes and calls to point grains included; overlapping calls each count).</param>
/// <param name="StateWrites">Writes of the coordinator's state to grain storage.</param>
/// <param name="Activations">Times the coordinator was activated (1 when its silo never failed).</param>
/// <param name="Starts">Points the coordinator started as others finished or at submission (the watchdog's restarts not counted).</param>
/// <param name="StartSeconds">Wall-clock seconds from asking a point to start to its acknowledgement, summed over <paramref name="Starts"/>.</param>
/// <param name="Restarts">Of the points the watchdog asked, those that started again: their activation had been lost (a point that is running or waiting for a worker slot ignores the request and is not counted).</param>
/// <param name="SilentAsked">Requests the watchdog sent to points silent for <c>PointWatchdog.StallAfter</c> (a point waiting for a worker slot is silent too).</param>
[GenerateSerializer, Immutable]
public sealed record CoordinatorStats(long Calls, double CallSeconds, long StateWrites, int Activations, long Starts = 0, double StartSeconds = 0, long Restarts = 0, long SilentAsked = 0);

/// <summary>
/// A sweep's progress as the coordinator streams it (<see cref="ISweepGrain.WatchProgress"/>): the counts
/// of points by state and the work done, exact in every message, with the points that changed. The first
/// message (and the answer of <see cref="ISweepGrain.GetProgress"/>) is a snapshot carrying the points
/// that are running; each next one carries the points whose progress changed since the one before (at most a
/// few hundred; the rest follow in the next messages). Its size does not grow with the sweep's.
/// </summary>
/// <param name="State">Sweep state.</param>
/// <param name="Version">Changes covered: a later message has a larger version.</param>
/// <param name="Snapshot">Whether <paramref name="Points"/> are every running point (else: the changed ones).</param>
/// <param name="Counts">Points by <see cref="PointState"/> (indexed by its value).</param>
/// <param name="DoneWork">Units of work done over all points (SGD steps; replicas × steps for large deviations).</param>
/// <param name="TotalWork">Units of work of the whole sweep.</param>
/// <param name="Points">Running points (a snapshot) or the points that changed.</param>
/// <param name="FinishedUtc">When the last point finished, if it has.</param>
/// <param name="Coordinator">What coordinating has cost so far: in answers of <see cref="ISweepGrain.GetProgress"/>, not in the stream.</param>
/// <param name="StorageFault">
/// While the cluster's state storage refuses writes for good (a Redis out of memory, a full disk): where and
/// why, e.g. "cannot write Redis key …: Redis refused the write (OOM command not allowed …)"; null otherwise.
/// The points stop until the store accepts writes again; what was stored stays.
/// </param>
[GenerateSerializer, Immutable]
public sealed record SweepProgress(SweepState State, long Version, bool Snapshot, int[] Counts, long DoneWork, long TotalWork, PointProgress[] Points, DateTime? FinishedUtc, CoordinatorStats? Coordinator = null, string? StorageFault = null)
{
    /// <summary>Points in state <paramref name="state"/>.</summary>
    public int Count(PointState state) => (int)state < Counts.Length ? Counts[(int)state] : 0;

    /// <summary>Points of the sweep.</summary>
    public int PointCount => Counts.Sum();

    /// <summary>Points in a final state.</summary>
    public int FinishedCount => Enum.GetValues<PointState>().Where(PointStates.IsFinal).Sum(Count);
}
