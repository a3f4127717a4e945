using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The isotropic pair loop of <see cref="PopulationRisk"/>, row by row, with the Mehler series of the pairs
/// (i, j), (i, j + 1), ... summed at once, one pair per vector lane, and both classes (τ = 1 ± Δ) in the same
/// pass (they share the powers c^n). Each lane does exactly the scalar series' operations in the same order
/// (multiplies and adds, no fused multiply-add) and stops at the same order, so each pair's sum, bound and
/// order have the scalar loop's bits. The lanes keep going until every lane of the group has stopped, with
/// the stopped lanes' results held by masks (no branch per lane: a mispredicted branch at each lane's stop
/// cost more than the masked work). A row's results are stored and then added to the total in the scalar
/// loop's order (j, then the two classes), so the risk, its bound and the pair counts have the bits of the
/// scalar loop (PopulationRiskLanesTests); only the time changes.
/// </summary>
public static partial class PopulationRisk
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    // informative = dimension: the isotropic risk (norms are the rows' norms; one correlation for both classes).
    // Otherwise the anisotropic risk (norms unused): each class has its own correlation, as in the scalar loop.
    private static void AddPairsByRow(ReadOnlySpan<double> weights, int width, int dimension, int informative, double[] tau, double[] norms, NeuronTable[] tables, RampGaussian gauss, PairSums pairs, double tolerance)
    {
        int lanes = Vector<double>.Count, stride = tables[0].Order + 1, block = 4 * lanes;
        bool isotropic = informative == dimension;
        var correlations = new double[width + lanes];
        double[] correlations1 = isotropic ? correlations : new double[width + lanes];
        var sums = new double[2 * (width + lanes)];
        var bounds = new double[2 * (width + lanes)];
        var orders = new long[2 * (width + lanes)];
        Span<long> ok0 = stackalloc long[lanes], ok1 = stackalloc long[lanes];
        ref double packed = ref MemoryMarshal.GetArrayDataReference(Pack(tables, lanes));
        var tol = Vector.Create(tolerance);
        var one = Vector.Create(1.0);
        var safe0 = Vector.Create(tables[0].Safe);
        var safe1 = Vector.Create(tables[1].Safe);
        Vector<long> laneIndex = Vector.Create<long>([.. Enumerable.Range(0, lanes).Select(l => (long)l)]);
        for (int i = 0; i < width - 1; i++)
        {
            ReadOnlySpan<double> wi = weights.Slice(i * dimension, dimension);
            if (isotropic)
            {
                for (int j = i + 1; j < width; j++)
                {
                    correlations[j] = Correlation(weights, dimension, norms, wi, i, j);
                }
            }
            else
            {
                for (int j = i + 1; j < width; j++)
                {
                    // The anisotropic loop's class correlations (τ² <w_i,1, w_j,1> + <w_i,2, w_j,2>)/(a_i a_j).
                    ReadOnlySpan<double> wj = weights.Slice(j * dimension, dimension);
                    double dot1 = TensorPrimitives.Dot(wi[..informative], wj[..informative]), dot2 = TensorPrimitives.Dot(wi[informative..], wj[informative..]);
                    correlations[j] = ClassCorrelation(tables[0], tau[0], i, j, dot1, dot2);
                    correlations1[j] = ClassCorrelation(tables[1], tau[1], i, j, dot1, dot2);
                }
            }

            ReadOnlySpan<double> ai0 = tables[0].Alpha.AsSpan(i * stride, stride), ti0 = tables[0].TailRoot.AsSpan(i * stride, stride);
            ReadOnlySpan<double> ai1 = tables[1].Alpha.AsSpan(i * stride, stride), ti1 = tables[1].TailRoot.AsSpan(i * stride, stride);
            for (int j0 = (i + 1) / lanes * lanes; j0 < width; j0 += lanes)
            {
                // Lane l holds the pair (i, j0 + l) when i < j0 + l < N; the other lanes are masked off.
                var cv = Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(correlations), (nuint)j0);
                var cv1 = Vector.LoadUnsafe(ref MemoryMarshal.GetArrayDataReference(correlations1), (nuint)j0);
                Vector<long> valid = Vector.GreaterThan(laneIndex, Vector.Create((long)(i - j0))) & Vector.LessThan(laneIndex, Vector.Create((long)(width - j0)));
                Vector<double> absC = Vector.Abs(cv), absC1 = Vector.Abs(cv1);
                Vector<long> below = Vector.LessThan(absC, one) & valid, below1 = Vector.LessThan(absC1, one) & valid;
                Vector<long> active0 = Vector.LessThanOrEqual(absC, safe0) & below, active1 = Vector.LessThanOrEqual(absC1, safe1) & below1;
                if (active0 != below || active1 != below1)
                {
                    // Lanes above Safe take PairSums.Add's feasibility test itself.
                    for (int l = 0; l < lanes; l++)
                    {
                        int j = j0 + l;
                        double c = Math.Abs(correlations[j]), c1 = Math.Abs(correlations1[j]);
                        bool pair = j > i && j < width;
                        ok0[l] = pair && c < 1 && (c <= tables[0].Safe || Math.Pow(c, stride) * ti0[^1] * tables[0].TailRoot[(j * stride) + stride - 1] <= tolerance) ? -1L : 0L;
                        ok1[l] = pair && c1 < 1 && (c1 <= tables[1].Safe || Math.Pow(c1, stride) * ti1[^1] * tables[1].TailRoot[(j * stride) + stride - 1] <= tolerance) ? -1L : 0L;
                    }

                    active0 = Vector.Create<long>(ok0);
                    active1 = Vector.Create<long>(ok1);
                }

                Vector<double> sum0 = Vector<double>.Zero, sum1 = Vector<double>.Zero, power = Vector<double>.One, power1 = Vector<double>.One;
                Vector<double> sumAt0 = Vector<double>.Zero, sumAt1 = Vector<double>.Zero, boundAt0 = Vector<double>.Zero, boundAt1 = Vector<double>.Zero;
                Vector<long> orderAt0 = Vector.Create(-1L), orderAt1 = Vector.Create(-1L);
                if ((active0 | active1) != Vector<long>.Zero)
                {
                    nuint at = (nuint)(j0 / lanes * stride * block);
                    Vector<long> order = Vector<long>.Zero;
                    for (int n = 0; n < stride; n++, at += (nuint)block)
                    {
                        // The scalar loop's sum += power * ai[n] * aj[n]; power *= c; bound = |power| * ti[n] * tj[n], for both classes.
                        sum0 += power * Vector.Create(ai0[n]) * Vector.LoadUnsafe(ref packed, at);
                        sum1 += power1 * Vector.Create(ai1[n]) * Vector.LoadUnsafe(ref packed, at + (nuint)(2 * lanes));
                        power *= cv;
                        power1 *= cv1;
                        Vector<double> bound0 = Vector.Abs(power) * Vector.Create(ti0[n]) * Vector.LoadUnsafe(ref packed, at + (nuint)lanes);
                        Vector<double> bound1 = Vector.Abs(power1) * Vector.Create(ti1[n]) * Vector.LoadUnsafe(ref packed, at + (nuint)(3 * lanes));
                        Vector<long> done0 = Vector.LessThanOrEqual(bound0, tol) & active0, done1 = Vector.LessThanOrEqual(bound1, tol) & active1;
                        sumAt0 = Vector.ConditionalSelect(done0, sum0, sumAt0);
                        boundAt0 = Vector.ConditionalSelect(done0, bound0, boundAt0);
                        sumAt1 = Vector.ConditionalSelect(done1, sum1, sumAt1);
                        boundAt1 = Vector.ConditionalSelect(done1, bound1, boundAt1);
                        orderAt0 = Vector.ConditionalSelect(done0, order, orderAt0);
                        orderAt1 = Vector.ConditionalSelect(done1, order, orderAt1);
                        order += Vector<long>.One;
                        active0 = Vector.AndNot(active0, done0);
                        active1 = Vector.AndNot(active1, done1);
                        if ((active0 | active1) == Vector<long>.Zero)
                        {
                            break;
                        }
                    }
                }

                sumAt0.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(sums), (nuint)j0);
                sumAt1.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(sums), (nuint)(width + lanes + j0));
                boundAt0.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(bounds), (nuint)j0);
                boundAt1.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(bounds), (nuint)(width + lanes + j0));
                orderAt0.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(orders), (nuint)j0);
                orderAt1.StoreUnsafe(ref MemoryMarshal.GetArrayDataReference(orders), (nuint)(width + lanes + j0));
            }
            // The row's pairs in the scalar loop's order.
            for (int j = i + 1; j < width; j++)
            {
                for (int s = 0; s < 2; s++)
                {
                    int k = (s * (width + lanes)) + j;
                    if (orders[k] >= 0)
                    {
                        pairs.AddSeries(sums[k], bounds[k], (int)orders[k]);
                    }
                    else
                    {
                        pairs.AddExact(gauss.ProductMoment(tables[s].Scale[i], tables[s].Scale[j], s == 0 ? correlations[j] : correlations1[j]));
                    }
                }
            }
        }
    }

    // Both classes' tables by lane group and order, for the series of the pairs (i, g·lanes + l): for group g
    // and order n, one block of α_n(τ_+ r_j) for the group's neurons j = g·lanes + l, then their √T(n), then
    // the same for τ_-; zeros past the last neuron. A group's series reads consecutive blocks. The array is
    // kept per thread and reused (every element the pair loop can read is written first).
    [ThreadStatic]
    private static double[]? t_packed;

    private static double[] Pack(NeuronTable[] tables, int lanes)
    {
        int width = tables[0].Scale.Length, stride = tables[0].Order + 1, groups = (width + lanes - 1) / lanes, block = 4 * lanes;
        int length = groups * stride * block;
        if (t_packed is null || t_packed.Length < length)
        {
            t_packed = new double[length];
        }

        double[] packed = t_packed;
        for (int g = 0; g < groups; g++)
        {
            for (int l = 0; l < lanes; l++)
            {
                int j = (g * lanes) + l, at = (g * stride * block) + l;
                if (j >= width)
                {
                    for (int n = 0; n < stride; n++, at += block)
                    {
                        packed[at] = packed[at + lanes] = packed[at + (2 * lanes)] = packed[at + (3 * lanes)] = 0.0;
                    }

                    continue;
                }

                ReadOnlySpan<double> a0 = tables[0].Alpha.AsSpan(j * stride, stride), t0 = tables[0].TailRoot.AsSpan(j * stride, stride);
                ReadOnlySpan<double> a1 = tables[1].Alpha.AsSpan(j * stride, stride), t1 = tables[1].TailRoot.AsSpan(j * stride, stride);
                for (int n = 0; n < stride; n++, at += block)
                {
                    packed[at] = a0[n];
                    packed[at + lanes] = t0[n];
                    packed[at + (2 * lanes)] = a1[n];
                    packed[at + (3 * lanes)] = t1[n];
                }
            }
        }

        return packed;
    }
}
