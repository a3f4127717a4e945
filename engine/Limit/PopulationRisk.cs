using MeanFieldCluster.Engine.Kernels;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The exact population risk of a finite mmn-isotropic network ŷ = (1/N) Σ_i σ(&lt;w_i, x&gt;) (ramp σ) on
/// isotropic-gaussian data (MATH section 4.1). Given y = ±1, &lt;w_i, x&gt; = τ_± r_i G_i with r_i = ‖w_i‖ and
/// (G_i, G_j) standard normals of correlation c_ij = cos(w_i, w_j), so
/// <code>
/// R_N(W) = 1 + (2/N) Σ_i v(r_i) + (1/N²) Σ_{i,j} U_ij,   U_ij = (1/2) Σ_± E[σ(τ_± r_i G_i) σ(τ_± r_j G_j)]
/// </code>
/// with v as in <see cref="RadialField"/>. The diagonal is E σ(τ r G)² in closed form. Off the diagonal the
/// Mehler series E[σ(a G_1) σ(b G_2)] = Σ_n c^n α_n(a) α_n(b) (odd orders included) is summed up to an
/// order K at which the Cauchy–Schwarz bound on the rest (the first such order in the reference loop; in the
/// group loop of PopulationRisk.Groups.cs the first tested order at which every pair of its group of eight has it),
/// |Σ_{n&gt;K} c^n α_n(a) α_n(b)| ≤ |c|^{K+1} √(T_a(K) T_b(K)),   T_a(K) = E σ(aG)² - Σ_{n≤K} α_n(a)²,
/// is below the pair tolerance (T_a is padded by the rounding error of the partial sums, so the bound is
/// rigorous). Pairs that need more than the maximum order (|c| close to 1) are computed exactly with
/// <see cref="RampGaussian.ProductMoment"/> (bivariate normal orthant probabilities, about 1e-14). Cost
/// O(N² (d + K)), fine for N ≤ a few thousand. The rounding bound is in docs/limit.md ("Exact population risk").
/// </summary>
public static partial class PopulationRisk
{
    /// <summary>The default bound on each pair's series truncation error.</summary>
    public const double DefaultPairTolerance = 1e-12;

    /// <summary>The default highest Hermite order of the pair series.</summary>
    public const int DefaultMaxOrder = 128;

    /// <summary>
    /// R_N(W) for first-layer weights <paramref name="weights"/> (N×d row-major, as
    /// <see cref="Networks.MeanFieldNetwork.FirstLayer"/>), with its truncation bound.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes or parameters are invalid.</exception>
    public static PopulationRiskEstimate Compute(ReadOnlySpan<double> weights, int width, int dimension, double delta, RampParameters ramp, double pairTolerance = DefaultPairTolerance) =>
        Compute(weights, width, dimension, delta, ramp, pairTolerance, DefaultMaxOrder);

    /// <summary>
    /// R_N(W) on anisotropic-gaussian data with s0 = <paramref name="informative"/> label-dependent coordinates
    /// (docs/limit.md, "The anisotropic reduction"; s0 = d is the isotropic case). Given y = ±1,
    /// &lt;w_i, x&gt; = a_i G_i with a_i = √(τ² ‖w_i,1‖² + ‖w_i,2‖²) (w_i,1 the first s0 coordinates) and
    /// corr(G_i, G_j) = (τ² &lt;w_i,1, w_j,1&gt; + &lt;w_i,2, w_j,2&gt;)/(a_i a_j): the same series and exact pairs
    /// as the isotropic risk, with a class-dependent scale and correlation.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes or parameters are invalid.</exception>
    public static PopulationRiskEstimate Compute(ReadOnlySpan<double> weights, int width, int dimension, int informative, double delta, RampParameters ramp, double pairTolerance = DefaultPairTolerance) =>
        Compute(weights, width, dimension, informative, delta, ramp, pairTolerance, reference: false);

