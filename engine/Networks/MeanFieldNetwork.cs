using System.Globalization;
using System.Numerics.Tensors;
using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Networks;

/// <summary>
/// A fully connected network in the mean-field parametrization (MATH section 2), hidden layers
/// ℓ = 1..L with widths N_ℓ and normalizers N_ℓ^{-γ_ℓ}:
/// <code>
/// u_{1,i}   = &lt;w_i, x&gt; + b_{1,i}
/// u_{ℓ+1,j} = N_ℓ^{-γ_ℓ} Σ_i W^ℓ_{ji} σ(u_{ℓ,i}) + b_{ℓ+1,j}
/// ŷ(x)      = N_L^{-γ_L} Σ_j c_j σ(u_{L,j})
/// </code>
/// All parameters live in one flat array θ, in blocks [w (N_1×d, row-major: neuron i's w_i is contiguous),
/// b_1..b_L, W^1..W^{L-1} (N_{ℓ+1}×N_ℓ, row j = the weights into neuron j), c]. Bias blocks exist (as
/// zeros, never trained) also when the model has no biases, so the layout depends on the widths only.
/// </summary>
public sealed class MeanFieldNetwork
{
    private readonly Activation _sigma;
    private readonly double[] _normalizer;
    private readonly int[] _biasOffset;
    private readonly int[] _hiddenOffset;
    private readonly List<ParameterBlock> _blocks = [];

    // Per-sample scratch: pre-activations u, activations h, derivatives σ'(u), and δ = ∂ŷ/∂u, per layer.
    private Scratch[] _scratch;
    private BatchScratch? _batch;

    /// <summary>Creates a network with all parameters zero; see <see cref="Initialize"/>.</summary>
    public MeanFieldNetwork(Activation sigma, int dimension, IReadOnlyList<int> widths, IReadOnlyList<double> gamma, bool hasBias, TrainSpec train, bool meanFieldScaling)
    {
        ArgumentNullException.ThrowIfNull(sigma);
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(gamma);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (widths.Count < 1 || widths.Any(n => n < 1) || gamma.Count != widths.Count)
        {
            throw new ArgumentException("Need at least one layer, positive widths and one γ per layer.");
        }

        _sigma = sigma;
        Dimension = dimension;
        Widths = [.. widths];
        Gamma = [.. gamma];
        HasBias = hasBias;
        int layers = Widths.Length;
        _normalizer = [.. Enumerable.Range(0, layers).Select(l => Math.Pow(Widths[l], -Gamma[l]))];

        // Learning-rate multipliers (MATH section 3, docs/models.md): the inverse of each block's share of
        // the tangent kernel, so that a step moves the output by O(ε) at every width and γ.
        double[] backward = LearningRateMultipliers.BackwardScale(Widths, Gamma, train.Hidden);
        double Multiplier(double m) => meanFieldScaling ? m : 1.0;
        int offset = 0;
        AddBlock(BlockKind.First, 0, ref offset, Widths[0] * dimension, train.First, Multiplier(LearningRateMultipliers.First(backward)));
        _biasOffset = new int[layers];
        for (int l = 0; l < layers; l++)
        {
            _biasOffset[l] = offset;
            AddBlock(BlockKind.Bias, l + 1, ref offset, Widths[l], hasBias && train.Bias, Multiplier(LearningRateMultipliers.Bias(backward, l + 1)));
        }

        _hiddenOffset = new int[Math.Max(0, layers - 1)];
        for (int l = 0; l < layers - 1; l++)
        {
            _hiddenOffset[l] = offset;
            AddBlock(BlockKind.Hidden, l + 1, ref offset, Widths[l + 1] * Widths[l], train.Hidden, Multiplier(LearningRateMultipliers.Hidden(backward, Widths, Gamma, l + 1)));
        }

        OutputOffset = offset;
        AddBlock(BlockKind.Output, 0, ref offset, Widths[layers - 1], train.Output, Multiplier(LearningRateMultipliers.Output(Widths, Gamma)));
        Theta = new double[offset];
        _scratch = [new Scratch(Widths)];
    }

