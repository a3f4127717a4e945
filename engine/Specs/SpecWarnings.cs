namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Warnings about a valid spec: settings that run but whose results have no width limit (docs/models.md,
/// "Learning-rate multipliers for every γ"). Each names the field, the value and the consequence.
/// </summary>
public static class SpecWarnings
{
    /// <summary>The warnings of <paramref name="spec"/>, one sentence each (none for most specs).</summary>
    public static IReadOnlyList<string> Of(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        List<string> warnings = [];
        double outputMean = spec.Model.Init.OutputMean;
        IEnumerable<double> gammas = spec.Grid.Gamma ?? spec.Model.Gamma;
        double smallest = gammas.DefaultIfEmpty(1.0).Min();
        bool randomOutput = spec.Model.Train.Output || spec.Model.Init.OutputStd > 0;
        if (outputMean != 0 && smallest < 1 && randomOutput)
        {
            warnings.Add(
                $"{SpecFields.Model}.{SpecFields.Init}.{SpecFields.OutputMean}: {NodeText.Number(outputMean)} with gamma = {NodeText.Number(smallest)} < 1: "
                + $"the initial output N^-gamma sum_j c_j h_j then grows like N^(1-gamma) = N^{NodeText.Number(1 - smallest)} with the width "
                + "(unless E[h] = 0 at initialization, e.g. an odd activation on symmetric pre-activations), so the risk curves have no limit; "
                + $"use {SpecFields.OutputMean}: 0 to compare widths");
        }

        InitSpec init = spec.Model.Init;
        bool layered = spec.Grid.Layers.Any(l => l >= 2);
        if (layered && smallest < 1 && (init.HiddenMean != 0 || init.HiddenStructure > 0))
        {
            string field = init.HiddenMean != 0 ? SpecFields.HiddenMean : SpecFields.HiddenStructure;
            double value = init.HiddenMean != 0 ? init.HiddenMean : init.HiddenStructure;
            warnings.Add(
                $"{SpecFields.Model}.{SpecFields.Init}.{field}: {NodeText.Number(value)} with gamma = {NodeText.Number(smallest)} < 1: "
                + "the inner sums N^-gamma sum_i W_ji h_i are then coherent and the pre-activations grow like N^(1-gamma), so the risk curves have no limit; "
                + "use mean-zero unstructured inner weights to compare widths");
        }

        return warnings;
    }
}
