using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// Which replicas draw their initial parameters from their lane streams (docs/large-deviations.md, "The
/// replicas' random numbers"): the annealed replicas of batched two-layer models whose draw is not nested and has
/// no hidden structure (annealed replicas always draw i.i.d.). The law, in the layout order of
/// <see cref="MeanFieldNetwork"/>'s i.i.d. draw: Gaussians g₀, g₁, … of the replica's initialization stream give w
/// (N×d, row by row) as κ/√d · g, then, only when the model has biases, b = mean + std·g, then, only for a Gaussian
/// output law with std ≠ 0, c = mean + std·g; a Rademacher output c_i takes the sign of word i of the replica's
/// initialization sign stream, and a deterministic one (std = 0) is its mean. <see cref="ReplicaBatch"/> draws it,
/// for a whole batch or for one network. Other replicas draw from <see cref="Xoshiro256"/>, as
/// <see cref="MeanFieldNetwork.Redraw"/> does.
/// </summary>
internal static class LaneInitialization
{
    /// <summary>Whether the replicas of <paramref name="spec"/>'s point <paramref name="point"/> draw their initial parameters from lane streams.</summary>
    public static bool Applies(SweepSpec spec, PointSpec point) =>
        point.Mode != LdModes.Quenched && ReplicaBatch.Supports(spec, point) && !spec.Model.Init.Nested && spec.Model.Init.HiddenStructure == 0;
}