    /// <summary>
    /// The anisotropic risk; <paramref name="reference"/> takes the reference loop (one pair at a time, the
    /// truncation tested at every order: the test oracle) instead of the group loop, and <paramref name="lanes"/>
    /// the group loop's vector width (the fastest this machine runs when null; every width gives the same bits);
    /// <paramref name="freshWorkspace"/> gives the group loop new arrays instead of pooled ones (tests).
    /// </summary>
    internal static PopulationRiskEstimate Compute(ReadOnlySpan<double> weights, int width, int dimension, int informative, double delta, RampParameters ramp, double pairTolerance, bool reference, SimdWidth? lanes = null, bool freshWorkspace = false)
    {
        if (informative < 1 || informative > dimension)
        {
            throw new ArgumentOutOfRangeException(nameof(informative), informative, $"s0 must lie in [1, d] = [1, {dimension}].");
        }

        if (informative == dimension)
        {
            return Compute(weights, width, dimension, delta, ramp, pairTolerance, DefaultMaxOrder, reference, lanes, freshWorkspace);
        }

        Validate(weights, width, dimension, delta, ramp, pairTolerance, DefaultMaxOrder);
        var gauss = new RampGaussian(ramp);
        double[] inner = new double[width], outer = new double[width];
        for (int i = 0; i < width; i++)
        {
            ReadOnlySpan<double> w = weights.Slice(i * dimension, dimension);
            inner[i] = Dot.Compute(w[..informative], w[..informative]);
            outer[i] = Dot.Compute(w[informative..], w[informative..]);
        }

        double[] tau = [1.0 + delta, 1.0 - delta];
        double[][] scales = [.. tau.Select(t => inner.Select((q, i) => Math.Sqrt((t * t * q) + outer[i])).ToArray())];
        if (!reference)
        {
            return ByGroups(weights, width, dimension, informative, tau, gauss, scales, null, DefaultMaxOrder, pairTolerance, lanes ?? Simd.Best, freshWorkspace);
        }

        var pairs = new PairSums();

        NeuronTable[] tables = [.. scales.Select(a => new NeuronTable(gauss, a, DefaultMaxOrder))];
        for (int i = 0; i < width; i++)
        {
            ReadOnlySpan<double> wi = weights.Slice(i * dimension, dimension);
            for (int j = i + 1; j < width; j++)
            {
                ReadOnlySpan<double> wj = weights.Slice(j * dimension, dimension);
                double dot1 = Dot.Compute(wi[..informative], wj[..informative]), dot2 = Dot.Compute(wi[informative..], wj[informative..]);
                for (int s = 0; s < 2; s++)
                {
                    pairs.Add(tables[s], gauss, i, j, ClassCorrelation(tables[s].Scale[i], tables[s].Scale[j], tau[s], dot1, dot2), pairTolerance);
                }
            }
        }

        return Total(Means(tables), Seconds(tables), width, pairs);
    }

    // The anisotropic correlation of class s: (τ² dot1 + dot2)/(a_i a_j), clamped to [-1, 1]; 0 when a scale is 0.
    private static double ClassCorrelation(double ai, double aj, double tau, double dot1, double dot2) =>
        ai > 0 && aj > 0 ? Math.Clamp(((tau * tau * dot1) + dot2) / (ai * aj), -1.0, 1.0) : 0.0;

    // The reference loop's correlation of the pair (i, j) in class s: the group loop's exact pairs take it, so
    // that they get the reference loop's value (the exact formula is ill-conditioned as |c| → 1: docs/limit.md).
    private static double ReferenceCorrelation(ReadOnlySpan<double> weights, int dimension, int informative, double[] tau, double[][] scales, double[]? norms, int s, int i, int j)
    {
        ReadOnlySpan<double> wi = weights.Slice(i * dimension, dimension), wj = weights.Slice(j * dimension, dimension);
        return informative == dimension
            ? Correlation(weights, dimension, norms!, wi, i, j)
            : ClassCorrelation(scales[s][i], scales[s][j], tau[s], Dot.Compute(wi[..informative], wj[..informative]), Dot.Compute(wi[informative..], wj[informative..]));
    }

    /// <summary>
    /// As the public overload, with the highest series order (0 sends every off-diagonal pair to the exact
    /// formula); <paramref name="reference"/>, <paramref name="lanes"/> and <paramref name="freshWorkspace"/> as in
    /// the anisotropic overload.
    /// </summary>
    internal static PopulationRiskEstimate Compute(ReadOnlySpan<double> weights, int width, int dimension, double delta, RampParameters ramp, double pairTolerance, int maxOrder, bool reference = false, SimdWidth? lanes = null, bool freshWorkspace = false)
    {
        Validate(weights, width, dimension, delta, ramp, pairTolerance, maxOrder);
        var gauss = new RampGaussian(ramp);
        double[] norms = new double[width];
        Dot.RowNorms(weights, dimension, norms);

        double[] tau = [1.0 + delta, 1.0 - delta];
        double[][] scales = [.. tau.Select(t => norms.Select(r => t * r).ToArray())];
        if (!reference)
        {
            return ByGroups(weights, width, dimension, dimension, tau, gauss, scales, norms, maxOrder, pairTolerance, lanes ?? Simd.Best, freshWorkspace);
        }

        var pairs = new PairSums();

        NeuronTable[] tables = [.. scales.Select(a => new NeuronTable(gauss, a, maxOrder))];
        for (int i = 0; i < width; i++)
        {
            ReadOnlySpan<double> wi = weights.Slice(i * dimension, dimension);
            for (int j = i + 1; j < width; j++)
            {
                double c = Correlation(weights, dimension, norms, wi, i, j);
                pairs.Add(tables[0], gauss, i, j, c, pairTolerance);
                pairs.Add(tables[1], gauss, i, j, c, pairTolerance);
            }
        }

        return Total(Means(tables), Seconds(tables), width, pairs);
    }

