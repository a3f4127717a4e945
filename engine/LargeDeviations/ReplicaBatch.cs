using System.Numerics;
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
public sealed class ReplicaBatch
{
    private static readonly int Lanes = Vector<double>.Count;

    private readonly DataModel _data;
    private readonly int _n, _d;
    private readonly double _normalizer, _mFirst, _mBias, _mOutput, _ridge;
    private readonly bool _trainFirst, _trainBias, _trainOutput;
    private readonly Kind _activation;
    private readonly double _t1, _t2, _s1, _s2, _slope;

    // One vector chunk's state, lane r = replica r of the chunk: w (N×d, row-major), b, c, u, h, σ', δ, x, x_next.
    private readonly Vector<double>[] _w, _b, _c, _u, _h, _dh, _delta;
    private Vector<double>[] _x, _xNext;
    private readonly double[] _draw, _scatter;
    private readonly Xoshiro256[] _rng;

    // Gaussian data: each lane's sample and sign streams, and a block of samples' Gaussians ahead (lane-interleaved).
    private readonly LaneSamples? _samples;
    private readonly LaneStream[] _signs;
    private readonly ulong[] _seeds, _gammas;
    private readonly Vector<double>[] _block;
    private int _blockSamples;
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
        _w = new Vector<double>[_n * _d];
        _b = new Vector<double>[_n];
        _c = new Vector<double>[_n];
        _u = new Vector<double>[_n];
        _dh = new Vector<double>[_n];

        // With the identity h is u (one array) and σ′ ≡ 1 for good.
        _h = _activation == Kind.Identity ? _u : new Vector<double>[_n];
        if (_activation == Kind.Identity)
        {
            _dh.AsSpan().Fill(Vector<double>.One);
        }

