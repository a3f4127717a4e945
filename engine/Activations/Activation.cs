using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Activations;

/// <summary>
/// A scalar activation σ with its derivative (MATH section 2). Kinks are measure-zero: at a kink the
/// derivative returns the one-sided value documented by each kind.
/// </summary>
public abstract class Activation
{
    /// <summary>σ(z).</summary>
    public abstract double Value(double z);

    /// <summary>σ'(z).</summary>
    public abstract double Derivative(double z);

    /// <summary>The points where σ is not differentiable (empty for smooth kinds).</summary>
    public virtual IReadOnlyList<double> Kinks => [];

    /// <summary>Applies σ and σ' element-wise: value[i] = σ(z[i]), derivative[i] = σ'(z[i]).</summary>
    public virtual void Apply(ReadOnlySpan<double> z, Span<double> value, Span<double> derivative)
    {
        for (int i = 0; i < z.Length; i++)
        {
            value[i] = Value(z[i]);
            derivative[i] = Derivative(z[i]);
        }
    }

    /// <summary>
    /// The vectorized kernel whose per-element value is this activation's <see cref="Apply"/> bit for bit, for the
    /// kinds that fuse σ into a layer's pass (ramp, relu); null for the others.
    /// </summary>
    internal virtual ActivationKernel<double>? FusableKernel => null;

    /// <summary>Builds the activation a spec names.</summary>
    public static Activation Create(ActivationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Kind switch
        {
            ActivationKinds.Ramp => new Ramp(spec.T1, spec.T2, spec.S1, spec.S2),
            ActivationKinds.Relu => new Relu(),
            ActivationKinds.Tanh => new Tanh(),
            ActivationKinds.Sigmoid => new Sigmoid(),
            ActivationKinds.Erf => new Erf(),
            ActivationKinds.Identity => new Identity(),
            _ => throw new ArgumentException($"Unknown activation '{spec.Kind}'.", nameof(spec)),
        };
    }
}

/// <summary>
/// ramp(t1, t2, s1, s2): s1 for z ≤ t1, s2 for z ≥ t2, linear in between (MMN used 0.5, 1.5, -2.5, 7.5).
/// The derivative is the slope (s2 - s1)/(t2 - t1) strictly inside (t1, t2) and 0 outside.
/// </summary>
public sealed class Ramp : Activation
{
    private readonly double _t1, _t2, _s1, _s2, _slope;
    private readonly ActivationKernel<double> _kernel;

    /// <summary>Creates a ramp; requires t2 &gt; t1.</summary>
    public Ramp(double t1, double t2, double s1, double s2)
    {
        if (!(t2 > t1))
        {
            throw new ArgumentException($"ramp needs t2 > t1, got t1 = {t1}, t2 = {t2}.");
        }

        (_t1, _t2, _s1, _s2) = (t1, t2, s1, s2);
        _slope = (s2 - s1) / (t2 - t1);
        _kernel = new ActivationKernel<double>(new ActivationSpec(ActivationKinds.Ramp, t1, t2, s1, s2));
    }

    /// <inheritdoc/>
    public override IReadOnlyList<double> Kinks => [_t1, _t2];

    /// <inheritdoc/>
    public override double Value(double z) => z <= _t1 ? _s1 : z >= _t2 ? _s2 : _s1 + (_slope * (z - _t1));

    /// <inheritdoc/>
    public override double Derivative(double z) => z > _t1 && z < _t2 ? _slope : 0.0;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<double> z, Span<double> value, Span<double> derivative) =>
        _kernel.Apply(z, value, derivative, Simd.Best); // the same operations per element, vectorized

    /// <inheritdoc/>
    internal override ActivationKernel<double> FusableKernel => _kernel;
}

/// <summary>max(0, z); derivative 1 for z &gt; 0, else 0.</summary>
public sealed class Relu : Activation
{
    /// <inheritdoc/>
    public override IReadOnlyList<double> Kinks => [0.0];

    /// <inheritdoc/>
    public override double Value(double z) => z > 0 ? z : 0.0;

    /// <inheritdoc/>
    public override double Derivative(double z) => z > 0 ? 1.0 : 0.0;

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<double> z, Span<double> value, Span<double> derivative) =>
        Kernel.Apply(z, value, derivative, Simd.Best);

    /// <inheritdoc/>
    internal override ActivationKernel<double> FusableKernel => Kernel;

    private static ActivationKernel<double> Kernel { get; } = new(new ActivationSpec(ActivationKinds.Relu));
}

/// <summary>tanh(z); derivative 1 - tanh²(z).</summary>
public sealed class Tanh : Activation
{
    /// <inheritdoc/>
    public override double Value(double z) => Math.Tanh(z);

    /// <inheritdoc/>
    public override double Derivative(double z)
    {
        double t = Math.Tanh(z);
        return 1.0 - (t * t);
    }

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<double> z, Span<double> value, Span<double> derivative)
    {
        for (int i = 0; i < z.Length; i++)
        {
            double t = Math.Tanh(z[i]);
            value[i] = t;
            derivative[i] = 1.0 - (t * t);
        }
    }
}

/// <summary>The logistic function 1/(1 + e^{-z}); derivative σ(1 - σ).</summary>
public sealed class Sigmoid : Activation
{
    /// <inheritdoc/>
    public override double Value(double z) => 1.0 / (1.0 + Math.Exp(-z));

    /// <inheritdoc/>
    public override double Derivative(double z)
    {
        double s = Value(z);
        return s * (1.0 - s);
    }

    /// <inheritdoc/>
    public override void Apply(ReadOnlySpan<double> z, Span<double> value, Span<double> derivative)
    {
        for (int i = 0; i < z.Length; i++)
        {
            double s = 1.0 / (1.0 + Math.Exp(-z[i]));
            value[i] = s;
            derivative[i] = s * (1.0 - s);
        }
    }
}

/// <summary>The error function erf(z); derivative (2/√π) e^{-z²}.</summary>
public sealed class Erf : Activation
{
    private static readonly double TwoOverSqrtPi = 2.0 / Math.Sqrt(Math.PI);

    /// <inheritdoc/>
    public override double Value(double z) => MathNet.Numerics.SpecialFunctions.Erf(z);

    /// <inheritdoc/>
    public override double Derivative(double z) => TwoOverSqrtPi * Math.Exp(-z * z);
}

/// <summary>σ(z) = z; derivative 1.</summary>
public sealed class Identity : Activation
{
    /// <inheritdoc/>
    public override double Value(double z) => z;

    /// <inheritdoc/>
    public override double Derivative(double z) => 1.0;
}