    /// <summary>Input dimension d.</summary>
    public int Dimension { get; }

    /// <summary>Hidden widths N_1..N_L.</summary>
    public int[] Widths { get; }

    /// <summary>The output's normalizer N_L^{−γ_L}: ŷ = N_L^{−γ_L} Σ_j c_j h_{L,j}.</summary>
    public double OutputNormalizer => _normalizer[^1];

    /// <summary>Normalization exponents γ_1..γ_L.</summary>
    public double[] Gamma { get; }

    /// <summary>Number of hidden layers L.</summary>
    public int Layers => Widths.Length;

    /// <summary>Whether hidden neurons have biases.</summary>
    public bool HasBias { get; }

    /// <summary>All parameters, flat (see the class summary for the layout).</summary>
    public double[] Theta { get; }

    /// <summary>The parameter blocks in layout order.</summary>
    public IReadOnlyList<ParameterBlock> Blocks => _blocks;

    /// <summary>Offset of the output weights c in <see cref="Theta"/>.</summary>
    public int OutputOffset { get; }

    /// <summary>Number of parameters.</summary>
    public int ParameterCount => Theta.Length;

    /// <summary>First-layer weights w, N_1×d row-major.</summary>
    public Span<double> FirstLayer => Theta.AsSpan(0, Widths[0] * Dimension);

    /// <summary>Output weights c, length N_L.</summary>
    public Span<double> Output => Theta.AsSpan(OutputOffset, Widths[^1]);

    /// <summary>Biases of hidden layer <paramref name="layer"/> (1-based).</summary>
    public Span<double> Bias(int layer) => Theta.AsSpan(_biasOffset[layer - 1], Widths[layer - 1]);

    /// <summary>W^ℓ for <paramref name="layer"/> = ℓ in 1..L-1: N_{ℓ+1}×N_ℓ row-major.</summary>
    public Span<double> Hidden(int layer) => Theta.AsSpan(_hiddenOffset[layer - 1], Widths[layer] * Widths[layer - 1]);

    // The weights into layer l + 1 (0-based l: w for l = 0, else W^l) and the scale of their sums (1, else N_l^{-γ_l}).
    private Span<double> WeightsInto(int l) => l == 0 ? FirstLayer : Hidden(l);

    private double ScaleInto(int l) => l == 0 ? 1.0 : _normalizer[l - 1];

    /// <summary>
    /// Builds the network of a model at given widths and γ, drawing its parameters from
    /// <paramref name="rng"/> in layout order: w_i ~ N(0, κ²/d I_d); b ~ N(bias_mean, bias_std²) when the
    /// model has biases; W^ℓ_{ji} ~ N(hidden_mean, hidden_std²); c_j ~ N(output_mean, output_std²), or
    /// output_mean ± output_std with probability 1/2 each for the Rademacher law.
    /// <para>
    /// With <c>init.nested</c> every neuron's parameters come from its own stream instead, keyed by
    /// <paramref name="neuronKey"/>, the layer and the neuron's index (see <see cref="NeuronStream"/>), so a
    /// narrower network's neurons and the common columns of W^ℓ equal those of a wider one. With
    /// <c>init.hidden_structure</c> s &gt; 0, s·a^{ℓ+1}_j a^ℓ_i is added to W^ℓ_{ji} (docs/models.md, "Deep
    /// collapse"): a^1_i = √d w_{i,1} / κ, and a^ℓ_j ~ N(0, 1) for ℓ ≥ 2 from the neuron's own stream.
    /// </para>
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="dimension">Input dimension d.</param>
    /// <param name="widths">N_1..N_L.</param>
    /// <param name="gamma">γ_1..γ_L.</param>
    /// <param name="rng">The point's initialization stream.</param>
    /// <param name="neuronKey">
    /// The key of the per-neuron streams (<see cref="NeuronKey"/> of the sweep seed and seed index); null
    /// draws it from <paramref name="rng"/>, which then ties the per-neuron streams to the point.
    /// </param>
    public static MeanFieldNetwork Initialize(ModelSpec model, int dimension, IReadOnlyList<int> widths, IReadOnlyList<double> gamma, ref Xoshiro256 rng, ulong? neuronKey = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var network = new MeanFieldNetwork(Activation.Create(model.Activation), dimension, widths, gamma, model.Bias, model.Train, model.MeanFieldScaling);
        network.Redraw(model, ref rng, neuronKey);
        return network;
    }

