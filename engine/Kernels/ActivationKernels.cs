using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Kernels;

/// <summary>
/// σ and σ' over a whole layer (vectorized over the N neurons) in float or double. The piecewise-linear
/// kinds (ramp, relu, identity) are hand-written and give the same bits at every width; tanh and the
/// logistic function use <see cref="TensorPrimitives"/>; erf is evaluated per element in double.
/// Conventions at the kinks match <see cref="Activations.Activation"/>: ramp' is the slope strictly
/// inside (t1, t2), relu' is 1 for z &gt; 0.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class ActivationKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly string _kind;
    private readonly bool _isRamp;
    private readonly T _t1, _t2, _s1, _s2, _slope;

    /// <summary>The kernel of the activation a spec names.</summary>
    public ActivationKernel(ActivationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!ActivationKinds.All.Contains(spec.Kind))
        {
            throw new ArgumentException($"Unknown activation '{spec.Kind}'.", nameof(spec));
        }

        _kind = spec.Kind;
        _isRamp = _kind == ActivationKinds.Ramp;
        if (_kind == ActivationKinds.Ramp && !(spec.T2 > spec.T1))
        {
            throw new ArgumentException($"ramp needs t2 > t1, got t1 = {spec.T1}, t2 = {spec.T2}.", nameof(spec));
        }

        _t1 = T.CreateChecked(spec.T1);
        _t2 = T.CreateChecked(spec.T2);
        _s1 = T.CreateChecked(spec.S1);
        _s2 = T.CreateChecked(spec.S2);
        _slope = T.CreateChecked((spec.S2 - spec.S1) / (spec.T2 - spec.T1));
    }

    /// <summary>value_i = σ(z_i), derivative_i = σ'(z_i) for every i.</summary>
    public void Apply(ReadOnlySpan<T> z, Span<T> value, Span<T> derivative, SimdWidth width)
    {
        if (value.Length != z.Length || derivative.Length != z.Length)
        {
            throw new ArgumentException("z, value and derivative must have equal lengths.");
        }

        switch (_kind)
        {
            case ActivationKinds.Ramp:
                Ramp(z, value, derivative, width);
                break;
            case ActivationKinds.Relu:
                Relu(z, value, derivative, width);
                break;
            case ActivationKinds.Identity:
                z.CopyTo(value);
                derivative.Fill(T.One);
                break;
            case ActivationKinds.Tanh:
                // σ' = 1 - σ².
                TensorPrimitives.Tanh(z, value);
                TensorPrimitives.Multiply(value, value, derivative);
                TensorPrimitives.Subtract(T.One, derivative, derivative);
                break;
            case ActivationKinds.Sigmoid:
                // σ' = σ (1 - σ).
                TensorPrimitives.Sigmoid(z, value);
                TensorPrimitives.Subtract(T.One, value, derivative);
                TensorPrimitives.Multiply(value, derivative, derivative);
                break;
            default:
                Erf(z, value, derivative);
                break;
        }
    }

    /// <summary>
    /// The output layer's activation in one pass: value = σ(z), delta = (c ⊙ σ′(z))·scale, and the return
    /// value Σ c_i·value_i summed in the order of <see cref="Dot"/> (so it equals
    /// <c>Dot.Compute(c, value)</c> bit for bit). <paramref name="derivative"/> is scratch for the kinds
    /// without a one-pass kernel (tanh, sigmoid, erf), which run <see cref="Apply"/>, then the product, then
    /// the inner product.
    /// </summary>
    public T ApplyOutput(ReadOnlySpan<T> z, Span<T> value, Span<T> derivative, ReadOnlySpan<T> c, T scale, Span<T> delta, SimdWidth width)
    {
        if (value.Length != z.Length || derivative.Length != z.Length || c.Length != z.Length || delta.Length != z.Length)
        {
            throw new ArgumentException("z, value, derivative, c and delta must have equal lengths.");
        }

        if ((_kind != ActivationKinds.Ramp && _kind != ActivationKinds.Relu) || width == SimdWidth.Scalar)
        {
            Apply(z, value, derivative, width);
            RowKernels.MultiplyScaled<T>(c, derivative, scale, delta, width);
            return Dot.Compute(c, value, width);
        }

        bool ramp = _kind == ActivationKinds.Ramp;
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T vr = ref MemoryMarshal.GetReference(value);
        ref T cr = ref MemoryMarshal.GetReference(c);
        ref T dr = ref MemoryMarshal.GetReference(delta);
        int n = z.Length, i = 0;
        Vector256<T> reduced;
        if (width == SimdWidth.Vector512)
        {
            // One loop per kind, with the ramp's constants and the scale in registers (as at 256 bits below).
            int count = Vector512<T>.Count;
            Vector512<T> acc = Vector512<T>.Zero, sv = Vector512.Create(scale);
            if (ramp)
            {
                Vector512<T> t1 = Vector512.Create(_t1), t2 = Vector512.Create(_t2), s1 = Vector512.Create(_s1), s2 = Vector512.Create(_s2), slope = Vector512.Create(_slope);
                for (; i <= n - count; i += count)
                {
                    (Vector512<T> v, Vector512<T> d) = Ramp(Vector512.LoadUnsafe(ref zr, (nuint)i), t1, t2, s1, s2, slope);
                    acc = OutputLanes(ref cr, ref vr, ref dr, i, v, d, sv, acc);
                }
            }
            else
            {
                for (; i <= n - count; i += count)
                {
                    (Vector512<T> v, Vector512<T> d) = Relu(Vector512.LoadUnsafe(ref zr, (nuint)i));
                    acc = OutputLanes(ref cr, ref vr, ref dr, i, v, d, sv, acc);
                }
            }

            reduced = acc.GetLower() + acc.GetUpper();
        }
        else
        {
            // One loop per kind, with the ramp's constants and the scale in registers: a loop testing the kind per
            // vector reloaded the five constants from the fields for every vector (the JIT does not hoist them).
            int half = Vector256<T>.Count;
            Vector256<T> low = Vector256<T>.Zero, high = Vector256<T>.Zero, sv = Vector256.Create(scale);
            if (ramp)
            {
                Vector256<T> t1 = Vector256.Create(_t1), t2 = Vector256.Create(_t2), s1 = Vector256.Create(_s1), s2 = Vector256.Create(_s2), slope = Vector256.Create(_slope);
                for (; i <= n - (2 * half); i += 2 * half)
                {
                    (Vector256<T> v0, Vector256<T> d0) = Ramp(Vector256.LoadUnsafe(ref zr, (nuint)i), t1, t2, s1, s2, slope);
                    (Vector256<T> v1, Vector256<T> d1) = Ramp(Vector256.LoadUnsafe(ref zr, (nuint)(i + half)), t1, t2, s1, s2, slope);
                    OutputLanes(ref cr, ref vr, ref dr, i, v0, d0, v1, d1, sv, ref low, ref high);
                }
            }
            else
            {
                for (; i <= n - (2 * half); i += 2 * half)
                {
                    (Vector256<T> v0, Vector256<T> d0) = Relu(Vector256.LoadUnsafe(ref zr, (nuint)i));
                    (Vector256<T> v1, Vector256<T> d1) = Relu(Vector256.LoadUnsafe(ref zr, (nuint)(i + half)));
                    OutputLanes(ref cr, ref vr, ref dr, i, v0, d0, v1, d1, sv, ref low, ref high);
                }
            }

            reduced = low + high;
        }

        // The elements after the last full block of lanes, then the rest of the inner product's order.
        int rest = i;
        for (; i < n; i++)
        {
            T x = Unsafe.Add(ref zr, i);
            (T v, T d) = ramp ? Ramp(x) : Relu(x);
            Unsafe.Add(ref vr, i) = v;
            Unsafe.Add(ref dr, i) = Unsafe.Add(ref cr, i) * d * scale;
        }

        return Dot.Tail(reduced, ref cr, ref vr, rest, n - rest);
    }

    /// <summary>
    /// σ of each lane of <paramref name="x"/>, the bits <see cref="Apply"/> writes for the same elements: ramp and
    /// relu only (the kinds of <see cref="Activations.Activation.FusableKernel"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Vector512<T> Value(Vector512<T> x) => _isRamp ? Ramp(x).Value : Relu(x).Value;

    private (T Value, T Derivative) Ramp(T x)
    {
        bool inside = x > _t1 && x < _t2;
        return (inside ? _s1 + (_slope * (x - _t1)) : x <= _t1 ? _s1 : _s2, inside ? _slope : T.Zero);
    }

    private static (T Value, T Derivative) Relu(T x) => x > T.Zero ? (x, T.One) : (T.Zero, T.Zero);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private (Vector512<T> Value, Vector512<T> Derivative) Ramp(Vector512<T> x) =>
        Ramp(x, Vector512.Create(_t1), Vector512.Create(_t2), Vector512.Create(_s1), Vector512.Create(_s2), Vector512.Create(_slope));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<T> Value, Vector512<T> Derivative) Ramp(Vector512<T> x, Vector512<T> t1, Vector512<T> t2, Vector512<T> s1, Vector512<T> s2, Vector512<T> slope)
    {
        Vector512<T> inside = Vector512.GreaterThan(x, t1) & Vector512.LessThan(x, t2);
        Vector512<T> outside = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, t1), s1, s2);
        return (Vector512.ConditionalSelect(inside, s1 + (slope * (x - t1)), outside), inside & slope);
    }

    // One vector of ApplyOutput's lanes at i from their values and derivatives: value stored, delta = (c·σ′)·scale
    // stored; returns the sum with c·value multiply-added.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> OutputLanes(ref T c, ref T value, ref T delta, int i, Vector512<T> v, Vector512<T> d, Vector512<T> scale, Vector512<T> acc)
    {
        Vector512<T> cv = Vector512.LoadUnsafe(ref c, (nuint)i);
        v.StoreUnsafe(ref value, (nuint)i);
        (cv * d * scale).StoreUnsafe(ref delta, (nuint)i);
        return Fma.Of(cv, v, acc);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<T> Value, Vector256<T> Derivative) Ramp(Vector256<T> x, Vector256<T> t1, Vector256<T> t2, Vector256<T> s1, Vector256<T> s2, Vector256<T> slope)
    {
        Vector256<T> inside = Vector256.GreaterThan(x, t1) & Vector256.LessThan(x, t2);
        Vector256<T> outside = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, t1), s1, s2);
        return (Vector256.ConditionalSelect(inside, s1 + (slope * (x - t1)), outside), inside & slope);
    }

    // Two vectors of ApplyOutput's lanes at i and i + half from their values and derivatives: value stored,
    // delta = (c·σ′)·scale stored, c·value multiply-added into the low and high sums.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OutputLanes(ref T c, ref T value, ref T delta, int i, Vector256<T> v0, Vector256<T> d0, Vector256<T> v1, Vector256<T> d1, Vector256<T> scale, ref Vector256<T> low, ref Vector256<T> high)
    {
        int half = Vector256<T>.Count;
        Vector256<T> c0 = Vector256.LoadUnsafe(ref c, (nuint)i), c1 = Vector256.LoadUnsafe(ref c, (nuint)(i + half));
        v0.StoreUnsafe(ref value, (nuint)i);
        v1.StoreUnsafe(ref value, (nuint)(i + half));
        (c0 * d0 * scale).StoreUnsafe(ref delta, (nuint)i);
        (c1 * d1 * scale).StoreUnsafe(ref delta, (nuint)(i + half));
        low = Fma.Of(c0, v0, low);
        high = Fma.Of(c1, v1, high);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<T> Value, Vector512<T> Derivative) Relu(Vector512<T> x)
    {
        Vector512<T> positive = Vector512.GreaterThan(x, Vector512<T>.Zero);
        return (positive & x, positive & Vector512.Create(T.One));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<T> Value, Vector256<T> Derivative) Relu(Vector256<T> x)
    {
        Vector256<T> positive = Vector256.GreaterThan(x, Vector256<T>.Zero);
        return (positive & x, positive & Vector256.Create(T.One));
    }

    private void Ramp(ReadOnlySpan<T> z, Span<T> value, Span<T> derivative, SimdWidth width)
    {
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T vr = ref MemoryMarshal.GetReference(value);
        ref T dr = ref MemoryMarshal.GetReference(derivative);
        int n = z.Length, i = 0;
        if (width == SimdWidth.Vector512)
        {
            Vector512<T> t1 = Vector512.Create(_t1), t2 = Vector512.Create(_t2), s1 = Vector512.Create(_s1), s2 = Vector512.Create(_s2), slope = Vector512.Create(_slope);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                Vector512<T> x = Vector512.LoadUnsafe(ref zr, (nuint)i);
                Vector512<T> inside = Vector512.GreaterThan(x, t1) & Vector512.LessThan(x, t2);
                Vector512<T> outside = Vector512.ConditionalSelect(Vector512.LessThanOrEqual(x, t1), s1, s2);
                Vector512.ConditionalSelect(inside, s1 + (slope * (x - t1)), outside).StoreUnsafe(ref vr, (nuint)i);
                (inside & slope).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        else if (width == SimdWidth.Vector256)
        {
            Vector256<T> t1 = Vector256.Create(_t1), t2 = Vector256.Create(_t2), s1 = Vector256.Create(_s1), s2 = Vector256.Create(_s2), slope = Vector256.Create(_slope);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> x = Vector256.LoadUnsafe(ref zr, (nuint)i);
                Vector256<T> inside = Vector256.GreaterThan(x, t1) & Vector256.LessThan(x, t2);
                Vector256<T> outside = Vector256.ConditionalSelect(Vector256.LessThanOrEqual(x, t1), s1, s2);
                Vector256.ConditionalSelect(inside, s1 + (slope * (x - t1)), outside).StoreUnsafe(ref vr, (nuint)i);
                (inside & slope).StoreUnsafe(ref dr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            T x = Unsafe.Add(ref zr, i);
            bool inside = x > _t1 && x < _t2;
            Unsafe.Add(ref vr, i) = inside ? _s1 + (_slope * (x - _t1)) : x <= _t1 ? _s1 : _s2;
            Unsafe.Add(ref dr, i) = inside ? _slope : T.Zero;
        }
    }

    private static void Relu(ReadOnlySpan<T> z, Span<T> value, Span<T> derivative, SimdWidth width)
    {
        ref T zr = ref MemoryMarshal.GetReference(z);
        ref T vr = ref MemoryMarshal.GetReference(value);
        ref T dr = ref MemoryMarshal.GetReference(derivative);
        int n = z.Length, i = 0;
        if (width == SimdWidth.Vector512)
        {
            Vector512<T> one = Vector512.Create(T.One);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                Vector512<T> x = Vector512.LoadUnsafe(ref zr, (nuint)i);
                Vector512<T> positive = Vector512.GreaterThan(x, Vector512<T>.Zero);
                (positive & x).StoreUnsafe(ref vr, (nuint)i);
                (positive & one).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        else if (width == SimdWidth.Vector256)
        {
            Vector256<T> one = Vector256.Create(T.One);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> x = Vector256.LoadUnsafe(ref zr, (nuint)i);
                Vector256<T> positive = Vector256.GreaterThan(x, Vector256<T>.Zero);
                (positive & x).StoreUnsafe(ref vr, (nuint)i);
                (positive & one).StoreUnsafe(ref dr, (nuint)i);
            }
        }

        for (; i < n; i++)
        {
            T x = Unsafe.Add(ref zr, i);
            bool positive = x > T.Zero;
            Unsafe.Add(ref vr, i) = positive ? x : T.Zero;
            Unsafe.Add(ref dr, i) = positive ? T.One : T.Zero;
        }
    }

    private static void Erf(ReadOnlySpan<T> z, Span<T> value, Span<T> derivative)
    {
        double twoOverSqrtPi = 2.0 / Math.Sqrt(Math.PI);
        for (int i = 0; i < z.Length; i++)
        {
            double x = double.CreateChecked(z[i]);
            value[i] = T.CreateChecked(MathNet.Numerics.SpecialFunctions.Erf(x));
            derivative[i] = T.CreateChecked(twoOverSqrtPi * Math.Exp(-x * x));
        }
    }
}
