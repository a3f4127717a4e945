using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using MeanFieldCluster.Engine.Kernels;

namespace MeanFieldCluster.Engine.Limit;

/// <summary>
/// The pair loop of <see cref="PopulationRisk"/> (docs/performance.md, "Observation cost: the exact population
/// risk"; the error bound in docs/limit.md, "The exact finite-N risk"). Row by row, the pairs (i, j) with
/// j in a group of eight consecutive neurons run in the eight lanes of <see cref="IPairLanes{TSelf}"/>:
/// their correlations from the weights transposed by group (one fused multiply-add chain over the coordinates
/// per lane), then both classes' Mehler series (τ = 1 ± Δ), summed by Horner's rule in c², the even and the odd
/// orders apart, with fused multiply-adds, to an order chosen first. At an even row the groups common to it and
/// the next row run both rows in one series, each load of a group's coefficients serving both (the next row's
/// results wait in the scratch until its turn, so each row adds its groups in order); such a row pair stops at
/// the first order t at which one bound for all its 32 pairs and classes, m^(t+1) · max √T_row(t) · max √T_j(t)
/// with m the largest |c|, is within the pair tolerance, and every pair reports that bound. A row's other
/// groups (its own, partial ones) test each lane's rigorous tail bound |c|^(n+1) √T_i(n) √T_j(n) every
/// <see cref="TestEvery"/> orders and stop where all pass. Pairs that cannot reach the tolerance by the highest
/// order (|c| near 1) take the exact formula, as in the reference loop. Every lane does the same operations in
/// the same order on every vector width, and the row's sums are reduced in one fixed order, so the result does
/// not depend on the vector width (PopulationRiskGroupsTests); it differs from the reference loop's only by
/// rounding and by the orders summed, within the documented bound.
/// </summary>
public static partial class PopulationRisk
{
    // The logical lanes of a group, and how often (in orders) the one-row series (Series) tests its truncation bounds.
    private const int Lanes = 8;
    private const int TestEvery = 16;

    // The rows whose anisotropic correlations are computed together.
    private const int RowBlock = 4;

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
        GroupScratch scratch = GroupScratch.For(tables.Work, padded, dimension, stride);

