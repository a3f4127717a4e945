using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>
/// Trains the replicas of a large-deviations point together, one replica per vector lane
/// (docs/large-deviations.md, "Batched replicas"). It covers the fused path of <c>SgdStepper</c> for
/// two-layer networks (L = 1, B = 1, β = ∞, float64) with the piecewise-linear activations (identity, relu,
/// ramp), the replicas of small networks whose one-at-a-time cost is mostly per-call overhead.
/// <para>
/// Each lane performs, element by element, the operations the stepper performs for one replica (MATH
/// section 3): the same samples from the replica's own training stream, the inner products in the fixed
/// order of <c>Kernels.Dot</c> (its logical lanes emulated lane-wise), the same fused multiply-adds, products
/// and sums, and the same skip of a row whose update coefficient is 0 when nothing shrinks. Vector lanes
/// never mix, so a replica's final parameters have the same bits as when the stepper trains it alone,
/// whatever block, lane or vector width it runs in.
/// </para>
/// </summary>
public sealed unsafe class ReplicaBatch
{
    private static readonly int Lanes = Vector512<double>.Count;

    private readonly DataModel _data;
    private readonly int _n, _d;
    private readonly double _normalizer, _mFirst, _mBias, _mOutput, _ridge;
    private readonly bool _trainFirst, _trainBias, _trainOutput;
    private readonly Kind _activation;
    private readonly double _t1, _t2, _s1, _s2, _slope;

    // One vector chunk's state, lane r = replica r of the chunk: w (N×d, row-major), b, c, u, h, σ', δ, x, x_next, and a
    // block of samples' Gaussians ahead (lane-interleaved). They live in one pinned array (_store, never moved), each on a
    // 64-byte boundary, so that every lane vector is one aligned load or store rather than two halves of cache lines, and
    // at the same distances in every batch and process (LaneArrays).
    private readonly double[] _store;
    private readonly Vector512<double>* _w, _b, _c, _u, _h, _dh, _delta, _block;
    private Vector512<double>* _x, _xNext;
    private readonly int _perSample;
    private readonly double[] _draw, _scatter;
    private readonly Xoshiro256[] _rng;

    // Gaussian data: each lane's sample and sign streams, and a block of samples' Gaussians ahead (lane-interleaved).
    private readonly LaneSamples? _samples;
    private readonly LaneStream[] _signs;
    private readonly ulong[] _seeds, _gammas;

    // The direct initial draw (TrainDrawn): each lane's initialization Gaussian and sign streams, and their Gaussians.
    private readonly ulong[] _initialSeeds = new ulong[Lanes], _initialGammas = new ulong[Lanes];
    private readonly LaneStream[] _initialSigns = new LaneStream[Lanes];
    private Vector512<double>[] _initial = [];
    private int _blockSamples, _slot;

    // The next step's prediction when FusedRows summed it; the least |δ_i| over lanes and rows (Delta).
    private Vector512<double> _prediction;
    private bool _hasPrediction, _zeroBias;
    private double _minAbsDelta;
    private long _sample;

    private ReplicaBatch(SweepSpec spec, MeanFieldNetwork shape, DataModel data)
    {
        _data = data;
        _n = shape.Widths[0];
        _d = shape.Dimension;
        _normalizer = Math.Pow(_n, -shape.Gamma[0]);
        foreach (ParameterBlock block in shape.Blocks)
        {
            switch (block.Kind)
            {
                case BlockKind.First:
                    (_trainFirst, _mFirst) = (block.Trainable, block.Multiplier);
                    break;
                case BlockKind.Bias:
                    (_trainBias, _mBias) = (block.Trainable, block.Multiplier);
                    break;
                default:
                    (_trainOutput, _mOutput) = (block.Trainable, block.Multiplier);
                    break;
            }
        }

        _ridge = spec.Training.Ridge;
        ActivationSpec a = spec.Model.Activation;
        _activation = a.Kind switch
        {
            ActivationKinds.Identity => Kind.Identity,
            ActivationKinds.Relu => Kind.Relu,
            _ => Kind.Ramp,
        };
        (_t1, _t2, _s1, _s2) = (a.T1, a.T2, a.S1, a.S2);
        _slope = (a.S2 - a.S1) / (a.T2 - a.T1);
        _samples = LaneSamples.For(data);
        int perSample = _perSample = Math.Max(_d, _samples?.Gaussians ?? 0);

        // With the identity h is u (one array) and σ′ ≡ 1 for good.
        bool identity = _activation == Kind.Identity;
        int[] lengths = [_n * _d, _n, _n, _n, identity ? 0 : _n, _n, _n, perSample, perSample, MaxBlock * perSample];
        _store = LaneArrays(lengths, out Vector512<double>*[] at);
        _w = at[0];
        _b = at[1];
        _c = at[2];
        _u = at[3];
        _h = identity ? at[3] : at[4];
        _dh = at[5];
        _delta = at[6];
        _x = at[7];
        _xNext = at[8];
        _block = at[9];
        if (identity)
        {
            Neurons(_dh).Fill(Vector512<double>.One);
        }

        _draw = new double[_d];
        _scatter = new double[Lanes];
        _rng = new Xoshiro256[Lanes];
        _seeds = new ulong[Lanes];
        _gammas = new ulong[Lanes];
        _signs = new LaneStream[Lanes];
    }

