using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Data;

/// <summary>A law of i.i.d. pairs (x, y), x in R^d, y in R (MATH section 1).</summary>
public abstract class DataModel
{
    /// <summary>Input dimension d.</summary>
    public abstract int Dimension { get; }

    /// <summary>Draws one pair: writes x into <paramref name="x"/> (length d) and returns y.</summary>
    public abstract double Sample(ref Xoshiro256 rng, Span<double> x);

    /// <summary>Builds the data model a spec names.</summary>
    public static DataModel Create(DataSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            DataKinds.IsotropicGaussian => new IsotropicGaussianData(spec.Dimension, spec.Delta),
            _ => throw new ArgumentException($"Unknown data kind '{spec.Kind}'.", nameof(spec)),
        };
    }
}

/// <summary>MMN example 1: y = ±1 with probability 1/2, x | y ~ N(0, (1 + yΔ)² I_d).</summary>
public sealed class IsotropicGaussianData : DataModel
{
    private readonly int _dimension;

    /// <summary>Creates the model; requires d ≥ 1 and 0 ≤ Δ &lt; 1.</summary>
    public IsotropicGaussianData(int dimension, double delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!(delta >= 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "Δ must lie in [0, 1).");
        }

        _dimension = dimension;
        Delta = delta;
    }

    /// <summary>Δ, the class-conditional scale offset.</summary>
    public double Delta { get; }

    /// <inheritdoc/>
    public override int Dimension => _dimension;

    /// <inheritdoc/>
    public override double Sample(ref Xoshiro256 rng, Span<double> x)
    {
        double y = rng.NextSign();
        double scale = 1.0 + (y * Delta);
        for (int j = 0; j < x.Length; j++)
        {
            x[j] = scale * rng.NextGaussian();
        }

        return y;
    }
}
