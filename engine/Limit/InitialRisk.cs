using MathNet.Numerics;
using MathNet.Numerics.Integration;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The exact mean risk of a finite network at initialization (MATH section 7, docs/limit.md "Exact t = 0"),
/// for the radial example (mmn-isotropic, ramp σ, isotropic-gaussian data, w_i i.i.d. N(0, κ²/d I_d)).
/// For i.i.d. neurons, E R_N(W_0) = 1 + 2∫V dρ_0 + (1/N) E U(θ, θ) + (1 - 1/N) ∬U dρ_0 dρ_0, that is
/// <code>
/// E R_N(W_0) = R(ρ_0) + C / N,     C = E U(θ, θ) - ∬U dρ_0 dρ_0.
/// </code>
/// Both terms are one-dimensional integrals over the law of a norm. Given y = ±1, x = τ_± z with z ~ N(0, I_d),
/// and for fixed x the pre-activation &lt;w, x&gt; ~ N(0, κ² τ² ‖z‖²/d). With a = τ κ χ/√d, χ = ‖z‖ ~ χ_d,
/// S(a) = E σ(aG)² (<see cref="RampGaussian.SecondMoment"/>, exact: σ² is piecewise quadratic) and
/// q(a) = E σ(aG):
/// <code>
/// E U(θ, θ)     = E_x E_w σ(&lt;w, x&gt;)²   = (1/2) Σ_± E_χ S(τ_± κ χ/√d)
/// ∬U dρ_0 dρ_0  = E_x (E_w σ(&lt;w, x&gt;))² = (1/2) Σ_± E_χ q(τ_± κ χ/√d)²
/// ∫V dρ_0       = -(1/2) [E_χ q(τ_+ κ χ/√d) - E_χ q(τ_- κ χ/√d)]
/// C             = (1/2) Σ_± E_χ Var_G σ(τ_± κ χ G/√d)  ≥ 0
/// </code>
/// The χ_d integrals are smooth (the Gaussian smooths the ramp's kinks) and are taken by the double
/// exponential rule over χ_d's whole effective support (relative accuracy about 1e-13). The Hermite route
/// (Mehler with the cosine moments μ_n, as in <see cref="RadialField"/>) gives the same ∬U and is a test.
/// </summary>
public static class InitialRisk
{
    // χ_d has standard deviation below 1: ±15 around √d holds all but e^{-100} of its mass.
    private const double Reach = 15.0;

    /// <summary>R(ρ_0), C and the two interaction terms for the initial law N(0, κ²/d I_d).</summary>
    /// <exception cref="ArgumentException">A parameter is out of range.</exception>
    public static InitialRiskPrediction Compute(int dimension, double kappa, double delta, RampParameters ramp)
    {
        ArgumentNullException.ThrowIfNull(ramp);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (!(kappa > 0 && double.IsFinite(kappa)))
        {
            throw new ArgumentOutOfRangeException(nameof(kappa), kappa, "κ must be positive and finite.");
        }

        if (!(delta >= 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "Δ must lie in [0, 1).");
        }

        var gauss = new RampGaussian(ramp);
        double linear = 0, self = 0, interaction = 0;
        foreach ((double tau, double sign) in (ReadOnlySpan<(double, double)>)[(1.0 + delta, 1.0), (1.0 - delta, -1.0)])
        {
            double scale = tau * kappa / Math.Sqrt(dimension);
            linear += -0.5 * sign * ChiExpectation(dimension, chi => gauss.Mean(scale * chi));
            self += 0.5 * ChiExpectation(dimension, chi => gauss.SecondMoment(scale * chi));
            interaction += 0.5 * ChiExpectation(dimension, chi =>
            {
                double q = gauss.Mean(scale * chi);
                return q * q;
            });
        }

        return new InitialRiskPrediction(1.0 + (2.0 * linear) + interaction, self - interaction, self, interaction);
    }

