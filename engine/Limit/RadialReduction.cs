using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Which sweeps admit the reduced radial equation of MATH section 4.1 (MMN example 1): one hidden layer
/// ŷ = (1/N) Σ ramp(&lt;w_i, x&gt;) with only w trained, on isotropic Gaussian data, mean-field scaling.
/// </summary>
public static class RadialReduction
{
    /// <summary>
    /// Null when the exact finite-N population risk applies to the sweep's model (isotropic-gaussian data, or
    /// anisotropic-gaussian data, docs/limit.md), else why not.
    /// </summary>
    public static string? CheckPopulationRisk(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return CheckNetwork(spec)
            ?? (spec.Data.Kind is not (DataKinds.IsotropicGaussian or DataKinds.AnisotropicGaussian) ? $"it needs {DataKinds.IsotropicGaussian} or {DataKinds.AnisotropicGaussian} data (this sweep uses {spec.Data.Kind})" : null);
    }

    /// <summary>Null when the network is the mmn-isotropic one of the reductions (ramp, c ≡ 1, no bias, L = 1, γ = 1), else why not.</summary>
    internal static string? CheckNetwork(SweepSpec spec)
    {
        ModelSpec m = spec.Model;
        return m.Preset != Presets.MmnIsotropic ? $"it needs preset {Presets.MmnIsotropic} (this sweep uses {m.Preset})"
            : m.Activation.Kind != ActivationKinds.Ramp ? $"it needs the ramp activation (this sweep uses {m.Activation.Kind})"
            : m.Bias ? "it needs a model without biases"
            : m.Train.Output || m.Init.OutputMean != 1.0 || m.Init.OutputStd != 0.0 ? "it needs the output weights fixed at c = 1"
            : m.Gamma.Any(g => g != 1.0) || spec.Grid.Layers.Any(l => l != 1) ? "it needs one hidden layer with gamma = 1"
            : null;
    }

    /// <summary>The informative dimensions s0 of the sweep's data: s0 for anisotropic-gaussian, d otherwise (isotropic).</summary>
    public static int InformativeDimensions(DataSpec data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.Kind == DataKinds.AnisotropicGaussian && data.InformativeDimensions is { } s0 ? s0 : data.Dimension;
    }

    /// <summary>Null when the radial PDE describes the sweep's limit, else why not.</summary>
    public static string? Check(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return CheckNetwork(spec)
            ?? (spec.Data.Kind != DataKinds.IsotropicGaussian ? $"it needs {DataKinds.IsotropicGaussian} data (this sweep uses {spec.Data.Kind})"
            : !spec.Model.Train.First ? "it needs the first layer w trained"
            : !spec.Model.MeanFieldScaling ? "it needs the mean-field learning-rate scaling (model.mean_field_scaling: true)"
            : spec.Training.Beta is { } beta && double.IsFinite(beta) && !(spec.Training.Ridge > 0) ? $"with Langevin noise (beta = {beta}) it needs a ridge > 0: with the bounded ramp and ridge 0 the stationary law r^(d-1) exp(-beta psi) cannot be normalized"
            : null);
    }

    /// <summary>The solver settings of a sweep that admits the reduction, with the given horizon and output times.</summary>
    public static RadialPdeSettings Settings(SweepSpec spec, double horizon, IReadOnlyList<double> outputTimes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (Check(spec) is { } reason)
        {
            throw new ArgumentException($"The radial PDE does not apply: {reason}.", nameof(spec));
        }

        return new RadialPdeSettings
        {
            Delta = spec.Data.Delta,
            Dimension = spec.Data.Dimension,
            Kappa = spec.Model.Init.Kappa,
            Horizon = horizon,
            Ramp = RampParameters.FromSpec(spec.Model.Activation),
            Xi = XiSchedule.FromSpec(spec.Training.Xi),
            Ridge = spec.Training.Ridge,
            Beta = spec.Training.Beta is { } beta && double.IsFinite(beta) ? beta : null,
            OutputTimes = outputTimes,
            QuantileLevels = Observables.Quantiles.Levels(spec.Observe.QuantileLevels),
        };
    }
}
