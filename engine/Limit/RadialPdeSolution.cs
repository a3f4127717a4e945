namespace MeanFieldCluster.Engine.Limit;

/// <summary>The solution of the reduced radial equation (MATH section 4.1) at the requested output times.</summary>
/// <param name="Settings">What was solved.</param>
/// <param name="QuantileLevels">The levels p of every snapshot's <see cref="RadialPdeSnapshot.Quantiles"/>.</param>
/// <param name="Snapshots">One snapshot per output time, in time order.</param>
public sealed record RadialPdeSolution(RadialPdeSettings Settings, IReadOnlyList<double> QuantileLevels, IReadOnlyList<RadialPdeSnapshot> Snapshots)
{
    /// <summary>The output times.</summary>
    public double[] Times => [.. Snapshots.Select(s => s.Time)];

    /// <summary>The risk R(t) at the output times.</summary>
    public double[] Risks => [.. Snapshots.Select(s => s.Risk)];
}

/// <summary>The state of the particles at one output time.</summary>
/// <param name="Time">t.</param>
/// <param name="Risk">R(t) = E(y - ŷ)² of the limit (without the ridge term).</param>
/// <param name="Quantiles">
/// The radial quantiles Q(p) = r_(⌈pM⌉) of the particles as an equally weighted law, at
/// <see cref="RadialPdeSolution.QuantileLevels"/> (the convention of <see cref="Observables.Quantiles"/>).
/// </param>
/// <param name="HermiteOrder">The highest even Hermite order used by any field evaluation since the previous snapshot (0 for d = ∞).</param>
/// <param name="HermiteConverged">Whether every one of those evaluations met the Hermite tolerance.</param>
/// <param name="Radii">All particle radii ‖w‖, ascending (for W1 against an empirical law of ‖w_i‖).</param>
public sealed record RadialPdeSnapshot(double Time, double Risk, IReadOnlyList<double> Quantiles, int HermiteOrder, bool HermiteConverged, IReadOnlyList<double> Radii)
{
    /// <summary>
    /// The exact W1 distance between the particles' law and the empirical law of <paramref name="norms"/>
    /// (for example the ‖w_i‖ of an SGD run at the same t); see <see cref="EmpiricalW1"/>.
    /// </summary>
    public double W1(ReadOnlySpan<double> norms) => EmpiricalW1([.. Radii], norms);

    /// <summary>
    /// The exact W1 distance ∫ |F_a(x) - F_b(x)| dx between the equally weighted empirical laws of two
    /// samples of any sizes (merging the sorted samples; O((m + n) log(m + n))).
    /// </summary>
    /// <exception cref="ArgumentException">A sample is empty.</exception>
    public static double EmpiricalW1(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.IsEmpty || b.IsEmpty)
        {
            throw new ArgumentException("W1 needs two non-empty samples.");
        }

        double[] x = a.ToArray(), y = b.ToArray();
        Array.Sort(x);
        Array.Sort(y);
        int i = 0, j = 0;
        double distance = 0, previous = Math.Min(x[0], y[0]);
        while (i < x.Length || j < y.Length)
        {
            // Between the previous atom and the next one both CDFs are constant.
            double next = j >= y.Length || (i < x.Length && x[i] <= y[j]) ? x[i] : y[j];
            distance += Math.Abs(((double)i / x.Length) - ((double)j / y.Length)) * (next - previous);
            while (i < x.Length && x[i] == next)
            {
                i++;
            }

            while (j < y.Length && y[j] == next)
            {
                j++;
            }

            previous = next;
        }

        return distance;
    }
}
