using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Networks;

/// <summary>Names of the initial samplings (<c>model.init.sampling</c>).</summary>
public static class InitSamplings
{
    /// <summary>Independent draws of every parameter (the default).</summary>
    public const string Iid = "iid";

    /// <summary>
    /// A quasi-Monte Carlo draw whose empirical law converges fast (one hidden layer only): see
    /// <see cref="StratifiedInit"/>.
    /// </summary>
    public const string Stratified = "stratified";

    /// <summary>All samplings.</summary>
    public static readonly IReadOnlyList<string> All = [Iid, Stratified];
}

/// <summary>
/// A stratified, quasi-Monte Carlo initial draw of a one-hidden-layer network (docs/large-deviations.md,
/// "Quenched initial measures"): its empirical law is a randomized low-discrepancy point set rather than N
/// i.i.d. points, so the typical value of a functional of the initial measure spreads over draws much less
/// than the N^{-1/2} of i.i.d. draws (MATH section 6, quenched centring).
/// <para>
/// Neuron i gets the point z_i = frac(u + (i + 1) g) of a randomly shifted Kronecker (R_D) sequence in [0, 1)^D,
/// g_j = φ_D^{-(j+1)} with φ_D the positive root of x^{D+1} = x + 1, the shift u uniform. Coordinates are
/// used in this order: d = 1: w_i = (κ/√d) Φ^{-1}(q_i); d ≥ 2: the radius ‖w_i‖ = (κ/√d) √(χ²_d^{-1}(q_i)) from
/// the first coordinate, and the direction from the next d (Φ^{-1} of each, normalized); then the bias
/// (if random) and the output weight (if random). Every coordinate that gives a scalar law is stratified
/// exactly: q_i = (rank_i + v_i)/N with rank_i the rank of neuron i's coordinate among the N and v_i uniform
/// (jittered strata), so each of the N strata of the law holds exactly one neuron. Directions use the lattice
/// coordinates themselves. Antithetic pairs would do nothing for even functionals such as the radial risk,
/// and a quantile coupling of vectors is undefined for d ≥ 2; this construction handles both.
/// </para>
/// <para>
/// Draws from the stream, in order: the D shift coordinates, then per stratified coordinate the N jitters v_i.
/// The output law <c>rademacher</c> takes its signs from the strata: the lower half −, the upper half +.
/// </para>
/// </summary>
public static class StratifiedInit
{
    /// <summary>Fills the parameters of a one-hidden-layer <paramref name="network"/> as described on the class.</summary>
    /// <param name="network">A network with one hidden layer (all parameters are overwritten).</param>
    /// <param name="init">The initial law.</param>
    /// <param name="rng">The initialization stream.</param>
    /// <exception cref="ArgumentException">The network has more than one hidden layer.</exception>
    public static void Fill(MeanFieldNetwork network, InitSpec init, ref Xoshiro256 rng)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(init);
        if (network.Layers != 1)
        {
            throw new ArgumentException("Stratified initialization covers one hidden layer only.", nameof(network));
        }

        int n = network.Widths[0], d = network.Dimension;
        bool randomBias = network.HasBias && init.BiasStd > 0;
        bool randomOutput = init.OutputStd > 0;
        int firstCoordinates = d == 1 ? 1 : d + 1;
        int dims = firstCoordinates + (randomBias ? 1 : 0) + (randomOutput ? 1 : 0);
        double[] z = Lattice(n, dims, ref rng);
        double scale = init.Kappa / Math.Sqrt(d);
        Span<double> w = network.FirstLayer;
        if (d == 1)
        {
            double[] q = Strata(z, dims, 0, n, ref rng);
            for (int i = 0; i < n; i++)
            {
                w[i] = scale * Normal.InvCDF(0, 1, q[i]);
            }
        }
        else
        {
            double[] q = Strata(z, dims, 0, n, ref rng);
            for (int i = 0; i < n; i++)
            {
                Span<double> row = w.Slice(i * d, d);
                double norm2 = 0;
                for (int j = 0; j < d; j++)
                {
                    row[j] = Normal.InvCDF(0, 1, Open(z[(i * dims) + 1 + j]));
                    norm2 += row[j] * row[j];
                }

                double radius = scale * Math.Sqrt(ChiSquared.InvCDF(d, q[i]));
                double factor = norm2 > 0 ? radius / Math.Sqrt(norm2) : 0;
                for (int j = 0; j < d; j++)
                {
                    row[j] *= factor;
                }
            }
        }

        int next = firstCoordinates;
        if (network.HasBias)
        {
            Span<double> b = network.Bias(1);
            double[]? q = randomBias ? Strata(z, dims, next++, n, ref rng) : null;
            for (int i = 0; i < n; i++)
            {
                b[i] = init.BiasMean + (q is null ? 0 : init.BiasStd * Normal.InvCDF(0, 1, q[i]));
            }
        }

        Span<double> c = network.Output;
        double[]? qc = randomOutput ? Strata(z, dims, next, n, ref rng) : null;
        for (int i = 0; i < n; i++)
        {
            double unit = qc is null ? 0 : init.OutputLaw == "rademacher" ? (qc[i] < 0.5 ? -1 : 1) : Normal.InvCDF(0, 1, qc[i]);
            c[i] = init.OutputMean + (init.OutputStd * unit);
        }
    }

    /// <summary>The N points frac(u + (i + 1) g) in [0, 1)^D, row-major, with a uniform shift u from the stream.</summary>
    public static double[] Lattice(int n, int dims, ref Xoshiro256 rng)
    {
        double phi = 2;
        for (int it = 0; it < 64; it++)
        {
            // Newton on x^{D+1} - x - 1.
            phi -= (Math.Pow(phi, dims + 1) - phi - 1) / (((dims + 1) * Math.Pow(phi, dims)) - 1);
        }

        var g = new double[dims];
        var shift = new double[dims];
        for (int j = 0; j < dims; j++)
        {
            g[j] = Frac(Math.Pow(1 / phi, j + 1));
            shift[j] = rng.NextDouble();
        }

        var z = new double[n * dims];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < dims; j++)
            {
                z[(i * dims) + j] = Frac(shift[j] + ((i + 1) * g[j]));
            }
        }

        return z;
    }

    // Jittered strata of one lattice coordinate: q_i = (rank_i + v_i)/N, each stratum holding one neuron.
    private static double[] Strata(double[] z, int dims, int coordinate, int n, ref Xoshiro256 rng)
    {
        int[] order = [.. Enumerable.Range(0, n).OrderBy(i => z[(i * dims) + coordinate]).ThenBy(i => i)];
        var q = new double[n];
        for (int rank = 0; rank < n; rank++)
        {
            q[order[rank]] = Open((rank + rng.NextDouble()) / n);
        }

        return q;
    }

    private static double Frac(double v) => v - Math.Floor(v);

    // Keeps a uniform away from 0 and 1, where the quantile functions are infinite.
    private static double Open(double u) => Math.Clamp(u, 1e-300, 1 - 1e-16);
}
