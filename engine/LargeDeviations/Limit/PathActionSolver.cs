namespace MeanFieldCluster.Engine.LargeDeviations.Limit;

/// <summary>The cheapest path to an endpoint: its action and where it starts.</summary>
/// <param name="Target">The endpoint m(S).</param>
/// <param name="Rate">The minimal action J(m(S)) (initial cost included when annealed); +∞ when no path reaches it.</param>
/// <param name="Start">The optimal path's m(0).</param>
/// <param name="Costate">The optimal costate p(0).</param>
/// <param name="Jumps">Jumps of one step on the cheapest path (0: a continuous path, the Mogulskii action alone).</param>
public sealed record EndpointRate(double Target, double Rate, double Start, double Costate, int Jumps = 0);

/// <summary>
/// Minimizes the path action of a one-dimensional small-noise chain (<see cref="IIncrementLaw"/>) over paths on
/// [0, S] that end at a given point (docs/large-deviations.md, "The limiting rate function"). The action
/// ∫ L(m, ṁ) dτ, with L(m, v) = sup_p (p v − H(m, p)), is minimized by the Hamiltonian paths ṁ = ∂H/∂p,
/// ṗ = −∂H/∂m, along which L = p ṁ − H. The boundary value problem is solved by shooting on the costate p(0):
/// quenched, m(0) is the given start; annealed, m(0) is free at the cost I₀(m(0)) of the initial law and the
/// transversality condition p(0) = I₀'(m(0)) means m(0) = Λ₀'(p(0)). The endpoint m(S) grows with p(0), so
/// p(0) is found by doubling until the target is bracketed and then by Illinois regula falsi; a path on which H turns
/// infinite counts as an overshoot. The Hamiltonian system is integrated by classical RK4 with a fixed number
/// of steps.
/// </summary>
public sealed partial class PathActionSolver
{
    private readonly IIncrementLaw _law;
    private readonly double _horizon;
    private readonly IInitialLaw? _initial;
    private readonly double _start;
    private readonly int _steps;

    /// <summary>Creates the solver.</summary>
    /// <param name="law">The increment law.</param>
    /// <param name="horizon">S ≥ 0: the path runs over τ in [0, S] (⌊N S⌋ steps of the chain).</param>
    /// <param name="initial">Annealed: the law of one initial parameter (m(0) is their mean); null for quenched.</param>
    /// <param name="start">Quenched: the fixed m(0) (ignored when <paramref name="initial"/> is given).</param>
    /// <param name="steps">RK4 steps over [0, S] (default 2000).</param>
    public PathActionSolver(IIncrementLaw law, double horizon, IInitialLaw? initial, double start = 0, int steps = 2000)
    {
        ArgumentNullException.ThrowIfNull(law);
        if (!(horizon >= 0) || !double.IsFinite(horizon) || !double.IsFinite(start) || steps < 1)
        {
            throw new ArgumentException($"Invalid path problem: horizon = {horizon}, start = {start}, steps = {steps}.");
        }

        (_law, _horizon, _initial, _start, _steps) = (law, horizon, initial, start, steps);
    }

    /// <summary>The typical endpoint: the path with zero costate (the mean-field limit of m).</summary>
    public double Typical => Shoot(0).End;

