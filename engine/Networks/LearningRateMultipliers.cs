namespace MeanFieldCluster.Engine.Networks;

/// <summary>
/// The learning-rate multipliers M_θ of MATH section 3, derived in docs/models.md ("Learning-rate multipliers
/// for every γ"): each block's multiplier is the inverse of the block's share of the tangent kernel
/// Σ_θ |∂ŷ/∂θ|², so that one SGD step moves the output by O(ε) at every width and every γ in [1/2, 1].
/// </summary>
/// <remarks>
/// <para>
/// With δ_{ℓ,i} = ∂ŷ/∂u_{ℓ,i} and D_ℓ = Σ_i δ_{ℓ,i}² (the order in N of the layer's backward signal):
/// D_L = N_L^{1−2γ_L} (the output weights c_j are O(1)), and for ℓ &lt; L the sum
/// Σ_j W^ℓ_{ji} δ_{ℓ+1,j} in δ_{ℓ,i} has an incoherent part (mean-zero random W: size sqrt(D_{ℓ+1})) and,
/// when W^ℓ is trained, a coherent part built by training (W^ℓ acquires a component along δ_{ℓ+1}: it makes
/// δ_{ℓ,i} of order 1/N_ℓ), so D_ℓ = max(N_ℓ^{1−2γ_ℓ} D_{ℓ+1}, [W^ℓ trained] / N_ℓ).
/// </para>
/// <para>
/// The blocks' kernel shares are then N_L^{1−2γ_L} for c, D_ℓ for b_ℓ, D_1 for w, and
/// N_ℓ^{1−2γ_ℓ} D_{ℓ+1} for W^ℓ; the multipliers are their inverses. For γ = 1 everywhere this gives
/// N_1 for w and b_1, N_ℓ for b_ℓ, N_ℓ N_{ℓ+1} for W^ℓ and N_L for c; for L = 1 it gives N^{2γ−1} for every
/// block.
/// </para>
/// </remarks>
public static class LearningRateMultipliers
{
    /// <summary>
    /// D_ℓ for ℓ = 1..L (element ℓ − 1): the order of Σ_i (∂ŷ/∂u_{ℓ,i})² at widths <paramref name="widths"/>
    /// and exponents <paramref name="gamma"/>; <paramref name="hiddenTrained"/> says whether W^1..W^{L−1} train.
    /// </summary>
    public static double[] BackwardScale(IReadOnlyList<int> widths, IReadOnlyList<double> gamma, bool hiddenTrained)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(gamma);
        int layers = widths.Count;
        var scale = new double[layers];
        scale[layers - 1] = Math.Pow(widths[layers - 1], 1 - (2 * gamma[layers - 1]));
        for (int l = layers - 2; l >= 0; l--)
        {
            double incoherent = Math.Pow(widths[l], 1 - (2 * gamma[l])) * scale[l + 1];
            double coherent = hiddenTrained ? 1.0 / widths[l] : 0.0;
            scale[l] = Math.Max(incoherent, coherent);
        }

        return scale;
    }

    /// <summary>M for the first-layer weights w (and b_1): 1 / D_1.</summary>
    public static double First(double[] backwardScale) => 1.0 / backwardScale[0];

    /// <summary>M for the biases b_ℓ of hidden layer <paramref name="layer"/> (1-based): 1 / D_ℓ.</summary>
    public static double Bias(double[] backwardScale, int layer) => 1.0 / backwardScale[layer - 1];

    /// <summary>M for W^ℓ, <paramref name="layer"/> = ℓ in 1..L−1: N_ℓ^{2γ_ℓ−1} / D_{ℓ+1}.</summary>
    public static double Hidden(double[] backwardScale, IReadOnlyList<int> widths, IReadOnlyList<double> gamma, int layer)
    {
        ArgumentNullException.ThrowIfNull(backwardScale);
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(gamma);
        return Math.Pow(widths[layer - 1], (2 * gamma[layer - 1]) - 1) / backwardScale[layer];
    }

    /// <summary>M for the output weights c: N_L^{2γ_L−1}.</summary>
    public static double Output(IReadOnlyList<int> widths, IReadOnlyList<double> gamma)
    {
        ArgumentNullException.ThrowIfNull(widths);
        ArgumentNullException.ThrowIfNull(gamma);
        return Math.Pow(widths[^1], (2 * gamma[^1]) - 1);
    }
}