    // The group loop's risk (PopulationRisk.Groups.cs), with a workspace from the pool (or a new one) for its arrays.
    private static PopulationRiskEstimate ByGroups(ReadOnlySpan<double> weights, int width, int dimension, int informative, double[] tau, RampGaussian gauss, double[][] scales, double[]? norms, int maxOrder, double pairTolerance, SimdWidth lanes, bool freshWorkspace)
    {
        Workspace work = Workspace.Rent(freshWorkspace);
        try
        {
            var pairs = new PairSums();
            var groups = new GroupTables(gauss, scales, norms, maxOrder, pairTolerance, work);
            AddPairsByGroup(weights, width, dimension, informative, tau, groups, gauss, pairs, pairTolerance, lanes);
            return Total(groups.Mean, groups.Second, width, pairs);
        }
        finally
        {
            Workspace.Return(work);
        }
    }

    private static double[][] Means(NeuronTable[] tables) => [.. tables.Select(t => Enumerable.Range(0, t.Scale.Length).Select(t.Mean).ToArray())];

    private static double[][] Seconds(NeuronTable[] tables) => [.. tables.Select(t => t.Second)];

    // cos(w_i, w_j), clamped to [-1, 1]; 0 when either row is zero.
    private static double Correlation(ReadOnlySpan<double> weights, int dimension, double[] norms, ReadOnlySpan<double> wi, int i, int j) =>
        norms[i] > 0 && norms[j] > 0 ? Math.Clamp(Dot.Compute(wi, weights.Slice(j * dimension, dimension)) / (norms[i] * norms[j]), -1.0, 1.0) : 0.0;

    // 1 + (2/N) Σ v + (1/N²) (Σ_i U_ii + Σ_{i≠j} U_ij) from the per-class means α_0 = E σ(a_i G), second moments
    // E σ(a_i G)² and the pair sums.
    private static PopulationRiskEstimate Total(double[][] means, double[][] seconds, int width, PairSums pairs)
    {
        double linear = 0, diagonal = 0;
        for (int i = 0; i < width; i++)
        {
            linear += -0.5 * (means[0][i] - means[1][i]);
            diagonal += 0.5 * (seconds[0][i] + seconds[1][i]);
        }

        // Each unordered pair counts twice in Σ_{i,j}, each class with weight 1/2.
        double n2 = (double)width * width;
        double risk = 1.0 + (2.0 * linear / width) + ((diagonal + pairs.Value) / n2);
        return new PopulationRiskEstimate(risk, pairs.Bound / n2, pairs.MaxOrder, pairs.SeriesPairs, pairs.ExactPairs);
    }

    // √T(n): the tail E σ(aG)² - Σ_{m≤n} α_m² (never below 0), padded by a bound on the rounding of the partial
    // sum, so that the truncation bound is rigorous.
    private static double TailRoot(double second, double partial, int n) =>
        Math.Sqrt(Math.Max(second - partial, 0.0) + (4.0 * (n + 2) * 2.3e-16 * second));

    private static void Validate(ReadOnlySpan<double> weights, int width, int dimension, double delta, RampParameters ramp, double pairTolerance, int maxOrder)
    {
        ArgumentNullException.ThrowIfNull(ramp);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        if (weights.Length != (long)width * dimension)
        {
            throw new ArgumentException($"Expected {width}×{dimension} = {(long)width * dimension} weights, got {weights.Length}.", nameof(weights));
        }

        if (!(delta >= 0 && delta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(delta), delta, "Δ must lie in [0, 1).");
        }

        if (!(pairTolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(pairTolerance), pairTolerance, "The pair tolerance must be positive.");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(maxOrder);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxOrder, RampGaussian.MaxOrder);
        ramp.Validate();
        foreach (double w in weights)
        {
            if (!double.IsFinite(w))
            {
                throw new ArgumentException("Weights must be finite.", nameof(weights));
            }
        }
    }

