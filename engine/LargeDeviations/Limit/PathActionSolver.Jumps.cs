namespace MeanFieldCluster.Engine.LargeDeviations.Limit;

/// <summary>
/// Big jumps (docs/large-deviations.md, "Big jumps in the solver"). When the increments have an exponential tail at the
/// speed of the principle (<see cref="IIncrementLaw.Domain"/> bounded), one step can move m by O(1) at the cost of the
/// recession function of L at the state before the jump, and the rate of an endpoint is the least cost over paths made of
/// continuous Hamiltonian pieces and such jumps. This part adds up to two jumps at the end of the continuous path:
/// J(m) = min( J_c(m), min_u [J_c(u) + K(u, m)], min_{u, v} [J_c(u) + K(u, v) + K(v, m)] ) with J_c the continuous action
/// and K the jump cost. Where the flow commutes with the jumps (the linear neuron with σ_n = 0, λ = 0, β = ∞: both
/// multiply θ* − m) the time of a jump does not matter and this is the exact rate; otherwise it is an upper bound on it
/// wherever a jump is used (an earlier jump might be cheaper).
/// </summary>
public sealed partial class PathActionSolver
{
    private const int JumpGrid = 400;
    private const int GoldenIterations = 30;

    // The continuous family: endpoints and actions of the Hamiltonian paths over a grid of p(0), one per side of 0.
    private (double P0, double End, double Action)[]? _family;

    /// <summary>
    /// The least cost of reaching <paramref name="target"/> by a continuous path followed by at most two jumps
    /// (<see cref="EndpointRate.Jumps"/> says how many the cheapest one uses). Equals <see cref="Endpoint"/> when the
    /// increments have light tails.
    /// </summary>
    public EndpointRate Cheapest(double target)
    {
        EndpointRate continuous = Endpoint(target);
        if (LightTailed(target) && LightTailed(Typical))
        {
            return continuous;
        }

        var family = Family();
        if (family.Length == 0)
        {
            return continuous;
        }

        EndpointRate best = continuous;
        foreach (int jumps in new[] { 1, 2 })
        {
            double Cost(double end) => jumps == 1 ? _law.JumpCost(end, target) : TwoJumps(end, target);
            int arg = -1;
            double value = double.PositiveInfinity;
            for (int i = 0; i < family.Length; i++)
            {
                double v = family[i].Action + Cost(family[i].End);
                if (v < value)
                {
                    (value, arg) = (v, i);
                }
            }

            // The grid minimum is within a few percent of the refined one; far above the best so far, skip the refinement.
            if (arg < 0 || value > (1.2 * best.Rate) + 0.01)
            {
                continue;
            }

            // Refine over p(0) between the grid neighbours (the family is smooth in p(0)).
            double lo = family[Math.Max(arg - 1, 0)].P0, hi = family[Math.Min(arg + 1, family.Length - 1)].P0;
            (double p0, double refined) = GoldenSection.Minimize(
                p =>
                {
                    (double end, double action) = Shoot(p);
                    return double.IsFinite(action) ? action + Cost(end) : double.PositiveInfinity;
                },
                lo,
                hi,
                GoldenIterations);
            if (refined > value)
            {
                (p0, refined) = (family[arg].P0, value);
            }

            if (refined < best.Rate - 1e-12)
            {
                best = new EndpointRate(target, refined, _initial?.TiltedMean(p0) ?? _start, p0, jumps);
            }
        }

        return best;
    }

    private bool LightTailed(double m) => _law.Domain(m) is (double.NegativeInfinity, double.PositiveInfinity);

    // min over the intermediate point v of K(u, v) + K(v, m): a grid over a window that holds every useful v (a jump
    // costs at least its length times the smaller slope, so v far from u and m only costs more), refined by golden sections.
    private double TwoJumps(double from, double to)
    {
        double centre = 0.5 * (from + to), reach = 3 * (Math.Abs(from - to) + Math.Abs(from) + Math.Abs(to) + 1);
        double Total(double v) => _law.JumpCost(from, v) + _law.JumpCost(v, to);
        double step = 2 * reach / JumpGrid, best = double.PositiveInfinity;
        int arg = -1;
        for (int i = 0; i <= JumpGrid; i++)
        {
            double v = Total(centre - reach + (i * step));
            if (v < best)
            {
                (best, arg) = (v, i);
            }
        }

        if (arg < 0)
        {
            return double.PositiveInfinity;
        }

        double at = centre - reach + (arg * step);
        return Math.Min(best, GoldenSection.Minimize(Total, at - step, at + step, GoldenIterations).Value);
    }

    private (double P0, double End, double Action)[] Family()
    {
        if (_family is not null)
        {
            return _family;
        }

        var points = new List<(double, double, double)>();
        (double typical, double zero) = Shoot(0);
        points.Add((0, typical, zero));
        foreach (double sign in new[] { -1.0, 1.0 })
        {
            for (double p = 1e-4; p < 1e8; p *= 1.25)
            {
                (double end, double action) = Shoot(sign * p);
                if (!double.IsFinite(end) || !double.IsFinite(action))
                {
                    break;
                }

                points.Add((sign * p, end, action));
            }
        }

        _family = [.. points.OrderBy(t => t.Item1)];
        return _family;
    }
}
