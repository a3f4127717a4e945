using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Training;

/// <summary>
/// Measures, at the end of a layered run, what the two cross-layer dependence checks of MATH section 5 need
/// from one point: the features of neuron 1 of layers 1 and 2 at t = 0 and at the end (pooled over seeds by
/// the aggregation into the chaos test), and the structure of the edge change ΔW = W¹(T) − W¹(0).
/// </summary>
/// <remarks>
/// Neuron features (fixed indices, neuron 1 of each layer; docs/models.md "Cross-layer dependence"):
/// X = (w_1, b_{1,1}) in R^{d+1} (R^d without biases) and Y = (o_1, (1/N_1) Σ_i W¹_{1i}, b_{2,1}), where o_1 is the
/// outgoing weight of neuron 1 of layer 2: c_1 when L = 2, else (1/N_3) Σ_k W²_{k1}.
/// Edge structure of ΔW (N_2 × N_1, row j = neuron j of layer 2, column i = neuron i of layer 1):
/// <list type="bullet">
/// <item>rank-one share σ_1² / ‖ΔW‖_F², the share of ΔW's squared norm in its best rank-one approximation
/// (top singular triplet by power iteration);</item>
/// <item>feature share: R² of the bilinear regression ΔW_ji ≈ Σ_ab β_ab f_a(j) g_b(i) on the endpoints' initial
/// features f(j) = (1, o_j(0), b_{2,j}(0)) and g(i) = (1, w_i(0), b_{1,i}(0)), the least-squares fit P_F ΔW P_G
/// with P_F, P_G the projections on the spans of those columns; the total is centred (the model holds the constant);</item>
/// <item>left and right alignment: the share of the top left singular vector u_1 in the span of f, and of the
/// top right singular vector v_1 in the span of g (1 when the singular vectors are linear in the features).</item>
/// </list>
/// </remarks>
public static class DependenceProbe
{
    /// <summary>Power iterations at most for the top singular triplet.</summary>
    public const int MaxIterations = 500;

    /// <summary>Relative change of σ_1² below which the power iteration stops.</summary>
    public const double Tolerance = 1e-13;

    // Relative column norm below which a feature column counts as dependent on the previous ones (dropped).
    private const double DependentColumn = 1e-10;

    /// <summary>
    /// The dependence observation of a layered network at step <paramref name="step"/>, or null when the network
    /// has one hidden layer or <paramref name="settings"/> asks for neither check.
    /// </summary>
    /// <param name="network">The network at the end of the run.</param>
    /// <param name="initialTheta">Its parameters at step 0, in the layout of <see cref="MeanFieldNetwork.Theta"/>.</param>
    /// <param name="step">The step the network is at.</param>
    /// <param name="settings">Which checks to record.</param>
    public static DependenceResult? Measure(MeanFieldNetwork network, double[] initialTheta, long step, DependenceSpec settings)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(initialTheta);
        ArgumentNullException.ThrowIfNull(settings);
        if (network.Layers < 2 || !(settings.Chaos || settings.Edges))
        {
            return null;
        }

        if (initialTheta.Length != network.ParameterCount)
        {
            throw new ArgumentException("The initial parameters do not have the network's layout.", nameof(initialTheta));
        }

