using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Data;

/// <summary>
/// Teacher–student data: x ~ N(0, I_d) and y = teacher(x) + noise·g with g ~ N(0, 1), where
/// teacher(x) = (1/k) Σ_j a_j σ(&lt;u_j, x&gt;) is a fixed one-hidden-layer network of width k.
/// <para>
/// The teacher built from a <see cref="TeacherSpec"/> is drawn from the stream
/// <c>RandomStreams.Create(teacher.Seed, Purpose.Teacher)</c> (no other keys, so it does not depend on the
/// sweep seed) in this order: the k·d Gaussians of u_1, ..., u_k row by row (u_j[i] = g / √d, i = 0..d−1),
/// then the k Gaussians a_1, ..., a_k.
/// </para>
/// <para>
/// Draws per sample: d Gaussians for x in coordinate order, then, only when noise &gt; 0, one Gaussian g.
/// </para>
/// <para>
/// Arithmetic: teacher(x) is computed as (Σ_j a_j σ(&lt;u_j, x&gt;)) / k with j and the inner products summed
/// in index order. When σ is the identity it is computed instead as &lt;θ*, x&gt; summed in index order, with
/// θ* = <see cref="LinearCoefficients"/>, so that y equals that inner product to the last bit.
/// </para>
/// </summary>
public sealed class TeacherStudentData : DataModel
{
    private readonly int _dimension;
    private readonly double[] _directions;
    private readonly double[] _outputWeights;
    private readonly double[]? _theta;

    /// <summary>
    /// Creates the model with the teacher a spec describes (drawn as documented on the class); requires
    /// d ≥ 1, k ≥ 1 and a finite noise ≥ 0.
    /// </summary>
    public TeacherStudentData(int dimension, TeacherSpec teacher, double noise)
        : this(dimension, DrawTeacher(dimension, teacher), noise)
    {
    }

    /// <summary>
    /// Creates the model with explicit teacher parameters: <paramref name="directions"/> holds u_1..u_k row by
    /// row (k×d, row-major), <paramref name="outputWeights"/> holds a_1..a_k. The arrays are copied.
    /// </summary>
    public TeacherStudentData(int dimension, ReadOnlySpan<double> directions, ReadOnlySpan<double> outputWeights, Activation activation, double noise)
        : this(dimension, (directions.ToArray(), outputWeights.ToArray(), activation), noise)
    {
    }

    private TeacherStudentData(int dimension, (double[] Directions, double[] OutputWeights, Activation Activation) teacher, double noise)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentNullException.ThrowIfNull(teacher.Activation);
        int width = teacher.OutputWeights.Length;
        if (width < 1)
        {
            throw new ArgumentException("The teacher needs at least one neuron.", nameof(teacher));
        }

        if (teacher.Directions.Length != width * dimension)
        {
            throw new ArgumentException($"The teacher directions must hold k·d = {width}·{dimension} values, got {teacher.Directions.Length}.", nameof(teacher));
        }

        if (!(noise >= 0 && double.IsFinite(noise)))
        {
            throw new ArgumentOutOfRangeException(nameof(noise), noise, "The label noise must be finite and ≥ 0.");
        }

        _dimension = dimension;
        _directions = teacher.Directions;
        _outputWeights = teacher.OutputWeights;
        Activation = teacher.Activation;
        Noise = noise;
        if (Activation is Identity)
        {
            _theta = new double[dimension];
            for (int j = 0; j < width; j++)
            {
                double a = _outputWeights[j];
                ReadOnlySpan<double> u = _directions.AsSpan(j * dimension, dimension);
                for (int i = 0; i < dimension; i++)
                {
                    _theta[i] += a * u[i];
                }
            }

            for (int i = 0; i < dimension; i++)
            {
                _theta[i] /= width;
            }
        }
    }

    /// <inheritdoc/>
    public override int Dimension => _dimension;

    /// <summary>The teacher width k.</summary>
    public int Width => _outputWeights.Length;

    /// <summary>The teacher activation σ.</summary>
    public Activation Activation { get; }

    /// <summary>Standard deviation of the Gaussian label noise.</summary>
    public double Noise { get; }

    /// <summary>The teacher directions u_1..u_k, row by row (k×d, row-major).</summary>
    public ReadOnlySpan<double> Directions => _directions;

    /// <summary>The teacher output weights a_1..a_k.</summary>
    public ReadOnlySpan<double> OutputWeights => _outputWeights;

    /// <summary>
    /// When σ is the identity, a copy of θ* = (1/k) Σ_j a_j u_j (summed over j in order, then divided by k),
    /// so that y = &lt;θ*, x&gt; + noise·g; null for any other activation.
    /// </summary>
    public double[]? LinearCoefficients => _theta is null ? null : (double[])_theta.Clone();

    /// <summary>The direction u_j (0-based j).</summary>
    public ReadOnlySpan<double> Direction(int j)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(j);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(j, Width);
        return _directions.AsSpan(j * _dimension, _dimension);
    }

    /// <summary>teacher(x), the noiseless label of <paramref name="x"/> (length d).</summary>
    public double TeacherOutput(ReadOnlySpan<double> x)
    {
        if (x.Length != _dimension)
        {
            throw new ArgumentException($"x has length {x.Length}, expected the dimension {_dimension}.", nameof(x));
        }

        if (_theta is not null)
        {
            return Dot(_theta, x);
        }

        int d = _dimension;
        double sum = 0;
        for (int j = 0; j < _outputWeights.Length; j++)
        {
            sum += _outputWeights[j] * Activation.Value(Dot(_directions.AsSpan(j * d, d), x));
        }

        return sum / _outputWeights.Length;
    }

    /// <inheritdoc/>
    public override double Sample(ref Xoshiro256 rng, Span<double> x)
    {
        CheckLength(x);
        rng.FillGaussian(x);

        double y = TeacherOutput(x);
        if (Noise > 0)
        {
            y += Noise * rng.NextGaussian();
        }

        return y;
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    private static (double[] Directions, double[] OutputWeights, Activation Activation) DrawTeacher(int dimension, TeacherSpec teacher)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (teacher.Width < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(teacher), teacher.Width, "The teacher width k must be ≥ 1.");
        }

        var activation = Activation.Create(teacher.Activation);
        var rng = RandomStreams.Create(teacher.Seed, RandomStreams.Purpose.Teacher);
        var directions = new double[teacher.Width * dimension];
        double scale = 1.0 / Math.Sqrt(dimension);
        for (int n = 0; n < directions.Length; n++)
        {
            directions[n] = scale * rng.NextGaussian();
        }

        var outputWeights = new double[teacher.Width];
        rng.FillGaussian(outputWeights);
        return (directions, outputWeights, activation);
    }
}
