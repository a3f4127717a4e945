namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The time stepping shared by the particle solvers (<see cref="RadialPdeSolver"/>, <see cref="AnisotropicPdeSolver"/>):
/// steps of length h land on the grid k h; an output time off the grid ends a shortened step there, and the
/// next step resumes the grid.
/// </summary>
internal static class OutputSchedule
{
    /// <summary>
    /// Calls <paramref name="advance"/>(t, Δt) step by step from t = 0 and <paramref name="record"/>(t) at
    /// every output time (ascending, ≥ 0).
    /// </summary>
    public static void Integrate(double h, IReadOnlyList<double> outputTimes, Action<double, double> advance, Action<double> record)
    {
        double t = 0;
        long grid = 0;
        foreach (double target in outputTimes)
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

                advance(t, next - t);
                t = next;
            }

            record(t);
        }
    }
}
