using System.Diagnostics.CodeAnalysis;
using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Training;

/// <summary>
/// Execution settings of the SGD hot loop. None of them changes a number: every combination gives the same
/// bits (they are run or silo settings, never spec fields).
/// </summary>
public sealed record SgdStepperOptions
{
    /// <summary>Threads for the first-layer pass of a wide point (1 = serial, the default).</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Points with fewer first-layer neurons than this stay serial whatever <see cref="Threads"/> says (default 20000).</summary>
    public int ParallelMinWidth { get; init; } = 20_000;

    /// <summary>Rows per block of a parallel pass (default 1024).</summary>
    public int RowBlock { get; init; } = 1024;

    /// <summary>
    /// Whether a step's weight update and the next step's forward pass share one pass over each weight
    /// matrix (default true). False runs them as separate passes with the same kernels: a reference for tests.
    /// </summary>
    public bool Fused { get; init; } = true;

    /// <summary>The vector width of the kernels (default: the widest this machine accelerates).</summary>
    public SimdWidth Width { get; init; } = Simd.Best;

    /// <summary>Counts the first-layer rows written per step (<see cref="SgdStepper.RowsWritten"/>), for benchmarks.</summary>
    public bool TrackWrittenRows { get; init; }

    /// <summary>
    /// Whether a float32 first layer whose rows fit <see cref="Kernels.PairedRows"/> is stored in that layout
    /// (default true; false keeps it row-major: a reference for tests and benchmarks, same bits).
    /// </summary>
    internal bool PairedRows { get; init; } = true;

    /// <summary>The serial defaults.</summary>
    public static SgdStepperOptions Default { get; } = new();
}

/// <summary>
/// The SGD hot loop of one run (MATH section 3): draws the samples from the training stream, applies the
/// steps to the parameters in the chosen precision, and hands the parameters back to the
/// <see cref="MeanFieldNetwork"/> (in double) for observations.
/// <para>
/// Plain SGD with one sample per step (β = ∞, B = 1) runs fused: sample x_{k+1} is drawn during step k,
/// and one pass over each weight matrix applies step k's rank-1 update and computes the pre-activations
/// of x_{k+1}, so each weight is read and written once per step. The drawn-ahead sample is not lost
/// at a checkpoint: <see cref="RngState"/> is the training stream as of the first sample not yet used by a
/// completed step, so a restored run draws exactly the same samples. Mini-batches and Langevin noise use
/// separate passes (forward, backward, update, noise), with the same arithmetic per element.
/// </para>
/// <para>
/// The step's arithmetic, per trained block with multiplier M, shrink = 1 − 2λs and coefficient
/// k = 2 s (y − ŷ) / B: c ← fma(h_L, k·M·N_L^{-γ_L}, shrink·c); b_ℓ ← fma(δ_ℓ, k·M, shrink·b_ℓ);
/// row j of W^ℓ ← fma(h_ℓ, (k·M·N_ℓ^{-γ_ℓ})·δ_{ℓ+1,j}, shrink·row); w_i ← fma(x, (k·M)·δ_{1,i}, shrink·w_i);
/// then noise sqrt(4s/β)·g per trained parameter in layout order. Inner products use <see cref="Dot"/>.
/// </para>
/// </summary>
public abstract class SgdStepper
{
    /// <summary>Steps done by this stepper.</summary>
    public long Steps { get; protected set; }

    /// <summary>First-layer rows written so far (only with <see cref="SgdStepperOptions.TrackWrittenRows"/>).</summary>
    public long RowsWritten { get; protected set; }

    /// <summary>The precision of the parameters and of the step's arithmetic.</summary>
    public abstract string Precision { get; }

    /// <summary>The training stream as of the first sample that no completed step has used.</summary>
    public abstract RandomState RngState { get; }

    /// <summary>The Langevin noise stream.</summary>
    public abstract RandomState NoiseState { get; }

