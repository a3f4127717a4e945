namespace MeanFieldCluster.Engine.LargeDeviations.KnownAnswers;

/// <summary>
/// The exact speed-N rate function after training of the linear neuron (docs/large-deviations.md, "A known answer
/// after training"): preset <c>linear</c>, d = 1, x ~ N(0, 1), y = θ* x without label noise, β = ∞, λ = 0,
/// constant ξ, step ε = α/N and horizon T (K = NT/α steps). Every neuron receives the same update
/// (MATH section 3: θ_i ← θ_i + 2ε(y − ŷ)x with ŷ = m x, m = (1/N) Σ θ_i), so the mean obeys
/// m_{k+1} − θ* = (1 − 2(α/N) x_k²)(m_k − θ*) and m(T) − θ* = (m_0 − θ*) r with the contraction
/// r = Π_k (1 − 2(α/N) x_k²). The risk is F = C (θ* − m(T))² = F_0 r² with C = E x² (or the test set's
/// mean of x²) and F_0 = C (θ* − m_0)² the initial risk.
/// <para>
/// The rate of r at speed N has two mechanisms. The bulk: ln r ≈ −2T S with S the mean of K i.i.d. χ²_1 values,
/// whose Cramér rate is J(s) = (s − 1 − ln s)/2 per step, i.e. (T/α) J(s) at speed N. Big jumps: a single
/// x_k² = cN has probability e^{−cN/2} (rate c/2, the same speed) and multiplies r by f = 1 − 2αc, an O(1)
/// factor that is not e^{−2αc}: the χ²_1 tail is exponential at exactly the speed of the principle, so r is
/// not a continuous function of S. The cheapest jumps with product P cost C(P) = (1 − P)/(4α) for P ≤ 1
/// (one jump; P ≤ 0 crosses or hits θ*) and (1 + √P)/(2α) for P &gt; 1 (two jumps below −1). Hence
/// I_r(r) = inf_{s &gt; 0} [(T/α) J(s) + C(r e^{2Ts})], and for the risk I(F) = min(I_r(ρ), I_r(−ρ)) with
/// ρ = √(F/F_0). The bulk alone (P = 1) is the Cramér contraction (T/α) J(ln(1/ρ)/(2T)); it is the rate
/// near the typical value F_0 e^{−4T}, and jumps take over only for deep deviations (I of order 1/(4α)).
/// </para>
/// <para>
/// Annealed (w_i ~ N(0, κ²) i.i.d.): only m_0 matters, with Gaussian rate m_0²/(2κ²), so
/// I_a(F) = inf_m [m²/(2κ²) + I(F; F_0 = C(θ* − m)²)].
/// </para>
/// </summary>
public sealed class LinearNeuronRate
{
    private const int GridPoints = 4000;

    /// <summary>Creates the known answer for step α/N and horizon T.</summary>
    /// <param name="alpha">α &gt; 0 of the step ε = α/N.</param>
    /// <param name="horizon">T &gt; 0 (our t = kε; Hirsch–Willhalm's horizon is T/α).</param>
    /// <exception cref="ArgumentOutOfRangeException">α or T not finite and positive.</exception>
    public LinearNeuronRate(double alpha, double horizon)
    {
        if (!(alpha > 0 && double.IsFinite(alpha)))
        {
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "α must be finite and > 0.");
        }