    /// <summary>
    /// Draws this network's parameters afresh, exactly as <see cref="Initialize"/> draws those of a new network of
    /// <paramref name="model"/> with the same shape (the same values from the same stream), without allocating one.
    /// </summary>
    public void Redraw(ModelSpec model, ref Xoshiro256 rng, ulong? neuronKey = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        Array.Clear(Theta);
        InitSpec init = model.Init;
        if (init.Sampling == InitSamplings.Stratified)
        {
            StratifiedInit.Fill(this, init, ref rng);
            return;
        }

        ulong key = neuronKey ?? (init.Nested || init.HiddenStructure > 0 ? rng.NextUInt64() : 0);
        if (init.Nested)
        {
            DrawPerNeuron(init, model.Bias, key);
        }
        else
        {
            DrawInLayoutOrder(init, model.Bias, ref rng);
        }

        if (init.HiddenStructure > 0)
        {
            AddStructure(init, key);
        }
    }

    /// <summary>The key of a point's per-neuron streams: the sweep seed and the seed index, not the widths.</summary>
    public static ulong NeuronKey(ulong sweepSeed, int seedIndex) =>
        RandomStreams.Create(sweepSeed, RandomStreams.Purpose.Initialization, [NeuronStreamTag, (ulong)seedIndex]).NextUInt64();

    /// <summary>
    /// The stream of neuron <paramref name="index"/> (0-based) of hidden layer <paramref name="layer"/>
    /// (1-based), for <paramref name="purpose"/> 0 (its parameters) or 1 (its structure variable a^ℓ).
    /// </summary>
    public static Xoshiro256 NeuronStream(ulong neuronKey, int layer, int index, int purpose) =>
        RandomStreams.Create(neuronKey, RandomStreams.Purpose.Initialization, [(ulong)purpose, (ulong)layer, (ulong)index]);

    private const ulong NeuronStreamTag = 0x6E657374; // "nest"

    private void DrawInLayoutOrder(InitSpec init, bool bias, ref Xoshiro256 rng)
    {
        FillGaussian(FirstLayer, 0.0, init.Kappa / Math.Sqrt(Dimension), ref rng);
        for (int l = 1; l <= Layers && bias; l++)
        {
            FillGaussian(Bias(l), init.BiasMean, init.BiasStd, ref rng);
        }

        for (int l = 1; l < Layers; l++)
        {
            FillGaussian(Hidden(l), init.HiddenMean, init.HiddenStd, ref rng);
        }

        Span<double> c = Output;
        for (int j = 0; j < c.Length; j++)
        {
            c[j] = DrawOutput(init, ref rng);
        }
    }

