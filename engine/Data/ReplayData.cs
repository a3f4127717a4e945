using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Data;

/// <summary>
/// Hands out recorded samples in order, whatever the generator passed to <see cref="Sample"/>: feeds the SGD
/// stepper or the replica lanes the samples another implementation drew (the bench's reference checks, the
/// lane tests).
/// </summary>
/// <param name="x">The inputs, sample after sample (d values each).</param>
/// <param name="y">The labels.</param>
/// <param name="dimension">d.</param>
public sealed class ReplayData(double[] x, double[] y, int dimension) : DataModel
{
    private int _next;

    /// <inheritdoc/>
    public override int Dimension => dimension;

    /// <inheritdoc/>
    public override double Sample(ref Xoshiro256 rng, Span<double> sample)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (_next >= y.Length)
        {
            throw new InvalidOperationException($"All {y.Length} recorded samples have been handed out.");
        }

        x.AsSpan(_next * dimension, dimension).CopyTo(sample);
        return y[_next++];
    }
}
