using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The learning-rate schedule ξ of the limit dynamics (MATH sections 3 and 4): ξ(t) = (1 + t/t0)^(-α),
/// with α = 0 the constant schedule ξ ≡ 1. Matches the <c>constant</c> and <c>power</c> kinds of
/// <see cref="XiSpec"/>, which SGD uses as s_k = ε ξ(kε).
/// </summary>
/// <param name="T0">t0 &gt; 0.</param>
/// <param name="Alpha">α ≥ 0 (0: constant).</param>
public sealed record XiSchedule(double T0, double Alpha)
{
    /// <summary>ξ ≡ 1.</summary>
    public static XiSchedule Constant { get; } = new(1.0, 0.0);

    /// <summary>ξ(t) = (1 + t/t0)^(-α).</summary>
    public static XiSchedule Power(double t0, double alpha) => new(t0, alpha);

    /// <summary>The schedule a spec names.</summary>
    /// <exception cref="ArgumentException">The kind is unknown or the parameters are invalid.</exception>
    public static XiSchedule FromSpec(XiSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        XiSchedule schedule = spec.Kind switch
        {
            "constant" => Constant,
            "power" => Power(spec.T0, spec.Alpha),
            _ => throw new ArgumentException($"Unknown ξ schedule '{spec.Kind}'.", nameof(spec)),
        };
        schedule.Validate();
        return schedule;
    }

    /// <summary>ξ(t).</summary>
    public double Value(double t) => Alpha == 0 ? 1.0 : Math.Pow(1.0 + (t / T0), -Alpha);

    /// <summary>Throws unless t0 &gt; 0 and α ≥ 0, both finite.</summary>
    /// <exception cref="ArgumentException">t0 or α is out of range.</exception>
    public void Validate()
    {
        if (!(T0 > 0 && double.IsFinite(T0)))
        {
            throw new ArgumentException($"ξ needs t0 > 0, got {T0}.");
        }

        if (!(Alpha >= 0 && double.IsFinite(Alpha)))
        {
            throw new ArgumentException($"ξ needs α ≥ 0, got {Alpha}.");
        }
    }
}