    // Neuron i of layer 1: w_i, then b_{1,i}. Neuron j of layer ℓ ≥ 2: b_{ℓ,j}, then c_j when ℓ = L, then
    // W^{ℓ-1}_{j,0..N_{ℓ-1}-1} in column order (last, so that the common columns of two widths coincide and
    // nothing after them depends on the fan-in). The bias is drawn whether used or not.
    private void DrawPerNeuron(InitSpec init, bool bias, ulong key)
    {
        int d = Dimension;
        for (int l = 1; l <= Layers; l++)
        {
            for (int j = 0; j < Widths[l - 1]; j++)
            {
                Xoshiro256 stream = NeuronStream(key, l, j, purpose: 0);
                if (l == 1)
                {
                    FillGaussian(FirstLayer.Slice(j * d, d), 0.0, init.Kappa / Math.Sqrt(d), ref stream);
                }

                double b = init.BiasMean + (init.BiasStd * stream.NextGaussian());
                if (bias)
                {
                    Bias(l)[j] = b;
                }

                if (l == Layers)
                {
                    Output[j] = DrawOutput(init, ref stream);
                }

                if (l > 1)
                {
                    int fanIn = Widths[l - 2];
                    FillGaussian(Hidden(l - 1).Slice(j * fanIn, fanIn), init.HiddenMean, init.HiddenStd, ref stream);
                }
            }
        }
    }

    // W^ℓ_{ji} += s a^{ℓ+1}_j a^ℓ_i with a^1_i = √d w_{i,1} / κ (standard normal, and correlated with the
    // neuron's own activation, so that mean_i a^1_i σ(u_{1,i}) is a nonzero function of x) and a^ℓ_j ~ N(0, 1)
    // for ℓ ≥ 2 from neuron j's own structure stream.
    private void AddStructure(InitSpec init, ulong key)
    {
        int d = Dimension;
        double[][] a = new double[Layers][];
        a[0] = [.. Enumerable.Range(0, Widths[0]).Select(i => FirstLayer[i * d] * Math.Sqrt(d) / init.Kappa)];
        for (int l = 2; l <= Layers; l++)
        {
            a[l - 1] = [.. Enumerable.Range(0, Widths[l - 1]).Select(j =>
            {
                Xoshiro256 stream = NeuronStream(key, l, j, purpose: 1);
                return stream.NextGaussian();
            })];
        }

        for (int l = 1; l < Layers; l++)
        {
            Span<double> weights = Hidden(l);
            int fanIn = Widths[l - 1];
            for (int j = 0; j < Widths[l]; j++)
            {
                TensorPrimitives.MultiplyAdd(a[l - 1], init.HiddenStructure * a[l][j], weights.Slice(j * fanIn, fanIn), weights.Slice(j * fanIn, fanIn));
            }
        }
    }

    private static double DrawOutput(InitSpec init, ref Xoshiro256 rng) =>
        init.OutputLaw == "rademacher"
            ? init.OutputMean + (init.OutputStd * rng.NextSign())
            : init.OutputMean + (init.OutputStd * rng.NextGaussian());

    /// <summary>ŷ(x).</summary>
    public double Predict(ReadOnlySpan<double> x) => Forward(x, _scratch[0]);

    /// <summary>
    /// ŷ of every input in <paramref name="inputs"/> (row-major, one input of <see cref="Dimension"/> values per
    /// output), a block of <see cref="BatchKernels.Block"/> inputs at a time, so that each weight is read once
    /// per block. Each output equals <see cref="Predict"/>'s to rounding: the sums over a layer's inputs run in
    /// ascending order with one fused rounding per term (<see cref="BatchKernels"/>), whatever the vector width.
    /// </summary>
    public void PredictMany(ReadOnlySpan<double> inputs, Span<double> outputs) => PredictMany(inputs, outputs, []);

