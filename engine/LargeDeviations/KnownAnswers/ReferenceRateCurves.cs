using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.LargeDeviations.KnownAnswers;

/// <summary>The kinds of reference rate functions drawn against the estimates.</summary>
public static class ReferenceRateKinds
{
    /// <summary>An exact rate function derived for the case (docs/large-deviations.md, known answers).</summary>
    public const string Known = "known";
}

/// <summary>A reference rate function I(x) on the sweep's x grid, for one mode.</summary>
/// <param name="Kind">One of <see cref="ReferenceRateKinds"/> (other kinds, such as a limiting solver's, may be added).</param>
/// <param name="Mode">The mode it belongs to (quenched or annealed).</param>
/// <param name="Name">A short description for legends.</param>
/// <param name="X">The points x.</param>
/// <param name="Value">I(x) at each x (+∞ where x cannot be reached).</param>
public sealed record ReferenceRateCurve(string Kind, string Mode, string Name, IReadOnlyList<double> X, IReadOnlyList<double> Value);

/// <summary>
/// The known rate functions that apply to a large-deviations spec: today the linear neuron after training
/// (<see cref="LinearNeuronRate"/>) for the risk, quenched (C θ*² as the initial risk: m_0 → 0 in the limit)
/// and annealed (w_i ~ N(0, κ²)).
/// </summary>
public static class ReferenceRateCurves
{
    /// <summary>Why the linear-neuron known answer does not apply to <paramref name="spec"/>, or null when it does.</summary>
    public static string? LinearNeuronMismatch(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.LargeDeviations?.Functional != LdFunctionals.Risk ? "functional is not risk"
            : spec.Model.Preset != Presets.Linear || !spec.Model.MeanFieldScaling ? "model is not the linear preset with mean-field scaling"
            : spec.Data.Kind != DataKinds.TeacherStudent || spec.Data.Dimension != 1 || spec.Data.Teacher is not { Width: 1 } t
                || t.Activation.Kind != ActivationKinds.Identity || spec.Data.Noise != 0 ? "data is not y = θ* x in d = 1 without noise"
            : spec.Training.Beta is not null || spec.Training.Ridge != 0 || spec.Training.BatchSize != 1 || spec.Training.Xi.Kind != "constant" ? "training is not plain online SGD (β = ∞, λ = 0, B = 1, constant ξ)"
            : spec.Training.Horizon is not > 0 || spec.Grid.StepSize is not [{ DividedByWidth: true }] ? "not a horizon T > 0 at step α/N"
            : spec.Observe.Risk != RiskKinds.Test ? "risk is not the test-set risk"
            : null;
    }

    /// <summary>
    /// The linear-neuron known answer of a spec: the rate function, θ*, the initial risk C θ*² of m_0 = 0 on the
    /// sweep's test set, and C; null when it does not apply (<see cref="LinearNeuronMismatch"/>) or θ* = 0.
    /// </summary>
    public static (LinearNeuronRate Rate, double ThetaStar, double InitialRisk, double RiskScale)? LinearNeuron(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (LinearNeuronMismatch(spec) is not null)
        {
            return null;
        }

        var data = (TeacherStudentData)DataModel.Create(spec.Data, spec.Seed);
        double thetaStar = data.LinearCoefficients![0];
        var zero = new MeanFieldNetwork(Activation.Create(spec.Model.Activation), 1, [1], [1.0], false, spec.Model.Train, true);
        double initialRisk = TestSet.For(data, spec.Observe.TestSamples, spec.Seed).Risk(zero).Risk;
        return initialRisk > 0 && thetaStar != 0
            ? (new LinearNeuronRate(spec.Grid.StepSize[0].Value, spec.Training.Horizon!.Value), thetaStar, initialRisk, initialRisk / (thetaStar * thetaStar))
            : null;
    }

    /// <summary>The reference curves for the spec's modes on its x grid (empty when no known answer applies).</summary>
    public static IReadOnlyList<ReferenceRateCurve> For(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.LargeDeviations is not { } ld || LinearNeuron(spec) is not var (rate, thetaStar, initialRisk, scale))
        {
            return [];
        }

        var curves = new List<ReferenceRateCurve>();
        foreach (string mode in ld.Modes)
        {
            double[] value = mode == LdModes.Quenched
                ? [.. ld.XGrid.Select(x => rate.RiskRate(x, initialRisk))]
                : [.. ld.XGrid.Select(x => rate.AnnealedRiskRate(x, thetaStar, spec.Model.Init.Kappa, scale))];
            curves.Add(new ReferenceRateCurve(ReferenceRateKinds.Known, mode, "exact I (linear neuron, docs/large-deviations.md)", [.. ld.XGrid], value));
        }

        return curves;
    }
}