        if (!(horizon > 0 && double.IsFinite(horizon)))
        {
            throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "T must be finite and > 0.");
        }

        Alpha = alpha;
        Horizon = horizon;
    }

    /// <summary>α of the step ε = α/N.</summary>
    public double Alpha { get; }

    /// <summary>The horizon T.</summary>
    public double Horizon { get; }

    /// <summary>The typical contraction e^{−2T} (the law of large numbers: S → 1).</summary>
    public double TypicalContraction => Math.Exp(-2 * Horizon);

    /// <summary>Cramér's rate of the mean of χ²_1 variables: J(s) = (s − 1 − ln s)/2 for s &gt; 0, +∞ otherwise.</summary>
    public static double ChiSquareCramer(double s) => s > 0 ? (s - 1 - Math.Log(s)) / 2 : double.PositiveInfinity;

    /// <summary>The bulk (Cramér contraction) rate of r &gt; 0 alone, without jumps: (T/α) J(ln(1/r)/(2T)); +∞ for r ≥ 1 or r ≤ 0.</summary>
    public double BulkContractionRate(double r) =>
        r > 0 && r < 1 ? Horizon / Alpha * ChiSquareCramer(Math.Log(1 / r) / (2 * Horizon)) : double.PositiveInfinity;

    /// <summary>The cost at speed N of jumps whose factors multiply to <paramref name="product"/>: C(P) above.</summary>
    public double JumpCost(double product) => product <= 1 ? (1 - product) / (4 * Alpha) : (1 + Math.Sqrt(product)) / (2 * Alpha);

    /// <summary>The rate I_r(r) of the signed contraction r = (m(T) − θ*)/(m_0 − θ*); r = 0 costs 1/(4α).</summary>
    public double ContractionRate(double r)
    {
        if (!double.IsFinite(r))
        {
            return double.PositiveInfinity;
        }

        if (r == 0)
        {
            return JumpCost(0);
        }

        // Over s > 0 with P = r e^{2Ts}: h(s) = (T/α) J(s) + C(P). The no-jump point P = 1 is a candidate of its
        // own (C is continuous there from below only); the rest is a grid in ln s refined by golden sections.
        double best = r > 0 && r < 1 ? BulkContractionRate(r) : double.PositiveInfinity;
        double upper = Math.Min(best, Cost(r, 1.0));
        double sMax = 1;
        while (Horizon / Alpha * ChiSquareCramer(sMax) < upper)
        {
            sMax *= 2;
        }

        double lo = Math.Log(1e-12), hi = Math.Log(sMax);
        double step = (hi - lo) / GridPoints;
        int arg = 0;
        double gridBest = double.PositiveInfinity;
        for (int i = 0; i <= GridPoints; i++)
        {
            double v = Cost(r, Math.Exp(lo + (i * step)));
            if (v < gridBest)
            {
                (gridBest, arg) = (v, i);
            }
        }

        double refined = Golden(u => Cost(r, Math.Exp(u)), lo + ((arg - 1) * step), lo + ((arg + 1) * step));
        return Math.Min(best, Math.Min(gridBest, refined));
    }

    /// <summary>The quenched rate of the risk F given the initial risk F_0 = C (θ* − m_0)² &gt; 0: min(I_r(ρ), I_r(−ρ)), ρ = √(F/F_0).</summary>
    /// <param name="risk">F ≥ 0.</param>
    /// <param name="initialRisk">F_0 &gt; 0.</param>
    public double RiskRate(double risk, double initialRisk)
    {
        if (!(initialRisk > 0) || !(risk >= 0))
        {
            return double.PositiveInfinity;
        }

        double rho = Math.Sqrt(risk / initialRisk);
        return Math.Min(ContractionRate(rho), ContractionRate(-rho));
    }

    /// <summary>The bulk-only (Cramér contraction) rate of the risk: the rate near the typical value, without jumps.</summary>
    public double BulkRiskRate(double risk, double initialRisk) =>
        initialRisk > 0 && risk >= 0 ? BulkContractionRate(Math.Sqrt(risk / initialRisk)) : double.PositiveInfinity;

    /// <summary>
    /// The annealed rate of the risk: inf over the initial mean m of m²/(2κ²) + <see cref="RiskRate"/>(F, C(θ* − m)²),
    /// for w_i ~ N(0, κ²) i.i.d.
    /// </summary>
    /// <param name="risk">F ≥ 0.</param>
    /// <param name="thetaStar">The teacher θ*.</param>
    /// <param name="kappa">κ &gt; 0, the standard deviation of the initial weights.</param>
    /// <param name="riskScale">C = E x² (1, or the test set's mean of x²).</param>
    public double AnnealedRiskRate(double risk, double thetaStar, double kappa, double riskScale)
    {
        if (!(kappa > 0) || !(riskScale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(kappa), "κ and C must be > 0.");
        }

        double Total(double m) => (m * m / (2 * kappa * kappa)) + RiskRate(risk, riskScale * (thetaStar - m) * (thetaStar - m));

        // The initial term alone bounds the useful |m|: m²/(2κ²) ≤ I at m = 0.
        double bound = Total(0);
        double reach = double.IsFinite(bound) ? kappa * Math.Sqrt(2 * bound) + 1e-9 : 10 * kappa;
        const int points = 400;
        double step = 2 * reach / points;
        int arg = 0;
        double best = double.PositiveInfinity;
        for (int i = 0; i <= points; i++)
        {
            double v = Total(-reach + (i * step));
            if (v < best)
            {
                (best, arg) = (v, i);
            }
        }

        double m0 = -reach + (arg * step);
        return Math.Min(best, Golden(Total, m0 - step, m0 + step));
    }

    private double Cost(double r, double s) => (Horizon / Alpha * ChiSquareCramer(s)) + JumpCost(r * Math.Exp(2 * Horizon * s));

    private static double Golden(Func<double, double> f, double a, double b) => GoldenSection.Minimize(f, a, b).Value;
}