        _delta = new Vector<double>[_n];
        _samples = LaneSamples.For(data);
        int perSample = Math.Max(_d, _samples?.Gaussians ?? 0);
        _x = new Vector<double>[perSample];
        _xNext = new Vector<double>[perSample];
        _draw = new double[_d];
        _scatter = new double[Lanes];
        _rng = new Xoshiro256[Lanes];
        _seeds = new ulong[Lanes];
        _gammas = new ulong[Lanes];
        _signs = new LaneStream[Lanes];
        _block = new Vector<double>[MaxBlock * perSample];
    }

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

    /// <summary>Whether the replicas of <paramref name="spec"/>'s point <paramref name="point"/> can train in lanes (otherwise they train one at a time).</summary>
    public static bool Supports(SweepSpec spec, PointSpec point)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        string kind = spec.Model.Activation.Kind;
        return point.Widths.Count == 1
            && spec.Training.BatchSize == 1
            && spec.Training.Beta is null or double.PositiveInfinity
            && spec.Training.Precision == Precisions.Float64
            && (kind == ActivationKinds.Identity || kind == ActivationKinds.Relu || (kind == ActivationKinds.Ramp && spec.Model.Activation.T2 > spec.Model.Activation.T1))
            && Vector.IsHardwareAccelerated;
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
        _sample = 0;
        _blockSamples = (int)Math.Min(MaxBlock, (steps + 2) & ~1L);
        Vector<long> alive = Vector<long>.AllBitsSet;
        if (steps > 0)
        {
            // Priming: x_0 and the forward state at the initial parameters (not yet the fused state).
            Vector<double> y = Draw(_x, count);
            Forward(_x);
            Activate();
            bool started = false;
            for (long k = 0; k < steps; k++)
            {
                double step = stepSize(k);
                Vector<double> yNext = Draw(_xNext, count);
                Vector<double> prediction = Dot(_c, 0, 1, _h, 0, 1, _n);
                Vector<double> residual = y - (new Vector<double>(_normalizer) * prediction);
                alive &= Vector.Equals(residual - residual, Vector<double>.Zero);
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
                (_x, _xNext) = (_xNext, _x);
                y = yNext;
            }
        }

        Store(networks);
        var finite = new bool[count];
        for (int r = 0; r < count; r++)
        {
            finite[r] = alive[r] != 0;
        }

        return finite;
    }

    // One step after the residuals: c, b, then w with the fused forward pass of x_{k+1} (SgdStepper.FastStep).
    private void Step(Vector<double> residual, double stepSize)
    {
        Vector<double> coefficient = new Vector<double>(2.0 * stepSize) * residual;
        double shrinkScalar = 1.0 - (2.0 * _ridge * stepSize);
        var shrink = new Vector<double>(shrinkScalar);
        if (_trainOutput)
        {
            Vector<double> k = coefficient * new Vector<double>(_mOutput) * new Vector<double>(_normalizer);
            for (int i = 0; i < _n; i++)
            {
                _c[i] = Vector.FusedMultiplyAdd(_h[i], k, _c[i] * shrink);
            }
        }

        if (_trainBias)
        {
            Vector<double> k = coefficient * new Vector<double>(_mBias);
            for (int i = 0; i < _n; i++)
            {
                _b[i] = Vector.FusedMultiplyAdd(_delta[i], k, _b[i] * shrink);
            }
        }

        if (!_trainFirst)
        {
            Forward(_xNext);
            return;
        }

        Vector<double> scale = coefficient * new Vector<double>(_mFirst);
        bool alwaysWrite = shrinkScalar != 1.0;
        Span<Vector<double>> w = _w, x = _x, delta = _delta, u = _u, b = _b;
        for (int i = 0; i < _n; i++)
        {
            // Row i ← fma(x_k, scale·δ_i, shrink·row) unless scale·δ_i = 0 and shrink = 1 (RowKernels.Update).
            Vector<double> k = scale * delta[i];
            Span<Vector<double>> row = w.Slice(i * _d, _d);
            if (alwaysWrite)
            {
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = Vector.FusedMultiplyAdd(x[j], k, row[j] * shrink);
                }
            }
            else if (!Vector.EqualsAny(k, Vector<double>.Zero))
            {
                // shrink = 1: row·1 is row exactly, so the product is left out.
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = Vector.FusedMultiplyAdd(x[j], k, row[j]);
                }
            }
            else
            {
                Vector<long> write = ~Vector.Equals(k, Vector<double>.Zero);
                for (int j = 0; j < row.Length; j++)
                {
                    row[j] = Vector.ConditionalSelect(write, Vector.FusedMultiplyAdd(x[j], k, row[j] * shrink), row[j]);
                }
            }

            u[i] = Dot(row, 0, 1, _xNext, 0, 1, _d) + b[i];
        }
    }

    // u_i = <w_i, x> + b_i (the forward pass's 1·dot + b: the product by 1 is exact).
    private void Forward(Vector<double>[] x)
    {
        for (int i = 0; i < _n; i++)
        {
            _u[i] = Dot(_w, i * _d, 1, x, 0, 1, _d) + _b[i];
        }
    }

    private void Activate()
    {
        if (_activation == Kind.Identity)
        {
            return;
        }

        Span<Vector<double>> u = _u, h = _h, dh = _dh;

        for (int i = 0; i < u.Length; i++)
        {
            (h[i], dh[i]) = Sigma(u[i]);
        }
    }

    private void Delta()
    {
        var normalizer = new Vector<double>(_normalizer);
        Span<Vector<double>> c = _c, dh = _dh, delta = _delta;
        for (int i = 0; i < delta.Length; i++)
        {
            delta[i] = c[i] * dh[i] * normalizer;
        }
    }

    // σ and σ′ as ActivationKernel computes them per element (ramp′ the slope strictly inside, relu′ 1 for z > 0).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector<double> Value, Vector<double> Derivative) Sigma(Vector<double> z)
    {
        switch (_activation)
        {
            case Kind.Identity:
                return (z, Vector<double>.One);
            case Kind.Relu:
                Vector<long> positive = Vector.GreaterThan(z, Vector<double>.Zero);
                return (Vector.ConditionalSelect(positive, z, Vector<double>.Zero), Vector.ConditionalSelect(positive, Vector<double>.One, Vector<double>.Zero));
            default:
                var t1 = new Vector<double>(_t1);
                var s1 = new Vector<double>(_s1);
                var slope = new Vector<double>(_slope);
                Vector<long> inside = Vector.GreaterThan(z, t1) & Vector.LessThan(z, new Vector<double>(_t2));
                Vector<double> outside = Vector.ConditionalSelect(Vector.LessThanOrEqual(z, t1), s1, new Vector<double>(_s2));
                return (Vector.ConditionalSelect(inside, s1 + (slope * (z - t1)), outside), Vector.ConditionalSelect(inside, slope, Vector<double>.Zero));
        }
    }

    /// <summary>
    /// Σ_j a_j b_j lane-wise in the order of <c>Kernels.Dot</c>: eight logical lanes, element j of each full
    /// block of eight into lane j mod 8, then halvings that take the left-over elements in (a_j =
    /// a[aStart + j·aStride]). Lanes never touched are +0 and are not added (+0 + +0 is +0 either way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector<double> Dot(ReadOnlySpan<Vector<double>> a, int aStart, int aStride, ReadOnlySpan<Vector<double>> b, int bStart, int bStride, int n)
    {
        switch (n)
        {
            case 0:
                return Vector<double>.Zero;
            case 1:
                return Vector.FusedMultiplyAdd(a[aStart], b[bStart], Vector<double>.Zero);
            case 2:
                return Vector.FusedMultiplyAdd(a[aStart], b[bStart], Vector<double>.Zero) + Vector.FusedMultiplyAdd(a[aStart + aStride], b[bStart + bStride], Vector<double>.Zero);
            case 3:
                return Vector.FusedMultiplyAdd(
                    a[aStart + (2 * aStride)],
                    b[bStart + (2 * bStride)],
                    Vector.FusedMultiplyAdd(a[aStart], b[bStart], Vector<double>.Zero) + Vector.FusedMultiplyAdd(a[aStart + aStride], b[bStart + bStride], Vector<double>.Zero));
        }

        return n % 8 == 0 && aStride == 1 && bStride == 1
            ? DotOfBlocks(a.Slice(aStart, n), b.Slice(bStart, n))
            : DotOfAnyLength(a, aStart, aStride, b, bStart, bStride, n);
    }

    // The general emulation (its stack of eight logical lanes kept out of the short cases above).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Vector<double> DotOfAnyLength(ReadOnlySpan<Vector<double>> a, int aStart, int aStride, ReadOnlySpan<Vector<double>> b, int bStart, int bStride, int n)
    {
        const int count = 8;
        Span<Vector<double>> lane = stackalloc Vector<double>[count];
        lane.Clear();
        int touched = 0;
        int j = 0;
        for (; j <= n - count; j += count)
        {
            for (int i = 0; i < count; i++)
            {
                lane[i] = Vector.FusedMultiplyAdd(a[aStart + ((j + i) * aStride)], b[bStart + ((j + i) * bStride)], lane[i]);
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
                    lane[i] = Vector.FusedMultiplyAdd(a[aStart + ((j + i) * aStride)], b[bStart + ((j + i) * bStride)], lane[i]);
                    touched |= 1 << i;
                }

                j += m;
                rest -= m;
            }
        }

        return lane[0];
    }

    // Dot's order when n is a multiple of 8: eight running sums, then three halvings (nothing left over).
    private static Vector<double> DotOfBlocks(ReadOnlySpan<Vector<double>> a, ReadOnlySpan<Vector<double>> b)
    {
        Vector<double> s0 = Vector<double>.Zero, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        for (int j = 0; j + 8 <= a.Length && j + 8 <= b.Length; j += 8)
        {
            s0 = Vector.FusedMultiplyAdd(a[j], b[j], s0);
            s1 = Vector.FusedMultiplyAdd(a[j + 1], b[j + 1], s1);
            s2 = Vector.FusedMultiplyAdd(a[j + 2], b[j + 2], s2);
            s3 = Vector.FusedMultiplyAdd(a[j + 3], b[j + 3], s3);
            s4 = Vector.FusedMultiplyAdd(a[j + 4], b[j + 4], s4);
            s5 = Vector.FusedMultiplyAdd(a[j + 5], b[j + 5], s5);
            s6 = Vector.FusedMultiplyAdd(a[j + 6], b[j + 6], s6);
            s7 = Vector.FusedMultiplyAdd(a[j + 7], b[j + 7], s7);
        }

        s0 += s4;
        s1 += s5;
        s2 += s6;
        s3 += s7;
        s0 += s2;
        s1 += s3;
        return s0 + s1;
    }

    // Draws one sample per lane from the lane's stream into x (lane-wise); returns the labels.
    private Vector<double> Draw(Vector<double>[] x, int count)
    {
        if (_samples is { } samples)
        {
            int g = samples.Gaussians;
            int slot = (int)(_sample % _blockSamples);
            if (slot == 0)
            {
                // Every lane's stream at once (lanes past count hold an earlier replica's stream; their values are not used).
                LaneGaussians.FillLanes(_seeds, _gammas, _sample * g / 2, _blockSamples * g / 2, MemoryMarshal.Cast<Vector<double>, double>(_block.AsSpan()), GaussianWidth);
            }

            _block.AsSpan(slot * g, g).CopyTo(x);
            Vector<double> signs = Vector<double>.Zero;
            if (samples.Signed)
            {
                Span<double> words = _scatter;
                words.Clear();
                for (int r = 0; r < count; r++)
                {
                    words[r] = _signs[r].Sign(_sample);
                }

                signs = new Vector<double>(words);
            }

            _sample++;
            return samples.Labels(x, signs, count);
        }

        Span<double> xs = MemoryMarshal.Cast<Vector<double>, double>(x.AsSpan());
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

        return new Vector<double>(ys);
    }

    private void Load(IReadOnlyList<MeanFieldNetwork> networks, IReadOnlyList<ulong> keys)
    {
        Array.Clear(_w);
        Array.Clear(_b);
        Array.Clear(_c);
        Array.Clear(_x);
        Array.Clear(_xNext);
        for (int r = 0; r < networks.Count; r++)
        {
            _rng[r] = new Xoshiro256(keys[r]);
            (_seeds[r], _gammas[r]) = GaussianStream(keys[r]);
            _signs[r] = SignStream(keys[r]);
            MeanFieldNetwork network = networks[r];
            if (network.Widths.Length != 1 || network.Widths[0] != _n || network.Dimension != _d)
            {
                throw new ArgumentException("Every network of a batch must have the batch's shape.", nameof(networks));
            }

            Scatter(network.FirstLayer, _w, r);
            Scatter(network.Bias(1), _b, r);
            Scatter(network.Output, _c, r);
        }
    }

    private void Store(IReadOnlyList<MeanFieldNetwork> networks)
    {
        for (int r = 0; r < networks.Count; r++)
        {
            MeanFieldNetwork network = networks[r];
            Gather(_w, network.FirstLayer, r);
            Gather(_b, network.Bias(1), r);
            Gather(_c, network.Output, r);
        }
    }

    private static void Scatter(ReadOnlySpan<double> values, Vector<double>[] lanes, int r)
    {
        Span<double> flat = MemoryMarshal.Cast<Vector<double>, double>(lanes.AsSpan());
        for (int p = 0; p < values.Length; p++)
        {
            flat[(p * Lanes) + r] = values[p];
        }
    }

    private static void Gather(Vector<double>[] lanes, Span<double> values, int r)
    {
        ReadOnlySpan<double> flat = MemoryMarshal.Cast<Vector<double>, double>(lanes.AsSpan());
        for (int p = 0; p < values.Length; p++)
        {
            values[p] = flat[(p * Lanes) + r];
        }
    }
}