    /// <summary>
    /// Creates the stepper of a run: trains <paramref name="network"/>'s parameters (as they are now) with
    /// samples of <paramref name="data"/> drawn from <paramref name="rng"/> and noise from
    /// <paramref name="noise"/>, in the precision of <c>spec.Training.Precision</c>. In float32 the
    /// network's parameters are rounded to float at once. The stepper owns the parameters from now on: read
    /// them after <see cref="Publish"/>, do not write them.
    /// </summary>
    public static SgdStepper Create(SweepSpec spec, MeanFieldNetwork network, DataModel data, Xoshiro256 rng, Xoshiro256 noise, SgdStepperOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Training.Precision == Precisions.Float32
            ? new SgdStepper<float>(spec, network, data, rng, noise, options ?? SgdStepperOptions.Default)
            : new SgdStepper<double>(spec, network, data, rng, noise, options ?? SgdStepperOptions.Default);
    }

    /// <summary>One SGD step with step size <paramref name="stepSize"/>; returns the mean residual y − ŷ over the batch (not finite once the run diverged).</summary>
    public abstract double Step(double stepSize);

    /// <summary>Writes the parameters into the network's <see cref="MeanFieldNetwork.Theta"/> (the stepper works on its own aligned copy in either precision).</summary>
    public abstract void Publish();

    /// <summary>The largest absolute parameter value (NaN when one is NaN).</summary>
    public abstract double MaxAbsParameter();
}

