using MeanFieldCluster.Contracts;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;
using MeanFieldCluster.Silo.Hosting;

namespace MeanFieldCluster.Silo.Grains;

/// <summary>The coordinator's checks of a submitted spec and the expansion of its grid into points.</summary>
internal static class SweepAdmission
{
    /// <summary>
    /// This silo's own checks of a new sweep, whatever the client checked: csv data under the data root,
    /// every point within the resource budget. Refusals name the fields, as the client's do. An admitted
    /// sweep is planned from the same parse (csv files are read once).
    /// </summary>
    public static (SweepSpec Spec, PointSpec[] Points) Admit(string sweepId, string specJson, SweepPolicy policy)
    {
        IReadOnlyList<string> problems;
        SweepSpec? spec = null;
        PointSpec[] points = [];
        try
        {
            // An embedded run's client bound this text in this process already (with the same data root, or none set here).
            spec = ResolvedSpecs.Find(specJson, policy.DataRoot) ?? SpecLoader.Parse(specJson, SpecFormat.Json, dataRoot: policy.DataRoot);
            points = [.. SweepPlanner.Expand(spec)];
            problems = [.. ResourceEstimator.Check(spec, points, policy.Budget).Select(m => $"grid: {m}")];
        }
        catch (SpecException ex)
        {
            problems = [.. ex.Errors.Select(e => e.ToString())];
        }

        if (spec is null || problems.Count > 0)
        {
            throw new ArgumentException($"the cluster refused sweep '{sweepId}':\n{string.Join('\n', problems)}");
        }

        // The points are sent this parse as typed records (PointStarter): it is not bound again in this process.
        return (ResolvedSpecs.Remember(specJson, spec, policy.DataRoot), points);
    }

    /// <summary>Refuses a resubmission of sweep <paramref name="sweepId"/> whose spec differs from the <paramref name="stored"/> one.</summary>
    public static void SameSpec(string sweepId, string stored, string submitted)
    {
        if (stored != submitted)
        {
            throw new InvalidOperationException($"Sweep '{sweepId}' already exists with a different spec; choose another sweep id.");
        }
    }

    /// <summary>Records an admitted sweep in its coordinator's <paramref name="state"/>: every point pending, nothing done yet.</summary>
    public static void Record(SweepGrainState state, string specJson, string name, int points, DateTime startedUtc, string? traceParent)
    {
        state.TraceParent = traceParent;
        state.SpecJson = specJson;
        state.SpecVersion = SpecVersion.Current;
        state.NumericsVersion = NumericsVersion.Current;
        state.Name = name;
        state.StartedUtc = startedUtc;
        state.Final = [.. Enumerable.Repeat(PointState.Pending, points)];
        state.Steps = new long[points];
    }

    /// <summary>
    /// The spec and points of sweep <paramref name="sweepId"/> admitted earlier, from its stored spec (bound once per
    /// silo process, <see cref="ResolvedSpecs"/>); a spec stored with
    /// another spec format version (<paramref name="specVersion"/>, 0 when none was recorded), or begun by an engine of
    /// another numerics version (<paramref name="numericsVersion"/>, 0 when none was recorded), is refused by name.
    /// </summary>
    public static (SweepSpec Spec, PointSpec[] Points) Plan(string specJson, int specVersion, int numericsVersion, string sweepId)
    {
        if (Mapping.VersionRefusal(specVersion, numericsVersion, $"the stored state of sweep '{sweepId}'") is { } refused)
        {
            throw new InvalidOperationException(refused);
        }

        try
        {
            SweepSpec spec = ResolvedSpecs.Parse(specJson);
            return (spec, [.. SweepPlanner.Expand(spec)]);
        }
        catch (SpecException ex)
        {
            // Specs are validated by the client first; this guards against other callers.
            throw new ArgumentException(ex.Message, nameof(specJson));
        }
    }
}