    /// <summary>
    /// <see cref="PredictMany(ReadOnlySpan{double}, Span{double})"/>, and also, per input, the sum over the top
    /// layer's neurons of their squared activations Σ_j h_{L,j}(x)² (summed in ascending j) into
    /// <paramref name="topSquares"/>, which must then hold one value per output (or be empty, to skip them).
    /// </summary>
    public void PredictMany(ReadOnlySpan<double> inputs, Span<double> outputs, Span<double> topSquares)
    {
        int d = Dimension;
        if (!topSquares.IsEmpty && topSquares.Length != outputs.Length)
        {
            throw new ArgumentException($"{outputs.Length} outputs need as many feature sums; got {topSquares.Length}.", nameof(topSquares));
        }

        if (inputs.Length != outputs.Length * d)
        {
            throw new ArgumentException($"{outputs.Length} outputs need {outputs.Length * d} input values; got {inputs.Length}.", nameof(inputs));
        }

        const int block = BatchKernels.Block;
        BatchScratch b = _batch ??= new BatchScratch(Widths, d);

        // The last layer's σ and the output fused into its pass (the same bits) where σ has a vector kernel;
        // not when the top layer's activations are wanted.
        ActivationKernel<double>? fused = topSquares.IsEmpty && Simd.Best == SimdWidth.Vector512 ? _sigma.FusableKernel : null;
        for (int start = 0; start < outputs.Length; start += block)
        {
            int n = Math.Min(block, outputs.Length - start);
            if (n < block)
            {
                b.X.AsSpan().Clear();
            }

            for (int m = 0; m < n; m++)
            {
                ReadOnlySpan<double> x = inputs.Slice((start + m) * d, d);
                for (int k = 0; k < d; k++)
                {
                    b.X[(k * block) + m] = x[k];
                }
            }

            for (int l = 0; l < Layers; l++)
            {
                ReadOnlySpan<double> weights = WeightsInto(l), layerInputs = l == 0 ? b.X : b.H[l - 1];
                int fanIn = l == 0 ? d : Widths[l - 1];
                double scale = ScaleInto(l);
                if (l == Layers - 1 && fused is not null)
                {
                    BatchKernels.ForwardToOutput(weights, Widths[l], fanIn, layerInputs, scale, Bias(l + 1), fused, Output, _normalizer[^1], b.Y);
                    break;
                }

                BatchKernels.Forward(weights, Widths[l], fanIn, layerInputs, scale, Bias(l + 1), b.U[l]);
                _sigma.Apply(b.U[l], b.H[l], b.DH[l]);
            }

            if (fused is null)
            {
                BatchKernels.Output(Output, b.H[^1], _normalizer[^1], b.Y);
            }

            b.Y.AsSpan(0, n).CopyTo(outputs.Slice(start, n));
            for (int m = 0; m < n && !topSquares.IsEmpty; m++)
            {
                double sum = 0;
                for (int j = 0; j < Widths[^1]; j++)
                {
                    double h = b.H[^1][(j * block) + m];
                    sum += h * h;
                }

                topSquares[start + m] = sum;
            }
        }
    }

    /// <summary>Writes every layer's pre-activations for input <paramref name="x"/>: element ℓ-1 of the result has length N_ℓ.</summary>
    public double[][] PreActivations(ReadOnlySpan<double> x)
    {
        Forward(x, _scratch[0]);
        return [.. _scratch[0].U.Select(u => (double[])u.Clone())];
    }

    /// <summary>
    /// ŷ(x), and every layer's pre-activations written into <paramref name="preActivations"/> (element ℓ-1 of length
    /// N_ℓ): <see cref="Predict"/> and <see cref="PreActivations"/> in one pass, without allocating (probe observations).
    /// </summary>
    public double PredictWithPreActivations(ReadOnlySpan<double> x, double[][] preActivations)
    {
        ArgumentNullException.ThrowIfNull(preActivations);
        bool fits = x.Length == Dimension && preActivations.Length == Layers;
        for (int l = 0; fits && l < Layers; l++)
        {
            fits = preActivations[l]?.Length == Widths[l];
        }

        if (!fits)
        {
            throw new ArgumentException($"an input of {Dimension} values and {Layers} arrays of the layers' widths ({string.Join(", ", Widths)}) are needed.", nameof(preActivations));
        }

        double output = Forward(x, _scratch[0]);
        for (int l = 0; l < Layers; l++)
        {
            _scratch[0].U[l].CopyTo(preActivations[l], 0);
        }

        return output;
    }

