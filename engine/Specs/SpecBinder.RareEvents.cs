using MeanFieldCluster.Engine.LargeDeviations.Limit;
using MeanFieldCluster.Engine.LargeDeviations.RareEvents;
using F = MeanFieldCluster.Engine.Specs.SpecFields;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>The optional <c>large_deviations.rare_events</c> section (docs/large-deviations.md, "Rare events").</summary>
internal static partial class SpecBinder
{
    // False when the section is present and invalid (errors reported); rare is null when absent.
    private static bool ReadRareEvents(NodeReader d, out RareEventsSpec? rare)
    {
        rare = null;
        if (!d.Has(F.RareEvents))
        {
            return true;
        }

        NodeReader? r = d.Section(F.RareEvents, RecordReader.FieldsOf<RareEventsSpec>(), required: true);
        if (r is null)
        {
            return false;
        }

        IReadOnlyList<double>? levels = null;
        RareEventsSpec? read = RecordReader.Read<RareEventsSpec>(r, custom: new Dictionary<string, Func<RecordReader.Field>>
        {
            ["levels"] = () => RecordReader.Field.Of(levels = r.List<double>("levels", (v, p) => ValueRules.Number(v, p, Bounds.Any, r.Errors), "finite numbers", allowScalar: true, distinct: true)),
        });
        if (read is null)
        {
            if (levels is null && !r.Has("levels"))
            {
                r.Missing("levels", "a list of levels x");
            }

            return false;
        }

        (string estimator, double kill, long budget) = (read.Estimator, read.KillFraction, read.MaxReplicas);
        if (kill >= 1)
        {
            r.Errors.Add(r.PathOf("kill_fraction"), $"{kill} is not allowed; expected a fraction in (0, 1)");
            return false;
        }

        long needed = estimator == RareEventEstimators.Splitting ? (long)read.Replicas * read.Runs : read.Replicas;
        if (needed > budget)
        {
            r.Errors.Add(r.PathOf("max_replicas"), $"{budget} is below the {needed} trajectories the first stage needs (replicas{(estimator == RareEventEstimators.Splitting ? " × runs" : "")}); expected at least {needed}");
            return false;
        }

        rare = read with { Levels = [.. read.Levels.Order()] };
        return true;
    }

    // Which estimator fits which sweep: importance sampling tilts the initial law (T = 0, mean-output-weight, annealed);
    // splitting needs a score, available where the linear-neuron reduction holds.
    private static void CheckRareEvents(SweepSpec spec, ErrorSink errors)
    {
        if (spec.LargeDeviations is not { RareEvents: { } rare } ld)
        {
            return;
        }

        string path = F.LargeDeviations + "." + F.RareEvents + ".estimator";
        double horizon = spec.Training.Horizon ?? -1;
        if (rare.Estimator == RareEventEstimators.ImportanceSampling)
        {
            if (horizon != 0 || ld.Functional != LdFunctionals.MeanOutputWeight || spec.Model.Init.OutputStd == 0)
            {
                errors.Add(path, $"'{rare.Estimator}' tilts the law of the initial output weights: it needs training.horizon: 0 and functional mean-output-weight with output_std > 0; for T > 0 use 'splitting'");
            }
            else if (ld.Modes.Contains(LdModes.Quenched))
            {
                errors.Add(F.LargeDeviations + "." + F.Modes, "at T = 0 a quenched F is fixed by the shared draw (no rare events to estimate); with importance sampling use modes: [annealed]");
            }

            return;
        }

        string? reason = horizon <= 0 ? "splitting needs training.horizon > 0 (at T = 0 use 'importance-sampling')"
            : LimitingRateFunction.Check(spec) ?? (ld.Functional == LdFunctionals.Risk ? null : $"functional '{ld.Functional}'");
        if (reason is not null)
        {
            errors.Add(path, $"'{rare.Estimator}' needs a score at intermediate times, available for the linear neuron in d = 1 with functional risk and step alpha/N: {reason}");
        }
    }
}
