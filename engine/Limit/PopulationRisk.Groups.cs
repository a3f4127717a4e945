using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Kernels;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The pair loop of <see cref="PopulationRisk"/> (docs/performance.md, "Observation cost: the exact population
/// risk"; the error bound in docs/limit.md, "The exact finite-N risk"). Row by row, the pairs (i, j) with
/// j in a group of eight consecutive neurons run in the eight lanes of <see cref="IPairLanes{TSelf}"/>:
/// their correlations from the transposed weights (one fused multiply-add chain over the coordinates per
/// lane), then both classes' Mehler series (τ = 1 ± Δ) in one pass, with fused multiply-adds. The truncation
/// test runs every <see cref="TestEvery"/> orders on the whole group: the group stops at the first tested order
/// at which every lane's rigorous tail bound |c|^(n+1) √T_i(n) √T_j(n) is within the pair tolerance, so each
/// lane sums at least as many orders as it needs and reports its bound at the order where it stopped. Pairs
/// that cannot reach the tolerance by the highest order (|c| near 1) take the exact formula, as in the
/// reference loop. Every lane does the same operations in the same order on every vector width, and the
/// row's sums are reduced in one fixed order, so the result does not depend on the vector width
/// (PopulationRiskGroupsTests); it differs from the reference loop's only by rounding and by the extra
/// orders, within the documented bound.
/// </summary>
public static partial class PopulationRisk
{
    // The logical lanes of a group, and how often (in orders) the group tests its truncation bounds.
    private const int Lanes = 8;
    private const int TestEvery = 4;

    // The rows whose anisotropic correlations are computed together.
    private const int RowBlock = 4;

    // Whether the group tests its bounds after order n (every TestEvery orders, and at the highest order).
    private static bool IsTestOrder(int n, int maxOrder) => n % TestEvery == TestEvery - 1 || n == maxOrder;

    // informative = dimension: the isotropic risk (one correlation for both classes; scales τ_± r_i).
    // Otherwise the anisotropic risk: each class has its own correlation (τ² <w_i,1, w_j,1> + <w_i,2, w_j,2>)/(a_i a_j).
    private static void AddPairsByGroup(ReadOnlySpan<double> weights, int width, int dimension, int informative, double[] tau, GroupTables tables, RampGaussian gauss, PairSums pairs, double tolerance, SimdWidth lanes)
    {
        switch (lanes)
        {
            case SimdWidth.Vector512:
                RowsOf<PairLanes512>(weights, width, dimension, informative, tau, tables, gauss, pairs, tolerance);
                break;
            case SimdWidth.Vector256:
                RowsOf<PairLanes256>(weights, width, dimension, informative, tau, tables, gauss, pairs, tolerance);
                break;
            default:
                RowsOf<PairLanesScalar>(weights, width, dimension, informative, tau, tables, gauss, pairs, tolerance);
                break;
        }
    }

    // One instantiation per width and kind (isotropic or not), so a run compiles only the loop it takes.
    private static void RowsOf<TL>(ReadOnlySpan<double> weights, int width, int dimension, int informative, double[] tau, GroupTables tables, RampGaussian gauss, PairSums pairs, double tolerance)
        where TL : struct, IPairLanes<TL>
    {
        if (informative == dimension)
        {
            Rows<TL, SharedPower>(weights, width, dimension, informative, tau, tables, gauss, pairs, tolerance);
        }
        else
        {
            Rows<TL, PowerPerClass>(weights, width, dimension, informative, tau, tables, gauss, pairs, tolerance);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Rows<TL, TPower>(ReadOnlySpan<double> weights, int width, int dimension, int informative, double[] tau, GroupTables tables, RampGaussian gauss, PairSums pairs, double tolerance)
        where TL : struct, IPairLanes<TL>
        where TPower : struct, IPowerChains
    {
        int groups = tables.Groups, padded = groups * Lanes, stride = tables.Stride, maxOrder = stride - 1;
        bool isotropic = !TPower.PerClass;
        GroupScratch scratch = GroupScratch.For(padded, dimension, stride);

        // The weights transposed (coordinate-major, zero past the last neuron) and the inverse scales (0 for a
        // zero scale, so its correlations are 0, as in the reference loop).
        double[] transposed = scratch.Transposed, inverse0 = scratch.Inverse0, inverse1 = scratch.Inverse1;
        Array.Clear(transposed, 0, dimension * padded);
        for (int j = 0; j < width; j++)
        {
            for (int k = 0; k < dimension; k++)
            {
                transposed[(k * padded) + j] = weights[(j * dimension) + k];
            }
        }

        for (int j = 0; j < padded; j++)
        {
            // Isotropic: c = <w_i, w_j> / (r_i r_j) with the rows' norms; anisotropic: each class's scales a_si.
            double s0 = j < width ? (isotropic ? tables.Norms![j] : tables.Scale[0][j]) : 0, s1 = j < width ? tables.Scale[1][j] : 0;
            inverse0[j] = s0 > 0 ? 1.0 / s0 : 0.0;
            inverse1[j] = s1 > 0 ? 1.0 / s1 : 0.0;
        }

        double limit0 = Math.Min(tables.Safe[0], Math.BitDecrement(1.0)), limit1 = Math.Min(tables.Safe[1], Math.BitDecrement(1.0));
        ref double alpha = ref MemoryMarshal.GetArrayDataReference(tables.Alpha);
        ref double tail = ref MemoryMarshal.GetArrayDataReference(tables.Tail);
        ref double c0Row = ref MemoryMarshal.GetArrayDataReference(scratch.Correlation0);
        ref double c1Row = ref MemoryMarshal.GetArrayDataReference(isotropic ? scratch.Correlation0 : scratch.Correlation1);
        ref double buffer = ref MemoryMarshal.GetArrayDataReference(scratch.Buffer);
        TL tol = TL.Create(tolerance), one = TL.Create(1.0), zero = TL.Create(0.0);
        for (int i = 0; i < width - 1; i++)
        {
            int first = (i + 1) / Lanes, gi = i / Lanes, li = i % Lanes;
            if (isotropic)
            {
                Correlations<TL>(weights.Slice(i * dimension, dimension), transposed, padded, first, groups, inverse0[i], inverse0, scratch.Correlation0);
            }
            else
            {
                // Rows i..i+3 at once (each reads the transposed weights once for all four); row i + r's
                // correlations are at r·padded.
                int r = i % RowBlock;
                if (r == 0)
                {
                    AnisotropicCorrelations<TL>(weights, i, width, dimension, transposed, padded, first, groups, informative, tau, inverse0, inverse1, scratch.Correlation0, scratch.Correlation1);
                }

                c0Row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch.Correlation0), r * padded);
                c1Row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch.Correlation1), r * padded);
            }

            // Row i's own coefficients and tails, read in place: order n, class s at (2n + s)·8 from these (the
            // group tables' layout), the tails at the tested orders only.
            ref double rowAlpha = ref Unsafe.Add(ref alpha, GroupTables.Index(gi, 0, 0, stride) + li);
            ref double rowTail = ref Unsafe.Add(ref tail, GroupTables.Index(gi, 0, 0, stride) + li);

            TL rowSum = zero, rowBound = zero;
            double exact = 0;
            long seriesCount = 0, exactCount = 0;
            int rowOrder = 0;
            for (int g = first; g < groups; g++)
            {
                TL c0 = TL.Load(ref Unsafe.Add(ref c0Row, g * Lanes)), c1 = TL.Load(ref Unsafe.Add(ref c1Row, g * Lanes));
                TL w0 = one, w1 = one, thr0 = tol, thr1 = tol;
                bool common = g * Lanes > i && (g + 1) * Lanes <= width && TL.AllAtMost(TL.Abs(c0), TL.Create(limit0)) && TL.AllAtMost(TL.Abs(c1), TL.Create(limit1));
                int series = 2 * Lanes;
                if (!common)
                {
                    // Per lane: a pair of the row whose series can reach the tolerance by the highest order
                    // (the reference loop's feasibility test) runs in the series (weight 1, threshold tol);
                    // every other lane is ignored by the group's test (threshold +∞) and by the sums (weight 0).
                    series = 0;
                    for (int l = 0; l < Lanes; l++)
                    {
                        int j = (g * Lanes) + l;
                        for (int s = 0; s < 2; s++)
                        {
                            double c = Math.Abs(Unsafe.Add(ref s == 0 ? ref c0Row : ref c1Row, j));
                            bool feasible = j > i && j < width && c < 1 && (c <= tables.Safe[s] ||
                                Math.Pow(c, stride) * Unsafe.Add(ref rowTail, (((2 * maxOrder) + s) * Lanes)) * Unsafe.Add(ref tail, GroupTables.Index(g, maxOrder, s, stride) + l) <= tolerance);
                            Unsafe.Add(ref buffer, (s * Lanes) + l) = feasible ? 1.0 : 0.0;
                            Unsafe.Add(ref buffer, ((2 + s) * Lanes) + l) = feasible ? tolerance : double.PositiveInfinity;
                            series += feasible ? 1 : 0;
                        }
                    }

                    w0 = TL.Load(ref buffer);
                    w1 = TL.Load(ref Unsafe.Add(ref buffer, Lanes));
                    thr0 = TL.Load(ref Unsafe.Add(ref buffer, 2 * Lanes));
                    thr1 = TL.Load(ref Unsafe.Add(ref buffer, 3 * Lanes));
                }

                if (series > 0)
                {
                    ref double groupAlpha = ref Unsafe.Add(ref alpha, GroupTables.Index(g, 0, 0, stride));
                    ref double groupTail = ref Unsafe.Add(ref tail, GroupTables.Index(g, 0, 0, stride));
                    bool passed = Series<TL, TPower>(ref groupAlpha, ref groupTail, ref rowAlpha, ref rowTail, stride, c0, c1, thr0, thr1, out TL s0, out TL s1, out TL b0, out TL b1, out int order);
                    if (!passed)
                    {
                        // The highest order was reached with a lane's bound still above the tolerance (the
                        // feasibility test's power and the chain of products round differently): that lane
                        // takes the exact formula.
                        common = false;
                        if (series == 2 * Lanes)
                        {
                            TL.Store(one, ref buffer);
                            TL.Store(one, ref Unsafe.Add(ref buffer, Lanes));
                        }

                        TL.Store(b0, ref Unsafe.Add(ref buffer, 4 * Lanes));
                        TL.Store(b1, ref Unsafe.Add(ref buffer, 5 * Lanes));
                        for (int k = 0; k < 2 * Lanes; k++)
                        {
                            if (Unsafe.Add(ref buffer, k) == 1.0 && !(Unsafe.Add(ref buffer, (4 * Lanes) + k) <= tolerance))
                            {
                                Unsafe.Add(ref buffer, k) = 0.0;
                                series--;
                            }
                        }

                        w0 = TL.Load(ref buffer);
                        w1 = TL.Load(ref Unsafe.Add(ref buffer, Lanes));
                    }

                    // Lanes of weight 0 add exactly 0 (their sums and bounds are finite).
                    rowSum = TL.Add(rowSum, TL.Add(TL.Multiply(w0, s0), TL.Multiply(w1, s1)));
                    rowBound = TL.Add(rowBound, TL.Add(TL.Multiply(w0, b0), TL.Multiply(w1, b1)));
                    seriesCount += series;
                    rowOrder = series > 0 ? Math.Max(rowOrder, order) : rowOrder;
                }

                if (!common)
                {
                    // The row's exact pairs, in the order (j, class).
                    for (int l = 0; l < Lanes; l++)
                    {
                        int j = (g * Lanes) + l;
                        for (int s = 0; s < 2 && j > i && j < width; s++)
                        {
                            if (series == 0 || Unsafe.Add(ref buffer, (s * Lanes) + l) == 0.0)
                            {
                                exact += gauss.ProductMoment(tables.Scale[s][i], tables.Scale[s][j], ReferenceCorrelation(weights, dimension, informative, tau, tables.Scale, tables.Norms, s, i, j));
                                exactCount++;
                            }
                        }
                    }
                }
            }

            TL.Store(rowSum, ref Unsafe.Add(ref buffer, 4 * Lanes));
            TL.Store(rowBound, ref Unsafe.Add(ref buffer, 5 * Lanes));
            pairs.AddRow(Reduce(ref Unsafe.Add(ref buffer, 4 * Lanes)), exact, Reduce(ref Unsafe.Add(ref buffer, 5 * Lanes)), rowOrder, seriesCount, exactCount);
        }
    }

    // The eight lanes' sum in one fixed order: ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)).
    private static double Reduce(ref double lanes) =>
        ((lanes + Unsafe.Add(ref lanes, 1)) + (Unsafe.Add(ref lanes, 2) + Unsafe.Add(ref lanes, 3)))
        + ((Unsafe.Add(ref lanes, 4) + Unsafe.Add(ref lanes, 5)) + (Unsafe.Add(ref lanes, 6) + Unsafe.Add(ref lanes, 7)));

    // Both classes' series of a group, from order 0 until a tested order at which every lane's bound is within
    // its threshold (true), or to the highest order (false). s: the sums to that order; b: the bounds there.
    // rowAlpha and rowTail are row i's own lane of its group's tables (order n, class s at (2n + s)·8).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Series<TL, TPower>(ref double alpha, ref double tail, ref double rowAlpha, ref double rowTail, int stride, TL c0, TL c1, TL thr0, TL thr1, out TL s0, out TL s1, out TL b0, out TL b1, out int order)
        where TL : struct, IPairLanes<TL>
        where TPower : struct, IPowerChains
    {
        TL p0 = TL.Create(1.0), p1 = p0;
        s0 = TL.Create(0.0);
        s1 = s0;
        int n = 0;
        while (true)
        {
            int end = Math.Min(n + TestEvery, stride);
            for (; n < end; n++)
            {
                // Term n: c^n α_n(a_i) α_n(a_j); then the power moves to c^(n+1).
                int at = 2 * Lanes * n;
                s0 = TL.MultiplyAdd(TL.Multiply(p0, TL.Create(Unsafe.Add(ref rowAlpha, at))), TL.Load(ref Unsafe.Add(ref alpha, at)), s0);
                s1 = TL.MultiplyAdd(TL.Multiply(p1, TL.Create(Unsafe.Add(ref rowAlpha, at + Lanes))), TL.Load(ref Unsafe.Add(ref alpha, at + Lanes)), s1);
                p0 = TL.Multiply(p0, c0);
                p1 = TPower.PerClass ? TL.Multiply(p1, c1) : p0;
            }

            // The tail bound after order t = end - 1: |c|^(t+1) √T_i(t) √T_j(t).
            int bt = 2 * Lanes * (end - 1);
            b0 = TL.Multiply(TL.Multiply(TL.Abs(p0), TL.Create(Unsafe.Add(ref rowTail, bt))), TL.Load(ref Unsafe.Add(ref tail, bt)));
            b1 = TL.Multiply(TL.Multiply(TL.Abs(p1), TL.Create(Unsafe.Add(ref rowTail, bt + Lanes))), TL.Load(ref Unsafe.Add(ref tail, bt + Lanes)));
            order = end - 1;
            if (TL.AllAtMost(b0, thr0) && TL.AllAtMost(b1, thr1))
            {
                return true;
            }

            if (end == stride)
            {
                return false;
            }
        }
    }

    // Row i's correlations c_ij = <w_i, w_j> / (r_i r_j) for the neurons j of groups first..groups-1, clamped to
    // [-1, 1]: per lane one fused multiply-add chain over the coordinates in order, then two products.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Correlations<TL>(ReadOnlySpan<double> wi, double[] transposed, int padded, int first, int groups, double inverseI, double[] inverse, double[] output)
        where TL : struct, IPairLanes<TL>
    {
        int dimension = wi.Length;
        ref double wt = ref MemoryMarshal.GetArrayDataReference(transposed);
        ref double inv = ref MemoryMarshal.GetArrayDataReference(inverse);
        ref double outRef = ref MemoryMarshal.GetArrayDataReference(output);
        ref double w = ref MemoryMarshal.GetReference(wi);
        TL ii = TL.Create(inverseI);
        int g = first;
        for (; g + 4 <= groups; g += 4)
        {
            // Four groups at once: four independent chains keep the multiply-add units busy.
            TL a0 = TL.Create(0.0), a1 = a0, a2 = a0, a3 = a0;
            ref double col = ref Unsafe.Add(ref wt, g * Lanes);
            for (int k = 0; k < dimension; k++, col = ref Unsafe.Add(ref col, padded))
            {
                TL wk = TL.Create(Unsafe.Add(ref w, k));
                a0 = TL.MultiplyAdd(wk, TL.Load(ref col), a0);
                a1 = TL.MultiplyAdd(wk, TL.Load(ref Unsafe.Add(ref col, Lanes)), a1);
                a2 = TL.MultiplyAdd(wk, TL.Load(ref Unsafe.Add(ref col, 2 * Lanes)), a2);
                a3 = TL.MultiplyAdd(wk, TL.Load(ref Unsafe.Add(ref col, 3 * Lanes)), a3);
            }

            int at = g * Lanes;
            TL.Store(TL.ClampUnit(TL.Multiply(TL.Multiply(a0, ii), TL.Load(ref Unsafe.Add(ref inv, at)))), ref Unsafe.Add(ref outRef, at));
            TL.Store(TL.ClampUnit(TL.Multiply(TL.Multiply(a1, ii), TL.Load(ref Unsafe.Add(ref inv, at + Lanes)))), ref Unsafe.Add(ref outRef, at + Lanes));
            TL.Store(TL.ClampUnit(TL.Multiply(TL.Multiply(a2, ii), TL.Load(ref Unsafe.Add(ref inv, at + (2 * Lanes))))), ref Unsafe.Add(ref outRef, at + (2 * Lanes)));
            TL.Store(TL.ClampUnit(TL.Multiply(TL.Multiply(a3, ii), TL.Load(ref Unsafe.Add(ref inv, at + (3 * Lanes))))), ref Unsafe.Add(ref outRef, at + (3 * Lanes)));
        }

        for (; g < groups; g++)
        {
            TL a = TL.Create(0.0);
            ref double col = ref Unsafe.Add(ref wt, g * Lanes);
            for (int k = 0; k < dimension; k++, col = ref Unsafe.Add(ref col, padded))
            {
                a = TL.MultiplyAdd(TL.Create(Unsafe.Add(ref w, k)), TL.Load(ref col), a);
            }

            int at = g * Lanes;
            TL.Store(TL.ClampUnit(TL.Multiply(TL.Multiply(a, ii), TL.Load(ref Unsafe.Add(ref inv, at)))), ref Unsafe.Add(ref outRef, at));
        }
    }

    // The anisotropic class correlations (τ_s² <w_i,1, w_j,1> + <w_i,2, w_j,2>) / (a_si a_sj), clamped to [-1, 1],
    // of the rows i0..i0+3 (RowBlock; a row past the last is computed as the last and not read) with the neurons of
    // groups first..groups-1: per lane one multiply-add chain over each block of coordinates, then
    // fma(τ_s², dot1, dot2) and two products. Two groups of four rows at a time share each load of the
    // transposed weights; each lane's chains are those of one row and one group alone.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AnisotropicCorrelations<TL>(ReadOnlySpan<double> weights, int i0, int width, int dimension, double[] transposed, int padded, int first, int groups, int informative, double[] tau, double[] inverse0, double[] inverse1, double[] output0, double[] output1)
        where TL : struct, IPairLanes<TL>
    {
        ref double wt = ref MemoryMarshal.GetArrayDataReference(transposed);
        ref double w0 = ref MemoryMarshal.GetReference(weights.Slice(Math.Min(i0, width - 1) * dimension, dimension));
        ref double w1 = ref MemoryMarshal.GetReference(weights.Slice(Math.Min(i0 + 1, width - 1) * dimension, dimension));
        ref double w2 = ref MemoryMarshal.GetReference(weights.Slice(Math.Min(i0 + 2, width - 1) * dimension, dimension));
        ref double w3 = ref MemoryMarshal.GetReference(weights.Slice(Math.Min(i0 + 3, width - 1) * dimension, dimension));
        TL tau0 = TL.Create(tau[0] * tau[0]), tau1 = TL.Create(tau[1] * tau[1]);
        int g = first;
        for (; g < groups; g += 2)
        {
            // When the count of groups is odd the last pair is that group twice (the same values stored twice).
            int h = Math.Min(g + 1, groups - 1);
            // Two blocks of coordinates (the first s0, then the rest), each with its own eight chains; the first
            // block's are kept in x, the second's end in y.
            TL zero = TL.Create(0.0), xa0 = zero, xa1 = zero, xa2 = zero, xa3 = zero, xb0 = zero, xb1 = zero, xb2 = zero, xb3 = zero;
            TL ya0 = zero, ya1 = zero, ya2 = zero, ya3 = zero, yb0 = zero, yb1 = zero, yb2 = zero, yb3 = zero;
            ref double colA = ref Unsafe.Add(ref wt, g * Lanes);
            ref double colB = ref Unsafe.Add(ref wt, h * Lanes);
            for (int block = 0, k = 0; block < 2; block++)
            {
                if (block == 1)
                {
                    (xa0, xa1, xa2, xa3, xb0, xb1, xb2, xb3) = (ya0, ya1, ya2, ya3, yb0, yb1, yb2, yb3);
                    (ya0, ya1, ya2, ya3, yb0, yb1, yb2, yb3) = (zero, zero, zero, zero, zero, zero, zero, zero);
                }

                for (int end = block == 0 ? informative : dimension; k < end; k++, colA = ref Unsafe.Add(ref colA, padded), colB = ref Unsafe.Add(ref colB, padded))
                {
                    TL a = TL.Load(ref colA), b = TL.Load(ref colB);
                    TL v0 = TL.Create(Unsafe.Add(ref w0, k)), v1 = TL.Create(Unsafe.Add(ref w1, k)), v2 = TL.Create(Unsafe.Add(ref w2, k)), v3 = TL.Create(Unsafe.Add(ref w3, k));
                    ya0 = TL.MultiplyAdd(v0, a, ya0);
                    ya1 = TL.MultiplyAdd(v1, a, ya1);
                    ya2 = TL.MultiplyAdd(v2, a, ya2);
                    ya3 = TL.MultiplyAdd(v3, a, ya3);
                    yb0 = TL.MultiplyAdd(v0, b, yb0);
                    yb1 = TL.MultiplyAdd(v1, b, yb1);
                    yb2 = TL.MultiplyAdd(v2, b, yb2);
                    yb3 = TL.MultiplyAdd(v3, b, yb3);
                }
            }

            StoreClassCorrelations(xa0, ya0, tau0, tau1, i0, width, 0, inverse0, inverse1, output0, output1, padded, g * Lanes);
            StoreClassCorrelations(xa1, ya1, tau0, tau1, i0, width, 1, inverse0, inverse1, output0, output1, padded, g * Lanes);
            StoreClassCorrelations(xa2, ya2, tau0, tau1, i0, width, 2, inverse0, inverse1, output0, output1, padded, g * Lanes);
            StoreClassCorrelations(xa3, ya3, tau0, tau1, i0, width, 3, inverse0, inverse1, output0, output1, padded, g * Lanes);
            StoreClassCorrelations(xb0, yb0, tau0, tau1, i0, width, 0, inverse0, inverse1, output0, output1, padded, h * Lanes);
            StoreClassCorrelations(xb1, yb1, tau0, tau1, i0, width, 1, inverse0, inverse1, output0, output1, padded, h * Lanes);
            StoreClassCorrelations(xb2, yb2, tau0, tau1, i0, width, 2, inverse0, inverse1, output0, output1, padded, h * Lanes);
            StoreClassCorrelations(xb3, yb3, tau0, tau1, i0, width, 3, inverse0, inverse1, output0, output1, padded, h * Lanes);
        }
    }

    // Row i0 + r's two class correlations with one group, from their block inner products:
    // clamp((τ_s² dot1 + dot2) · (1/a_si) · (1/a_sj)), stored at r·padded + at.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreClassCorrelations<TL>(TL dot1, TL dot2, TL tau0, TL tau1, int i0, int width, int r, double[] inverse0, double[] inverse1, double[] output0, double[] output1, int padded, int at)
        where TL : struct, IPairLanes<TL>
    {
        int i = Math.Min(i0 + r, width - 1), to = (r * padded) + at;
        TL.Store(TL.ClampUnit(TL.Multiply(TL.Multiply(TL.MultiplyAdd(tau0, dot1, dot2), TL.Create(inverse0[i])), TL.Load(ref inverse0[at]))), ref output0[to]);
        TL.Store(TL.ClampUnit(TL.Multiply(TL.Multiply(TL.MultiplyAdd(tau1, dot1, dot2), TL.Create(inverse1[i])), TL.Load(ref inverse1[at]))), ref output1[to]);
    }

    // Whether the two classes' series have their own power chains (anisotropic) or share c^n (isotropic).
    private interface IPowerChains
    {
        static abstract bool PerClass { get; }
    }

    private readonly struct SharedPower : IPowerChains
    {
        public static bool PerClass => false;
    }

    private readonly struct PowerPerClass : IPowerChains
    {
        public static bool PerClass => true;
    }

    // Both classes' tables for the group loop, by lane group: for group g (neurons 8g..8g+7), order n and class s,
    // eight consecutive α_n(a_sj) (Alpha) and √T_sj(n) (Tail, written at the test orders only), zero past the
    // last neuron; a group's series reads consecutive memory. Also each neuron's scales, mean α_0 and second
    // moment, and per class the correlation Safe at or below which every pair passes the feasibility test.
    // The two large arrays are kept per thread and reused (every element the loop reads is written first).
    private sealed class GroupTables
    {
        [ThreadStatic]
        private static double[]? t_alpha;

        [ThreadStatic]
        private static double[]? t_tail;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public GroupTables(RampGaussian gauss, double[][] scales, double[]? norms, int maxOrder, double tolerance)
        {
            int width = scales[0].Length;
            Groups = (width + Lanes - 1) / Lanes;
            Stride = maxOrder + 1;
            Norms = norms;
            Scale = scales;
            int length = Groups * Stride * 2 * Lanes;
            if (t_alpha is null || t_alpha.Length < length)
            {
                t_alpha = new double[length];
                t_tail = new double[length];
            }

            Alpha = t_alpha;
            Tail = t_tail!;
            Span<double> scale8 = stackalloc double[Lanes], second8 = stackalloc double[Lanes];
            for (int s = 0; s < 2; s++)
            {
                Mean[s] = new double[width];
                Second[s] = new double[width];
                double tailMax = 0;
                for (int g = 0; g < Groups; g++)
                {
                    // The group's coefficients, eight neurons at a time (padding lanes: scale 0, then zeros).
                    for (int l = 0; l < Lanes; l++)
                    {
                        int j = (g * Lanes) + l;
                        scale8[l] = j < width ? scales[s][j] : 0.0;
                    }

                    gauss.Coefficients8(scale8, ref Alpha[Index(g, 0, s, Stride)], 2 * Lanes, Stride);
                    for (int l = 0; l < Lanes; l++)
                    {
                        int j = (g * Lanes) + l;
                        second8[l] = j < width ? gauss.SecondMoment(scales[s][j]) : 0.0;
                    }

                    // The tails of the eight lanes at once: per lane the partial sum Σ α_m² in order (a product
                    // and a sum per order, as one neuron at a time would) and √T at the tested orders.
                    Vector512<double> second = Vector512.Create<double>(second8), partial = Vector512<double>.Zero;
                    int at = Index(g, 0, s, Stride);
                    for (int n = 0; n < Stride; n++, at += 2 * Lanes)
                    {
                        Vector512<double> a = Vector512.LoadUnsafe(ref Alpha[at]);
                        partial += a * a;
                        if (IsTestOrder(n, maxOrder))
                        {
                            Vector512.Sqrt(Vector512.Max(second - partial, Vector512<double>.Zero) + (Vector512.Create(4.0 * (n + 2) * 2.3e-16) * second)).StoreUnsafe(ref Tail[at]);
                        }
                    }

                    for (int l = 0; l < Lanes; l++)
                    {
                        int j = (g * Lanes) + l;
                        if (j >= width)
                        {
                            for (int n = 0, z = Index(g, 0, s, Stride) + l; n < Stride; n++, z += 2 * Lanes)
                            {
                                Alpha[z] = Tail[z] = 0.0;
                            }

                            continue;
                        }

                        Mean[s][j] = Alpha[Index(g, 0, s, Stride) + l];
                        Second[s][j] = second8[l];
                        tailMax = Math.Max(tailMax, Tail[Index(g, maxOrder, s, Stride) + l]);
                    }
                }

                // Every pair with |c| ≤ Safe passes the feasibility test |c|^(K+1) √T_i(K) √T_j(K) ≤ tol (a factor
                // 4 to spare for the rounding of the power and the products), so its power need not be computed.
                Safe[s] = tailMax > 0 ? Math.Pow(tolerance / (4 * tailMax * tailMax), 1.0 / Stride) : 1.0;
            }
        }

        public int Groups { get; }

        public int Stride { get; }

        public double[] Alpha { get; }

        public double[] Tail { get; }

        public double[]? Norms { get; }

        public double[][] Scale { get; }

        public double[][] Mean { get; } = new double[2][];

        public double[][] Second { get; } = new double[2][];

        public double[] Safe { get; } = new double[2];

        // Where group g's eight values of order n and class s start.
        public static int Index(int g, int n, int s, int stride) => ((((g * stride) + n) * 2) + s) * Lanes;
    }

    // The per-evaluation arrays of the pair loop, kept per thread and reused (every element read is written first).
    private sealed class GroupScratch
    {
        [ThreadStatic]
        private static GroupScratch? t_scratch;

        private GroupScratch(int padded, int dimension, int stride)
        {
            Padded = padded;
            Dimension = dimension;
            Stride = stride;
            Transposed = new double[padded * dimension];
            Inverse0 = new double[padded];
            Inverse1 = new double[padded];
            Correlation0 = new double[RowBlock * padded];
            Correlation1 = new double[RowBlock * padded];
            Buffer = new double[6 * Lanes];
        }

        public int Padded { get; }

        public int Dimension { get; }

        public int Stride { get; }

        public double[] Transposed { get; }

        public double[] Inverse0 { get; }

        public double[] Inverse1 { get; }

        public double[] Correlation0 { get; }

        public double[] Correlation1 { get; }

        // Lane buffers: weights and thresholds of both classes, then bounds or row sums.
        public double[] Buffer { get; }

        public static GroupScratch For(int padded, int dimension, int stride)
        {
            GroupScratch? s = t_scratch;
            if (s is null || s.Padded < padded || s.Padded * s.Dimension < padded * dimension || s.Stride < stride)
            {
                s = new GroupScratch(Math.Max(padded, s?.Padded ?? 0), Math.Max(dimension, s?.Dimension ?? 0), Math.Max(stride, s?.Stride ?? 0));
                t_scratch = s;
            }

            return s;
        }
    }
}