    /// <summary>The quadratic loss (y - ŷ(x))².</summary>
    public double Loss(ReadOnlySpan<double> x, double y)
    {
        double r = y - Predict(x);
        return r * r;
    }

    /// <summary>
    /// The gradient of (y - ŷ(x))² with respect to every parameter, frozen ones included, in the flat
    /// layout. This is the raw gradient, before the mean-field multipliers.
    /// </summary>
    public void LossGradient(ReadOnlySpan<double> x, double y, Span<double> gradient)
    {
        if (gradient.Length != ParameterCount)
        {
            throw new ArgumentException($"gradient must have length {ParameterCount}.", nameof(gradient));
        }

        Scratch s = _scratch[0];
        double residual = y - Forward(x, s);
        Backward(s);
        gradient.Clear();
        AddSampleUpdate(gradient, x, s, -2.0 * residual, useMultipliers: false);
    }

    /// <summary>
    /// One step of (noisy) SGD on a mini-batch (MATH section 3): every trained parameter θ becomes
    /// (1 − 2λs) θ + 2s (1/B) Σ_b (y_b − ŷ(x_b)) M_θ ∂ŷ(x_b)/∂θ + sqrt(4s/β) g, with M_θ the mean-field
    /// multiplier of its block, all derivatives taken at the pre-step parameters, and g ~ N(0, 1) drawn
    /// from <paramref name="noise"/> (only when β is finite). Frozen parameters do not move.
    /// <paramref name="xs"/> holds B rows of length d. Returns the mean residual over the batch (not
    /// finite when the run has diverged).
    /// </summary>
    public double SgdStep(ReadOnlySpan<double> xs, ReadOnlySpan<double> ys, double stepSize, double ridge, double beta, ref Xoshiro256 noise)
    {
        int batch = ys.Length;
        EnsureScratch(batch);
        int d = Dimension;
        double meanResidual = 0;
        for (int s = 0; s < batch; s++)
        {
            double residual = ys[s] - Forward(xs.Slice(s * d, d), _scratch[s]);
            _scratch[s].Residual = residual;
            meanResidual += residual / batch;
            Backward(_scratch[s]);
        }

        if (ridge > 0)
        {
            double shrink = 1.0 - (2.0 * ridge * stepSize);
            foreach (ParameterBlock block in _blocks.Where(b => b.Trainable))
            {
                Span<double> values = Theta.AsSpan(block.Offset, block.Length);
                TensorPrimitives.Multiply(values, shrink, values);
            }
        }

        for (int s = 0; s < batch; s++)
        {
            AddSampleUpdate(Theta, xs.Slice(s * d, d), _scratch[s], 2.0 * stepSize * _scratch[s].Residual / batch, useMultipliers: true);
        }

        if (double.IsFinite(beta))
        {
            double amplitude = Math.Sqrt(4.0 * stepSize / beta);
            foreach (ParameterBlock block in _blocks.Where(b => b.Trainable))
            {
                Span<double> values = Theta.AsSpan(block.Offset, block.Length);
                for (int k = 0; k < values.Length; k++)
                {
                    values[k] += amplitude * noise.NextGaussian();
                }
            }
        }

        return meanResidual;
    }

    /// <summary>Whether flat parameter <paramref name="index"/> is trained by SGD.</summary>
    public bool IsTrainable(int index) => _blocks.First(b => index >= b.Offset && index < b.Offset + b.Length).Trainable;

    /// <summary>The largest absolute parameter value (NaN when a parameter is NaN).</summary>
    public double MaxAbsParameter() => MaxAbs.Of<double>(Theta);

    /// <summary>Writes ‖w_i‖ for every first-layer neuron into <paramref name="destination"/> (the sums in the fixed order of <see cref="Dot"/>: the same bits at every vector width).</summary>
    public void WeightNorms(Span<double> destination) => Dot.RowNorms(FirstLayer, Dimension, destination[..Widths[0]]);

