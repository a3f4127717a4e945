using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Data;

/// <summary>
/// y = ±1 with probability 1/2; x | y ~ N(0, diag((1 + yΔ)² I_s0, I_{d−s0})): only the first s0
/// coordinates carry the label, the other d − s0 are pure noise. Draws per sample are those of
/// <see cref="IsotropicGaussianData"/> (one sign, then d Gaussians in coordinate order), so with s0 = d the
/// two models produce the same stream of pairs.
/// </summary>
public sealed class AnisotropicGaussianData : DataModel
{
    private readonly int _dimension;

    /// <summary>Creates the model; requires d ≥ 1, 0 ≤ Δ &lt; 1 and 1 ≤ s0 ≤ d.</summary>
    public AnisotropicGaussianData(int dimension, double delta, int informativeDimensions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        GaussianMixture.CheckDelta(delta);
        if (informativeDimensions < 1 || informativeDimensions > dimension)
        {
            throw new ArgumentOutOfRangeException(nameof(informativeDimensions), informativeDimensions, $"s0 must lie in [1, d] = [1, {dimension}].");
        }

        _dimension = dimension;
        Delta = delta;
        InformativeDimensions = informativeDimensions;
    }

    /// <summary>Δ, the class-conditional scale offset of the informative coordinates.</summary>
    public double Delta { get; }

    /// <summary>s0: the coordinates 0..s0−1 have scale 1 + yΔ, the rest scale 1.</summary>
    public int InformativeDimensions { get; }

    /// <inheritdoc/>
    public override int Dimension => _dimension;

    /// <inheritdoc/>
    public override double Sample(ref Xoshiro256 rng, Span<double> x)
    {
        CheckLength(x);
        double y = rng.NextSign();
        double scale = 1.0 + (y * Delta);
        int s0 = InformativeDimensions;
        rng.FillGaussian(x);
        for (int j = 0; j < s0; j++)
        {
            x[j] = scale * x[j];
        }

        return y;
    }
}
