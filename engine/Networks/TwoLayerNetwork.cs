using System.Numerics.Tensors;
using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Networks;

/// <summary>
/// One hidden layer in the mean-field parametrization (MATH section 2, L = 1):
/// ŷ(x) = (1/N) Σ_i a_i σ(&lt;w_i, x&gt; + b_i). The preset <c>mmn-isotropic</c> fixes a ≡ 1, b ≡ 0 and trains
/// w only; <c>mmn-relu</c> trains a, w and b. Weights are stored row-major: neuron i's w_i is the
/// contiguous slice <c>W[i·d .. i·d + d)</c>.
/// </summary>
public sealed class TwoLayerNetwork
{
    private readonly Activation _sigma;
    private readonly double[] _z;
    private readonly double[] _h;
    private readonly double[] _dh;
    private double[] _batchCoefficients = [];

    /// <summary>Creates a network with the given parameters (copied by reference, not cloned).</summary>
    public TwoLayerNetwork(Activation sigma, int width, int dimension, double[] w, double[] a, double[] b, bool trainOutput, bool trainBias)
    {
        ArgumentNullException.ThrowIfNull(sigma);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (w.Length != width * dimension || a.Length != width || b.Length != width)
        {
            throw new ArgumentException("Parameter arrays do not match width and dimension.");
        }

        _sigma = sigma;
        Width = width;
        Dimension = dimension;
        W = w;
        A = a;
        B = b;
        TrainOutput = trainOutput;
        TrainBias = trainBias;
        _z = new double[width];
        _h = new double[width];
        _dh = new double[width];
    }

    /// <summary>Hidden width N.</summary>
    public int Width { get; }

    /// <summary>Input dimension d.</summary>
    public int Dimension { get; }

    /// <summary>First-layer weights, N×d row-major.</summary>
    public double[] W { get; }

    /// <summary>Output weights a_i (all 1 and frozen for <c>mmn-isotropic</c>).</summary>
    public double[] A { get; }

    /// <summary>Biases b_i (all 0 and frozen for <c>mmn-isotropic</c>).</summary>
    public double[] B { get; }

    /// <summary>Whether SGD updates the output weights a.</summary>
    public bool TrainOutput { get; }

    /// <summary>Whether SGD updates the biases b.</summary>
    public bool TrainBias { get; }

    /// <summary>Number of parameters in the flat layout [W, a, b] used by <see cref="CopyParameters"/>.</summary>
    public int ParameterCount => (Width * Dimension) + (2 * Width);

    /// <summary>
    /// The mean-field multiplier of every parameter's gradient for L = 1 with γ = 1: N (MATH section 3),
    /// so that each parameter moves by O(ε) per step whatever the width.
    /// </summary>
    public double LearningRateMultiplier => Width;

    /// <summary>
    /// Draws a network for a preset: w_i ~ N(0, κ²/d I_d), a_i ~ N(output_mean, output_std²) and
    /// b_i ~ N(bias_mean, bias_std²) when the preset has them, in that order from <paramref name="rng"/>.
    /// </summary>
    public static TwoLayerNetwork Initialize(ModelSpec model, int width, int dimension, ref Xoshiro256 rng)
    {
        ArgumentNullException.ThrowIfNull(model);
        var w = new double[width * dimension];
        var a = new double[width];
        var b = new double[width];
        double wStd = model.Init.Kappa / Math.Sqrt(dimension);
        for (int k = 0; k < w.Length; k++)
        {
            w[k] = wStd * rng.NextGaussian();
        }

        bool relu = model.Preset == Presets.MmnRelu;
        for (int i = 0; i < width; i++)
        {
            a[i] = relu ? model.Init.OutputMean + (model.Init.OutputStd * rng.NextGaussian()) : 1.0;
        }

        for (int i = 0; i < width; i++)
        {
            b[i] = relu ? model.Init.BiasMean + (model.Init.BiasStd * rng.NextGaussian()) : 0.0;
        }

        return new TwoLayerNetwork(Activation.Create(model.Activation), width, dimension, w, a, b, trainOutput: relu, trainBias: relu);
    }

    /// <summary>ŷ(x) = (1/N) Σ a_i σ(&lt;w_i, x&gt; + b_i).</summary>
    public double Predict(ReadOnlySpan<double> x)
    {
        PreActivations(x, _z);
        _sigma.Apply(_z, _h, _dh);
        return TensorPrimitives.Dot<double>(A, _h) / Width;
    }

    /// <summary>Writes the pre-activations z_i = &lt;w_i, x&gt; + b_i into <paramref name="z"/>.</summary>
    public void PreActivations(ReadOnlySpan<double> x, Span<double> z)
    {
        int d = Dimension;
        for (int i = 0; i < Width; i++)
        {
            z[i] = TensorPrimitives.Dot(W.AsSpan(i * d, d), x) + B[i];
        }
    }

    /// <summary>The quadratic loss (y - ŷ(x))².</summary>
    public double Loss(ReadOnlySpan<double> x, double y)
    {
        double r = y - Predict(x);
        return r * r;
    }

