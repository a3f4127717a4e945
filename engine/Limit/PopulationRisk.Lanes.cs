using System.Numerics;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The isotropic pair loop of <see cref="PopulationRisk"/> with the Mehler series of several pairs (i, j),
/// (i, j + 1), ... summed at once, one pair per vector lane. Each lane does exactly the scalar series'
/// operations in the same order (multiplies and adds, no fused multiply-add), stops at the same order,
/// and the pairs' sums are added to the total in the scalar loop's order, so the result has the same bits
/// as the scalar loop (PopulationRiskTests); only the time changes.
/// </summary>
public static partial class PopulationRisk
{
    private static void AddPairsInLanes(ReadOnlySpan<double> weights, int width, int dimension, double[] norms, NeuronTable[] tables, RampGaussian gauss, PairSums pairs, double tolerance)
    {
        int lanes = Vector<double>.Count;
        var c = new double[lanes];
        var sums = new double[2 * lanes];
        var bounds = new double[2 * lanes];
        var orders = new long[2 * lanes];
        for (int i = 0; i < width; i++)
        {
            ReadOnlySpan<double> wi = weights.Slice(i * dimension, dimension);
            int j = i + 1;
            for (; j + lanes <= width; j += lanes)
            {
                for (int l = 0; l < lanes; l++)
                {
                    c[l] = Correlation(weights, dimension, norms, wi, i, j + l);
                }

                for (int s = 0; s < 2; s++)
                {
                    Series(tables[s], i, j, c, tolerance, sums.AsSpan(s * lanes, lanes), bounds.AsSpan(s * lanes, lanes), orders.AsSpan(s * lanes, lanes));
                }

                for (int l = 0; l < lanes; l++)
                {
                    for (int s = 0; s < 2; s++)
                    {
                        int k = (s * lanes) + l;
                        if (orders[k] >= 0)
                        {
                            pairs.AddSeries(sums[k], bounds[k], (int)orders[k]);
                        }
                        else
                        {
                            pairs.AddExact(gauss.ProductMoment(tables[s].Scale[i], tables[s].Scale[j + l], c[l]));
                        }
                    }
                }
            }

            for (; j < width; j++)
            {
                double cij = Correlation(weights, dimension, norms, wi, i, j);
                pairs.Add(tables[0], gauss, i, j, cij, tolerance);
                pairs.Add(tables[1], gauss, i, j, cij, tolerance);
            }
        }
    }

    // The series of the pairs (i, j0 + l), l < lanes, of one class: for each lane its sum, its bound and the
    // order it stopped at, or order -1 when the pair needs the exact formula (as PairSums.Add decides).
    private static void Series(NeuronTable table, int i, int j0, double[] correlations, double tolerance, Span<double> sums, Span<double> bounds, Span<long> orders)
    {
        int lanes = Vector<double>.Count, stride = table.Order + 1, width = table.Scale.Length;
        ReadOnlySpan<double> ai = table.Alpha.AsSpan(i * stride, stride), ti = table.TailRoot.AsSpan(i * stride, stride);
        Span<long> feasible = stackalloc long[lanes];
        bool any = false;
        for (int l = 0; l < lanes; l++)
        {
            // PairSums.Add's feasibility test, lane by lane.
            double absC = Math.Abs(correlations[l]);
            bool ok = absC < 1 && (absC <= table.Safe || Math.Pow(absC, stride) * ti[^1] * table.TailRoot[((j0 + l) * stride) + table.Order] <= tolerance);
            feasible[l] = ok ? -1L : 0L;
            any |= ok;
        }

        orders.Fill(-1);
        if (!any)
        {
            return;
        }

        var cv = new Vector<double>(correlations);
        var active = new Vector<long>(feasible);
        var tol = new Vector<double>(tolerance);
        Vector<double> sum = Vector<double>.Zero, power = Vector<double>.One, sumAt = Vector<double>.Zero, boundAt = Vector<double>.Zero;
        Vector<long> orderAt = new(-1L);
        for (int n = 0; n < stride; n++)
        {
            // The scalar loop's sum += power * ai[n] * aj[n]; power *= c; bound = |power| * ti[n] * tj[n].
            sum += power * new Vector<double>(ai[n]) * new Vector<double>(table.AlphaByOrder, (n * width) + j0);
            power *= cv;
            Vector<double> bound = Vector.Abs(power) * new Vector<double>(ti[n]) * new Vector<double>(table.TailByOrder, (n * width) + j0);
            Vector<long> done = Vector.LessThanOrEqual(bound, tol) & active;
            if (done != Vector<long>.Zero)
            {
                sumAt = Vector.ConditionalSelect(done, sum, sumAt);
                boundAt = Vector.ConditionalSelect(done, bound, boundAt);
                orderAt = Vector.ConditionalSelect(done, new Vector<long>(n), orderAt);
                active = Vector.AndNot(active, done);
                if (active == Vector<long>.Zero)
                {
                    break;
                }
            }
        }

        sumAt.CopyTo(sums);
        boundAt.CopyTo(bounds);
        orderAt.CopyTo(orders);
    }
}
