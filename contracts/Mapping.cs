using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Contracts;

/// <summary>Conversions between engine values and wire records.</summary>
public static class Mapping
{
    /// <summary>
    /// Why work stored with spec format version <paramref name="specVersion"/> and engine numerics version
    /// <paramref name="numericsVersion"/> (each 0 when the record predates it: version 1) cannot be continued here, naming
    /// <paramref name="where"/>; null when both are this build's. The one check of every stored record: a sweep's and a
    /// point's state in grain storage, and an embedded run's resume marker.
    /// </summary>
    public static string? VersionRefusal(int specVersion, int numericsVersion, string where) =>
        SpecVersion.Check(specVersion == 0 ? null : specVersion, where)
        ?? NumericsVersion.Check(numericsVersion == 0 ? null : numericsVersion, where);

    /// <summary>The assignment of one planned point of the sweep running <paramref name="spec"/>.</summary>
    public static PointAssignment ToAssignment(string sweepId, SweepSpec spec, PointSpec p) => new(sweepId, spec, p);

    /// <summary>What a point grain keeps of its assignment in storage (the spec as canonical JSON, <see cref="SpecVersion.Current"/>).</summary>
    public static StoredAssignment ToStored(PointAssignment a)
    {
        ArgumentNullException.ThrowIfNull(a);
        PointSpec p = a.Point;
        return new StoredAssignment(a.SweepId, SpecWriter.ToJson(a.Spec), p.Index, [.. p.Widths], p.StepSize, p.Layers, [.. p.Gamma], p.Seed, p.Steps, [.. p.RiskSteps], [.. p.SnapshotSteps], [.. p.RawSteps], p.Mode, p.ReplicaStart, p.ReplicaCount, p.Draw, [.. p.Coordinates.Select(c => c.Axis)], [.. p.Coordinates.Select(c => c.Value.Json)], SpecVersion.Current, NumericsVersion.Current);
    }

    /// <summary>
    /// The assignment a point grain stored (read back after its silo was lost): the spec is parsed once per
    /// process (<see cref="ResolvedSpecs"/>).
    /// </summary>
    /// <exception cref="InvalidOperationException">The state was stored with another spec format version (the message names both).</exception>
    /// <exception cref="SpecException">The stored spec is not valid here (its csv file is missing on this host, say).</exception>
    public static PointAssignment FromStored(StoredAssignment s) => Resolve(s, null);

    /// <summary>
    /// What a point runs: the assignment its coordinator sent in this activation (<paramref name="sent"/>), else
    /// its stored one read back (<see cref="FromStored"/>); a state stored with another spec format version is
    /// refused either way, since its checkpoint was written under that format.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state was stored with another spec format version (the message names both).</exception>
    /// <exception cref="SpecException">The stored spec is not valid here (its csv file is missing on this host, say).</exception>
    public static PointAssignment Resolve(StoredAssignment s, PointAssignment? sent)
    {
        ArgumentNullException.ThrowIfNull(s);
        if (VersionRefusal(s.SpecVersion, s.NumericsVersion, $"the stored state of point {s.Index} of sweep '{s.SweepId}'") is { } refused)
        {
            throw new InvalidOperationException(refused);
        }

        if (sent is not null)
        {
            return sent;
        }

        var point = new PointSpec(s.Index, s.Widths, s.StepSize, s.Layers, s.Gamma, s.Seed, s.Steps, s.RiskSteps, s.SnapshotSteps, s.RawSteps, s.Mode, s.ReplicaStart, s.ReplicaCount, s.Draw)
        {
            Coordinates = s.AxisNames is { } names && s.AxisValues is { } values ? [.. names.Zip(values, (n, v) => new AxisCoordinate(n, new AxisValue(v)))] : [],
        };
        return new PointAssignment(s.SweepId, ResolvedSpecs.Parse(s.SpecJson), point);
    }

    /// <summary>The final report of a run (or of a point that never got to run, when <paramref name="run"/> is null).</summary>
    public static PointResult ToResult(int index, PointState state, SgdRun? run, string? error, double seconds)
    {
        if (run is null)
        {
            return new PointResult(index, state, 0, error, [], [], seconds, [], [], null);
        }

        return new PointResult(
            index,
            state,
            run.Step,
            error,
            [.. run.Risk.Select(r => new RiskRow(r.Step, r.Time, r.Risk, r.StdErr))],
            [.. run.Snapshots.Select(s => new MeasureRow(s.Step, s.Time, s.Feature, [.. s.Values]))],
            seconds,
            [.. run.Histograms.Select(h => new HistogramRow(h.Step, h.Time, h.Feature, h.Low, h.High, [.. h.Counts]))],
            [.. run.Raw.Select(r => new RawRow(r.Step, r.Time, r.Feature, [.. r.Values]))],
            ToRow(run.Dependence));
    }

    /// <summary>What a point's report contributes to the aggregation.</summary>
    public static PointOutcome ToOutcome(PointSpec point, PointResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        RunStatus status = result.State switch
        {
            PointState.Completed => RunStatus.Completed,
            PointState.Diverged => RunStatus.Diverged,
            _ => RunStatus.Running,
        };
        return new PointOutcome(
            point,
            status,
            result.Steps,
            [.. result.Risk.Select(r => new RiskPoint(r.Step, r.Time, r.Risk, r.StdErr))],
            [.. result.Measures.Select(m => new MeasureSnapshot(m.Step, m.Time, m.Feature, m.Values))],
            ToEngine(result.Dependence));
    }

    /// <summary>The wire form of a dependence observation.</summary>
    public static DependenceRow? ToRow(DependenceResult? dep)
    {
        if (dep is null)
        {
            return null;
        }

        NeuronFeatures? n = dep.Neurons;
        EdgeStructure? e = dep.Edges;
        return new DependenceRow(
            dep.Step,
            n is null ? null : [.. n.InitialX],
            n is null ? null : [.. n.InitialY],
            n is null ? null : [.. n.FinalX],
            n is null ? null : [.. n.FinalY],
            e is null ? null : new EdgeStructureRow(e.RankOneShare, e.FeatureShare, e.LeftAlignment, e.RightAlignment, e.RelativeChange));
    }

    /// <summary>The engine form of a dependence observation.</summary>
    public static DependenceResult? ToEngine(DependenceRow? row) => row is null ? null : new DependenceResult(
        row.Step,
        row is { InitialX: { } x0, InitialY: { } y0, FinalX: { } x, FinalY: { } y } ? new NeuronFeatures(x0, y0, x, y) : null,
        row.Edges is { } e ? new EdgeStructure(e.RankOneShare, e.FeatureShare, e.LeftAlignment, e.RightAlignment, e.RelativeChange) : null);
}