    /// <summary>
    /// As <see cref="Compute(int, double, double, RampParameters)"/> for anisotropic-gaussian data with s0 =
    /// <paramref name="informative"/> label-dependent coordinates (s0 = d is the isotropic case, computed by that
    /// overload). Given y, x = (τ z1, z2) with z1 ~ N(0, I_s0), z2 ~ N(0, I_{d−s0}), so for fixed x the
    /// pre-activation &lt;w, x&gt; ~ N(0, κ² (τ² χ1² + χ2²)/d) with χ1 ~ χ_s0 and χ2 ~ χ_{d−s0} independent: every
    /// term above becomes a double integral over (χ1, χ2) of the same S(a), q(a), with a = κ √(τ² χ1² + χ2²)/√d,
    /// taken by a product of Gauss–Legendre rules (about 1e-13).
    /// </summary>
    /// <exception cref="ArgumentException">A parameter is out of range.</exception>
    public static InitialRiskPrediction Compute(int dimension, int informative, double kappa, double delta, RampParameters ramp)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(informative, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(informative, dimension);
        if (informative == dimension)
        {
            return Compute(dimension, kappa, delta, ramp);
        }

        // Validates κ, Δ and the ramp on the isotropic path's rules.
        _ = Compute(1, kappa, delta, ramp);
        var gauss = new RampGaussian(ramp);
        (double[] chi1, double[] w1) = ChiRule(informative);
        (double[] chi2, double[] w2) = ChiRule(dimension - informative);
        double linear = 0, self = 0, interaction = 0, scale = kappa / Math.Sqrt(dimension);
        foreach ((double tau, double sign) in (ReadOnlySpan<(double, double)>)[(1.0 + delta, 1.0), (1.0 - delta, -1.0)])
        {
            for (int i = 0; i < chi1.Length; i++)
            {
                for (int k = 0; k < chi2.Length; k++)
                {
                    double a = scale * Math.Sqrt((tau * tau * chi1[i] * chi1[i]) + (chi2[k] * chi2[k]));
                    double weight = w1[i] * w2[k], q = gauss.Mean(a);
                    linear += -0.5 * sign * weight * q;
                    self += 0.5 * weight * gauss.SecondMoment(a);
                    interaction += 0.5 * weight * q * q;
                }
            }
        }

        return new InitialRiskPrediction(1.0 + (2.0 * linear) + interaction, self - interaction, self, interaction);
    }

    // Nodes and weights for E f(χ), χ ~ χ_k: a 64-node Gauss–Legendre rule on each side of the mode √(k − 1)
    // over [max(0, √k − 15), √k + 15] (the density is smooth there and e^{-100} outside), weights normalized.
    private static (double[] Nodes, double[] Weights) ChiRule(int k)
    {
        double centre = Math.Sqrt(k), lo = Math.Max(0.0, centre - Reach), hi = centre + Reach, mode = Math.Max(lo, Math.Sqrt(Math.Max(k - 1, 0)));
        var nodes = new List<double>();
        var weights = new List<double>();
        foreach ((double a, double b) in (ReadOnlySpan<(double, double)>)[(lo, mode), (mode, hi)])
        {
            if (b > a)
            {
                var rule = new GaussLegendreRule(a, b, 64);
                for (int q = 0; q < rule.Order; q++)
                {
                    double chi = rule.Abscissas[q];
                    nodes.Add(chi);
                    weights.Add(rule.Weights[q] * Math.Exp(((k - 1) * Math.Log(chi)) - (0.5 * chi * chi)));
                }
            }
        }

        double total = weights.Sum();
        return ([.. nodes], [.. weights.Select(w => w / total)]);
    }

    /// <summary>E f(χ) for χ ~ χ_d (the norm of a standard normal vector in R^d), by quadrature.</summary>
    public static double ChiExpectation(int dimension, Func<double, double> f)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        double centre = Math.Sqrt(dimension);
        double lo = Math.Max(0.0, centre - Reach), hi = centre + Reach;
        double logNorm = (((dimension / 2.0) - 1.0) * Math.Log(2.0)) + SpecialFunctions.GammaLn(dimension / 2.0);
        double Density(double chi) => chi <= 0
            ? (dimension == 1 ? Math.Exp(-logNorm) : 0.0)
            : Math.Exp(((dimension - 1) * Math.Log(chi)) - (0.5 * chi * chi) - logNorm);

        // Split at the mode √(d - 1), where the density's mass concentrates for large d.
        double mode = Math.Sqrt(Math.Max(dimension - 1, 0));
        double sum = 0;
        foreach ((double a, double b) in (ReadOnlySpan<(double, double)>)[(lo, Math.Max(lo, mode)), (Math.Max(lo, mode), hi)])
        {
            if (b > a)
            {
                sum += DoubleExponentialTransformation.Integrate(chi => f(chi) * Density(chi), a, b, 1e-14);
            }
        }

        return sum;
    }
}

/// <summary>The exact mean initial risk of <see cref="InitialRisk.Compute(int, double, double, RampParameters)"/>: E R_N(W_0) = R(ρ_0) + C/N.</summary>
/// <param name="LimitRisk">R(ρ_0), the risk of the initial law itself (N = ∞).</param>
/// <param name="Correction">C = E U(θ, θ) - ∬U dρ_0 dρ_0 ≥ 0, the self-interaction of a neuron.</param>
/// <param name="SelfInteraction">E U(θ, θ).</param>
/// <param name="Interaction">∬U dρ_0 dρ_0.</param>
public sealed record InitialRiskPrediction(double LimitRisk, double Correction, double SelfInteraction, double Interaction)
{
    /// <summary>E R_N(W_0) = R(ρ_0) + C/N for width N ≥ 1.</summary>
    public double ExpectedRisk(int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        return LimitRisk + (Correction / width);
    }
}