    // Per neuron, for one class (the reference loop's tables): its pre-activation scale a_i (τ r_i when
    // isotropic); α_n(a_i), n = 0..K; E σ(a_i G)²; and √(T_i(n)) with the padding.
    private sealed class NeuronTable
    {
        public NeuronTable(RampGaussian gauss, double[] scales, int maxOrder)
        {
            Order = maxOrder;
            int stride = maxOrder + 1;
            Alpha = new double[scales.Length * stride];
            TailRoot = new double[scales.Length * stride];
            Second = new double[scales.Length];
            Scale = scales;
            for (int i = 0; i < scales.Length; i++)
            {
                Span<double> alpha = Alpha.AsSpan(i * stride, stride);
                gauss.Coefficients(Scale[i], alpha, []);
                double second = gauss.SecondMoment(Scale[i]), partial = 0;
                Second[i] = second;
                for (int n = 0; n <= maxOrder; n++)
                {
                    partial += alpha[n] * alpha[n];
                    TailRoot[(i * stride) + n] = PopulationRisk.TailRoot(second, partial, n);
                }
            }
        }

        public int Order { get; }

        public double[] Alpha { get; }

        public double[] TailRoot { get; }

        public double[] Second { get; }

        public double[] Scale { get; }

        public double Mean(int i) => Alpha[i * (Order + 1)];
    }

    // Σ over ordered pairs i ≠ j and classes of (1/2) E[σ σ], with the truncation bounds.
    private sealed class PairSums
    {
        public double Value { get; private set; }

        public double Bound { get; private set; }

        public int MaxOrder { get; private set; }

        public long SeriesPairs { get; private set; }

        public long ExactPairs { get; private set; }

        public void Add(NeuronTable table, RampGaussian gauss, int i, int j, double c, double tolerance)
        {
            int stride = table.Order + 1;
            ReadOnlySpan<double> ai = table.Alpha.AsSpan(i * stride, stride), aj = table.Alpha.AsSpan(j * stride, stride);
            ReadOnlySpan<double> ti = table.TailRoot.AsSpan(i * stride, stride), tj = table.TailRoot.AsSpan(j * stride, stride);
            double absC = Math.Abs(c);
            if (absC < 1 && Math.Pow(absC, stride) * ti[^1] * tj[^1] <= tolerance)
            {
                double sum = 0, power = 1;
                for (int n = 0; n < stride; n++)
                {
                    sum += power * ai[n] * aj[n];
                    power *= c;
                    double bound = Math.Abs(power) * ti[n] * tj[n];
                    if (bound <= tolerance)
                    {
                        AddSeries(sum, bound, n);
                        return;
                    }
                }
            }

            AddExact(gauss.ProductMoment(table.Scale[i], table.Scale[j], c));
        }

        // A row of the group loop: its series pairs' sum and bounds, then its exact pairs' sum.
        public void AddRow(double series, double exact, double bound, int maxOrder, long seriesPairs, long exactPairs)
        {
            Value += series;
            Value += exact;
            Bound += bound;
            MaxOrder = Math.Max(MaxOrder, maxOrder);
            SeriesPairs += seriesPairs;
            ExactPairs += exactPairs;
        }

        private void AddSeries(double sum, double bound, int n)
        {
            Value += sum;
            Bound += bound;
            MaxOrder = Math.Max(MaxOrder, n);
            SeriesPairs++;
        }

        private void AddExact(double value)
        {
            Value += value;
            ExactPairs++;
        }
    }
}

/// <summary>The population risk of <see cref="PopulationRisk.Compute(ReadOnlySpan{double}, int, int, double, RampParameters, double)"/>.</summary>
/// <param name="Risk">R_N(W) = E(y - ŷ(x))².</param>
/// <param name="TruncationBound">A rigorous bound on the error from truncating the pair series (at most the pair tolerance).</param>
/// <param name="MaxOrder">The highest Hermite order any pair series used.</param>
/// <param name="SeriesPairs">(pair, class) terms summed by the Hermite series.</param>
/// <param name="ExactPairs">(pair, class) terms computed by the exact bivariate formula.</param>
public sealed record PopulationRiskEstimate(double Risk, double TruncationBound, int MaxOrder, long SeriesPairs, long ExactPairs);