    // One input through every layer, one Dot per neuron: the sums of the step's grouped row kernels (the fixed lane
    // order of engine/Kernels), which per-input evaluations, rare outside tests, need not compile (docs/performance.md,
    // "Session 22").
    private double Forward(ReadOnlySpan<double> x, Scratch s)
    {
        for (int l = 0; l < Layers; l++)
        {
            ReadOnlySpan<double> weights = WeightsInto(l), input = l == 0 ? x : s.H[l - 1];
            ReadOnlySpan<double> bias = Bias(l + 1);
            double scale = ScaleInto(l);
            int fanIn = input.Length;
            double[] u = s.U[l];
            for (int i = 0; i < u.Length; i++)
            {
                u[i] = (scale * Dot.Compute(weights.Slice(i * fanIn, fanIn), input)) + bias[i];
            }

            _sigma.Apply(u, s.H[l], s.DH[l]);
        }

        return _normalizer[^1] * Dot.Compute<double>(Output, s.H[^1]);
    }

    // δ_{L,j} = N_L^{-γ_L} c_j σ'(u_{L,j});  δ_{ℓ,i} = σ'(u_{ℓ,i}) N_ℓ^{-γ_ℓ} Σ_j W^ℓ_{ji} δ_{ℓ+1,j}.
    private void Backward(Scratch s)
    {
        int last = Layers - 1;
        TensorPrimitives.Multiply(Output, s.DH[last], s.Delta[last]);
        TensorPrimitives.Multiply(s.Delta[last], _normalizer[last], s.Delta[last]);
        for (int l = last - 1; l >= 0; l--)
        {
            ReadOnlySpan<double> weights = Hidden(l + 1);
            int fanIn = Widths[l];
            Span<double> delta = s.Delta[l];
            delta.Clear();
            for (int j = 0; j < Widths[l + 1]; j++)
            {
                TensorPrimitives.MultiplyAdd(weights.Slice(j * fanIn, fanIn), s.Delta[l + 1][j], delta, delta);
            }

            TensorPrimitives.Multiply(delta, s.DH[l], delta);
            TensorPrimitives.Multiply(delta, _normalizer[l], delta);
        }
    }

    // target += coefficient · M · ∂ŷ/∂θ for every trained block (every block, with M = 1, when !useMultipliers).
    private void AddSampleUpdate(Span<double> target, ReadOnlySpan<double> x, Scratch s, double coefficient, bool useMultipliers)
    {
        foreach (ParameterBlock block in _blocks)
        {
            if (useMultipliers && !block.Trainable)
            {
                continue;
            }

            double k = coefficient * (useMultipliers ? block.Multiplier : 1.0);
            Span<double> values = target.Slice(block.Offset, block.Length);
            switch (block.Kind)
            {
                case BlockKind.First:
                    AddFirstLayerUpdate(values, x, s.Delta[0], k);
                    break;
                case BlockKind.Bias:
                    // ∂ŷ/∂b_{ℓ,i} = δ_{ℓ,i}
                    TensorPrimitives.MultiplyAdd(s.Delta[block.Layer - 1], k, values, values);
                    break;
                case BlockKind.Hidden:
                    AddHiddenUpdate(values, block.Layer, s, k);
                    break;
                case BlockKind.Output:
                    // ∂ŷ/∂c_j = N_L^{-γ_L} h_{L,j}
                    TensorPrimitives.MultiplyAdd(s.H[^1], k * _normalizer[^1], values, values);
                    break;
            }
        }
    }

    // ∂ŷ/∂w_i = δ_{1,i} x: a rank-1 update, skipping neurons whose δ is exactly zero (flat parts of σ).
    private void AddFirstLayerUpdate(Span<double> w, ReadOnlySpan<double> x, ReadOnlySpan<double> delta, double k)
    {
        int d = Dimension;
        for (int i = 0; i < delta.Length; i++)
        {
            double ki = k * delta[i];
            if (ki != 0.0)
            {
                Span<double> wi = w.Slice(i * d, d);
                TensorPrimitives.MultiplyAdd(x, ki, wi, wi);
            }
        }
    }