        // The weights transposed by group (group g's coordinate k of its eight neurons at (g·d + k)·8, zero past
        // the last neuron: a group's columns are consecutive memory) and the inverse scales (0 for a
        // zero scale, so its correlations are 0, as in the reference loop).
        double[] transposed = scratch.Transposed, inverse0 = scratch.Inverse0, inverse1 = scratch.Inverse1;
        Array.Clear(transposed, 0, dimension * padded);
        for (int j = 0; j < width; j++)
        {
            for (int k = 0; k < dimension; k++)
            {
                transposed[((((j / Lanes) * dimension) + k) * Lanes) + (j % Lanes)] = weights[(j * dimension) + k];
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
        ref double groupMax = ref MemoryMarshal.GetArrayDataReference(tables.GroupMax);
        int scanStride = tables.ScanStride;
        ref double rowMaxTable = ref MemoryMarshal.GetArrayDataReference(scratch.RowMax);
        ref double c0Row = ref MemoryMarshal.GetArrayDataReference(scratch.Correlation0);
        ref double c1Row = ref MemoryMarshal.GetArrayDataReference(isotropic ? scratch.Correlation0 : scratch.Correlation1);
        ref double buffer = ref MemoryMarshal.GetArrayDataReference(scratch.Buffer);
        TL tol = TL.Create(tolerance), one = TL.Create(1.0), zero = TL.Create(0.0);
        ref double pendingSum = ref MemoryMarshal.GetArrayDataReference(scratch.PendingSum);
        ref double pendingBound = ref MemoryMarshal.GetArrayDataReference(scratch.PendingBound);
        int[] pendingOrder = scratch.PendingOrder;
        bool[] pendingValid = scratch.PendingValid;
        Array.Clear(pendingValid);
        for (int i = 0; i < width - 1; i++)
        {
            int first = (i + 1) / Lanes, gi = i / Lanes, li = i % Lanes;
            // Rows i..i+3 at once (each load of the transposed weights serves all four); row i + r's correlations
            // are at r·padded (the row pairs below need rows i and i + 1 at an even i: RowBlock is even).
            int r = i % RowBlock;
            if (r == 0)
            {
                if (typeof(TL) == typeof(PairLanes256))
                {
                    // At 256 bits the eight lanes' sixteen chains would not fit the registers: each half of the
                    // lanes on its own, the same chain per lane.
                    Correlations<HalfLanes256>(weights, i, width, dimension, transposed, padded, first, groups, informative, tau, inverse0, inverse1, scratch.Correlation0, scratch.Correlation1, 0);
                    Correlations<HalfLanes256>(weights, i, width, dimension, transposed, padded, first, groups, informative, tau, inverse0, inverse1, scratch.Correlation0, scratch.Correlation1, 4);
                }
                else
                {
                    Correlations<TL>(weights, i, width, dimension, transposed, padded, first, groups, informative, tau, inverse0, inverse1, scratch.Correlation0, scratch.Correlation1, 0);
                }
            }

            c0Row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(scratch.Correlation0), r * padded);
            c1Row = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(isotropic ? scratch.Correlation0 : scratch.Correlation1), r * padded);

            // Row i's own coefficients and tails, read in place: order n, class s at (2n + s)·8 from these (the
            // group tables' layout), the tails at the tested orders only.
            ref double rowAlpha = ref Unsafe.Add(ref alpha, GroupTables.Index(gi, 0, 0, stride) + li);
            ref double rowTail = ref Unsafe.Add(ref tail, GroupTables.Index(gi, 0, 0, stride) + li);

            TL rowSum = zero, rowBound = zero;
            double exact = 0;
            long seriesCount = 0, exactCount = 0;
            int rowOrder = 0;

            // At an even i, row i + 1 (if it is a row of the loop) runs its common groups with row i's: its
            // correlations are the next row of the block, its own coefficients and tails its lane of its group.
            bool pairRows = (i & 1) == 0 && i + 1 < width - 1;
            ref double nextAlpha = ref Unsafe.Add(ref alpha, GroupTables.Index((i + 1) / Lanes, 0, 0, stride) + ((i + 1) % Lanes));
            ref double nextTail = ref Unsafe.Add(ref tail, GroupTables.Index((i + 1) / Lanes, 0, 0, stride) + ((i + 1) % Lanes));
            if (li == 0)
            {
                // Entering group gi: the scan tables of its rows (row i's at li · scanStride).
                RowScanTables(ref Unsafe.Add(ref tail, GroupTables.Index(gi, 0, 0, stride)), ref rowMaxTable, stride, scanStride);
            }

            // Row i + 1 is in row i's group when i is even (Lanes is even).
            ref double rowMax = ref Unsafe.Add(ref rowMaxTable, li * scanStride);
            ref double nextMax = ref Unsafe.Add(ref rowMaxTable, ((li + 1) % Lanes) * scanStride);
            int pairFrom = first;
            for (int g = first; g < groups; g++)
            {
                if ((i & 1) == 1 && pendingValid[g])
                {
                    // Computed with row i - 1: as the one-group path below with weights 1.
                    pendingValid[g] = false;
                    rowSum = TL.Add(rowSum, TL.Load(ref Unsafe.Add(ref pendingSum, g * Lanes)));
                    rowBound = TL.Add(rowBound, TL.Load(ref Unsafe.Add(ref pendingBound, g * Lanes)));
                    seriesCount += 2 * Lanes;
                    rowOrder = Math.Max(rowOrder, pendingOrder[g]);
                    continue;
                }

                if (pairRows && g >= pairFrom && g * Lanes > i + 1)
                {
                    // Rows i and i + 1 with the common groups from g on (PairGroups): one series of both rows' pairs
                    // per group. It stops at the first group that is not common to both, or whose series does not
                    // pass by the highest order; that group takes the one-group path below (row i + 1's when its
                    // own turn comes).
                    int stop = PairGroups<TL, TPower>(g, width / Lanes, ref alpha, ref tail, ref groupMax, scanStride, stride, ref rowAlpha, ref rowTail, ref nextAlpha, ref nextTail, ref rowMax, ref nextMax, ref c0Row, ref c1Row, padded, limit0, limit1, tolerance, ref pendingSum, ref pendingBound, pendingOrder, pendingValid, ref rowSum, ref rowBound, ref rowOrder);
                    seriesCount += (long)(stop - g) * 2 * Lanes;
                    pairFrom = stop + 1;
                    if (stop > g)
                    {
                        g = stop - 1;
                        continue;
                    }
                }

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

    // Both classes' series of a group. First the bounds: at the tested orders t (every TestEvery orders, and the
    // highest) each lane's |c|^(t+1) √T_i(t) √T_j(t), the power advanced by c^TestEvery (from repeated squaring),
    // up to the first t at which every lane's bound is within its threshold (true), or to the highest order
    // (false). Then the sum to that order K by Horner's rule in c², the even and the odd orders apart (two
    // independent chains per class), Σ_n c^n β_n = E(c²) + c O(c²) with β_n = α_n(a_i) α_n(a_j). s: the sums;
    // b: the bounds at K. rowAlpha and rowTail are row i's own lane of its group's tables (order n, class s at
    // (2n + s)·8).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Series<TL, TPower>(ref double alpha, ref double tail, ref double rowAlpha, ref double rowTail, int stride, TL c0, TL c1, TL thr0, TL thr1, out TL s0, out TL s1, out TL b0, out TL b1, out int order)
        where TL : struct, IPairLanes<TL>
        where TPower : struct, IPowerChains
    {
        int maxOrder = stride - 1;
        Powers(c0, out TL cc0, out TL step0);
        TL cc1 = cc0, step1 = step0;
        if (TPower.PerClass)
        {
            Powers(c1, out cc1, out step1);
        }

        // q = c^(t+1) at the tested order t.
        TL q0 = TL.Create(1.0), q1 = q0;
        int t = -1;
        bool passed;
        while (true)
        {
            int next = Math.Min(t + TestEvery, maxOrder);
            q0 = Advance(q0, c0, step0, t, next);
            q1 = TPower.PerClass ? Advance(q1, c1, step1, t, next) : q0;
            t = next;
            int bt = 2 * Lanes * t;
            b0 = Bound(q0, Unsafe.Add(ref rowTail, bt), TL.Load(ref Unsafe.Add(ref tail, bt)));
            b1 = Bound(q1, Unsafe.Add(ref rowTail, bt + Lanes), TL.Load(ref Unsafe.Add(ref tail, bt + Lanes)));
            if (TL.AllAtMost(b0, thr0) && TL.AllAtMost(b1, thr1))
            {
                passed = true;
                break;
            }

            if (t == maxOrder)
            {
                passed = false;
                break;
            }
        }

        order = t;

        // Horner from the top: e = Σ β_2m (c²)^m, o = Σ β_(2m+1) (c²)^m; an even top order starts e alone.
        TL zero = TL.Create(0.0), e0 = zero, o0 = zero, e1 = zero, o1 = zero;
        int n = t;
        if ((n & 1) == 0)
        {
            int at = 2 * Lanes * n;
            e0 = TL.Multiply(TL.Create(Unsafe.Add(ref rowAlpha, at)), TL.Load(ref Unsafe.Add(ref alpha, at)));
            e1 = TL.Multiply(TL.Create(Unsafe.Add(ref rowAlpha, at + Lanes)), TL.Load(ref Unsafe.Add(ref alpha, at + Lanes)));
            n--;
        }

        for (; n > 0; n -= 2)
        {
            // Orders n - 1 (even) and n (odd).
            int at = 2 * Lanes * (n - 1);
            e0 = TL.MultiplyAdd(e0, cc0, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlpha, at)), TL.Load(ref Unsafe.Add(ref alpha, at))));
            e1 = TL.MultiplyAdd(e1, cc1, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlpha, at + Lanes)), TL.Load(ref Unsafe.Add(ref alpha, at + Lanes))));
            o0 = TL.MultiplyAdd(o0, cc0, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlpha, at + (2 * Lanes))), TL.Load(ref Unsafe.Add(ref alpha, at + (2 * Lanes)))));
            o1 = TL.MultiplyAdd(o1, cc1, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlpha, at + (3 * Lanes))), TL.Load(ref Unsafe.Add(ref alpha, at + (3 * Lanes)))));
        }

        s0 = TL.MultiplyAdd(c0, o0, e0);
        s1 = TL.MultiplyAdd(c1, o1, e1);
        return passed;
    }

    // Rows A (row i) and B (row i + 1) with the whole groups g = from, from + 1, … (before fullGroups) while both rows'
    // correlations with the group are within the limits (common) and their series passes (SeriesTwoRows): A's sums
    // and bounds are added to rowSum and rowBound in order, B's wait in the pending arrays. Returns the first group
    // not taken. A loop of its own, so that its registers are not those of the row loop's other paths.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int PairGroups<TL, TPower>(int from, int fullGroups, ref double alpha, ref double tail, ref double groupMax, int scanStride, int stride, ref double rowAlphaA, ref double rowTailA, ref double rowAlphaB, ref double rowTailB, ref double rowMaxA, ref double rowMaxB, ref double c0Row, ref double c1Row, int padded, double limit0, double limit1, double tolerance, ref double pendingSum, ref double pendingBound, int[] pendingOrder, bool[] pendingValid, ref TL rowSum, ref TL rowBound, ref int rowOrder)
        where TL : struct, IPairLanes<TL>
        where TPower : struct, IPowerChains
    {
        TL sum = rowSum, bound = rowBound;
        int order = rowOrder, g = from;
        for (; g < fullGroups; g++)
        {
            int at = g * Lanes;
            TL c0 = TL.Load(ref Unsafe.Add(ref c0Row, at)), c1 = TL.Load(ref Unsafe.Add(ref c1Row, at));
            TL e0 = TL.Load(ref Unsafe.Add(ref c0Row, padded + at)), e1 = TL.Load(ref Unsafe.Add(ref c1Row, padded + at));
            if (!TL.AllAtMost(TL.Abs(c0), TL.Abs(e0), TL.Create(limit0), TL.Abs(c1), TL.Abs(e1), TL.Create(limit1)) ||
                !SeriesTwoRows<TL, TPower>(ref Unsafe.Add(ref alpha, GroupTables.Index(g, 0, 0, stride)), ref Unsafe.Add(ref tail, GroupTables.Index(g, 0, 0, stride)), ref rowAlphaA, ref rowTailA, ref rowAlphaB, ref rowTailB, ref rowMaxA, ref rowMaxB, ref Unsafe.Add(ref groupMax, g * scanStride), stride, c0, c1, e0, e1, tolerance, out TL sumA, out TL boundA, ref Unsafe.Add(ref pendingSum, at), ref Unsafe.Add(ref pendingBound, at), out int orderTwo))
            {
                break;
            }

            sum = TL.Add(sum, sumA);
            bound = TL.Add(bound, boundA);
            order = Math.Max(order, orderTwo);
            pendingOrder[g] = orderTwo;
            pendingValid[g] = true;
        }

        rowSum = sum;
        rowBound = bound;
        rowOrder = order;
        return g;
    }

    // Rows A (row i: rowAlphaA, rowTailA, correlations c0, c1) and B (row i + 1: rowAlphaB, rowTailB, e0, e1) with
    // one group (alpha, tail), as Series does for one row, but with one stopping order for both rows, found order by
    // order (docs/limit.md, "Exact population risk"): the first order t at which the group's bound
    // S = m^(t+1) · max(√T_A(t), √T_B(t)) · max_j √T_j(t) is within tol, m the largest |c| of its 32 pairs and
    // classes (FirstPassing), and every pair reports S (its own bound is at most S): true. When no order passes,
    // each lane's own bound at the highest order decides (true when all are within tol, else false: the rows take
    // the one-row path). Each load of the group's coefficients serves both rows. rowMaxA, rowMaxB and groupMax:
    // the scan tables of the two rows (RowScanTables) and of the group (GroupTables).
    // c0, c1: row A's correlations with the group (classes 0 and 1); e0, e1: row B's.
    // sumA: row A's two classes' sums added (s0 + s1), boundA likewise; the same for B, stored at sumB and boundB.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SeriesTwoRows<TL, TPower>(ref double alpha, ref double tail, ref double rowAlphaA, ref double rowTailA, ref double rowAlphaB, ref double rowTailB, ref double rowMaxA, ref double rowMaxB, ref double groupMax, int stride, TL c0, TL c1, TL e0, TL e1, double tolerance, out TL sumA, out TL boundA, ref double sumB, ref double boundB, out int order)
        where TL : struct, IPairLanes<TL>
        where TPower : struct, IPowerChains
    {
        int maxOrder = stride - 1;
        TL ac0 = TL.Abs(c0), ae0 = TL.Abs(e0);
        TL ac1 = TPower.PerClass ? TL.Abs(c1) : ac0, ae1 = TPower.PerClass ? TL.Abs(e1) : ae0;
        int t = FirstPassing(TL.MaxLane(TL.Max(TL.Max(ac0, ac1), TL.Max(ae0, ae1))), ref rowMaxA, ref rowMaxB, ref groupMax, maxOrder, tolerance, out double groupBound);
        bool passed = groupBound <= tolerance;
        if (passed)
        {
            // Every pair and class of the group reports the group's bound (each class's own is at most it).
            boundA = TL.Create(groupBound + groupBound);
            TL.Store(boundA, ref boundB);
        }
        else
        {
            // No order passed the group's bound: each lane's own bound at the highest order, q = |c|^(t+1).
            TL qc0 = Power(ac0, t + 1), qe0 = Power(ae0, t + 1);
            TL qc1 = TPower.PerClass ? Power(ac1, t + 1) : qc0, qe1 = TPower.PerClass ? Power(ae1, t + 1) : qe0;
            int bt = 2 * Lanes * t;
            TL tail0 = TL.Load(ref Unsafe.Add(ref tail, bt)), tail1 = TL.Load(ref Unsafe.Add(ref tail, bt + Lanes));
            TL bc0 = BoundOf(qc0, Unsafe.Add(ref rowTailA, bt), tail0), bc1 = BoundOf(qc1, Unsafe.Add(ref rowTailA, bt + Lanes), tail1);
            TL be0 = BoundOf(qe0, Unsafe.Add(ref rowTailB, bt), tail0), be1 = BoundOf(qe1, Unsafe.Add(ref rowTailB, bt + Lanes), tail1);
            TL tol = TL.Create(tolerance);
            passed = TL.AllAtMost(bc0, bc1, tol, be0, be1, tol);
            boundA = TL.Add(bc0, bc1);
            TL.Store(TL.Add(be0, be1), ref boundB);
        }

        order = t;
        if (typeof(TL) == typeof(PairLanes256))
        {
            // At 256 bits both rows' eight Horner chains per half of the lanes take the sixteen registers: each
            // half runs on its own, with the same operations per lane.
            PairLanes256 wc0 = (PairLanes256)(object)c0, wc1 = (PairLanes256)(object)c1, we0 = (PairLanes256)(object)e0, we1 = (PairLanes256)(object)e1;
            HornerTwoRows<HalfLanes256, TPower>(ref alpha, ref rowAlphaA, ref rowAlphaB, t, wc0.Lower, wc1.Lower, we0.Lower, we1.Lower, out HalfLanes256 lowerA, out HalfLanes256 lowerB);
            HornerTwoRows<HalfLanes256, TPower>(ref Unsafe.Add(ref alpha, 4), ref rowAlphaA, ref rowAlphaB, t, wc0.Upper, wc1.Upper, we0.Upper, we1.Upper, out HalfLanes256 upperA, out HalfLanes256 upperB);
            sumA = (TL)(object)PairLanes256.Join(lowerA, upperA);
            TL.Store((TL)(object)PairLanes256.Join(lowerB, upperB), ref sumB);
        }
        else
        {
            HornerTwoRows<TL, TPower>(ref alpha, ref rowAlphaA, ref rowAlphaB, t, c0, c1, e0, e1, out sumA, out TL sumOfB);
            TL.Store(sumOfB, ref sumB);
        }

        return passed;
    }

    // The scan tables of a group's eight rows for FirstPassing: lane l's at l · scanStride, the larger of its two
    // classes' √T(n) at each order (groupTail: the group's tails), +∞ from the highest order + 1 to scanStride.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RowScanTables(ref double groupTail, ref double tables, int stride, int scanStride)
    {
        Span<double> lanes = stackalloc double[Lanes];
        ref double lane = ref MemoryMarshal.GetReference(lanes);
        for (int n = 0; n < scanStride; n++)
        {
            if (n < stride)
            {
                ClassMax(ref Unsafe.Add(ref groupTail, 2 * Lanes * n)).StoreUnsafe(ref lane);
            }
            else
            {
                lanes.Fill(double.PositiveInfinity);
            }

            for (int l = 0; l < Lanes; l++)
            {
                Unsafe.Add(ref tables, (l * scanStride) + n) = Unsafe.Add(ref lane, l);
            }
        }
    }

    // The larger of the two classes' √T(n) in each of a group's eight lanes (at: its order-n tails, class 0's eight
    // then class 1's), for the scan tables.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<double> ClassMax(ref double at) => Vector512.MaxNative(Vector512.LoadUnsafe(ref at), Vector512.LoadUnsafe(ref at, Lanes));

    // The orders of a scan table: stride rounded up to a multiple of four (FirstPassing reads four at a time).
    private static int ScanLength(int stride) => (stride + 3) & ~3;

    // The first order t ≤ maxOrder at which (q_t · max(rowMaxA[t], rowMaxB[t])) · groupMax[t] ≤ tolerance, else
    // maxOrder; q_t = m^(t+1), formed four orders at a time as p_r · Q_k (t = 4k + r, p = (m, m², m³, m⁴),
    // Q_0 = 1, Q_(k+1) = Q_k · m⁴), the same products on every machine. The tables are padded with +∞ to a
    // multiple of four orders, which never passes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstPassing(double m, ref double rowMaxA, ref double rowMaxB, ref double groupMax, int maxOrder, double tolerance, out double bound)
    {
        double m2 = m * m, m4 = m2 * m2, q = 1.0;
        Vector256<double> p = Vector256.Create(m, m2, m2 * m, m4), tol = Vector256.Create(tolerance);
        for (int t = 0; t <= maxOrder; t += 4)
        {
            Vector256<double> rows = Vector256.MaxNative(Vector256.LoadUnsafe(ref rowMaxA, (nuint)t), Vector256.LoadUnsafe(ref rowMaxB, (nuint)t));
            Vector256<double> bounds = p * Vector256.Create(q) * rows * Vector256.LoadUnsafe(ref groupMax, (nuint)t);
            uint passing = Vector256.LessThanOrEqual(bounds, tol).ExtractMostSignificantBits();
            if (passing != 0)
            {
                int first = BitOperations.TrailingZeroCount(passing);
                bound = bounds.GetElement(first);
                return t + first;
            }

            q *= m4;
        }

        bound = double.PositiveInfinity;
        return maxOrder;
    }

    // x^e (e ≥ 1) by binary powering, the same products in every lane.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TL Power<TL>(TL x, int e)
        where TL : struct, IPairLanes<TL>
    {
        TL result = x;
        for (int bit = (1 << (31 - BitOperations.LeadingZeroCount((uint)e))) >> 1; bit > 0; bit >>= 1)
        {
            result = TL.Multiply(result, result);
            if ((e & bit) != 0)
            {
                result = TL.Multiply(result, x);
            }
        }

        return result;
    }

    // The sums of SeriesTwoRows to order t for rows A (correlations c0, c1) and B (e0, e1): Horner from the top, as in
    // Series, in c² (cc, as Powers forms it; shared by the classes when the power is).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HornerTwoRows<TL, TPower>(ref double alpha, ref double rowAlphaA, ref double rowAlphaB, int t, TL c0, TL c1, TL e0, TL e1, out TL sumA, out TL sumB)
        where TL : struct, IPairLanes<TL>
        where TPower : struct, IPowerChains
    {
        TL cc0 = TL.Multiply(c0, c0), ee0 = TL.Multiply(e0, e0);
        TL cc1 = TPower.PerClass ? TL.Multiply(c1, c1) : cc0, ee1 = TPower.PerClass ? TL.Multiply(e1, e1) : ee0;
        TL zero = TL.Create(0.0), xc0 = zero, yc0 = zero, xc1 = zero, yc1 = zero, xe0 = zero, ye0 = zero, xe1 = zero, ye1 = zero;
        int n = t;
        if ((n & 1) == 0)
        {
            int at = 2 * Lanes * n;
            TL a0 = TL.Load(ref Unsafe.Add(ref alpha, at)), a1 = TL.Load(ref Unsafe.Add(ref alpha, at + Lanes));
            xc0 = TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaA, at)), a0);
            xc1 = TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaA, at + Lanes)), a1);
            xe0 = TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaB, at)), a0);
            xe1 = TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaB, at + Lanes)), a1);
            n--;
        }

        for (; n > 0; n -= 2)
        {
            // Orders n - 1 (even: x) and n (odd: y).
            int at = 2 * Lanes * (n - 1);
            TL a0 = TL.Load(ref Unsafe.Add(ref alpha, at)), a1 = TL.Load(ref Unsafe.Add(ref alpha, at + Lanes));
            TL a2 = TL.Load(ref Unsafe.Add(ref alpha, at + (2 * Lanes))), a3 = TL.Load(ref Unsafe.Add(ref alpha, at + (3 * Lanes)));
            xc0 = TL.MultiplyAdd(xc0, cc0, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaA, at)), a0));
            xc1 = TL.MultiplyAdd(xc1, cc1, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaA, at + Lanes)), a1));
            yc0 = TL.MultiplyAdd(yc0, cc0, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaA, at + (2 * Lanes))), a2));
            yc1 = TL.MultiplyAdd(yc1, cc1, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaA, at + (3 * Lanes))), a3));
            xe0 = TL.MultiplyAdd(xe0, ee0, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaB, at)), a0));
            xe1 = TL.MultiplyAdd(xe1, ee1, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaB, at + Lanes)), a1));
            ye0 = TL.MultiplyAdd(ye0, ee0, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaB, at + (2 * Lanes))), a2));
            ye1 = TL.MultiplyAdd(ye1, ee1, TL.Multiply(TL.Create(Unsafe.Add(ref rowAlphaB, at + (3 * Lanes))), a3));
        }

        sumA = TL.Add(TL.MultiplyAdd(c0, yc0, xc0), TL.MultiplyAdd(c1, yc1, xc1));
        sumB = TL.Add(TL.MultiplyAdd(e0, ye0, xe0), TL.MultiplyAdd(e1, ye1, xe1));
    }

    // The bound scans' powers of one class's correlations: c² (Horner's variable) and c^TestEvery, by repeated
    // squaring.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Powers<TL>(TL c, out TL square, out TL step)
        where TL : struct, IPairLanes<TL>
    {
        square = TL.Multiply(c, c);
        step = square;
        for (int k = 2; k < TestEvery; k *= 2)
        {
            step = TL.Multiply(step, step);
        }
    }

    // c^(from+1) → c^(to+1): one product by c^TestEvery for a whole stretch, else (the last, shorter stretch up to
    // the highest order) one product by c per order.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TL Advance<TL>(TL q, TL c, TL step, int from, int to)
        where TL : struct, IPairLanes<TL>
    {
        if (to - from == TestEvery)
        {
            return TL.Multiply(q, step);
        }

        for (int k = from; k < to; k++)
        {
            q = TL.Multiply(q, c);
        }

        return q;
    }

    // The tail bound |c|^(t+1) √T_i(t) √T_j(t) from q = c^(t+1), row i's √T_i(t) and the lanes' √T_j(t).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TL Bound<TL>(TL q, double rowTail, TL tail)
        where TL : struct, IPairLanes<TL> => BoundOf(TL.Abs(q), rowTail, tail);

    // The same from q = |c|^(t+1).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TL BoundOf<TL>(TL q, double rowTail, TL tail)
        where TL : struct, IPairLanes<TL> => TL.Multiply(TL.Multiply(q, TL.Create(rowTail)), tail);

    // The correlations of the rows i0..i0+3 (RowBlock; a row past the last is computed as the last and not read) with
    // the neurons of groups first..groups-1, clamped to [-1, 1]; row i0 + r's go to output[r·padded + 8g..]. Per lane
    // one fused multiply-add chain over each block of coordinates (the first s0 = informative, then the rest), then
    // anisotropic: the class correlations fma(τ_s², dot1, dot2) · (1/a_si) · (1/a_sj) into output0 and output1;
    // isotropic (s0 = d, the second block empty): <w_i, w_j> · (1/r_i) · (1/r_j) into output0, with inverse0 the
    // norms' inverses. Two groups of four rows at a time share each load of the transposed weights; each lane's
    // chains are those of one row and one group alone, so the values do not depend on the blocking. TL may hold
    // fewer than eight lanes: then it covers the lanes lane..lane + (its count) - 1 of each group.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Correlations<TL>(ReadOnlySpan<double> weights, int i0, int width, int dimension, double[] transposed, int padded, int first, int groups, int informative, double[] tau, double[] inverse0, double[] inverse1, double[] output0, double[] output1, int lane)
        where TL : struct, IPairLanes<TL>
    {
        ref double wt = ref MemoryMarshal.GetArrayDataReference(transposed);
        ref double w0 = ref MemoryMarshal.GetReference(weights.Slice(Math.Min(i0, width - 1) * dimension, dimension));
        ref double w1 = ref MemoryMarshal.GetReference(weights.Slice(Math.Min(i0 + 1, width - 1) * dimension, dimension));
        ref double w2 = ref MemoryMarshal.GetReference(weights.Slice(Math.Min(i0 + 2, width - 1) * dimension, dimension));
        ref double w3 = ref MemoryMarshal.GetReference(weights.Slice(Math.Min(i0 + 3, width - 1) * dimension, dimension));
        TL tau0 = TL.Create(tau[0] * tau[0]), tau1 = TL.Create(tau[1] * tau[1]);
        bool isotropic = informative == dimension;
        int g = first;
        for (; g < groups; g += 2)
        {
            // When the count of groups is odd the last pair is that group twice (the same values stored twice).
            int h = Math.Min(g + 1, groups - 1);
            // Two blocks of coordinates (the first s0, then the rest), each with its own eight chains; the first
            // block's are kept in x, the second's end in y.
            TL zero = TL.Create(0.0), xa0 = zero, xa1 = zero, xa2 = zero, xa3 = zero, xb0 = zero, xb1 = zero, xb2 = zero, xb3 = zero;
            TL ya0 = zero, ya1 = zero, ya2 = zero, ya3 = zero, yb0 = zero, yb1 = zero, yb2 = zero, yb3 = zero;
            int atA = (g * Lanes) + lane, atB = (h * Lanes) + lane;
            ref double colA = ref Unsafe.Add(ref wt, (g * dimension * Lanes) + lane);
            ref double colB = ref Unsafe.Add(ref wt, (h * dimension * Lanes) + lane);
            for (int block = 0, k = 0; block < 2; block++)
            {
                if (block == 1)
                {
                    (xa0, xa1, xa2, xa3, xb0, xb1, xb2, xb3) = (ya0, ya1, ya2, ya3, yb0, yb1, yb2, yb3);
                    (ya0, ya1, ya2, ya3, yb0, yb1, yb2, yb3) = (zero, zero, zero, zero, zero, zero, zero, zero);
                }

                for (int end = block == 0 ? informative : dimension; k < end; k++, colA = ref Unsafe.Add(ref colA, Lanes), colB = ref Unsafe.Add(ref colB, Lanes))
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

            if (isotropic)
            {
                StoreCorrelations(xa0, i0, width, 0, inverse0, output0, padded, atA);
                StoreCorrelations(xa1, i0, width, 1, inverse0, output0, padded, atA);
                StoreCorrelations(xa2, i0, width, 2, inverse0, output0, padded, atA);
                StoreCorrelations(xa3, i0, width, 3, inverse0, output0, padded, atA);
                StoreCorrelations(xb0, i0, width, 0, inverse0, output0, padded, atB);
                StoreCorrelations(xb1, i0, width, 1, inverse0, output0, padded, atB);
                StoreCorrelations(xb2, i0, width, 2, inverse0, output0, padded, atB);
                StoreCorrelations(xb3, i0, width, 3, inverse0, output0, padded, atB);
                continue;
            }

            StoreClassCorrelations(xa0, ya0, tau0, tau1, i0, width, 0, inverse0, inverse1, output0, output1, padded, atA);
            StoreClassCorrelations(xa1, ya1, tau0, tau1, i0, width, 1, inverse0, inverse1, output0, output1, padded, atA);
            StoreClassCorrelations(xa2, ya2, tau0, tau1, i0, width, 2, inverse0, inverse1, output0, output1, padded, atA);
            StoreClassCorrelations(xa3, ya3, tau0, tau1, i0, width, 3, inverse0, inverse1, output0, output1, padded, atA);
            StoreClassCorrelations(xb0, yb0, tau0, tau1, i0, width, 0, inverse0, inverse1, output0, output1, padded, atB);
            StoreClassCorrelations(xb1, yb1, tau0, tau1, i0, width, 1, inverse0, inverse1, output0, output1, padded, atB);
            StoreClassCorrelations(xb2, yb2, tau0, tau1, i0, width, 2, inverse0, inverse1, output0, output1, padded, atB);
            StoreClassCorrelations(xb3, yb3, tau0, tau1, i0, width, 3, inverse0, inverse1, output0, output1, padded, atB);
        }
    }

    // Row i0 + r's correlations with one group from their inner products: clamp((dot · 1/r_i) · 1/r_j), stored at
    // r·padded + at.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreCorrelations<TL>(TL dot, int i0, int width, int r, double[] inverse, double[] output, int padded, int at)
        where TL : struct, IPairLanes<TL> =>
        TL.Store(TL.ClampUnit(TL.Multiply(TL.Multiply(dot, TL.Create(inverse[Math.Min(i0 + r, width - 1)])), TL.Load(ref inverse[at]))), ref output[(r * padded) + at]);

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
    // eight consecutive α_n(a_sj) (Alpha) and √T_sj(n) (Tail), zero past the
    // last neuron; a group's series reads consecutive memory. Also each neuron's scales, mean α_0 and second
    // moment, and per class the correlation Safe at or below which every pair passes the feasibility test.
    // Its arrays (the two large ones and the scan table) and the loop's scratch come from a workspace (Workspace:
    // reused, every element the loop reads is written first).
    private sealed class GroupTables
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public GroupTables(RampGaussian gauss, double[][] scales, double[]? norms, int maxOrder, double tolerance, Workspace work)
        {
            int width = scales[0].Length;
            Groups = (width + Lanes - 1) / Lanes;
            Stride = maxOrder + 1;
            Norms = norms;
            Scale = scales;
            Work = work;
            work.EnsureTables(Groups * Stride * 2 * Lanes);
            Alpha = work.Alpha;
            Tail = work.Tail;
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
                    // and a sum per order, as one neuron at a time would) and √T at every order.
                    Vector512<double> second = Vector512.Create<double>(second8), partial = Vector512<double>.Zero;
                    int at = Index(g, 0, s, Stride);
                    for (int n = 0; n < Stride; n++, at += 2 * Lanes)
                    {
                        Vector512<double> a = Vector512.LoadUnsafe(ref Alpha[at]);
                        partial += a * a;
                        Vector512.Sqrt(Vector512.Max(second - partial, Vector512<double>.Zero) + (Vector512.Create(4.0 * (n + 2) * 2.3e-16) * second)).StoreUnsafe(ref Tail[at]);
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

            // The scan table of the row pairs' stopping order (SeriesTwoRows): per group the largest √T over its
            // lanes and classes at each order, padded with +∞ to ScanStride (the rows' own: RowScanTables).
            ScanStride = ScanLength(Stride);
            work.EnsureScan(Groups * ScanStride);
            GroupMax = work.GroupMax;
            for (int g = 0; g < Groups; g++)
            {
                for (int n = 0; n < Stride; n++)
                {
                    Vector512<double> lanes = ClassMax(ref Tail[Index(g, n, 0, Stride)]);
                    GroupMax[(g * ScanStride) + n] = HalfLanes256.MaxLane(new HalfLanes256(Vector256.MaxNative(lanes.GetLower(), lanes.GetUpper())));
                }

                for (int n = Stride; n < ScanStride; n++)
                {
                    GroupMax[(g * ScanStride) + n] = double.PositiveInfinity;
                }
            }
        }

        public int Groups { get; }

        public int Stride { get; }

        public Workspace Work { get; }

        public double[] Alpha { get; }

        public double[] Tail { get; }

        // Orders per row or group in the scan tables (ScanLength of Stride).
        public int ScanStride { get; }

        // Per group g, at (g · ScanStride + n): the largest √T(n) of its lanes and classes; +∞ past the highest order.
        public double[] GroupMax { get; }

        public double[]? Norms { get; }

        public double[][] Scale { get; }

        public double[][] Mean { get; } = new double[2][];

        public double[][] Second { get; } = new double[2][];

        public double[] Safe { get; } = new double[2];

        // Where group g's eight values of order n and class s start.
        public static int Index(int g, int n, int s, int stride) => ((((g * stride) + n) * 2) + s) * Lanes;
    }

    // The per-evaluation arrays of the pair loop: the scratch of its rows (the transposed weights, inverse scales,
    // correlations and lane buffers) and the group tables' two large arrays. An evaluation rents one from a pool
    // shared by all threads and returns it: the arrays grow to the largest shape seen and are reused, so an
    // evaluation allocates and first-touches them only when it is the widest so far or more evaluations than ever
    // run at once (a pool per thread would allocate them again on every new thread-pool thread that runs a point).
    // Every element an evaluation reads is written by it first, so reuse does not change its bits.
    internal sealed class Workspace
    {
        private static readonly ConcurrentBag<Workspace> s_pool = [];

        public double[] Alpha { get; private set; } = [];

        public double[] Tail { get; private set; } = [];

        public double[] GroupMax { get; private set; } = [];

        public GroupScratch? Scratch { get; set; }

        // A workspace from the pool, or a new one; fresh: always a new one (tests).
        public static Workspace Rent(bool fresh = false) => !fresh && s_pool.TryTake(out Workspace? work) ? work : new Workspace();

        public static void Return(Workspace work) => s_pool.Add(work);

        public void EnsureTables(int length)
        {
            if (Alpha.Length < length)
            {
                Alpha = new double[length];
                Tail = new double[length];
            }
        }

        public void EnsureScan(int groups)
        {
            if (GroupMax.Length < groups)
            {
                GroupMax = new double[groups];
            }
        }
    }

    // The rows' scratch of a workspace.
    internal sealed class GroupScratch
    {
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
            PendingSum = new double[padded];
            PendingBound = new double[padded];
            PendingOrder = new int[padded / Lanes];
            PendingValid = new bool[padded / Lanes];
            RowMax = new double[Lanes * ScanLength(stride)];
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

        // Row i + 1's results for the groups it ran with row i (lane sums and bounds, the classes added; its
        // stopping order; whether group g has them).
        public double[] PendingSum { get; }

        public double[] PendingBound { get; }

        public int[] PendingOrder { get; }

        public bool[] PendingValid { get; }

        // The scan tables of the rows of one group (RowScanTables).
        public double[] RowMax { get; }

        public static GroupScratch For(Workspace work, int padded, int dimension, int stride)
        {
            GroupScratch? s = work.Scratch;
            if (s is null || s.Padded < padded || s.Padded * s.Dimension < padded * dimension || s.Stride < stride)
            {
                s = new GroupScratch(Math.Max(padded, s?.Padded ?? 0), Math.Max(dimension, s?.Dimension ?? 0), Math.Max(stride, s?.Stride ?? 0));
                work.Scratch = s;
            }

            return s;
        }
    }
}
