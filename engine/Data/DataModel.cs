using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Data;

/// <summary>A law of i.i.d. pairs (x, y), x in R^d, y in R (MATH section 1).</summary>
public abstract class DataModel
{
    /// <summary>Input dimension d.</summary>
    public abstract int Dimension { get; }

    /// <summary>
    /// Draws one pair: writes x into <paramref name="x"/> (length exactly d) and returns y. Each model
    /// documents which draws it takes from <paramref name="rng"/> and in which order, so that a stream
    /// replays bit for bit.
    /// </summary>
    public abstract double Sample(ref Xoshiro256 rng, Span<double> x);

    /// <summary>
    /// The test set when the data brings its own (csv: the held-out rows); null when the test set is drawn
    /// from the model (see <see cref="TestSet.For"/>).
    /// </summary>
    public virtual TestSet? FixedTestSet => null;

    /// <summary>
    /// Builds the data model a spec names; <paramref name="sweepSeed"/> drives data-level randomness such as
    /// a csv train/test split (the teacher of teacher-student data has its own seed in the spec). Throws
    /// <see cref="ArgumentException"/> when a kind's settings are missing or out of range and
    /// <see cref="CsvFormatException"/> when a csv file cannot be used.
    /// </summary>
    public static DataModel Create(DataSpec spec, ulong sweepSeed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            DataKinds.IsotropicGaussian => new IsotropicGaussianData(spec.Dimension, spec.Delta),
            DataKinds.AnisotropicGaussian => new AnisotropicGaussianData(
                spec.Dimension,
                spec.Delta,
                spec.InformativeDimensions ?? throw new ArgumentException("anisotropic-gaussian data needs the number of informative dimensions s0.", nameof(spec))),
            DataKinds.TeacherStudent => new TeacherStudentData(
                spec.Dimension,
                spec.Teacher ?? throw new ArgumentException("teacher-student data needs a teacher.", nameof(spec)),
                spec.Noise),
            DataKinds.Csv => CreateCsv(spec, sweepSeed),
            _ => throw new ArgumentException($"Unknown data kind '{spec.Kind}'.", nameof(spec)),
        };
    }

    private static CsvData CreateCsv(DataSpec spec, ulong sweepSeed)
    {
        CsvData data = CsvDataCache.Get(spec.Csv ?? throw new ArgumentException("csv data needs a csv section.", nameof(spec)), sweepSeed);

        // The binder resolves d from the file; 0 means "not resolved" and is accepted.
        if (spec.Dimension > 0 && spec.Dimension != data.Dimension)
        {
            throw new ArgumentException($"csv data has {data.Dimension} feature columns but the spec says dimension {spec.Dimension}.", nameof(spec));
        }

        return data;
    }

    /// <summary>Throws when a sample buffer does not have length d.</summary>
    private protected void CheckLength(Span<double> x)
    {
        if (x.Length != Dimension)
        {
            throw new ArgumentException($"The sample buffer has length {x.Length}, expected the dimension {Dimension}.", nameof(x));
        }
    }
}

/// <summary>
/// MMN example 1: y = ±1 with probability 1/2, x | y ~ N(0, (1 + yΔ)² I_d). Draws per sample: one
/// <see cref="Xoshiro256.NextSign"/> for y, then d Gaussians for x in coordinate order.
/// </summary>
public sealed class IsotropicGaussianData : DataModel
{
    private readonly int _dimension;

    /// <summary>Creates the model; requires d ≥ 1 and 0 ≤ Δ &lt; 1.</summary>
    public IsotropicGaussianData(int dimension, double delta)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        GaussianMixture.CheckDelta(delta);
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
        CheckLength(x);
        double y = rng.NextSign();
        double scale = 1.0 + (y * Delta);
        rng.FillGaussian(x);
        for (int j = 0; j < x.Length; j++)
        {
            x[j] = scale * x[j];
        }

        return y;
    }
}

/// <summary>Shared checks of the Gaussian mixtures.</summary>
internal static class GaussianMixture
{
    public static void CheckDelta(double delta)
    {
        if (!(delta >= 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "Δ must lie in [0, 1).");
        }
    }
}