    /// <summary>
    /// The gradient of (y - ŷ(x))² with respect to every parameter, frozen ones included, in the flat
    /// layout [W (N×d), a (N), b (N)]. This is the raw gradient, before the mean-field multiplier.
    /// </summary>
    public void LossGradient(ReadOnlySpan<double> x, double y, Span<double> gradient)
    {
        if (gradient.Length != ParameterCount)
        {
            throw new ArgumentException($"gradient must have length {ParameterCount}.", nameof(gradient));
        }

        double residual = y - Predict(x);
        double g = -2.0 * residual / Width;
        int d = Dimension;
        for (int i = 0; i < Width; i++)
        {
            TensorPrimitives.Multiply(x, g * A[i] * _dh[i], gradient.Slice(i * d, d));
            gradient[(Width * d) + i] = g * _h[i];
            gradient[(Width * d) + Width + i] = g * A[i] * _dh[i];
        }
    }

    /// <summary>
    /// One SGD step on a mini-batch of B samples (MATH section 3 with λ = 0, β = ∞): every trained
    /// parameter θ moves by -stepSize · N · (1/B) Σ_b ∇_θ (y_b - ŷ(x_b))², all parameters updated
    /// simultaneously from the pre-step values. <paramref name="xs"/> holds B rows of length d.
    /// Returns the mean residual y - ŷ over the batch (non-finite when the run has diverged).
    /// </summary>
    public double SgdStep(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, double stepSize)
    {
        int batch = ys.Length;
        if (batch == 1)
        {
            return SgdStepSingle(xs, ys[0], stepSize);
        }

        return SgdStepBatch(xs, ys, stepSize);
    }

    private double SgdStepSingle(ReadOnlySpan<double> x, double y, double stepSize)
    {
        double residual = y - Predict(x);

        // 2 s (y - ŷ) · N · (1/N): the multiplier cancels the 1/N of ŷ (MATH section 3, L = 1).
        double g = 2.0 * stepSize * residual * LearningRateMultiplier / Width;
        int d = Dimension;
        for (int i = 0; i < Width; i++)
        {
            double coefficient = g * A[i] * _dh[i];
            if (coefficient != 0.0)
            {
                Span<double> wi = W.AsSpan(i * d, d);
                TensorPrimitives.MultiplyAdd(x, coefficient, wi, wi);
            }

            if (TrainBias)
            {
                B[i] += coefficient;
            }
        }

        if (TrainOutput)
        {
            TensorPrimitives.MultiplyAdd<double>(_h, g, A, A);
        }

        return residual;
    }

    private double SgdStepBatch(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, double stepSize)
    {
        int batch = ys.Length;
        int d = Dimension;
        int n = Width;
        if (_batchCoefficients.Length != 2 * batch * n)
        {
            _batchCoefficients = new double[2 * batch * n];
        }

        // First pass: residuals and per-neuron coefficients of every sample from the pre-step parameters.
        Span<double> wCoefficients = _batchCoefficients.AsSpan(0, batch * n);
        Span<double> aCoefficients = _batchCoefficients.AsSpan(batch * n, batch * n);
        double meanResidual = 0;
        for (int s = 0; s < batch; s++)
        {
            double residual = ys[s] - Predict(xs.Slice(s * d, d));
            meanResidual += residual / batch;
            double g = 2.0 * stepSize * residual * LearningRateMultiplier / (Width * (double)batch);
            for (int i = 0; i < n; i++)
            {
                wCoefficients[(s * n) + i] = g * A[i] * _dh[i];
                aCoefficients[(s * n) + i] = g * _h[i];
            }
        }

        // Second pass: apply the averaged update.
        for (int s = 0; s < batch; s++)
        {
            ReadOnlySpan<double> x = xs.Slice(s * d, d);
            for (int i = 0; i < n; i++)
            {
                double coefficient = wCoefficients[(s * n) + i];
                Span<double> wi = W.AsSpan(i * d, d);
                TensorPrimitives.MultiplyAdd(x, coefficient, wi, wi);
                if (TrainBias)
                {
                    B[i] += coefficient;
                }

                if (TrainOutput)
                {
                    A[i] += aCoefficients[(s * n) + i];
                }
            }
        }

        return meanResidual;
    }

    /// <summary>Copies all parameters into the flat layout [W, a, b].</summary>
    public void CopyParameters(Span<double> destination)
    {
        W.CopyTo(destination);
        A.CopyTo(destination[W.Length..]);
        B.CopyTo(destination[(W.Length + Width)..]);
    }

    /// <summary>Overwrites all parameters from the flat layout [W, a, b].</summary>
    public void SetParameters(ReadOnlySpan<double> source)
    {
        source[..W.Length].CopyTo(W);
        source.Slice(W.Length, Width).CopyTo(A);
        source.Slice(W.Length + Width, Width).CopyTo(B);
    }

    /// <summary>Whether flat parameter <paramref name="index"/> is trained by SGD.</summary>
    public bool IsTrainable(int index) =>
        index < W.Length || (index < W.Length + Width ? TrainOutput : TrainBias);

    /// <summary>Writes ||w_i|| for every neuron into <paramref name="destination"/>.</summary>
    public void WeightNorms(Span<double> destination)
    {
        int d = Dimension;
        for (int i = 0; i < Width; i++)
        {
            destination[i] = TensorPrimitives.Norm<double>(W.AsSpan(i * d, d));
        }
    }
}
