using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// The training samples of a batched replica from its lane streams (docs/large-deviations.md, "The replicas'
/// random numbers"), for the data models whose samples are Gaussian: sample s of a replica takes Gaussians
/// s·G .. s·G + G − 1 of its Gaussian stream and, for the Gaussian mixtures, word s of its sign stream.
/// <list type="bullet">
/// <item>teacher-student (G = d, plus 1 when the label noise σ &gt; 0): x_j = g_{sG+j}; y = teacher(x) + σ g_{sG+d}, with
/// teacher(x) = ((θ*₀x₀ + θ*₁x₁) + …) for a linear teacher and the model's <see cref="TeacherStudentData.TeacherOutput"/> otherwise;</item>
/// <item>isotropic and anisotropic Gaussian mixtures (G = d): y = ±1 from the sign word, x_j = (1 + yΔ) g_{sG+j} for the
/// s₀ informative coordinates and g_{sG+j} for the others.</item>
/// </list>
/// <see cref="Sample"/> is the definition, one replica at a time; <see cref="Labels"/> computes the same bits for a vector of replicas.
/// </summary>
internal sealed class LaneSamples
{
    private readonly TeacherStudentData? _teacher;
    private readonly double[]? _theta;
    private readonly double _noise, _delta;
    private readonly int _d, _informative;

    private LaneSamples(DataModel data)
    {
        _d = data.Dimension;
        switch (data)
        {
            case TeacherStudentData teacher:
                _teacher = teacher;
                _theta = teacher.LinearCoefficients;
                _noise = teacher.Noise;
                Gaussians = _d + (_noise > 0 ? 1 : 0);
                break;
            case IsotropicGaussianData isotropic:
                (_delta, _informative, Gaussians, Signed) = (isotropic.Delta, _d, _d, true);
                break;
            case AnisotropicGaussianData anisotropic:
                (_delta, _informative, Gaussians, Signed) = (anisotropic.Delta, anisotropic.InformativeDimensions, _d, true);
                break;
        }
    }

    /// <summary>G, the Gaussians per sample.</summary>
    public int Gaussians { get; }

    /// <summary>Whether a sample takes a word of the sign stream (the Gaussian mixtures).</summary>
    public bool Signed { get; }

    /// <summary>The samples of <paramref name="data"/> from lane streams, or null when its samples are not Gaussian (csv, replays): those replicas draw from <see cref="Xoshiro256"/> as the stepper does.</summary>
    public static LaneSamples? For(DataModel data) => data is TeacherStudentData or IsotropicGaussianData or AnisotropicGaussianData ? new LaneSamples(data) : null;

    /// <summary>Sample <paramref name="index"/> of a replica: writes x, returns y (the definition).</summary>
    public double Sample(LaneStream gaussians, LaneStream signs, long index, Span<double> x)
    {
        Span<double> g = stackalloc double[Gaussians];
        for (int j = 0; j < g.Length; j++)
        {
            g[j] = LaneGaussians.At(gaussians, (index * Gaussians) + j);
        }

        if (_teacher is null)
        {
            double y = signs.Sign(index);
            double scale = 1.0 + (y * _delta);
            for (int j = 0; j < _d; j++)
            {
                x[j] = j < _informative ? scale * g[j] : g[j];
            }

            return y;
        }

        g[.._d].CopyTo(x);
        double label = _theta is null ? _teacher.TeacherOutput(x) : LinearTeacher(_theta, x);
        return _noise > 0 ? label + (_noise * g[_d]) : label;
    }

    /// <summary>
    /// The labels of one sample of each lane, and x in place: <paramref name="x"/> holds the sample's Gaussians (G vectors,
    /// lane r = replica r) and becomes x (its first d vectors); <paramref name="signs"/> holds the sign words' ±1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Vector512<double> Labels(Span<Vector512<double>> x, Vector512<double> signs, int count)
    {
        if (_teacher is null)
        {
            Vector512<double> scale = Vector512<double>.One + (signs * Vector512.Create(_delta));
            for (int j = 0; j < _informative; j++)
            {
                x[j] *= scale;
            }

            return signs;
        }

        Vector512<double> y;
        if (_theta is not null)
        {
            y = Vector512.Create(_theta[0]) * x[0];
            for (int j = 1; j < _d; j++)
            {
                y += Vector512.Create(_theta[j]) * x[j];
            }
        }
        else
        {
            y = TeacherLabels(x, count);
        }

        return _noise > 0 ? y + (Vector512.Create(_noise) * x[_d]) : y;
    }

    // A nonlinear teacher, lane by lane (kept out of Labels, so that the linear path has no stack buffers).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private Vector512<double> TeacherLabels(Span<Vector512<double>> x, int count)
    {
        Span<double> labels = stackalloc double[Vector512<double>.Count];
        Span<double> row = stackalloc double[_d];
        for (int r = 0; r < count; r++)
        {
            for (int j = 0; j < _d; j++)
            {
                row[j] = x[j][r];
            }

            labels[r] = _teacher!.TeacherOutput(row);
        }

        return Vector512.Create(labels);
    }

    private static double LinearTeacher(double[] theta, ReadOnlySpan<double> x)
    {
        double y = theta[0] * x[0];
        for (int j = 1; j < x.Length; j++)
        {
            y += theta[j] * x[j];
        }

        return y;
    }
}
