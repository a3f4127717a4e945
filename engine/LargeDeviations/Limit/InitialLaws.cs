namespace MeanFieldCluster.Engine.LargeDeviations.Limit;

/// <summary>
/// The law of one initial parameter, through its cumulant generating function Λ₀(q) = ln E e^{q c}. The empirical
/// mean of N i.i.d. draws obeys Cramér's principle with rate I₀(m) = sup_q (q m − Λ₀(q)) (MATH section 7): the
/// annealed initial cost of <see cref="PathActionSolver"/>.
/// </summary>
public interface IInitialLaw
{
    /// <summary>Λ₀(q).</summary>
    double Cgf(double q);

    /// <summary>Λ₀'(q): the mean of the law tilted by e^{q c}.</summary>
    double TiltedMean(double q);

    /// <summary>The mean Λ₀'(0).</summary>
    double Mean => TiltedMean(0);
}

/// <summary>c ~ N(μ, s²): Λ₀(q) = μ q + s² q²/2.</summary>
/// <param name="Mu">The mean μ.</param>
/// <param name="S">The standard deviation s ≥ 0.</param>
public sealed record GaussianInitialLaw(double Mu, double S) : IInitialLaw
{
    /// <inheritdoc/>
    public double Cgf(double q) => (Mu * q) + (0.5 * S * S * q * q);

    /// <inheritdoc/>
    public double TiltedMean(double q) => Mu + (S * S * q);
}

/// <summary>c = μ ± s with probability ½ each: Λ₀(q) = μ q + ln cosh(s q).</summary>
/// <param name="Mu">The mean μ.</param>
/// <param name="S">The half spread s ≥ 0.</param>
public sealed record RademacherInitialLaw(double Mu, double S) : IInitialLaw
{
    /// <inheritdoc/>
    public double Cgf(double q)
    {
        double z = Math.Abs(S * q);
        return (Mu * q) + z + Math.Log(1 + Math.Exp(-2 * z)) - Math.Log(2);
    }

    /// <inheritdoc/>
    public double TiltedMean(double q) => Mu + (S * Math.Tanh(S * q));
}