    // Arrays of lane vectors of the given lengths in one pinned array: each starts on a 64-byte boundary and is followed by a
    // vector of padding (two when that would put the next array a multiple of 4 KB further, where loads of one could wait on
    // stores to the other). Returns the array (to keep) and where each starts.
    private static double[] LaneArrays(int[] lengths, out Vector512<double>*[] starts)
    {
        int lanes = Vector512<double>.Count;
        var offsets = new int[lengths.Length];
        int vectors = 0;
        for (int a = 0; a < lengths.Length; a++)
        {
            offsets[a] = vectors;
            int padding = (lengths[a] + 1) % 64 == 0 ? 2 : 1;
            vectors += lengths[a] + padding;
        }

        double[] store = GC.AllocateArray<double>((vectors + 1) * lanes, pinned: true);
        starts = new Vector512<double>*[lengths.Length];
        fixed (double* p = store)
        {
            // The array is pinned (the pinned object heap never moves it), so the addresses stay valid while it is held.
            var first = (Vector512<double>*)(((nint)p + 63) & ~(nint)63);
            for (int a = 0; a < lengths.Length; a++)
            {
                starts[a] = first + offsets[a];
            }
        }

        return store;
    }

    /// <summary>
    /// The byte ranges of the lane arrays (w, b, c, u, h, σ', δ, x, x_next, the Gaussian block), for the tests of their layout:
    /// each starts on a 64-byte boundary and lies in the pinned store.
    /// </summary>
    internal IReadOnlyList<(nint Start, nint End, nint StoreStart, nint StoreEnd)> LaneLayout()
    {
        fixed (double* p = _store)
        {
            nint low = (nint)p, high = (nint)(p + _store.Length);
            return [.. new (nint Start, int Length)[]
            {
                ((nint)_w, _n * _d), ((nint)_b, _n), ((nint)_c, _n), ((nint)_u, _n), ((nint)_h, _n), ((nint)_dh, _n), ((nint)_delta, _n),
                ((nint)_x, _perSample), ((nint)_xNext, _perSample), ((nint)_block, MaxBlock * _perSample),
            }.Select(a => (a.Start, a.Start + (a.Length * sizeof(Vector512<double>)), low, high))];
        }
    }

    // The lane vectors at p, as a span of n.
    private static Span<Vector512<double>> LaneSpan(Vector512<double>* p, int n) => new(p, n);

    // The first layer's lane vectors (N×d), and a per-neuron lane array (b, c, u, h, σ', δ) at p, as spans.
    private Span<Vector512<double>> W => LaneSpan(_w, _n * _d);

    private Span<Vector512<double>> Neurons(Vector512<double>* p) => LaneSpan(p, _n);

    // Samples whose Gaussians are drawn at once (an even number, so a block starts on a whole Box–Muller pair).
    private const int MaxBlock = 64;

    /// <summary>The vector width the lane Gaussians are computed at (the same bits at every width; tests force each).</summary>
    internal SimdWidth GaussianWidth { get; set; } = Simd.Best;

    /// <summary>The stream of replica <paramref name="key"/>'s training Gaussians (docs/large-deviations.md, "The replicas' random numbers").</summary>
    internal static LaneStream GaussianStream(ulong key) => LaneStream.For(key, 1);

    /// <summary>The stream of replica <paramref name="key"/>'s sign words (the label of a Gaussian-mixture sample).</summary>
    internal static LaneStream SignStream(ulong key) => LaneStream.For(key, 2);

    private enum Kind
    {
        Identity,
        Relu,
        Ramp,
    }

    /// <summary>
    /// Whether the replicas of <paramref name="spec"/>'s point <paramref name="point"/> train in lanes (otherwise one at a time
    /// with the stepper). Decided by the model alone, never by the machine: the two paths draw different random numbers.
    /// Without AVX-512 the 512-bit lanes run as pairs of 256-bit vectors (or in software), with the same bits.
    /// </summary>
    public static bool Supports(SweepSpec spec, PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        string kind = spec.Model.Activation.Kind;
        return point.Widths.Count == 1
            && spec.Training.BatchSize == 1
            && spec.Training.Beta is null or double.PositiveInfinity
            && spec.Training.Precision == Precisions.Float64
            && (kind == ActivationKinds.Identity || kind == ActivationKinds.Relu || (kind == ActivationKinds.Ramp && spec.Model.Activation.T2 > spec.Model.Activation.T1));
    }

    /// <summary>The batch for networks shaped like <paramref name="shape"/> (blocks, multipliers, widths).</summary>
    public static ReplicaBatch For(SweepSpec spec, MeanFieldNetwork shape, DataModel data) => new(spec, shape, data);

    /// <summary>The number of replicas trained together (the vector width in doubles).</summary>
    public static int Width => Lanes;

    /// <summary>
    /// Trains <paramref name="networks"/> (at most <see cref="Width"/>, each with its training key in
    /// <paramref name="keys"/>, <see cref="RandomStreams.Key"/> of (seed, training, point keys, replica)) for
    /// <paramref name="steps"/> steps of size <paramref name="stepSize"/>(k), and writes their final parameters back.
    /// Gaussian data draws from the key's lane streams (<see cref="LaneSamples"/>), other data from the
    /// <see cref="Xoshiro256"/> of the key as the stepper does. Returns, per network, whether every step's residual
    /// was finite (false: the replica diverged, its parameters are not meaningful).
    /// </summary>
    public bool[] Train(IReadOnlyList<MeanFieldNetwork> networks, IReadOnlyList<ulong> keys, long steps, Func<long, double> stepSize)
    {
        ArgumentNullException.ThrowIfNull(networks);
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(stepSize);
        int count = networks.Count;
        if (count > Lanes || keys.Count != count)
        {
            throw new ArgumentException($"Expected at most {Lanes} networks, each with one key; got {count} and {keys.Count}.");
        }

        Load(networks, keys);
        bool[] finite = Run(count, steps, stepSize);
        Store(networks);
        return finite;
    }

