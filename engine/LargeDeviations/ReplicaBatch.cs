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
    private int _slot;

    // The samples a run draws (x_0 .. x_K).
    private long _samplesNeeded;

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

    /// <summary>
    /// The vector width the lane Gaussians and the row passes are computed at (the same bits at every width; tests force
    /// each): at <see cref="SimdWidth.Vector256"/> the row passes run each half of the lanes on its own (LaneHalves),
    /// otherwise on whole 512-bit lane vectors.
    /// </summary>
    internal SimdWidth VectorWidth { get; set; } = Simd.Best;

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
        _samplesNeeded = steps + 1;
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
                Vector512<double> prediction = _hasPrediction ? _prediction : Prediction();
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
                _prediction = FusedRows(W, _x[0], _xNext[0], Neurons(_delta), Neurons(_u), Neurons(_b), Neurons(_c), scale, shrink, alwaysWrite, select, _trainOutput, _zeroBias);
                _hasPrediction = true;
                return;
            }

            SmallRows(W, LaneSpan(_x, _d), LaneSpan(_xNext, _d), Neurons(_delta), Neurons(_u), Neurons(_b), scale, shrink, alwaysWrite);
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
    // fma(x, k, row) is what the unskipped lanes compute; Dot's short cases for the inner product). At 256 bits
    // the lanes' low and high halves make two passes of their own (LaneHalves).
    private void SmallRows(Span<Vector512<double>> weights, ReadOnlySpan<Vector512<double>> xs, ReadOnlySpan<Vector512<double>> nexts, ReadOnlySpan<Vector512<double>> deltas, Span<Vector512<double>> us, ReadOnlySpan<Vector512<double>> biases, Vector512<double> scale, Vector512<double> shrink, bool alwaysWrite)
    {
        int n = _n, d = _d;
        if (weights.Length < n * d || deltas.Length < n || us.Length < n || biases.Length < n || xs.Length < d || nexts.Length < d)
        {
            throw new ArgumentException("The lane arrays are shorter than the network.");
        }

        ref Vector512<double> w = ref MemoryMarshal.GetReference(weights);
        ref Vector512<double> delta = ref MemoryMarshal.GetReference(deltas);
        ref Vector512<double> u = ref MemoryMarshal.GetReference(us);
        ref Vector512<double> b = ref MemoryMarshal.GetReference(biases);
        Vector512<double> zero = Vector512<double>.Zero;
        Vector512<double> x0 = xs[0], x1 = d > 1 ? xs[1] : zero, x2 = d > 2 ? xs[2] : zero;
        Vector512<double> y0 = nexts[0], y1 = d > 1 ? nexts[1] : zero, y2 = d > 2 ? nexts[2] : zero;
        if (LaneHalves)
        {
            for (int half = 0; half < 2; half++)
            {
                SmallRowsLanes<Lanes256, Vector256<double>, Vector256<ulong>>(
                    n, d, ref Half(ref w, half), ref Half(ref delta, half), ref Half(ref u, half), ref Half(ref b, half), 2,
                    Half(x0, half), Half(x1, half), Half(x2, half), Half(y0, half), Half(y1, half), Half(y2, half), Half(scale, half), Half(shrink, half), alwaysWrite);
            }

            return;
        }

        SmallRowsLanes<Lanes512, Vector512<double>, Vector512<ulong>>(n, d, ref w, ref delta, ref u, ref b, 1, x0, x1, x2, y0, y1, y2, scale, shrink, alwaysWrite);
    }

    // SmallRows over lane vectors TD that are element stride apart (1: whole 512-bit lanes; 2: one half of each): one loop
    // per (d, alwaysWrite), so that no row tests either.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void SmallRowsLanes<TOps, TD, TU>(int n, int d, ref TD w, ref TD delta, ref TD u, ref TD b, int stride, TD x0, TD x1, TD x2, TD y0, TD y1, TD y2, TD scale, TD shrink, bool alwaysWrite)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        switch (d, alwaysWrite)
        {
            case (1, false):
                SmallRowsLoop<TOps, TD, TU>(n, 1, ref w, ref delta, ref u, ref b, stride, x0, x1, x2, y0, y1, y2, scale, shrink, false);
                break;
            case (1, true):
                SmallRowsLoop<TOps, TD, TU>(n, 1, ref w, ref delta, ref u, ref b, stride, x0, x1, x2, y0, y1, y2, scale, shrink, true);
                break;
            case (2, false):
                SmallRowsLoop<TOps, TD, TU>(n, 2, ref w, ref delta, ref u, ref b, stride, x0, x1, x2, y0, y1, y2, scale, shrink, false);
                break;
            case (2, true):
                SmallRowsLoop<TOps, TD, TU>(n, 2, ref w, ref delta, ref u, ref b, stride, x0, x1, x2, y0, y1, y2, scale, shrink, true);
                break;
            case (3, false):
                SmallRowsLoop<TOps, TD, TU>(n, 3, ref w, ref delta, ref u, ref b, stride, x0, x1, x2, y0, y1, y2, scale, shrink, false);
                break;
            default:
                SmallRowsLoop<TOps, TD, TU>(n, 3, ref w, ref delta, ref u, ref b, stride, x0, x1, x2, y0, y1, y2, scale, shrink, true);
                break;
        }
    }

    // The rows of SmallRowsLanes, inlined with constant d and alwaysWrite.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SmallRowsLoop<TOps, TD, TU>(int n, int d, ref TD w, ref TD delta, ref TD u, ref TD b, int stride, TD x0, TD x1, TD x2, TD y0, TD y1, TD y2, TD scale, TD shrink, bool alwaysWrite)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TD zero = TOps.Constant(0.0);
        int rowStride = d * stride;
        ref TD row = ref w;
        for (int i = 0; i < n; i++)
        {
            int at = i * stride;
            TD k = TOps.Multiply(scale, Unsafe.Add(ref delta, at));
            TD w0 = row;
            TD updated = TOps.FusedMultiplyAdd(x0, k, alwaysWrite ? TOps.Multiply(w0, shrink) : w0);
            w0 = alwaysWrite ? updated : TOps.SelectNonZero(k, updated, w0);
            row = w0;
            TD dot = TOps.FusedMultiplyAdd(w0, y0, zero);
            if (d > 1)
            {
                ref TD second = ref Unsafe.Add(ref row, stride);
                TD w1 = second;
                updated = TOps.FusedMultiplyAdd(x1, k, alwaysWrite ? TOps.Multiply(w1, shrink) : w1);
                w1 = alwaysWrite ? updated : TOps.SelectNonZero(k, updated, w1);
                second = w1;
                dot = TOps.Add(dot, TOps.FusedMultiplyAdd(w1, y1, zero));
                if (d > 2)
                {
                    ref TD third = ref Unsafe.Add(ref row, 2 * stride);
                    TD w2 = third;
                    updated = TOps.FusedMultiplyAdd(x2, k, alwaysWrite ? TOps.Multiply(w2, shrink) : w2);
                    w2 = alwaysWrite ? updated : TOps.SelectNonZero(k, updated, w2);
                    third = w2;
                    dot = TOps.FusedMultiplyAdd(w2, y2, dot);
                }
            }

            Unsafe.Add(ref u, at) = TOps.Add(dot, Unsafe.Add(ref b, at));
            row = ref Unsafe.Add(ref row, rowStride);
        }
    }

    // Whether the row passes run the lanes as two 256-bit halves (VectorWidth = Vector256): without AVX-512 a
    // 512-bit lane vector is two ymm registers anyway, and a pass over one half at a time keeps its running sums
    // in registers instead of spilling them. Lanes never mix, so the halves give the same bits.
    private bool LaneHalves => VectorWidth == SimdWidth.Vector256;

    // The half (0: lanes 0-3, 1: lanes 4-7) of the lane vector at p, as the first of 256-bit vectors two apart.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Vector256<double> Half(ref Vector512<double> p, int half) => ref Unsafe.Add(ref Unsafe.As<Vector512<double>, Vector256<double>>(ref p), half);

    // The half (0: lanes 0-3, 1: lanes 4-7) of v.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Half(Vector512<double> v, int half) => half == 0 ? v.GetLower() : v.GetUpper();

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
    // Σ c_i u_i in Dot's order for such N (DotOfBlocksLanes: row i into running sum i mod 8, then the halvings): the same bits
    // as SmallRows followed by Dot(c, u). Rows are skipped lane-wise only when select is set (SmallRows' rule; otherwise
    // no coefficient is 0 in any lane). u is stored only when storeU (the output update reads it; with c frozen nothing
    // does), and with zeroBias (every bias +0 in every lane) u + b adds a +0 register instead of loading b: the same sum.
    // Inlined into the training loop: a call would copy its four lane vectors to the stack every step.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<double> FusedRows(Span<Vector512<double>> weights, Vector512<double> x, Vector512<double> next, ReadOnlySpan<Vector512<double>> deltas, Span<Vector512<double>> us, ReadOnlySpan<Vector512<double>> biases, ReadOnlySpan<Vector512<double>> outputs, Vector512<double> scale, Vector512<double> shrink, bool alwaysWrite, bool select, bool storeU, bool zeroBias)
    {
        int n = _n;
        if (n % 8 != 0 || weights.Length < n || deltas.Length < n || us.Length < n || biases.Length < n || outputs.Length < n)
        {
            throw new ArgumentException("The lane arrays are shorter than the network, or N is not a multiple of 8.");
        }

        ref Vector512<double> w = ref MemoryMarshal.GetReference(weights);
        ref Vector512<double> delta = ref MemoryMarshal.GetReference(deltas);
        ref Vector512<double> u = ref MemoryMarshal.GetReference(us);
        ref Vector512<double> b = ref MemoryMarshal.GetReference(biases);
        ref Vector512<double> c = ref MemoryMarshal.GetReference(outputs);
        if (LaneHalves && !storeU && zeroBias)
        {
            Vector256<double> low = FusedRowsHalfLean(n, ref Half(ref w, 0), ref Half(ref delta, 0), ref Half(ref c, 0), x.GetLower(), next.GetLower(), scale.GetLower(), shrink.GetLower(), alwaysWrite, select);
            Vector256<double> high = FusedRowsHalfLean(n, ref Half(ref w, 1), ref Half(ref delta, 1), ref Half(ref c, 1), x.GetUpper(), next.GetUpper(), scale.GetUpper(), shrink.GetUpper(), alwaysWrite, select);
            return Vector512.Create(low, high);
        }

        if (LaneHalves)
        {
            Vector256<double> low = FusedRowsHalf(n, ref Half(ref w, 0), ref Half(ref delta, 0), ref Half(ref u, 0), ref Half(ref b, 0), ref Half(ref c, 0), x.GetLower(), next.GetLower(), scale.GetLower(), shrink.GetLower(), alwaysWrite, select);
            Vector256<double> high = FusedRowsHalf(n, ref Half(ref w, 1), ref Half(ref delta, 1), ref Half(ref u, 1), ref Half(ref b, 1), ref Half(ref c, 1), x.GetUpper(), next.GetUpper(), scale.GetUpper(), shrink.GetUpper(), alwaysWrite, select);
            return Vector512.Create(low, high);
        }

        return FusedRowsLanes<Lanes512, Vector512<double>, Vector512<ulong>>(n, ref w, ref delta, ref u, ref b, ref c, 1, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias);
    }

    // FusedRows over whole 512-bit lane vectors.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TD FusedRowsLanes<TOps, TD, TU>(int n, ref TD w, ref TD delta, ref TD u, ref TD b, ref TD c, int stride, TD x, TD next, TD scale, TD shrink, bool alwaysWrite, bool select, bool storeU, bool zeroBias)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct =>
        FusedRowsLoop<TOps, TD, TU>(n, ref w, ref delta, ref u, ref b, ref c, stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias);

    // FusedRows over one 256-bit half of the lanes (vectors two apart), one loop per case, so that no row tests a flag.
    // u is always stored and b always loaded here (FusedRowsHalfLean has the case where neither is needed): storing u
    // when nothing reads it, and adding the loaded biases when all are +0 (zeroBias) instead of a +0 register, give the
    // same bits.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> FusedRowsHalf(int n, ref Vector256<double> w, ref Vector256<double> delta, ref Vector256<double> u, ref Vector256<double> b, ref Vector256<double> c, Vector256<double> x, Vector256<double> next, Vector256<double> scale, Vector256<double> shrink, bool alwaysWrite, bool select) =>
        alwaysWrite ? FusedRowsLoop<Lanes256, Vector256<double>, Vector256<ulong>>(n, ref w, ref delta, ref u, ref b, ref c, 2, x, next, scale, shrink, true, false, true, false)
        : select ? FusedRowsLoop<Lanes256, Vector256<double>, Vector256<ulong>>(n, ref w, ref delta, ref u, ref b, ref c, 2, x, next, scale, shrink, false, true, true, false)
        : FusedRowsLoop<Lanes256, Vector256<double>, Vector256<ulong>>(n, ref w, ref delta, ref u, ref b, ref c, 2, x, next, scale, shrink, false, false, true, false);

    // FusedRows over one 256-bit half of the lanes when nothing reads u (c frozen) and every bias is +0 (the linear
    // neuron of the examples): no store of u and no load of b, a +0 register added instead (the same sum). A method of
    // its own, so that its three loops do not share the inlining budget of FusedRowsHalf's three: at N = 64, d = 1 this
    // pass is half of a replica's time, and the store and load it leaves out made it 12-20% slower.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector256<double> FusedRowsHalfLean(int n, ref Vector256<double> w, ref Vector256<double> delta, ref Vector256<double> c, Vector256<double> x, Vector256<double> next, Vector256<double> scale, Vector256<double> shrink, bool alwaysWrite, bool select) =>
        alwaysWrite ? FusedRowsLoop<Lanes256, Vector256<double>, Vector256<ulong>>(n, ref w, ref delta, ref w, ref w, ref c, 2, x, next, scale, shrink, true, false, false, true)
        : select ? FusedRowsLoop<Lanes256, Vector256<double>, Vector256<ulong>>(n, ref w, ref delta, ref w, ref w, ref c, 2, x, next, scale, shrink, false, true, false, true)
        : FusedRowsLoop<Lanes256, Vector256<double>, Vector256<ulong>>(n, ref w, ref delta, ref w, ref w, ref c, 2, x, next, scale, shrink, false, false, false, true);

    // The rows of FusedRows over lane vectors TD that are element stride apart (1: whole 512-bit lanes; 2: one half of each).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TD FusedRowsLoop<TOps, TD, TU>(int n, ref TD w, ref TD delta, ref TD u, ref TD b, ref TD c, int stride, TD x, TD next, TD scale, TD shrink, bool alwaysWrite, bool select, bool storeU, bool zeroBias)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TD zero = TOps.Constant(0.0);
        TD s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
        for (int i = 0; i < n; i += 8)
        {
            s0 = RowTerm<TOps, TD, TU>(ref w, ref delta, ref u, ref b, ref c, (i + 0) * stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias, s0);
            s1 = RowTerm<TOps, TD, TU>(ref w, ref delta, ref u, ref b, ref c, (i + 1) * stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias, s1);
            s2 = RowTerm<TOps, TD, TU>(ref w, ref delta, ref u, ref b, ref c, (i + 2) * stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias, s2);
            s3 = RowTerm<TOps, TD, TU>(ref w, ref delta, ref u, ref b, ref c, (i + 3) * stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias, s3);
            s4 = RowTerm<TOps, TD, TU>(ref w, ref delta, ref u, ref b, ref c, (i + 4) * stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias, s4);
            s5 = RowTerm<TOps, TD, TU>(ref w, ref delta, ref u, ref b, ref c, (i + 5) * stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias, s5);
            s6 = RowTerm<TOps, TD, TU>(ref w, ref delta, ref u, ref b, ref c, (i + 6) * stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias, s6);
            s7 = RowTerm<TOps, TD, TU>(ref w, ref delta, ref u, ref b, ref c, (i + 7) * stride, x, next, scale, shrink, alwaysWrite, select, storeU, zeroBias, s7);
        }

        return Halvings<TOps, TD, TU>(s0, s1, s2, s3, s4, s5, s6, s7);
    }

    // One row of SmallRows at d = 1 (the same operations), the row at element offset at of the lane arrays: updates w_i,
    // computes u_i = fma(w_i, x_{k+1}, 0) + b_i, and returns fma(c_i, u_i, sum).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TD RowTerm<TOps, TD, TU>(ref TD w, ref TD delta, ref TD u, ref TD b, ref TD c, int at, TD x, TD next, TD scale, TD shrink, bool alwaysWrite, bool select, bool storeU, bool zeroBias, TD sum)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TD zero = TOps.Constant(0.0);
        TD k = TOps.Multiply(scale, Unsafe.Add(ref delta, at));
        ref TD weight = ref Unsafe.Add(ref w, at);
        TD old = weight;
        TD updated = TOps.FusedMultiplyAdd(x, k, alwaysWrite ? TOps.Multiply(old, shrink) : old);
        if (select)
        {
            updated = TOps.SelectNonZero(k, updated, old);
        }

        weight = updated;
        TD value = TOps.Add(TOps.FusedMultiplyAdd(updated, next, zero), zeroBias ? zero : Unsafe.Add(ref b, at));
        if (storeU)
        {
            Unsafe.Add(ref u, at) = value;
        }

        return TOps.FusedMultiplyAdd(Unsafe.Add(ref c, at), value, sum);
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
            ? DotOfBlocksLanes<Lanes512, Vector512<double>, Vector512<ulong>>(n, ref MemoryMarshal.GetReference(a.Slice(aStart, n)), ref MemoryMarshal.GetReference(b.Slice(bStart, n)), 1)
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

    // The end of Dot's order: running sums j and j + 4, then j and j + 2, then 0 and 1 (at any lane width).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TD Halvings<TOps, TD, TU>(TD s0, TD s1, TD s2, TD s3, TD s4, TD s5, TD s6, TD s7)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct =>
        TOps.Add(TOps.Add(TOps.Add(s0, s4), TOps.Add(s2, s6)), TOps.Add(TOps.Add(s1, s5), TOps.Add(s3, s7)));

    // Dot's order when n is a multiple of 8: eight running sums, then three halvings (nothing left over), over n lane
    // vectors TD of a and b that are element stride apart (1: whole 512-bit lanes; 2: one half of each).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TD DotOfBlocksLanes<TOps, TD, TU>(int n, ref TD a, ref TD b, int stride)
        where TOps : ILaneOps<TD, TU>
        where TD : struct
        where TU : struct
    {
        TD zero = TOps.Constant(0.0);
        TD s0 = zero, s1 = zero, s2 = zero, s3 = zero, s4 = zero, s5 = zero, s6 = zero, s7 = zero;
        for (int j = 0; j + 8 <= n; j += 8)
        {
            int at = j * stride;
            s0 = TOps.FusedMultiplyAdd(Unsafe.Add(ref a, at), Unsafe.Add(ref b, at), s0);
            s1 = TOps.FusedMultiplyAdd(Unsafe.Add(ref a, at + stride), Unsafe.Add(ref b, at + stride), s1);
            s2 = TOps.FusedMultiplyAdd(Unsafe.Add(ref a, at + (2 * stride)), Unsafe.Add(ref b, at + (2 * stride)), s2);
            s3 = TOps.FusedMultiplyAdd(Unsafe.Add(ref a, at + (3 * stride)), Unsafe.Add(ref b, at + (3 * stride)), s3);
            s4 = TOps.FusedMultiplyAdd(Unsafe.Add(ref a, at + (4 * stride)), Unsafe.Add(ref b, at + (4 * stride)), s4);
            s5 = TOps.FusedMultiplyAdd(Unsafe.Add(ref a, at + (5 * stride)), Unsafe.Add(ref b, at + (5 * stride)), s5);
            s6 = TOps.FusedMultiplyAdd(Unsafe.Add(ref a, at + (6 * stride)), Unsafe.Add(ref b, at + (6 * stride)), s6);
            s7 = TOps.FusedMultiplyAdd(Unsafe.Add(ref a, at + (7 * stride)), Unsafe.Add(ref b, at + (7 * stride)), s7);
        }

        return Halvings<TOps, TD, TU>(s0, s1, s2, s3, s4, s5, s6, s7);
    }

    // The next step's prediction Σ c_i h_i lane-wise in Dot's order, when FusedRows did not sum it. With N a multiple of 8
    // at 256 bits, the lanes' halves are summed one at a time (DotOfBlocksLanes' order, as in LaneHalves).
    private Vector512<double> Prediction()
    {
        if (LaneHalves && _n >= 8 && _n % 8 == 0)
        {
            Vector256<double> low = DotOfBlocksLanes<Lanes256, Vector256<double>, Vector256<ulong>>(_n, ref Half(ref *_c, 0), ref Half(ref *_h, 0), 2);
            Vector256<double> high = DotOfBlocksLanes<Lanes256, Vector256<double>, Vector256<ulong>>(_n, ref Half(ref *_c, 1), ref Half(ref *_h, 1), 2);
            return Vector512.Create(low, high);
        }

        return Dot(Neurons(_c), 0, 1, Neurons(_h), 0, 1, _n);
    }

    // Draws one sample per lane from the lane's stream into x (lane-wise); returns the labels.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector512<double> Draw(Vector512<double>* at, int count)
    {
        if (_samples is { } samples)
        {
            int g = samples.Gaussians;
            int slot = _slot == MaxBlock ? 0 : _slot;
            _slot = slot + 1;
            if (slot == 0)
            {
                // Every lane's stream at once (lanes past count hold an earlier replica's stream; their values are not used),
                // no further than the run's last sample, rounded up to an even count (whole pairs whatever G is): a run of
                // K = 2N steps draws 2N + 1 samples, and a full last block would compute up to 63 samples it never uses.
                int fill = (int)Math.Min(MaxBlock, (_samplesNeeded - _sample + 1) & ~1L);
                LaneGaussians.FillLanes(_seeds, _gammas, _sample * g / 2, fill * g / 2, MemoryMarshal.Cast<Vector512<double>, double>(LaneSpan(_block, MaxBlock * _perSample)), VectorWidth);
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

        LaneGaussians.FillLanes(_initialSeeds, _initialGammas, 0, pairs, MemoryMarshal.Cast<Vector512<double>, double>(_initial.AsSpan()), VectorWidth);
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