        var initial = new View(network, initialTheta);
        var final = new View(network, network.Theta);
        NeuronFeatures? neurons = settings.Chaos
            ? new NeuronFeatures(initial.NeuronX(), initial.NeuronY(), final.NeuronX(), final.NeuronY())
            : null;
        return new DependenceResult(step, neurons, settings.Edges ? Edges(initial, final) : null);
    }

    private static EdgeStructure Edges(View initial, View final)
    {
        int n1 = initial.Network.Widths[0], n2 = initial.Network.Widths[1];
        ReadOnlySpan<double> w0 = initial.Hidden;
        ReadOnlySpan<double> w1 = final.Hidden;
        var delta = new double[n2 * n1];
        double squares = 0, sum = 0, initialSquares = 0;
        for (int k = 0; k < delta.Length; k++)
        {
            delta[k] = w1[k] - w0[k];
            squares += delta[k] * delta[k];
            sum += delta[k];
            initialSquares += w0[k] * w0[k];
        }

        double centred = squares - (sum * sum / delta.Length);
        double relativeChange = initialSquares > 0 ? Math.Sqrt(squares / initialSquares) : double.NaN;
        if (!(squares > 0))
        {
            return new EdgeStructure(0, 0, 0, 0, relativeChange);
        }

        (double sigma2, double[] u, double[] v) = TopSingular(delta, n2, n1);
        List<double[]> f = Orthonormal([Constant(n2), initial.Outgoing(), initial.Biases(2)]);
        List<double[]> g = Orthonormal([Constant(n1), .. initial.FirstLayerColumns(), initial.Biases(1)]);

        // ‖P_F ΔW P_G‖² = ‖Q_F^T ΔW Q_G‖²: the squared norm of the fitted part.
        double fitted = 0;
        var row = new double[n1];
        foreach (double[] qf in f)
        {
            Array.Clear(row);
            for (int j = 0; j < n2; j++)
            {
                double a = qf[j];
                for (int i = 0; i < n1; i++)
                {
                    row[i] += a * delta[(j * n1) + i];
                }
            }

            foreach (double[] qg in g)
            {
                double c = Dot(row, qg);
                fitted += c * c;
            }
        }

        double featureShare = centred > 0 ? Math.Clamp((fitted - (sum * sum / delta.Length)) / centred, 0, 1) : 1;
        return new EdgeStructure(
            Math.Clamp(sigma2 / squares, 0, 1),
            featureShare,
            Math.Clamp(f.Sum(q => Dot(q, u) * Dot(q, u)), 0, 1),
            Math.Clamp(g.Sum(q => Dot(q, v) * Dot(q, v)), 0, 1),
            relativeChange);
    }

    /// <summary>σ_1², u_1 (length rows) and v_1 (length cols), unit vectors, of a row-major matrix, by power iteration on AᵀA.</summary>
    private static (double Sigma2, double[] U, double[] V) TopSingular(double[] a, int rows, int cols)
    {
        // Deterministic start: the column sums of |A| (positive, so not orthogonal to the top right singular vector unless A is 0).
        var v = new double[cols];
        for (int j = 0; j < rows; j++)
        {
            for (int i = 0; i < cols; i++)
            {
                v[i] += Math.Abs(a[(j * cols) + i]);
            }
        }

        Normalize(v);
        var u = new double[rows];
        double sigma2 = 0;
        for (int iteration = 0; iteration < MaxIterations; iteration++)
        {
            // u = A v, v' = Aᵀ u; σ² ≈ ‖A v‖² (Rayleigh quotient of AᵀA at the unit v).
            for (int j = 0; j < rows; j++)
            {
                u[j] = Dot(a.AsSpan(j * cols, cols), v);
            }

            double next = Dot(u, u);
            Array.Clear(v);
            for (int j = 0; j < rows; j++)
            {
                double uj = u[j];
                for (int i = 0; i < cols; i++)
                {
                    v[i] += uj * a[(j * cols) + i];
                }
            }

            Normalize(v);
            bool converged = Math.Abs(next - sigma2) <= Tolerance * next;
            sigma2 = next;
            if (converged)
            {
                break;
            }
        }

        Normalize(u);
        return (sigma2, u, v);
    }

    /// <summary>Modified Gram–Schmidt; columns (nearly) in the span of the previous ones are dropped.</summary>
    private static List<double[]> Orthonormal(IEnumerable<double[]?> columns)
    {
        List<double[]> basis = [];
        foreach (double[]? column in columns)
        {
            if (column is null)
            {
                continue;
            }

            var q = (double[])column.Clone();
            double before = Math.Sqrt(Dot(q, q));
            foreach (double[] b in basis)
            {
                double c = Dot(q, b);
                for (int k = 0; k < q.Length; k++)
                {
                    q[k] -= c * b[k];
                }
            }

            double after = Math.Sqrt(Dot(q, q));
            if (before > 0 && after > DependentColumn * before)
            {
                for (int k = 0; k < q.Length; k++)
                {
                    q[k] /= after;
                }

                basis.Add(q);
            }
        }

        return basis;
    }

    private static double[] Constant(int n) => Enumerable.Repeat(1.0, n).ToArray();

    private static void Normalize(double[] v)
    {
        double norm = Math.Sqrt(Dot(v, v));
        if (norm > 0)
        {
            for (int k = 0; k < v.Length; k++)
            {
                v[k] /= norm;
            }
        }
    }

    private static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double s = 0;
        for (int k = 0; k < a.Length; k++)
        {
            s += a[k] * b[k];
        }

        return s;
    }

    /// <summary>A parameter vector read in a network's layout.</summary>
    private readonly struct View(MeanFieldNetwork network, double[] theta)
    {
        public MeanFieldNetwork Network => network;

        public ReadOnlySpan<double> Hidden => Block(BlockKind.Hidden, 1);

        /// <summary>(w_1, b_{1,1}): neuron 1 of layer 1.</summary>
        public double[] NeuronX()
        {
            int d = network.Dimension;
            double[] x = [.. theta.AsSpan(0, d)];
            return network.HasBias ? [.. x, Block(BlockKind.Bias, 1)[0]] : x;
        }

        /// <summary>(o_1, mean_i W¹_{1i}, b_{2,1}): neuron 1 of layer 2.</summary>
        public double[] NeuronY()
        {
            int n1 = network.Widths[0];
            double rowMean = 0;
            foreach (double w in Hidden[..n1])
            {
                rowMean += w;
            }

            double[] y = [Outgoing()[0], rowMean / n1];
            return network.HasBias ? [.. y, Block(BlockKind.Bias, 2)[0]] : y;
        }

        /// <summary>The outgoing weight of every neuron of layer 2: c_j when L = 2, else (1/N_3) Σ_k W²_{kj}.</summary>
        public double[] Outgoing()
        {
            if (network.Layers == 2)
            {
                return [.. Block(BlockKind.Output, 0)];
            }

            int n2 = network.Widths[1], n3 = network.Widths[2];
            ReadOnlySpan<double> next = Block(BlockKind.Hidden, 2);
            var means = new double[n2];
            for (int k = 0; k < n3; k++)
            {
                for (int j = 0; j < n2; j++)
                {
                    means[j] += next[(k * n2) + j] / n3;
                }
            }

            return means;
        }

        /// <summary>The biases of a layer, or null without biases.</summary>
        public double[]? Biases(int layer) => network.HasBias ? [.. Block(BlockKind.Bias, layer)] : null;

        /// <summary>The d coordinates of the w_i, one column (over i) per coordinate.</summary>
        public IEnumerable<double[]> FirstLayerColumns()
        {
            int n1 = network.Widths[0], d = network.Dimension;
            double[] w = [.. theta.AsSpan(0, n1 * d)];
            return Enumerable.Range(0, d).Select(c => Enumerable.Range(0, n1).Select(i => w[(i * d) + c]).ToArray());
        }

        private ReadOnlySpan<double> Block(BlockKind kind, int layer)
        {
            ParameterBlock block = network.Blocks.First(b => b.Kind == kind && (kind == BlockKind.Output || b.Layer == layer));
            return theta.AsSpan(block.Offset, block.Length);
        }
    }
}