    /// <summary>
    /// Trains <paramref name="keys"/>.Length replicas (at most <see cref="Width"/>) from the initial parameters of the
    /// lane-stream law (<c>LaneInitialization</c>) of their initialization keys (<paramref name="initialKeys"/>), drawn
    /// for all lanes at once and straight into them: no networks in between. <see cref="Store"/> writes the final
    /// parameters out when the caller needs them; with 0 steps, that is a replica's initial network.
    /// </summary>
    internal bool[] TrainDrawn(ModelSpec model, ReadOnlySpan<ulong> initialKeys, ReadOnlySpan<ulong> keys, long steps, Func<long, double> stepSize)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stepSize);
        int count = keys.Length;
        if (count > Lanes || initialKeys.Length != count)
        {
            throw new ArgumentException($"Expected at most {Lanes} replicas, each with an initialization and a training key; got {initialKeys.Length} and {count}.");
        }

        Clear();
        DrawInitial(model, initialKeys);
        for (int r = 0; r < count; r++)
        {
            SetKey(r, keys[r]);
        }

        return Run(count, steps, stepSize);
    }

    // The training loop over the loaded lanes; returns, per lane below count, whether every residual was finite.
    private bool[] Run(int count, long steps, Func<long, double> stepSize)
    {
        _sample = 0;
        _slot = 0;
        _hasPrediction = false;
        _zeroBias = !_trainBias && !MemoryMarshal.AsBytes(Neurons(_b)).ContainsAnyExcept((byte)0);
        _blockSamples = (int)Math.Min(MaxBlock, (steps + 2) & ~1L);
        Vector512<double> alive = Vector512<double>.AllBitsSet;
        if (steps > 0)
        {
            // Priming: x_0 and the forward state at the initial parameters (not yet the fused state).
            Vector512<double> y = Draw(_x, count);
            Forward(_x);
            Activate();
            bool started = false;
            for (long k = 0; k < steps; k++)
            {
                double step = stepSize(k);
                Vector512<double> yNext = Draw(_xNext, count);
                Vector512<double> prediction = _hasPrediction ? _prediction : Dot(Neurons(_c), 0, 1, Neurons(_h), 0, 1, _n);
                _hasPrediction = false;
                Vector512<double> residual = y - (Vector512.Create(_normalizer) * prediction);
                alive &= Vector512.Equals(residual - residual, Vector512<double>.Zero);
                if (!started)
                {
                    // δ = (c ⊙ σ′)·N^{-γ}.
                    Delta();
                }

                Step(residual, step);

                // The fused pass's output activation: h, σ′ and δ of x_{k+1} at the updated c.
                // With the identity σ′ ≡ 1, so δ changes only when c does: recomputing it would give the same bits.
                Activate();
                if (_trainOutput || _activation != Kind.Identity)
                {
                    Delta();
                }

                started = true;
                Vector512<double>* swap = _x;
                _x = _xNext;
                _xNext = swap;
                y = yNext;
            }
        }

        var finite = new bool[count];
        for (int r = 0; r < count; r++)
        {
            finite[r] = alive.AsInt64()[r] != 0;
        }

        return finite;
    }

    /// <summary>Whether the trained networks are affine in x (the identity activation), so that <see cref="AffineCoefficients"/> applies.</summary>
    public bool IsAffine => _activation == Kind.Identity;

    /// <summary>
    /// After <see cref="Train"/>, the affine map ŷ(x) = a + ⟨v, x⟩ of each lane's network (identity activation):
    /// a = N^{-γ} Σ_i c_i b_i and v_k = N^{-γ} Σ_i c_i w_{ik}, the sums in the fixed order of the lane inner product.
    /// Writes a of lane r to <paramref name="intercepts"/>[r] and v_k to <paramref name="slopes"/>[k·Width + r].
    /// </summary>
    public void AffineCoefficients(Span<double> intercepts, Span<double> slopes)
    {
        if (!IsAffine || intercepts.Length < Lanes || slopes.Length < _d * Lanes)
        {
            throw new InvalidOperationException($"Affine coefficients need the identity activation and room for {Lanes} intercepts and {_d * Lanes} slopes.");
        }

        var normalizer = Vector512.Create(_normalizer);
        (normalizer * Dot(Neurons(_c), 0, 1, Neurons(_b), 0, 1, _n)).CopyTo(intercepts);
        for (int k = 0; k < _d; k++)
        {
            (normalizer * Dot(Neurons(_c), 0, 1, W, k, _d, _n)).CopyTo(slopes[(k * Lanes)..]);
        }
    }

    // One step after the residuals: c, b, then w with the fused forward pass of x_{k+1} (SgdStepper.FastStep).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Step(Vector512<double> residual, double stepSize)
    {
        Vector512<double> coefficient = Vector512.Create(2.0 * stepSize) * residual;
        double shrinkScalar = 1.0 - (2.0 * _ridge * stepSize);
        var shrink = Vector512.Create(shrinkScalar);
        if (_trainOutput)
        {
            Vector512<double> k = coefficient * Vector512.Create(_mOutput) * Vector512.Create(_normalizer);
            for (int i = 0; i < _n; i++)
            {
                _c[i] = Vector512.FusedMultiplyAdd(_h[i], k, _c[i] * shrink);
            }
        }

        if (_trainBias)
        {
            Vector512<double> k = coefficient * Vector512.Create(_mBias);
            for (int i = 0; i < _n; i++)
            {
                _b[i] = Vector512.FusedMultiplyAdd(_delta[i], k, _b[i] * shrink);
            }
        }

        if (!_trainFirst)
        {
            Forward(_xNext);
            return;
        }

        Vector512<double> scale = coefficient * Vector512.Create(_mFirst);
        bool alwaysWrite = shrinkScalar != 1.0;
        if (_d <= 3)
        {
            if (_d == 1 && _activation == Kind.Identity && _n % 8 == 0)
            {
                // k_i = scale·δ_i is 0 in no lane when round(min|scale| · min|δ|) > 0 (rounding is monotone): then no row is skipped.
                bool select = !alwaysWrite && !(MinAbs(scale) * _minAbsDelta > 0);
                _prediction = FusedRows(_n, W, _x[0], _xNext[0], Neurons(_delta), Neurons(_u), Neurons(_b), Neurons(_c), scale, shrink, alwaysWrite, select, _trainOutput, _zeroBias);
                _hasPrediction = true;
                return;
            }

            SmallRows(_n, _d, W, LaneSpan(_x, _d), LaneSpan(_xNext, _d), Neurons(_delta), Neurons(_u), Neurons(_b), scale, shrink, alwaysWrite);
            return;
        }

        Span<Vector512<double>> w = W, x = LaneSpan(_x, _d), delta = Neurons(_delta), u = Neurons(_u), b = Neurons(_b);
        for (int i = 0; i < _n; i++)
        {
            // Row i ← fma(x_k, scale·δ_i, shrink·row) unless scale·δ_i = 0 and shrink = 1 (RowKernels.Update).
            Vector512<double> k = scale * delta[i];
            Span<Vector512<double>> row = w.Slice(i * _d, _d);
            if (alwaysWrite)
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = Vector512.FusedMultiplyAdd(x[j], k, row[j] * shrink);
                }
            }
            else if (!Vector512.EqualsAny(k, Vector512<double>.Zero))
            {
                // shrink = 1: row·1 is row exactly, so the product is left out.
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = Vector512.FusedMultiplyAdd(x[j], k, row[j]);
                }
            }
            else
            {
                Vector512<double> write = ~Vector512.Equals(k, Vector512<double>.Zero);
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = Vector512.ConditionalSelect(write, Vector512.FusedMultiplyAdd(x[j], k, row[j] * shrink), row[j]);
                }
            }

            u[i] = Dot(row, 0, 1, LaneSpan(_xNext, _d), 0, 1, _d) + b[i];
        }
    }

    // Step's pass over the rows for d ≤ 3, with x_k and x_{k+1} in registers: the same operations in the same
    // order (the skip of a row whose coefficient is 0, when nothing shrinks, as a lane select: with shrink = 1,
    // fma(x, k, row) is what the unskipped lanes compute; Dot's short cases for the inner product).
    private static void SmallRows(int n, int d, Span<Vector512<double>> weights, ReadOnlySpan<Vector512<double>> xs, ReadOnlySpan<Vector512<double>> nexts, ReadOnlySpan<Vector512<double>> deltas, Span<Vector512<double>> us, ReadOnlySpan<Vector512<double>> biases, Vector512<double> scale, Vector512<double> shrink, bool alwaysWrite)
    {
        ref Vector512<double> w = ref MemoryMarshal.GetReference(weights);
        ref Vector512<double> delta = ref MemoryMarshal.GetReference(deltas);
        ref Vector512<double> u = ref MemoryMarshal.GetReference(us);
        ref Vector512<double> b = ref MemoryMarshal.GetReference(biases);
        if (weights.Length < n * d || deltas.Length < n || us.Length < n || biases.Length < n || xs.Length < d || nexts.Length < d)
        {
            throw new ArgumentException("The lane arrays are shorter than the network.");
        }

        Vector512<double> zero = Vector512<double>.Zero;
        Vector512<double> x0 = xs[0], x1 = d > 1 ? xs[1] : zero, x2 = d > 2 ? xs[2] : zero;
        Vector512<double> y0 = nexts[0], y1 = d > 1 ? nexts[1] : zero, y2 = d > 2 ? nexts[2] : zero;
        for (int i = 0; i < n; i++)
        {
            Vector512<double> k = scale * Unsafe.Add(ref delta, i);
            Vector512<double> write = alwaysWrite ? Vector512<double>.AllBitsSet : ~Vector512.Equals(k, zero);
            ref Vector512<double> row = ref Unsafe.Add(ref w, i * d);
            Vector512<double> w0 = row;
            w0 = Vector512.ConditionalSelect(write, Vector512.FusedMultiplyAdd(x0, k, alwaysWrite ? w0 * shrink : w0), w0);
            row = w0;
            Vector512<double> dot = Vector512.FusedMultiplyAdd(w0, y0, zero);
            if (d > 1)
            {
                ref Vector512<double> second = ref Unsafe.Add(ref row, 1);
                Vector512<double> w1 = second;
                w1 = Vector512.ConditionalSelect(write, Vector512.FusedMultiplyAdd(x1, k, alwaysWrite ? w1 * shrink : w1), w1);
                second = w1;
                dot += Vector512.FusedMultiplyAdd(w1, y1, zero);
                if (d > 2)
                {
                    ref Vector512<double> third = ref Unsafe.Add(ref row, 2);
                    Vector512<double> w2 = third;
                    w2 = Vector512.ConditionalSelect(write, Vector512.FusedMultiplyAdd(x2, k, alwaysWrite ? w2 * shrink : w2), w2);
                    third = w2;
                    dot = Vector512.FusedMultiplyAdd(w2, y2, dot);
                }
            }

            Unsafe.Add(ref u, i) = dot + Unsafe.Add(ref b, i);
        }
    }

    // u_i = <w_i, x> + b_i (the forward pass's 1·dot + b: the product by 1 is exact).
    private void Forward(Vector512<double>* x)
    {
        Span<Vector512<double>> w = W, sample = LaneSpan(x, _d);
        for (int i = 0; i < _n; i++)
        {
            _u[i] = Dot(w, i * _d, 1, sample, 0, 1, _d) + _b[i];
        }
    }

    private void Activate()
    {
        if (_activation == Kind.Identity)
        {
            return;
        }

        Span<Vector512<double>> u = Neurons(_u), h = Neurons(_h), dh = Neurons(_dh);

        for (int i = 0; i < u.Length; i++)
        {
            (h[i], dh[i]) = Sigma(u[i]);
        }
    }

    private void Delta()
    {
        var normalizer = Vector512.Create(_normalizer);
        Span<Vector512<double>> c = Neurons(_c), dh = Neurons(_dh), delta = Neurons(_delta);
        Vector512<double> least = Vector512.Create(double.PositiveInfinity);
        for (int i = 0; i < delta.Length; i++)
        {
            delta[i] = c[i] * dh[i] * normalizer;
            least = Vector512.Min(least, Vector512.Abs(delta[i]));
        }

        _minAbsDelta = MinAbs(least);
    }

    // The least |v_r| over the lanes; NaN when a lane is NaN (so that a comparison with it fails).
    private static double MinAbs(Vector512<double> v)
    {
        Vector512<double> a = Vector512.Abs(v);
        if (!Vector512.EqualsAll(a, a))
        {
            return double.NaN;
        }

        Vector256<double> four = Vector256.Min(a.GetLower(), a.GetUpper());
        Vector128<double> two = Vector128.Min(four.GetLower(), four.GetUpper());
        return Math.Min(two.ToScalar(), two.GetElement(1));
    }

    // SmallRows for d = 1 and the identity (h = u) with N a multiple of 8, also summing the next step's prediction
    // Σ c_i u_i in Dot's order for such N (DotOfBlocks: row i into running sum i mod 8, then the halvings): the same bits
    // as SmallRows followed by Dot(c, u). Rows are skipped lane-wise only when select is set (SmallRows' rule; otherwise
    // no coefficient is 0 in any lane). u is stored only when storeU (the output update reads it; with c frozen nothing
    // does), and with zeroBias (every bias +0 in every lane) u + b adds a +0 register instead of loading b: the same sum.
    private static Vector512<double> FusedRows(int n, Span<Vector512<double>> weights, Vector512<double> x, Vector512<double> next, ReadOnlySpan<Vector512<double>> deltas, Span<Vector512<double>> us, ReadOnlySpan<Vector512<double>> biases, ReadOnlySpan<Vector512<double>> outputs, Vector512<double> scale, Vector512<double> shrink, bool alwaysWrite, bool select, bool storeU, bool zeroBias)
    {
        if (n % 8 != 0 || weights.Length < n || deltas.Length < n || us.Length < n || biases.Length < n || outputs.Length < n)
        {
            throw new ArgumentException("The lane arrays are shorter than the network, or N is not a multiple of 8.");
        }

        ref Vector512<double> w = ref MemoryMarshal.GetReference(weights);
        ref Vector512<double> delta = ref MemoryMarshal.GetReference(deltas);
        ref Vector512<double> u = ref MemoryMarshal.GetReference(us);
        ref Vector512<double> b = ref MemoryMarshal.GetReference(biases);
        ref Vector512<double> c = ref MemoryMarshal.GetReference(outputs);
        Vector512<double> s0 = Vector512<double>.Zero, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int i = 0; i < n; i += 8)
        {
            s0 = Vector512.FusedMultiplyAdd(Unsafe.Add(ref c, i), Row(ref Unsafe.Add(ref w, i), Unsafe.Add(ref delta, i), ref Unsafe.Add(ref u, i), zeroBias ? Vector512<double>.Zero : Unsafe.Add(ref b, i), x, next, scale, shrink, alwaysWrite, select, storeU), s0);
            s1 = Vector512.FusedMultiplyAdd(Unsafe.Add(ref c, i + 1), Row(ref Unsafe.Add(ref w, i + 1), Unsafe.Add(ref delta, i + 1), ref Unsafe.Add(ref u, i + 1), zeroBias ? Vector512<double>.Zero : Unsafe.Add(ref b, i + 1), x, next, scale, shrink, alwaysWrite, select, storeU), s1);
            s2 = Vector512.FusedMultiplyAdd(Unsafe.Add(ref c, i + 2), Row(ref Unsafe.Add(ref w, i + 2), Unsafe.Add(ref delta, i + 2), ref Unsafe.Add(ref u, i + 2), zeroBias ? Vector512<double>.Zero : Unsafe.Add(ref b, i + 2), x, next, scale, shrink, alwaysWrite, select, storeU), s2);
            s3 = Vector512.FusedMultiplyAdd(Unsafe.Add(ref c, i + 3), Row(ref Unsafe.Add(ref w, i + 3), Unsafe.Add(ref delta, i + 3), ref Unsafe.Add(ref u, i + 3), zeroBias ? Vector512<double>.Zero : Unsafe.Add(ref b, i + 3), x, next, scale, shrink, alwaysWrite, select, storeU), s3);
            s4 = Vector512.FusedMultiplyAdd(Unsafe.Add(ref c, i + 4), Row(ref Unsafe.Add(ref w, i + 4), Unsafe.Add(ref delta, i + 4), ref Unsafe.Add(ref u, i + 4), zeroBias ? Vector512<double>.Zero : Unsafe.Add(ref b, i + 4), x, next, scale, shrink, alwaysWrite, select, storeU), s4);
            s5 = Vector512.FusedMultiplyAdd(Unsafe.Add(ref c, i + 5), Row(ref Unsafe.Add(ref w, i + 5), Unsafe.Add(ref delta, i + 5), ref Unsafe.Add(ref u, i + 5), zeroBias ? Vector512<double>.Zero : Unsafe.Add(ref b, i + 5), x, next, scale, shrink, alwaysWrite, select, storeU), s5);
            s6 = Vector512.FusedMultiplyAdd(Unsafe.Add(ref c, i + 6), Row(ref Unsafe.Add(ref w, i + 6), Unsafe.Add(ref delta, i + 6), ref Unsafe.Add(ref u, i + 6), zeroBias ? Vector512<double>.Zero : Unsafe.Add(ref b, i + 6), x, next, scale, shrink, alwaysWrite, select, storeU), s6);
            s7 = Vector512.FusedMultiplyAdd(Unsafe.Add(ref c, i + 7), Row(ref Unsafe.Add(ref w, i + 7), Unsafe.Add(ref delta, i + 7), ref Unsafe.Add(ref u, i + 7), zeroBias ? Vector512<double>.Zero : Unsafe.Add(ref b, i + 7), x, next, scale, shrink, alwaysWrite, select, storeU), s7);
        }

        return Halvings(s0, s1, s2, s3, s4, s5, s6, s7);
    }

    // One row of SmallRows at d = 1 (the same operations): updates w_i and returns u_i = fma(w_i, x_{k+1}, 0) + b_i.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Row(ref Vector512<double> w, Vector512<double> delta, ref Vector512<double> u, Vector512<double> b, Vector512<double> x, Vector512<double> next, Vector512<double> scale, Vector512<double> shrink, bool alwaysWrite, bool select, bool storeU)
    {
        Vector512<double> k = scale * delta;
        Vector512<double> old = w;
        Vector512<double> updated = Vector512.FusedMultiplyAdd(x, k, alwaysWrite ? old * shrink : old);
        if (select)
        {
            updated = Vector512.ConditionalSelect(~Vector512.Equals(k, Vector512<double>.Zero), updated, old);
        }

        w = updated;
        Vector512<double> value = Vector512.FusedMultiplyAdd(updated, next, Vector512<double>.Zero) + b;
        if (storeU)
        {
            u = value;
        }

        return value;
    }

    // σ and σ′ as ActivationKernel computes them per element (ramp′ the slope strictly inside, relu′ 1 for z > 0).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector512<double> Value, Vector512<double> Derivative) Sigma(Vector512<double> z)
    {
        switch (_activation)
        {
            case Kind.Identity:
                return (z, Vector512<double>.One);
            case Kind.Relu:
                Vector512<double> positive = Vector512.GreaterThan(z, Vector512<double>.Zero);
                return (Vector512.ConditionalSelect(positive, z, Vector512<double>.Zero), Vector512.ConditionalSelect(positive, Vector512<double>.One, Vector512<double>.Zero));
            default:
                var t1 = Vector512.Create(_t1);
                var s1 = Vector512.Create(_s1);
                var slope = Vector512.Create(_slope);
                Vector512<double> inside = Vector512.GreaterThan(z, t1) & Vector512.LessThan(z, Vector512.Create(_t2));
                Vector512<double> outside = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(z, t1), s1, Vector512.Create(_s2));
                return (Vector512.ConditionalSelect(inside, s1 + (slope * (z - t1)), outside), Vector512.ConditionalSelect(inside, slope, Vector512<double>.Zero));
        }
    }

    /// <summary>
    /// Σ_j a_j b_j lane-wise in the order of <c>Kernels.Dot</c>: eight logical lanes, element j of each full
    /// block of eight into lane j mod 8, then halvings that take the left-over elements in (a_j =
    /// a[aStart + j·aStride]). Lanes never touched are +0 and are not added (+0 + +0 is +0 either way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<double> Dot(ReadOnlySpan<Vector512<double>> a, int aStart, int aStride, ReadOnlySpan<Vector512<double>> b, int bStart, int bStride, int n)
    {
        switch (n)
        {
            case 0:
                return Vector512<double>.Zero;
            case 1:
                return Vector512.FusedMultiplyAdd(a[aStart], b[bStart], Vector512<double>.Zero);
            case 2:
                return Vector512.FusedMultiplyAdd(a[aStart], b[bStart], Vector512<double>.Zero) + Vector512.FusedMultiplyAdd(a[aStart + aStride], b[bStart + bStride], Vector512<double>.Zero);
            case 3:
                return Vector512.FusedMultiplyAdd(
                    a[aStart + (2 * aStride)],
                    b[bStart + (2 * bStride)],
                    Vector512.FusedMultiplyAdd(a[aStart], b[bStart], Vector512<double>.Zero) + Vector512.FusedMultiplyAdd(a[aStart + aStride], b[bStart + bStride], Vector512<double>.Zero));
        }

        return n % 8 == 0 && aStride == 1 && bStride == 1
            ? DotOfBlocks(a.Slice(aStart, n), b.Slice(bStart, n))
            : DotOfAnyLength(a, aStart, aStride, b, bStart, bStride, n);
    }

    // The general emulation (its stack of eight logical lanes kept out of the short cases above).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector512<double> DotOfAnyLength(ReadOnlySpan<Vector512<double>> a, int aStart, int aStride, ReadOnlySpan<Vector512<double>> b, int bStart, int bStride, int n)
    {
        const int count = 8;
        Span<Vector512<double>> lane = stackalloc Vector512<double>[count];
        lane.Clear();
        int touched = 0;
        int j = 0;
        for (; j <= n - count; j += count)
        {
            for (int i = 0; i < count; i++)
            {
                lane[i] = Vector512.FusedMultiplyAdd(a[aStart + ((j + i) * aStride)], b[bStart + ((j + i) * bStride)], lane[i]);
            }

            touched = (1 << count) - 1;
        }

        int rest = n - j;
        for (int m = count; m > 1;)
        {
            m /= 2;
            for (int i = 0; i < m; i++)
            {
                if ((touched & ((1 << i) | (1 << (i + m)))) != 0)
                {
                    lane[i] += lane[i + m];
                    touched |= 1 << i;
                }
            }

            if (rest >= m)
            {
                for (int i = 0; i < m; i++)
                {
                    lane[i] = Vector512.FusedMultiplyAdd(a[aStart + ((j + i) * aStride)], b[bStart + ((j + i) * bStride)], lane[i]);
                    touched |= 1 << i;
                }

                j += m;
                rest -= m;
            }
        }

        return lane[0];
    }

    // Dot's order when n is a multiple of 8: eight running sums, then three halvings (nothing left over).
    private static Vector512<double> DotOfBlocks(ReadOnlySpan<Vector512<double>> a, ReadOnlySpan<Vector512<double>> b)
    {
        Vector512<double> s0 = Vector512<double>.Zero, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int j = 0; j + 8 <= a.Length && j + 8 <= b.Length; j += 8)
        {
            s0 = Vector512.FusedMultiplyAdd(a[j], b[j], s0);
            s1 = Vector512.FusedMultiplyAdd(a[j + 1], b[j + 1], s1);
            s2 = Vector512.FusedMultiplyAdd(a[j + 2], b[j + 2], s2);
            s3 = Vector512.FusedMultiplyAdd(a[j + 3], b[j + 3], s3);
            s4 = Vector512.FusedMultiplyAdd(a[j + 4], b[j + 4], s4);
            s5 = Vector512.FusedMultiplyAdd(a[j + 5], b[j + 5], s5);
            s6 = Vector512.FusedMultiplyAdd(a[j + 6], b[j + 6], s6);
            s7 = Vector512.FusedMultiplyAdd(a[j + 7], b[j + 7], s7);
        }

        return Halvings(s0, s1, s2, s3, s4, s5, s6, s7);
    }

    // The end of Dot's order: running sums j and j + 4, then j and j + 2, then 0 and 1.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> Halvings(Vector512<double> s0, Vector512<double> s1, Vector512<double> s2, Vector512<double> s3, Vector512<double> s4, Vector512<double> s5, Vector512<double> s6, Vector512<double> s7) =>
        ((s0 + s4) + (s2 + s6)) + ((s1 + s5) + (s3 + s7));

    // Draws one sample per lane from the lane's stream into x (lane-wise); returns the labels.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<double> Draw(Vector512<double>* at, int count)
    {
        if (_samples is { } samples)
        {
            int g = samples.Gaussians;
            int slot = _slot == _blockSamples ? 0 : _slot;
            _slot = slot + 1;
            if (slot == 0)
            {
                // Every lane's stream at once (lanes past count hold an earlier replica's stream; their values are not used).
                LaneGaussians.FillLanes(_seeds, _gammas, _sample * g / 2, _blockSamples * g / 2, MemoryMarshal.Cast<Vector512<double>, double>(LaneSpan(_block, MaxBlock * _perSample)), GaussianWidth);
            }

            Span<Vector512<double>> x = LaneSpan(at, _perSample);
            LaneSpan(_block + (slot * g), g).CopyTo(x);
            Vector512<double> signs = Vector512<double>.Zero;
            if (samples.Signed)
            {
                Span<double> words = _scatter;
                words.Clear();
                for (int r = 0; r < count; r++)
                {
                    words[r] = _signs[r].Sign(_sample);
                }

                signs = Vector512.Create(words);
            }

            _sample++;
            return samples.Labels(x, signs, count);
        }

        Span<double> xs = MemoryMarshal.Cast<Vector512<double>, double>(LaneSpan(at, _perSample));
        Span<double> ys = _scatter;
        ys.Clear();
        for (int r = 0; r < count; r++)
        {
            ys[r] = _data.Sample(ref _rng[r], _draw);
            for (int j = 0; j < _d; j++)
            {
                xs[(j * Lanes) + r] = _draw[j];
            }
        }

        return Vector512.Create(ys);
    }

    private void Clear()
    {
        W.Clear();
        Neurons(_b).Clear();
        Neurons(_c).Clear();
        LaneSpan(_x, _perSample).Clear();
        LaneSpan(_xNext, _perSample).Clear();
    }

    // Lane r's training streams from its key.
    private void SetKey(int r, ulong key)
    {
        if (_samples is null)
        {
            // Data other than Gaussian samples draws from the key's Xoshiro256 stream, as the stepper does.
            _rng[r] = new Xoshiro256(key);
            return;
        }

        (_seeds[r], _gammas[r]) = GaussianStream(key);
        if (_samples.Signed)
        {
            _signs[r] = SignStream(key);
        }
    }

    // The lane-stream initial law (LaneInitialization) for every lane at once: Gaussian g of lane r's initialization stream
    // is element g·Width + r of FillLanes' output, which is vector g here. w = κ/√d · g (row by row), then b = mean + std·g
    // with biases, then c (a Gaussian law with std ≠ 0: mean + std·g; Rademacher: mean + std·sign of word i of the sign
    // stream; otherwise the mean). Plain products and sums (no fused multiply-adds).
    private void DrawInitial(ModelSpec model, ReadOnlySpan<ulong> initialKeys)
    {
        InitSpec init = model.Init;
        bool gaussianOutput = init.OutputLaw != OutputLaws.Rademacher && init.OutputStd != 0;
        int count = (_n * _d) + (model.Bias ? _n : 0) + (gaussianOutput ? _n : 0);
        int pairs = (count + 1) / 2;
        if (_initial.Length < 2 * pairs)
        {
            _initial = new Vector512<double>[2 * pairs];
        }

        for (int r = 0; r < initialKeys.Length; r++)
        {
            (_initialSeeds[r], _initialGammas[r]) = LaneStream.For(initialKeys[r], 1);
        }

        LaneGaussians.FillLanes(_initialSeeds, _initialGammas, 0, pairs, MemoryMarshal.Cast<Vector512<double>, double>(_initial.AsSpan()), GaussianWidth);
        int next = 0;
        var std = Vector512.Create(init.Kappa / Math.Sqrt(_d));
        for (int p = 0; p < _n * _d; p++)
        {
            _w[p] = std * _initial[next++];
        }

        if (model.Bias)
        {
            var mean = Vector512.Create(init.BiasMean);
            var spread = Vector512.Create(init.BiasStd);
            for (int i = 0; i < _n; i++)
            {
                _b[i] = mean + (spread * _initial[next++]);
            }
        }

        var outputMean = Vector512.Create(init.OutputMean);
        var outputStd = Vector512.Create(init.OutputStd);
        if (init.OutputLaw == OutputLaws.Rademacher)
        {
            Span<double> signs = _scatter;
            for (int r = 0; r < initialKeys.Length; r++)
            {
                _initialSigns[r] = LaneStream.For(initialKeys[r], 2);
            }

            for (int i = 0; i < _n; i++)
            {
                signs.Clear();
                for (int r = 0; r < initialKeys.Length; r++)
                {
                    signs[r] = _initialSigns[r].Sign(i);
                }

                _c[i] = outputMean + (outputStd * Vector512.Create((ReadOnlySpan<double>)signs));
            }
        }
        else
        {
            for (int i = 0; i < _n; i++)
            {
                _c[i] = gaussianOutput ? outputMean + (outputStd * _initial[next++]) : outputMean;
            }
        }
    }

    private void Load(IReadOnlyList<MeanFieldNetwork> networks, IReadOnlyList<ulong> keys)
    {
        Clear();
        for (int r = 0; r < networks.Count; r++)
        {
            SetKey(r, keys[r]);
            MeanFieldNetwork network = networks[r];
            if (network.Widths.Length != 1 || network.Widths[0] != _n || network.Dimension != _d)
            {
                throw new ArgumentException("Every network of a batch must have the batch's shape.", nameof(networks));
            }

            Scatter(network.FirstLayer, W, r);
            Scatter(network.Bias(1), Neurons(_b), r);
            Scatter(network.Output, Neurons(_c), r);
        }
    }

    /// <summary>Writes the parameters of lanes 0 .. <paramref name="networks"/>.Count − 1 to those networks.</summary>
    internal void Store(IReadOnlyList<MeanFieldNetwork> networks)
    {
        ArgumentNullException.ThrowIfNull(networks);
        for (int r = 0; r < networks.Count; r++)
        {
            MeanFieldNetwork network = networks[r];
            Gather(W, network.FirstLayer, r);
            Gather(Neurons(_b), network.Bias(1), r);
            Gather(Neurons(_c), network.Output, r);
        }
    }

    private static void Scatter(ReadOnlySpan<double> values, Span<Vector512<double>> lanes, int r)
    {
        Span<double> flat = MemoryMarshal.Cast<Vector512<double>, double>(lanes);
        for (int p = 0; p < values.Length; p++)
        {
            flat[(p * Lanes) + r] = values[p];
        }
    }

    private static void Gather(ReadOnlySpan<Vector512<double>> lanes, Span<double> values, int r)
    {
        ReadOnlySpan<double> flat = MemoryMarshal.Cast<Vector512<double>, double>(lanes);
        for (int p = 0; p < values.Length; p++)
        {
            values[p] = flat[(p * Lanes) + r];
        }
    }
}
