using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Which sweeps admit the anisotropic reduction (docs/limit.md, "The anisotropic reduction"; MMN example 2):
/// the network of <see cref="RadialReduction"/> (mmn-isotropic, ramp, only w trained, mean-field scaling) on
/// anisotropic-gaussian data, without Langevin noise.
/// </summary>
public static class AnisotropicReduction
{
    /// <summary>Null when the anisotropic reduction describes the sweep's limit, else why not.</summary>
    public static string? Check(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return RadialReduction.CheckNetwork(spec)
            ?? (spec.Data.Kind != DataKinds.AnisotropicGaussian ? $"it needs {DataKinds.AnisotropicGaussian} data (this sweep uses {spec.Data.Kind})"
            : spec.Data.InformativeDimensions is not { } s0 || s0 < 1 || s0 > spec.Data.Dimension ? $"it needs data.s0 in [1, d] = [1, {spec.Data.Dimension}] (got {spec.Data.InformativeDimensions?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"})"
            : !spec.Model.Train.First ? "it needs the first layer w trained"
            : !spec.Model.MeanFieldScaling ? "it needs the mean-field learning-rate scaling (model.mean_field_scaling: true)"
            : spec.Training.Beta is { } beta && double.IsFinite(beta) ? $"the anisotropic limit is solved without Langevin noise only (training.beta = {beta}; expected infinity)"
            : null);
    }

    /// <summary>The solver settings of a sweep that admits the reduction, with the given horizon and output times.</summary>
    /// <exception cref="ArgumentException">The sweep does not admit the reduction.</exception>
    public static AnisotropicPdeSettings Settings(SweepSpec spec, double horizon, IReadOnlyList<double> outputTimes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Check(spec) is { } reason)
        {
            throw new ArgumentException($"The anisotropic PDE does not apply: {reason}.", nameof(spec));
        }

        return new AnisotropicPdeSettings
        {
            Delta = spec.Data.Delta,
            Dimension = spec.Data.Dimension,
            InformativeDimensions = spec.Data.InformativeDimensions!.Value,
            Kappa = spec.Model.Init.Kappa,
            Horizon = horizon,
            Ramp = RampParameters.FromSpec(spec.Model.Activation),
            Xi = XiSchedule.FromSpec(spec.Training.Xi),
            Ridge = spec.Training.Ridge,
            OutputTimes = outputTimes,
            QuantileLevels = Observables.Quantiles.Levels(spec.Observe.QuantileLevels),
        };
    }
}