    // ∂ŷ/∂W^ℓ_{ji} = δ_{ℓ+1,j} N_ℓ^{-γ_ℓ} h_{ℓ,i}.
    private void AddHiddenUpdate(Span<double> weights, int layer, Scratch s, double k)
    {
        int fanIn = Widths[layer - 1];
        double kn = k * _normalizer[layer - 1];
        for (int j = 0; j < Widths[layer]; j++)
        {
            Span<double> row = weights.Slice(j * fanIn, fanIn);
            TensorPrimitives.MultiplyAdd(s.H[layer - 1], kn * s.Delta[layer][j], row, row);
        }
    }

    private void AddBlock(BlockKind kind, int layer, ref int offset, int length, bool trainable, double multiplier)
    {
        string name = kind switch
        {
            BlockKind.First => "w",
            BlockKind.Bias => string.Create(CultureInfo.InvariantCulture, $"b{layer}"),
            BlockKind.Hidden => string.Create(CultureInfo.InvariantCulture, $"W{layer}"),
            _ => "c",
        };
        _blocks.Add(new ParameterBlock(name, kind, layer, offset, length, trainable, multiplier));
        offset += length;
    }

    private void EnsureScratch(int batch)
    {
        if (_scratch.Length < batch)
        {
            _scratch = [.. _scratch, .. Enumerable.Range(0, batch - _scratch.Length).Select(_ => new Scratch(Widths))];
        }
    }

    private static void FillGaussian(Span<double> values, double mean, double std, ref Xoshiro256 rng)
    {
        rng.FillGaussian(values);
        for (int k = 0; k < values.Length; k++)
        {
            values[k] = mean + (std * values[k]);
        }
    }

    // One block of inputs through every layer (PredictMany): inputs d × Block, each layer N_ℓ × Block.
    private sealed class BatchScratch(int[] widths, int dimension)
    {
        public double[] X { get; } = new double[dimension * BatchKernels.Block];

        public double[][] U { get; } = [.. widths.Select(n => new double[n * BatchKernels.Block])];

        public double[][] H { get; } = [.. widths.Select(n => new double[n * BatchKernels.Block])];

        public double[][] DH { get; } = [.. widths.Select(n => new double[n * BatchKernels.Block])];

        public double[] Y { get; } = new double[BatchKernels.Block];
    }

    private sealed class Scratch(int[] widths)
    {
        public double[][] U { get; } = [.. widths.Select(n => new double[n])];

        public double[][] H { get; } = [.. widths.Select(n => new double[n])];

        public double[][] DH { get; } = [.. widths.Select(n => new double[n])];

        public double[][] Delta { get; } = [.. widths.Select(n => new double[n])];

        public double Residual { get; set; }
    }
}

/// <summary>The kind of a parameter block.</summary>
public enum BlockKind
{
    /// <summary>First-layer weights w.</summary>
    First,

    /// <summary>Hidden biases b_ℓ.</summary>
    Bias,

    /// <summary>Inner weights W^ℓ.</summary>
    Hidden,

    /// <summary>Output weights c.</summary>
    Output,
}

/// <summary>A contiguous block of the flat parameter array.</summary>
/// <param name="Name">w, b1..bL, W1..W{L-1} or c.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="Layer">ℓ for b_ℓ and W^ℓ, else 0.</param>
/// <param name="Offset">Start in the flat array.</param>
/// <param name="Length">Number of parameters.</param>
/// <param name="Trainable">Whether SGD moves it.</param>
/// <param name="Multiplier">The mean-field gradient multiplier of the block (1 when scaling is off).</param>
public sealed record ParameterBlock(string Name, BlockKind Kind, int Layer, int Offset, int Length, bool Trainable, double Multiplier);
