using System.Buffers;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Observables;

/// <summary>
/// The fixed test set of a sweep: M_test pairs drawn once from the sweep seed alone, so every width and
/// seed index is scored on the same samples and risk curves are comparable (MATH section 1).
/// </summary>
public sealed class TestSet
{
    private readonly double[] _x;
    private readonly double[] _y;

    /// <summary>Wraps M samples: <paramref name="x"/> is M×d row-major.</summary>
    public TestSet(double[] x, double[] y, int dimension)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Length != y.Length * dimension)
        {
            throw new ArgumentException("x must hold y.Length rows of length dimension.");
        }

        _x = x;
        _y = y;
        Dimension = dimension;
    }

    /// <summary>Number of samples M.</summary>
    public int Count => _y.Length;

    /// <summary>Input dimension d.</summary>
    public int Dimension { get; }

    /// <summary>Every input, row-major: x_m is the m-th run of <see cref="Dimension"/> values.</summary>
    public ReadOnlySpan<double> Inputs => _x;

    /// <summary>Input x_m of sample <paramref name="m"/>.</summary>
    public ReadOnlySpan<double> Input(int m) => _x.AsSpan(m * Dimension, Dimension);

    /// <summary>Label y_m of sample <paramref name="m"/>.</summary>
    public double Label(int m) => _y[m];

    /// <summary>
    /// The test set of a sweep: the data's own held-out rows when it has them, otherwise
    /// <paramref name="count"/> samples drawn from the stream (sweep seed, test set).
    /// </summary>
    public static TestSet For(DataModel data, int count, ulong sweepSeed)
    {
        ArgumentNullException.ThrowIfNull(data);
        return data.FixedTestSet ?? Draw(data, count, sweepSeed);
    }

    /// <summary>Draws the test set of a sweep from the stream (sweep seed, test set).</summary>
    public static TestSet Draw(DataModel data, int count, ulong sweepSeed)
    {
        ArgumentNullException.ThrowIfNull(data);
        var rng = RandomStreams.Create(sweepSeed, RandomStreams.Purpose.TestSet);
        int d = data.Dimension;
        var x = new double[count * d];
        var y = new double[count];
        for (int m = 0; m < count; m++)
        {
            y[m] = data.Sample(ref rng, x.AsSpan(m * d, d));
        }

        return new TestSet(x, y, d);
    }

    /// <summary>
    /// The test-set estimate of R = E[(y - ŷ(x))²] with its standard error s/√M, where s is the sample
    /// standard deviation of the squared errors.
    /// </summary>
    public RiskEstimate Risk(MeanFieldNetwork network)
    {
        ArgumentNullException.ThrowIfNull(network);
        // The test set is shared by the points running at once, so the predictions are the caller's own.
        double[] rented = ArrayPool<double>.Shared.Rent(Count);
        double mean = 0, m2 = 0;
        try
        {
            Span<double> predictions = rented.AsSpan(0, Count);
            network.PredictMany(_x, predictions);
            for (int m = 0; m < Count; m++)
            {
                double r = _y[m] - predictions[m];
                double loss = r * r;

                // Welford's update: stable for large M.
                double delta = loss - mean;
                mean += delta / (m + 1);
                m2 += delta * (loss - mean);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }
        double variance = Count > 1 ? m2 / (Count - 1) : 0.0;
        return new RiskEstimate(mean, Math.Sqrt(variance / Count));
    }
}

/// <summary>A risk estimate and its standard error.</summary>
/// <param name="Risk">The estimate.</param>
/// <param name="StdErr">Its standard error.</param>
public readonly record struct RiskEstimate(double Risk, double StdErr);
