namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// Solves the reduced radial equation of MATH section 4.1 by Lagrangian particles: the radii r_j start at
/// the quantiles of the initial radial law (<see cref="RadialInitialLaw"/>) and move by
/// dr_j/dt = -2 ξ(t) (ψ'(r_j) + λ r_j), with the moments m_n^± recomputed from the particles at every stage
/// of a classical RK4 step (<see cref="RadialField"/>). Steps have length h and land on the grid k h; an
/// output time off the grid ends a shortened step there, and the next step resumes the grid. Each stage
/// costs O(M · order).
/// </summary>
public static class RadialPdeSolver
{
    /// <summary>Integrates to every output time of <paramref name="settings"/> and records the snapshots (β &lt; ∞ goes to <see cref="NoisyRadialSolver"/>).</summary>
    /// <exception cref="ArgumentException">A setting is out of range (see <see cref="RadialPdeSettings.Validate"/>).</exception>
    public static RadialPdeSolution Solve(RadialPdeSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        if (settings.Beta is { } beta && double.IsFinite(beta))
        {
            // Particles cannot diffuse: the noisy limit is a Fokker–Planck equation on a grid in r.
            return NoisyRadialSolver.Solve(settings);
        }

        double[] radii = RadialInitialLaw.Particles(settings.Dimension, settings.Kappa, settings.Particles);
        var integrator = new Rk4(new RadialField(settings, radii.Length), settings.Xi, radii.Length);
        double h = settings.StepSize, t = 0;
        long grid = 0;
        var snapshots = new List<RadialPdeSnapshot>();
        IReadOnlyList<double> levels = settings.ResolvedQuantileLevels;
        foreach (double target in settings.ResolvedOutputTimes)
        {
            while (t < target)
            {
                double next = (grid + 1) * h;
                if (next <= target * (1 + 1e-12))
                {
                    grid++;
                    next = Math.Min(next, target);
                }
                else
                {
                    next = target;
                }

                integrator.Step(radii, t, next - t);
                t = next;
            }

            snapshots.Add(integrator.Snapshot(radii, t, levels));
        }

        return new RadialPdeSolution(settings, levels, snapshots);
    }

    /// <summary>The quantile Q(p) = x_(⌈pM⌉) of an ascending sample (MATH section 5).</summary>
    internal static double EmpiricalQuantile(ReadOnlySpan<double> sorted, double p)
    {
        int rank = (int)Math.Ceiling(p * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    // Classical RK4 for r' = F(t, r) = -2 ξ(t) ∇(r), tracking the Hermite orders its stages use.
    private sealed class Rk4(RadialField field, XiSchedule xi, int count)
    {
        private readonly double[] _k1 = new double[count], _k2 = new double[count], _k3 = new double[count], _k4 = new double[count];
        private readonly double[] _stage = new double[count];
        private int _order;
        private bool _converged = true;

        public void Step(double[] r, double t, double h)
        {
            Rate(r, t, _k1);
            Shift(r, _k1, h / 2);
            Rate(_stage, t + (h / 2), _k2);
            Shift(r, _k2, h / 2);
            Rate(_stage, t + (h / 2), _k3);
            Shift(r, _k3, h);
            Rate(_stage, t + h, _k4);
            for (int j = 0; j < r.Length; j++)
            {
                r[j] += h / 6 * (_k1[j] + (2 * _k2[j]) + (2 * _k3[j]) + _k4[j]);
            }
        }

        public RadialPdeSnapshot Snapshot(double[] r, double t, IReadOnlyList<double> levels)
        {
            FieldValue value = Evaluate(r, _k1);
            double[] sorted = [.. r.Select(Math.Abs)];
            Array.Sort(sorted);
            double[] quantiles = [.. levels.Select(p => EmpiricalQuantile(sorted, p))];
            var snapshot = new RadialPdeSnapshot(t, value.Risk, quantiles, _order, _converged, sorted);
            (_order, _converged) = (0, true);
            return snapshot;
        }

        private void Rate(double[] r, double t, double[] rate)
        {
            Evaluate(r, rate);
            double factor = -2.0 * xi.Value(t);
            for (int j = 0; j < rate.Length; j++)
            {
                rate[j] *= factor;
            }
        }

        private FieldValue Evaluate(double[] r, double[] gradient)
        {
            FieldValue value = field.Evaluate(r, gradient);
            _order = Math.Max(_order, value.Order);
            _converged &= value.Converged;
            return value;
        }

        private void Shift(double[] r, double[] k, double h)
        {
            for (int j = 0; j < r.Length; j++)
            {
                _stage[j] = r[j] + (h * k[j]);
            }
        }
    }
}
