using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The parameters of ramp(t1, t2, s1, s2) (MATH section 2): s1 for z ≤ t1, s2 for z ≥ t2, linear in between,
/// so σ(z) = s1 + c [(z - t1)_+ - (z - t2)_+] with slope c = (s2 - s1)/(t2 - t1). The mean-field limit code
/// (MATH section 4.1) works with this representation.
/// </summary>
/// <param name="T1">Lower knee t1.</param>
/// <param name="T2">Upper knee t2 &gt; t1.</param>
/// <param name="S1">Value s1 for z ≤ t1.</param>
/// <param name="S2">Value s2 for z ≥ t2.</param>
public sealed record RampParameters(double T1, double T2, double S1, double S2)
{
    /// <summary>The ramp of MMN figure 1: ramp(0.5, 1.5, -2.5, 7.5).</summary>
    public static RampParameters Mmn { get; } = new(0.5, 1.5, -2.5, 7.5);

    /// <summary>The slope c = (s2 - s1)/(t2 - t1) of the linear part.</summary>
    public double Slope => (S2 - S1) / (T2 - T1);

    /// <summary>σ(z).</summary>
    public double Value(double z) => z <= T1 ? S1 : z >= T2 ? S2 : S1 + (Slope * (z - T1));

    /// <summary>The parameters of a <c>ramp</c> activation spec.</summary>
    /// <exception cref="ArgumentException">The spec is not a ramp, or its parameters are invalid.</exception>
    public static RampParameters FromSpec(ActivationSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Kind != ActivationKinds.Ramp)
        {
            throw new ArgumentException($"The mean-field limit of MATH section 4.1 needs a ramp activation, got '{spec.Kind}'.", nameof(spec));
        }

        var ramp = new RampParameters(spec.T1, spec.T2, spec.S1, spec.S2);
        ramp.Validate();
        return ramp;
    }

    /// <summary>Throws unless every parameter is finite and t2 &gt; t1.</summary>
    /// <exception cref="ArgumentException">A parameter is not finite or t2 ≤ t1.</exception>
    public void Validate()
    {
        if (!(double.IsFinite(T1) && double.IsFinite(T2) && double.IsFinite(S1) && double.IsFinite(S2)))
        {
            throw new ArgumentException($"ramp parameters must be finite, got t1 = {T1}, t2 = {T2}, s1 = {S1}, s2 = {S2}.");
        }

        if (!(T2 > T1))
        {
            throw new ArgumentException($"ramp needs t2 > t1, got t1 = {T1}, t2 = {T2}.");
        }
    }
}