/// <summary>The stepper in precision <typeparamref name="T"/> (float or double).</summary>
[SuppressMessage("Design", "CA1000:Do not declare static members on generic types", Justification = "None are declared.")]
internal sealed class SgdStepper<T> : SgdStepper
    where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
{
    private readonly MeanFieldNetwork _network;
    private readonly DataModel _data;
    private readonly SgdStepperOptions _options;
    private readonly SimdWidth _width;
    private readonly T[] _theta;        // pinned; each block starts on a 64-byte boundary
    private readonly int[] _start;      // the start in _theta of each of the network's blocks
    private readonly int _firstStart;
    private readonly int _d;
    private readonly int[] _n;
    private readonly T[] _normalizer;
    private readonly int _layers;
    private readonly int _outputOffset;
    private readonly int[] _biasOffset;
    private readonly int[] _hiddenOffset;
    private readonly (int Start, int Length)[] _trained;
    private readonly T _multiplierFirst, _multiplierOutput;
    private readonly T[] _multiplierBias, _multiplierHidden;
    private readonly bool _trainFirst, _trainOutput;
    private readonly bool[] _trainBias, _trainHidden;
    private readonly bool[] _needDelta;  // per layer: whether a trained block uses δ_ℓ (skipped otherwise)
    private readonly ActivationKernel<T> _sigma;
    private readonly int _batch;
    private readonly T _ridge;
    private readonly double _beta;
    private readonly bool _fast;
    private readonly Layer[] _samples;  // per batch sample (the fast path uses [0])
    private readonly T[][] _xs;
    private readonly T[] _ys;
    private readonly double[] _draw;
    private readonly RowTeam? _team;
    private readonly bool _paired;      // float, one sample per step, no noise: the first layer in the layout of PairedRows
    private readonly int _blocks;
    private Layer _next;
    private T[] _xNext;
    private T _yNext;
    private Xoshiro256 _rng;
    private Xoshiro256 _noise;
    private Xoshiro256 _rngBeforeCurrent;
    private bool _primed;

    // The parameters of the current first-layer pass, read by the team's blocks.
    private PassKind _pass;
    private T[] _passInput = [], _passNext = [];
    private T _passScale, _passShrink;

    public SgdStepper(SweepSpec spec, MeanFieldNetwork network, DataModel data, Xoshiro256 rng, Xoshiro256 noise, SgdStepperOptions options)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (data.Dimension != network.Dimension)
        {
            throw new ArgumentException($"The data has dimension {data.Dimension} but the network expects {network.Dimension}.", nameof(data));
        }

        if (!Simd.IsSupported(options.Width))
        {
            throw new ArgumentException($"The kernel width {options.Width} is not accelerated on this machine.", nameof(options));
        }

        _network = network;
        _data = data;
        _options = options;
        _width = options.Width;
        _rng = rng;
        _noise = noise;
        _d = network.Dimension;
        _n = [.. network.Widths];
        _layers = _n.Length;
        _normalizer = [.. Enumerable.Range(0, _layers).Select(l => T.CreateChecked(Math.Pow(_n[l], -network.Gamma[l])))];
        (_theta, _start) = AlignedCopy(network);
        _paired = typeof(T) == typeof(float)
            && spec.Training.BatchSize == 1
            && double.IsPositiveInfinity(spec.Training.Beta ?? double.PositiveInfinity)
            && options.PairedRows
            && PairedRows.Applies(_d, _width);
        if (_paired)
        {
            int first = Enumerable.Range(0, network.Blocks.Count).First(index => network.Blocks[index].Kind == BlockKind.First);
            PairedRows.Pack(System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(_theta.AsSpan(_start[first], _n[0] * _d)), _n[0], _d);
        }

        if (typeof(T) != typeof(double))
        {
            Publish();
        }

        _biasOffset = new int[_layers];
        _hiddenOffset = new int[Math.Max(0, _layers - 1)];
        _multiplierBias = new T[_layers];
        _multiplierHidden = new T[Math.Max(0, _layers - 1)];
        _trainBias = new bool[_layers];
        _trainHidden = new bool[Math.Max(0, _layers - 1)];
        for (int index = 0; index < network.Blocks.Count; index++)
        {
            ParameterBlock block = network.Blocks[index];
            T multiplier = T.CreateChecked(block.Multiplier);
            switch (block.Kind)
            {
                case BlockKind.First:
                    _firstStart = _start[index];
                    (_trainFirst, _multiplierFirst) = (block.Trainable, multiplier);
                    break;
                case BlockKind.Bias:
                    _biasOffset[block.Layer - 1] = _start[index];
                    (_trainBias[block.Layer - 1], _multiplierBias[block.Layer - 1]) = (block.Trainable, multiplier);
                    break;
                case BlockKind.Hidden:
                    _hiddenOffset[block.Layer - 1] = _start[index];
                    (_trainHidden[block.Layer - 1], _multiplierHidden[block.Layer - 1]) = (block.Trainable, multiplier);
                    break;
                default:
                    _outputOffset = _start[index];
                    (_trainOutput, _multiplierOutput) = (block.Trainable, multiplier);
                    break;
            }
        }

        _needDelta = NeededDeltas(_trainFirst, _trainBias, _trainHidden);
        _trained = [.. network.Blocks.Select((b, index) => (b, index)).Where(p => p.b.Trainable).Select(p => (_start[p.index], p.b.Length))];
        _sigma = new ActivationKernel<T>(spec.Model.Activation);
        _batch = spec.Training.BatchSize;
        _ridge = T.CreateChecked(spec.Training.Ridge);
        _beta = spec.Training.Beta ?? double.PositiveInfinity;
        _fast = _batch == 1 && double.IsPositiveInfinity(_beta);
        _samples = [.. Enumerable.Range(0, _batch).Select(_ => new Layer(_n))];
        _xs = [.. Enumerable.Range(0, _batch).Select(_ => new T[_d])];
        _ys = new T[_batch];
        _next = new Layer(_n);
        _xNext = new T[_d];
        _draw = new double[_d];
        _blocks = (_n[0] + options.RowBlock - 1) / Math.Max(1, options.RowBlock);
        if (options.Threads > 1 && _n[0] >= options.ParallelMinWidth && _blocks > 1)
        {
            _team = new RowTeam(FirstLayerBlock, options.Threads - 1);
        }
    }

    private const int RowBlockOfLastLayer = 16;

    private enum PassKind
    {
        Forward,
        Update,
        UpdateForward,
    }

    public override string Precision => typeof(T) == typeof(float) ? Precisions.Float32 : Precisions.Float64;

    public override RandomState RngState => (_primed ? _rngBeforeCurrent : _rng).GetState();

    public override RandomState NoiseState => _noise.GetState();

    private Span<T> First => _theta.AsSpan(_firstStart, _n[0] * _d);

    private Span<T> Output => _theta.AsSpan(_outputOffset, _n[^1]);

    public override double Step(double stepSize)
    {
        double residual = _fast ? FastStep(stepSize) : BatchStep(stepSize);
        Steps++;
        return residual;
    }

    public override void Publish()
    {
        double[] target = _network.Theta;
        for (int index = 0; index < _network.Blocks.Count; index++)
        {
            ParameterBlock block = _network.Blocks[index];
            ReadOnlySpan<T> values = _theta.AsSpan(_start[index], block.Length);
            if (_paired && block.Kind == BlockKind.First)
            {
                for (int i = 0; i < _n[0]; i++)
                {
                    for (int j = 0; j < _d; j++)
                    {
                        target[block.Offset + (i * _d) + j] = double.CreateChecked(values[(i * _d) + PairedRows.Position(i, j, _d)]);
                    }
                }
            }
            else if (typeof(T) == typeof(double))
            {
                System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(values).CopyTo(target.AsSpan(block.Offset, block.Length));
            }
            else
            {
                for (int p = 0; p < values.Length; p++)
                {
                    target[block.Offset + p] = double.CreateChecked(values[p]);
                }
            }
        }
    }

    public override double MaxAbsParameter() => MaxAbs.Of<T>(_theta);

    // β = ∞, B = 1: the fused pass (or, for tests, the same kernels in separate passes).
    private double FastStep(double stepSize)
    {
        Layer s = _samples[0];
        T[] x = _xs[0];
        if (!_primed)
        {
            _rngBeforeCurrent = _rng;
            _ys[0] = Draw(x);
            Forward(x, s);
            _primed = true;
        }

        Xoshiro256 beforeNext = _rng;
        _yNext = Draw(_xNext);
        T residual = _ys[0] - Predict(s);
        Backward(s);
        T step = T.CreateChecked(stepSize);
        T coefficient = T.CreateChecked(2) * step * residual;
        T shrink = T.One - (T.CreateChecked(2) * _ridge * step);
        UpdateOutputAndBiases(s, coefficient, shrink);

        // First layer: w_i ← fma(x_k, (k·M)·δ_{1,i}, shrink·w_i), then u_{1,i} = <w_i, x_{k+1}> + b_{1,i}.
        Layer n = _next;
        if (_trainFirst)
        {
            T scale = coefficient * _multiplierFirst;
            TrackRows(s.Delta[0], scale, shrink);
            if (_options.Fused)
            {
                FirstLayerPass(PassKind.UpdateForward, x, _xNext, scale, shrink, s, n);
            }
            else
            {
                FirstLayerPass(PassKind.Update, x, _xNext, scale, shrink, s, n);
                FirstLayerPass(PassKind.Forward, x, _xNext, scale, shrink, s, n);
            }
        }
        else
        {
            FirstLayerPass(PassKind.Forward, x, _xNext, T.Zero, T.One, s, n);
        }

        if (_layers == 1 && _options.Fused)
        {
            // Two-layer nets: σ, the next step's δ and its Σ c·h in the same pass over the N neurons.
            n.Prediction = _sigma.ApplyOutput(n.U[0], n.H[0], n.DH[0], Output, _normalizer[0], n.Delta[0], _width);
            n.Started = true;
            n.HasPrediction = true;
        }
        else
        {
            _sigma.Apply(n.U[0], n.H[0], n.DH[0], _width);
        }

        // Inner layers: row j of W^ℓ ← fma(h_ℓ, (k·M·N_ℓ^{-γ})·δ_{ℓ+1,j}, shrink·row), then u_{ℓ+1,j} of x_{k+1}.
        for (int l = 1; l < _layers; l++)
        {
            Span<T> weights = Hidden(l);
            int cols = _n[l - 1], rows = _n[l];
            ReadOnlySpan<T> bias = Bias(l + 1);
            bool train = _trainHidden[l - 1];
            T scale = train ? coefficient * _multiplierHidden[l - 1] * _normalizer[l - 1] : T.Zero;
            if (_options.Fused && l == _layers - 1)
            {
                // The last inner matrix also starts the next step's backward pass while its rows are in cache.
                LastLayerPass(l, train, s, n, scale, shrink);
                continue;
            }

            if (train && _options.Fused)
            {
                InnerLayerKernels.UpdateForward(weights, cols, 0, rows, s.H[l - 1], s.Delta[l], scale, shrink, n.H[l - 1], _normalizer[l - 1], bias, n.U[l], _width);
            }
            else
            {
                if (train)
                {
                    RowKernels.Update(weights, cols, 0, rows, s.H[l - 1], s.Delta[l], scale, shrink, _width);
                }

                RowKernels.Forward(weights, cols, 0, rows, n.H[l - 1], _normalizer[l - 1], bias, n.U[l], _width);
            }

            _sigma.Apply(n.U[l], n.H[l], n.DH[l], _width);
        }

        // x_{k+1} becomes the current sample, its forward state the current state.
        (_samples[0], _next) = (n, s);
        (_xs[0], _xNext) = (_xNext, x);
        _ys[0] = _yNext;
        _rngBeforeCurrent = beforeNext;
        return double.CreateChecked(residual);
    }

    // Mini-batches and Langevin noise: forward and backward of every sample at the pre-step parameters,
    // shrink, the B sample updates in order, then the noise.
    private double BatchStep(double stepSize)
    {
        double meanResidual = 0;
        T batch = T.CreateChecked(_batch);
        T step = T.CreateChecked(stepSize);
        for (int b = 0; b < _batch; b++)
        {
            _ys[b] = Draw(_xs[b]);
            Forward(_xs[b], _samples[b]);
            T residual = _ys[b] - Predict(_samples[b]);
            _samples[b].Residual = residual;
            meanResidual += double.CreateChecked(residual) / _batch;
            Backward(_samples[b]);
        }

        T shrink = T.One - (T.CreateChecked(2) * _ridge * step);
        if (shrink != T.One)
        {
            foreach ((int start, int length) in _trained)
            {
                Span<T> values = _theta.AsSpan(start, length);
                System.Numerics.Tensors.TensorPrimitives.Multiply(values, shrink, values);
            }
        }

        for (int b = 0; b < _batch; b++)
        {
            Layer s = _samples[b];
            T coefficient = T.CreateChecked(2) * step * s.Residual / batch;
            UpdateOutputAndBiases(s, coefficient, T.One);
            for (int l = 1; l < _layers; l++)
            {
                if (_trainHidden[l - 1])
                {
                    T scale = coefficient * _multiplierHidden[l - 1] * _normalizer[l - 1];
                    RowKernels.Update(Hidden(l), _n[l - 1], 0, _n[l], s.H[l - 1], s.Delta[l], scale, T.One, _width);
                }
            }

            if (_trainFirst)
            {
                T scale = coefficient * _multiplierFirst;
                TrackRows(s.Delta[0], scale, T.One);
                FirstLayerPass(PassKind.Update, _xs[b], _xs[b], scale, T.One, s, s);
            }
        }

        if (double.IsFinite(_beta))
        {
            double amplitude = Math.Sqrt(4.0 * stepSize / _beta);
            foreach ((int start, int length) in _trained)
            {
                Span<T> values = _theta.AsSpan(start, length);
                for (int p = 0; p < values.Length; p++)
                {
                    values[p] += T.CreateChecked(amplitude * _noise.NextGaussian());
                }
            }
        }

        return meanResidual;
    }

    private void UpdateOutputAndBiases(Layer s, T coefficient, T shrink)
    {
        if (_trainOutput)
        {
            RowKernels.ScaleAdd(s.H[^1], coefficient * _multiplierOutput * _normalizer[^1], shrink, Output, _width);
        }

        for (int l = 0; l < _layers; l++)
        {
            if (_trainBias[l])
            {
                RowKernels.ScaleAdd(s.Delta[l], coefficient * _multiplierBias[l], shrink, Bias(l + 1), _width);
            }
        }
    }

    // u, h, σ' of every layer for input x at the current parameters.
    private void Forward(T[] x, Layer s)
    {
        s.Started = false;
        s.HasPrediction = false;
        FirstLayerPass(PassKind.Forward, x, x, T.Zero, T.One, s, s);
        _sigma.Apply(s.U[0], s.H[0], s.DH[0], _width);
        for (int l = 1; l < _layers; l++)
        {
            RowKernels.Forward(Hidden(l), _n[l - 1], 0, _n[l], s.H[l - 1], _normalizer[l - 1], Bias(l + 1), s.U[l], _width);
            _sigma.Apply(s.U[l], s.H[l], s.DH[l], _width);
        }
    }

    private T Predict(Layer s)
    {
        T dot = s.HasPrediction ? s.Prediction : Dot.Compute<T>(Output, s.H[^1], _width);
        s.HasPrediction = false;
        return _normalizer[^1] * dot;
    }

    // δ_L = (c ⊙ σ'(u_L))·N_L^{-γ_L};  δ_ℓ = ((W^ℓ)ᵀ δ_{ℓ+1} ⊙ σ'(u_ℓ))·N_ℓ^{-γ_ℓ}.
    // When the fused pass of the previous step has already computed δ_L and (W^{L-1})ᵀ δ_L (s.Started), only
    // the remaining products are left for the last two layers.
    private void Backward(Layer s)
    {
        int last = _layers - 1;
        if (!s.Started)
        {
            RowKernels.MultiplyScaled<T>(Output, s.DH[last], _normalizer[last], s.Delta[last], _width);
        }

        for (int l = last - 1; l >= 0 && _needDelta[l]; l--)
        {
            Span<T> delta = s.Delta[l];
            if (!s.Started || l != last - 1)
            {
                delta.Clear();
                if (_options.Fused)
                {
                    InnerLayerKernels.AccumulateRows(Hidden(l + 1), _n[l], 0, _n[l + 1], s.Delta[l + 1], delta, _width);
                }
                else
                {
                    RowKernels.AccumulateRows(Hidden(l + 1), _n[l], _n[l + 1], s.Delta[l + 1], delta, _width);
                }
            }

            System.Numerics.Tensors.TensorPrimitives.Multiply(delta, s.DH[l], delta);
            System.Numerics.Tensors.TensorPrimitives.Multiply(delta, _normalizer[l], delta);
        }

        s.Started = false;
    }

    // The last inner matrix W^ℓ (ℓ = L-1) in blocks of rows: the fused update and forward of the block, σ of
    // the block, δ_L of the block, and (when a trained block below uses δ_{L-1}) its rows' share of
    // (W^ℓ)ᵀ δ_L, in row order, as the backward pass of the next step would compute them, while the block is
    // in cache: one read and one write of each weight per step (docs/performance.md, "Deep networks"). Blocks
    // hold at least 8 rows (the last one up to twice the block), so σ is never applied to a very short span.
    private void LastLayerPass(int l, bool train, Layer s, Layer n, T scale, T shrink)
    {
        Span<T> weights = Hidden(l);
        int cols = _n[l - 1], rows = _n[l], last = _layers - 1;
        int block = RowsPerBlock(cols);
        bool backward = _needDelta[l - 1];
        ReadOnlySpan<T> bias = Bias(l + 1);
        Span<T> accumulated = n.Delta[l - 1];
        accumulated.Clear();
        for (int first = 0; first < rows;)
        {
            int end = rows - first < 2 * block ? rows : first + block;
            if (train)
            {
                InnerLayerKernels.UpdateForward(weights, cols, first, end, s.H[l - 1], s.Delta[l], scale, shrink, n.H[l - 1], _normalizer[l - 1], bias, n.U[l], _width);
            }
            else
            {
                RowKernels.Forward(weights, cols, first, end, n.H[l - 1], _normalizer[l - 1], bias, n.U[l], _width);
            }

            int count = end - first;
            _sigma.Apply(n.U[l].AsSpan(first, count), n.H[l].AsSpan(first, count), n.DH[l].AsSpan(first, count), _width);
            Span<T> delta = n.Delta[last].AsSpan(first, count);
            RowKernels.MultiplyScaled<T>(Output.Slice(first, count), n.DH[last].AsSpan(first, count), _normalizer[last], delta, _width);
            if (backward)
            {
                InnerLayerKernels.AccumulateRows<T>(weights, cols, first, end, n.Delta[last], accumulated, _width);
            }

            first = end;
        }

        n.Started = true;
    }

    // Rows per block of the last inner matrix's pass: 16 rows while that is at most 128 KB (so the block is
    // still in L2 when its column sums are taken), else 8 (never fewer, so σ never runs on a very short span).
    // Measured at N = 256, 1024 and 4096 in double against 4, 8, 16 and 32 rows.
    private static int RowsPerBlock(int cols) =>
        (long)cols * System.Runtime.CompilerServices.Unsafe.SizeOf<T>() * RowBlockOfLastLayer <= 128 * 1024 ? RowBlockOfLastLayer : RowBlockOfLastLayer / 2;

    // Whether each layer's δ_ℓ is used: by its trained bias, by the trained weights into it (w for layer 1,
    // W^{ℓ-1} for ℓ ≥ 2), or to compute δ_{ℓ-1} when that one is used. Frozen ends (deep-fixed-ends: w and c
    // fixed, no biases) need no δ_1, so the backward pass stops above it and (W^1)ᵀ δ_2 is never computed.
    private static bool[] NeededDeltas(bool trainFirst, bool[] trainBias, bool[] trainHidden)
    {
        var need = new bool[trainBias.Length];
        for (int l = 0; l < need.Length; l++)
        {
            need[l] = trainBias[l] || (l == 0 ? trainFirst : trainHidden[l - 1] || need[l - 1]);
        }

        return need;
    }

    // One pass over the first layer, split into blocks of rows (in parallel for wide points).
    private void FirstLayerPass(PassKind kind, T[] input, T[] next, T scale, T shrink, Layer current, Layer target)
    {
        _pass = kind;
        _passInput = input;
        _passNext = next;
        _passScale = scale;
        _passShrink = shrink;
        _passCurrent = current;
        _passTarget = target;
        if (_team is null)
        {
            RunFirstLayerRows(0, _n[0]);
        }
        else
        {
            _team.Run(_blocks);
        }
    }

    private Layer _passCurrent = null!, _passTarget = null!;

    private void FirstLayerBlock(int block)
    {
        int first = block * _options.RowBlock;
        RunFirstLayerRows(first, Math.Min(_n[0], first + _options.RowBlock));
    }

    private void RunFirstLayerRows(int first, int end)
    {
        if (_paired)
        {
            RunPairedRows(first, end);
            return;
        }

        Span<T> w = First;
        ReadOnlySpan<T> bias = Bias(1);
        switch (_pass)
        {
            case PassKind.Forward:
                RowKernels.Forward<T>(w, _d, first, end, _passNext, T.One, bias, _passTarget.U[0], _width);
                break;
            case PassKind.Update:
                RowKernels.Update<T>(w, _d, first, end, _passInput, _passCurrent.Delta[0], _passScale, _passShrink, _width);
                break;
            default:
                RowKernels.UpdateForward<T>(w, _d, first, end, _passInput, _passCurrent.Delta[0], _passScale, _passShrink, _passNext, T.One, bias, _passTarget.U[0], _width);
                break;
        }
    }

    // The first layer's pass in float when it is stored as PairedRows lays it out (the bits of RowKernels).
    private void RunPairedRows(int first, int end)
    {
        Span<float> w = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(First);
        ReadOnlySpan<float> bias = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(Bias(1));
        ReadOnlySpan<float> next = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(_passNext.AsSpan());
        Span<float> u = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(_passTarget.U[0].AsSpan());
        ReadOnlySpan<float> input = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(_passInput.AsSpan());
        ReadOnlySpan<float> delta = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(_passCurrent.Delta[0].AsSpan());
        float scale = float.CreateTruncating(_passScale), shrink = float.CreateTruncating(_passShrink);
        switch (_pass)
        {
            case PassKind.Forward:
                PairedRows.Forward(w, _d, first, end, next, 1f, bias, u);
                break;
            case PassKind.Update:
                PairedRows.Update(w, _d, first, end, input, delta, scale, shrink);
                break;
            default:
                PairedRows.UpdateForward(w, _d, first, end, input, delta, scale, shrink, next, 1f, bias, u);
                break;
        }
    }

    private void TrackRows(ReadOnlySpan<T> delta, T scale, T shrink)
    {
        if (!_options.TrackWrittenRows)
        {
            return;
        }

        if (shrink != T.One)
        {
            RowsWritten += delta.Length;
            return;
        }

        for (int i = 0; i < delta.Length; i++)
        {
            if (scale * delta[i] != T.Zero)
            {
                RowsWritten++;
            }
        }
    }

    // The network's parameters in T, in a pinned array where every block starts on a 64-byte boundary (the
    // padding between blocks stays 0), so the rows of the first layer (and all of them when a row is a
    // multiple of 64 bytes) are read and written by aligned vector loads and stores. Returns the array and
    // the start of each block.
    private static (T[] Values, int[] Start) AlignedCopy(MeanFieldNetwork network)
    {
        const int alignment = 64;
        int lanes = alignment / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int padded = network.Blocks.Sum(b => ((b.Length + lanes - 1) / lanes * lanes) + lanes);
        T[] values = GC.AllocateArray<T>(padded + lanes, pinned: true);
        int start;
        unsafe
        {
            fixed (T* p = values)
            {
                start = (int)((alignment - ((nint)p % alignment)) % alignment) / System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
            }
        }

        int[] starts = new int[network.Blocks.Count];
        for (int index = 0; index < starts.Length; index++)
        {
            ParameterBlock block = network.Blocks[index];
            starts[index] = start;
            for (int p = 0; p < block.Length; p++)
            {
                values[start + p] = T.CreateChecked(network.Theta[block.Offset + p]);
            }

            start += (block.Length + lanes - 1) / lanes * lanes;
        }

        return (values, starts);
    }

    private Span<T> Bias(int layer) => _theta.AsSpan(_biasOffset[layer - 1], _n[layer - 1]);

    private Span<T> Hidden(int layer) => _theta.AsSpan(_hiddenOffset[layer - 1], _n[layer] * _n[layer - 1]);

    private T Draw(T[] x)
    {
        if (typeof(T) == typeof(double))
        {
            return T.CreateTruncating(_data.Sample(ref _rng, ((double[])(object)x).AsSpan()));
        }

        // float: the double sample rounded to nearest, eight at a time (the same rounding as one at a time).
        double y = _data.Sample(ref _rng, _draw);
        Span<float> single = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(x.AsSpan());
        int j = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; j <= single.Length - 8; j += 8)
            {
                Vector256.Narrow(Vector256.Create<double>(_draw.AsSpan(j, 4)), Vector256.Create<double>(_draw.AsSpan(j + 4, 4))).CopyTo(single[j..]);
            }
        }

        for (; j < single.Length; j++)
        {
            single[j] = (float)_draw[j];
        }

        return T.CreateChecked(y);
    }

    // Pre-activations, activations, derivatives and δ of one sample, per layer.
    private sealed class Layer(int[] widths)
    {
        public T[][] U { get; } = [.. widths.Select(n => new T[n])];

        public T[][] H { get; } = [.. widths.Select(n => new T[n])];

        public T[][] DH { get; } = [.. widths.Select(n => new T[n])];

        public T[][] Delta { get; } = [.. widths.Select(n => new T[n])];

        public T Residual { get; set; }

        /// <summary>Whether δ_L and (for L ≥ 2) the unscaled (W^{L-1})ᵀ δ_L are already in Delta (set by the fused passes).</summary>
        public bool Started { get; set; }

        /// <summary>Whether <see cref="Prediction"/> holds Σ c_j h_{L,j} for these activations.</summary>
        public bool HasPrediction { get; set; }

        /// <summary>Σ c_j h_{L,j} in the order of <see cref="Dot"/>, computed by the fused pass.</summary>
        public T Prediction { get; set; }
    }
}
