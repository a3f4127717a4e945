using MathNet.Numerics.LinearAlgebra;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// The test-set risk of a network whose output is affine in its input, ŷ(x) = a + &lt;v, x&gt; (every network
/// with the identity activation: the linear preset, or any depth and biases), without a pass over the test
/// set (docs/large-deviations.md, "The functional without a test-set pass"). With z = (1, x), θ = (a, v),
/// the Gram matrix G = (1/M) Σ_m z_m z_mᵀ, the test set's least-squares fit θ* (G θ* = (1/M) Σ_m y_m z_m) and
/// its risk R* = (1/M) Σ_m (y_m − θ*·z_m)², the risk is exactly the quadratic form
/// <code>
///   R(θ) = (1/M) Σ_m (y_m − θ·z_m)² = R* + (θ − θ*)ᵀ G (θ − θ*),
/// </code>
/// since the cross term vanishes by the normal equations. Both terms are ≥ 0, so nothing cancels: the value
/// equals the pass of <see cref="TestSet.Risk"/> to rounding, in O(d²) per network after an O(M d²) set-up.
/// </summary>
public sealed class AffineTestRisk
{
    private readonly int _d;
    private readonly double[] _gram;     // (d+1)×(d+1), row-major
    private readonly double[] _best;     // θ*

    private AffineTestRisk(int d, double[] gram, double[] best, double bestRisk)
    {
        _d = d;
        _gram = gram;
        _best = best;
        BestRisk = bestRisk;
    }

    /// <summary>R*, the risk of the test set's own least-squares affine fit.</summary>
    public double BestRisk { get; }

    /// <summary>Whether every network of <paramref name="spec"/> is affine in its input (the identity activation).</summary>
    public static bool Applies(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Model.Activation.Kind == ActivationKinds.Identity;
    }

    /// <summary>The quadratic form of <paramref name="testSet"/>, or null when its Gram matrix is singular (then use the pass).</summary>
    public static AffineTestRisk? For(TestSet testSet)
    {
        ArgumentNullException.ThrowIfNull(testSet);
        int d = testSet.Dimension, size = d + 1, count = testSet.Count;
        if (count == 0)
        {
            return null;
        }

        var gram = new double[size * size];
        var moment = new double[size];
        Span<double> z = stackalloc double[size];
        for (int m = 0; m < count; m++)
        {
            z[0] = 1;
            testSet.Input(m).CopyTo(z[1..]);
            double y = testSet.Label(m);
            for (int i = 0; i < size; i++)
            {
                moment[i] += y * z[i] / count;
                for (int j = 0; j < size; j++)
                {
                    gram[(i * size) + j] += z[i] * z[j] / count;
                }
            }
        }

        Vector<double> best;
        try
        {
            best = Matrix<double>.Build.DenseOfRowMajor(size, size, gram).Cholesky().Solve(Vector<double>.Build.DenseOfArray(moment));
        }
        catch (ArgumentException)
        {
            return null;
        }

        if (!best.All(double.IsFinite))
        {
            return null;
        }

        // R* by a direct pass (Welford, as TestSet.Risk).
        double mean = 0;
        for (int m = 0; m < count; m++)
        {
            ReadOnlySpan<double> x = testSet.Input(m);
            double r = testSet.Label(m) - best[0];
            for (int k = 0; k < d; k++)
            {
                r -= best[k + 1] * x[k];
            }

            mean += ((r * r) - mean) / (m + 1);
        }

        return new AffineTestRisk(d, gram, best.ToArray(), mean);
    }

    /// <summary>R(θ) for θ = (a, v).</summary>
    public double Risk(double intercept, ReadOnlySpan<double> slope)
    {
        if (slope.Length != _d)
        {
            throw new ArgumentException($"slope has length {slope.Length}; expected the dimension {_d}.", nameof(slope));
        }

        int size = _d + 1;
        Span<double> e = stackalloc double[size];
        e[0] = intercept - _best[0];
        for (int k = 0; k < _d; k++)
        {
            e[k + 1] = slope[k] - _best[k + 1];
        }

        double form = 0;
        for (int i = 0; i < size; i++)
        {
            double row = 0;
            for (int j = 0; j < size; j++)
            {
                row += _gram[(i * size) + j] * e[j];
            }

            form += e[i] * row;
        }

        return BestRisk + Math.Max(0, form);
    }

    /// <summary>
    /// R of an affine network: a = ŷ(0) and v_k = ŷ(e_k) − ŷ(0) from d + 1 forward passes (exact up to
    /// rounding when the network is affine; see <see cref="Applies"/>).
    /// </summary>
    public double Risk(MeanFieldNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        Span<double> unit = stackalloc double[_d];
        Span<double> slope = stackalloc double[_d];
        unit.Clear();
        double a = network.Predict(unit);
        for (int k = 0; k < _d; k++)
        {
            unit[k] = 1;
            slope[k] = network.Predict(unit) - a;
            unit[k] = 0;
        }

        return Risk(a, slope);
    }
}