    /// <summary>The minimal action over paths ending at <paramref name="target"/>.</summary>
    public EndpointRate Endpoint(double target)
    {
        (double typical, _) = Shoot(0);
        double m0 = _initial?.Mean ?? _start;
        if (target == typical)
        {
            return new EndpointRate(target, 0, m0, 0);
        }

        double sign = target > typical ? 1 : -1;

        // Bracket: |p(0)| doubles from 1e-6 until the endpoint passes the target. g = ±(m(S) − target) < 0 below it.
        double lo = 0, hi = 1e-6, glo = sign * (typical - target), ghi = double.NaN;
        bool bracketed = false;
        for (int i = 0; i < 200 && !bracketed; i++)
        {
            (double end, _) = Shoot(sign * hi);
            if (sign * (end - target) >= 0)
            {
                (bracketed, ghi) = (true, sign * (end - target));
            }
            else
            {
                (lo, glo) = (hi, sign * (end - target));
                hi *= 2;
            }
        }

        if (!bracketed)
        {
            return new EndpointRate(target, double.PositiveInfinity, double.NaN, double.NaN);
        }

        // Illinois regula falsi (bisection while an end is an overshoot): m(S) is smooth and increasing in p(0).
        double best = lo, bestG = Math.Abs(glo);
        int retained = 0;
        for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = double.IsFinite(ghi) ? ((lo * ghi) - (hi * glo)) / (ghi - glo) : 0.5 * (lo + hi);
            if (!(mid > lo && mid < hi))
            {
                mid = 0.5 * (lo + hi);
            }

            (double end, _) = Shoot(sign * mid);
            double g = sign * (end - target);
            if (g >= 0)
            {
                (hi, ghi) = (mid, g);
                glo = retained == 1 ? glo / 2 : glo;
                retained = 1;
            }
            else
            {
                (lo, glo) = (mid, g);
                ghi = retained == -1 ? ghi / 2 : ghi;
                retained = -1;
            }

            if (Math.Abs(g) < bestG)
            {
                (best, bestG) = (mid, Math.Abs(g));
            }

            if (bestG <= 1e-13 * (1 + Math.Abs(target)))
            {
                break;
            }
        }

        double p0 = sign * best;
        (double reached, double action) = Shoot(p0);
        if (!double.IsFinite(reached) || Math.Abs(reached - target) > 1e-6 * (1 + Math.Abs(target)))
        {
            return new EndpointRate(target, double.PositiveInfinity, double.NaN, double.NaN);
        }

        double start = _initial?.TiltedMean(p0) ?? _start;
        return new EndpointRate(target, action, start, p0);
    }

    /// <summary>
    /// The path from costate <paramref name="p0"/>: its endpoint (±∞ in the direction of p0 when H turns
    /// infinite on the way) and its action, initial cost included.
    /// </summary>
    public (double End, double Action) Shoot(double p0)
    {
        double m = _start, action = 0;
        if (_initial is not null)
        {
            m = _initial.TiltedMean(p0);
            action = (p0 * m) - _initial.Cgf(p0);
        }

        double p = p0, h = _horizon / _steps;
        double overshoot = p0 >= 0 ? double.PositiveInfinity : double.NegativeInfinity;

        // H is conserved along a Hamiltonian path (the chain is autonomous). Near the edge of H's domain the path is
        // stiff (θ* − m → 0 while p grows exponentially in the linear neuron) and rounding can carry it across a barrier
        // that no continuous path crosses; such a shot is an overshoot, not a path (those endpoints need jumps).
        double energy = _law.H(m, p), drift = 1e-6 * (1 + Math.Abs(energy));
        for (int k = 0; k < _steps && _horizon > 0; k++)
        {
            (double m1, double p1, double a1) = Field(m, p);
            (double m2, double p2, double a2) = Field(m + (0.5 * h * m1), p + (0.5 * h * p1));
            (double m3, double p3, double a3) = Field(m + (0.5 * h * m2), p + (0.5 * h * p2));
            (double m4, double p4, double a4) = Field(m + (h * m3), p + (h * p3));
            m += h / 6 * (m1 + (2 * m2) + (2 * m3) + m4);
            p += h / 6 * (p1 + (2 * p2) + (2 * p3) + p4);
            action += h / 6 * (a1 + (2 * a2) + (2 * a3) + a4);
            if (!double.IsFinite(m) || !double.IsFinite(p) || !double.IsFinite(action) || !(Math.Abs(_law.H(m, p) - energy) <= drift))
            {
                return (overshoot, double.PositiveInfinity);
            }
        }

        return (m, action);
    }

    // (ṁ, ṗ, L) at (m, p): L = p ṁ − H along a Hamiltonian path.
    private (double Dm, double Dp, double Lagrangian) Field(double m, double p)
    {
        double hp = _law.Hp(m, p);
        return (hp, -_law.Hm(m, p), (p * hp) - _law.H(m, p));
    }
}
