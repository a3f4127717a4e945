using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Observables;

/// <summary>
/// Distance correlation (Székely, Rizzo and Bakirov 2007) between paired samples of two random vectors,
/// and its permutation test of independence (MATH section 5: the dependence between layer-1 and layer-2
/// neuron parameters paired through edges). Uses the V-statistic: with a_ij = |x_i - x_j| and
/// b_ij = |y_i - y_j| (Euclidean), A and B their double-centered matrices
/// (A_ij = a_ij - ā_i. - ā_.j + ā_..), dCov² = (1/n²) Σ A_ij B_ij, dVar²_X = (1/n²) Σ A_ij²,
/// and dCor = sqrt(dCov² / sqrt(dVar²_X dVar²_Y)), defined as 0 when either variance is 0.
/// </summary>
public static class DistanceCorrelation
{
    /// <summary>
    /// Relative slack with which a permuted statistic counts as "at least the observed one" in
    /// <see cref="Test"/>, so that round-off never turns a tie (for example the identity permutation)
    /// into a strict inequality. Ties count against significance (the conservative side).
    /// </summary>
    public const double TieTolerance = 1e-12;

    /// <summary>The sample distance correlation of n pairs (x_i, y_i), in [0, 1].</summary>
    /// <param name="x">n × <paramref name="dx"/> values, row-major (row i is x_i).</param>
    /// <param name="dx">Dimension of x ≥ 1.</param>
    /// <param name="y">n × <paramref name="dy"/> values, row-major, paired with the rows of x.</param>
    /// <param name="dy">Dimension of y ≥ 1.</param>
    /// <exception cref="ArgumentException">The arrays do not hold the same number n ≥ 1 of rows.</exception>
    public static double Compute(double[] x, int dx, double[] y, int dy)
    {
        int n = RowCount(x, dx, y, dy);
        double[] a = CenteredDistances(x, dx, n);
        double[] b = CenteredDistances(y, dy, n);
        return Correlation(a, b);
    }

    /// <summary>
    /// The sample distance correlation and its permutation p-value
    /// (1 + #{k : dCor(x, y_π_k) ≥ dCor(x, y)}) / (1 + <paramref name="permutations"/>), where each π_k is
    /// a uniform permutation of the rows of y (Fisher–Yates from <paramref name="rng"/>). The centered
    /// distance matrices are built once (O(n²) memory); each permutation costs O(n²) time and no
    /// allocation, since permuting the rows of y permutes the rows and columns of its centered matrix.
    /// With 0 permutations, or when a distance variance is 0, the p-value is 1.
    /// </summary>
    /// <param name="x">n × <paramref name="dx"/> values, row-major.</param>
    /// <param name="dx">Dimension of x ≥ 1.</param>
    /// <param name="y">n × <paramref name="dy"/> values, row-major.</param>
    /// <param name="dy">Dimension of y ≥ 1.</param>
    /// <param name="permutations">Number of permutations ≥ 0.</param>
    /// <param name="rng">Stream for the permutations (advanced).</param>
    /// <exception cref="ArgumentException">The arrays do not hold the same number n ≥ 1 of rows.</exception>
    public static (double DCor, double PValue) Test(double[] x, int dx, double[] y, int dy, int permutations, ref Xoshiro256 rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(permutations);
        int n = RowCount(x, dx, y, dy);
        double[] a = CenteredDistances(x, dx, n);
        double[] b = CenteredDistances(y, dy, n);
        double varX = Dot(a, a);
        double varY = Dot(b, b);
        if (varX <= 0 || varY <= 0 || permutations == 0)
        {
            return (Correlation(a, b), 1.0);
        }

        double observed = Dot(a, b);
        double threshold = observed - (TieTolerance * Math.Sqrt(varX * varY));
        var perm = new int[n];
        for (int i = 0; i < n; i++)
        {
            perm[i] = i;
        }

        int atLeast = 0;
        for (int k = 0; k < permutations; k++)
        {
            for (int i = n - 1; i > 0; i--)
            {
                int j = (int)Math.BigMul(rng.NextUInt64(), (ulong)(i + 1), out _);
                (perm[i], perm[j]) = (perm[j], perm[i]);
            }

            if (PermutedDot(a, b, perm, n) >= threshold)
            {
                atLeast++;
            }
        }

        return (Correlation(a, b), (1.0 + atLeast) / (1.0 + permutations));
    }

    private static int RowCount(double[] x, int dx, double[] y, int dy)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentOutOfRangeException.ThrowIfLessThan(dx, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dy, 1);
        if (x.Length % dx != 0 || y.Length % dy != 0 || x.Length / dx != y.Length / dy || x.Length == 0)
        {
            throw new ArgumentException("x and y must hold the same positive number of rows of lengths dx and dy.");
        }

        return x.Length / dx;
    }

    /// <summary>The double-centered Euclidean distance matrix (n × n, row-major) of the rows of v.</summary>
    private static double[] CenteredDistances(double[] v, int d, int n)
    {
        var m = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double s = 0;
                for (int c = 0; c < d; c++)
                {
                    double diff = v[(i * d) + c] - v[(j * d) + c];
                    s += diff * diff;
                }

                double dist = Math.Sqrt(s);
                m[(i * n) + j] = dist;
                m[(j * n) + i] = dist;
            }
        }

        // The matrix is symmetric, so row means equal column means.
        var rowMean = new double[n];
        double grand = 0;
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < n; j++)
            {
                s += m[(i * n) + j];
            }

            rowMean[i] = s / n;
            grand += s;
        }

        grand /= (double)n * n;
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                m[(i * n) + j] += grand - rowMean[i] - rowMean[j];
            }
        }

        return m;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += a[i] * b[i];
        }

        return s;
    }

    /// <summary>Σ_ij A_ij B_{π(i) π(j)}.</summary>
    private static double PermutedDot(double[] a, double[] b, int[] perm, int n)
    {
        double s = 0;
        for (int i = 0; i < n; i++)
        {
            int rowA = i * n;
            int rowB = perm[i] * n;
            for (int j = 0; j < n; j++)
            {
                s += a[rowA + j] * b[rowB + perm[j]];
            }
        }

        return s;
    }

    private static double Correlation(double[] a, double[] b)
    {
        double varX = Dot(a, a);
        double varY = Dot(b, b);
        if (varX <= 0 || varY <= 0)
        {
            return 0;
        }

        // The 1/n² normalizations cancel in the ratio.
        double r2 = Dot(a, b) / Math.Sqrt(varX * varY);
        return Math.Sqrt(Math.Clamp(r2, 0, 1));
    }
}
