using MeanFieldCluster.Engine.Activations;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Engine.Tests.Kernels;

public sealed class RowKernelTests
{
    public static TheoryData<SimdWidth, int> WidthsAndColumns()
    {
        var data = new TheoryData<SimdWidth, int>();
        foreach (SimdWidth width in Simd.Supported)
        {
            foreach (int cols in new[] { 1, 5, 7, 8, 13, 14, 30, 40, 100 })
            {
                data.Add(width, cols);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsAndColumns))]
    public void TheFusedPassGivesTheBitsOfUpdateThenForward(SimdWidth width, int cols)
    {
        const int rows = 37;
        var rng = new Xoshiro256((ulong)(cols * 31));
        double[] m = Gaussians(ref rng, rows * cols), x = Gaussians(ref rng, cols), next = Gaussians(ref rng, cols);
        double[] coef = Gaussians(ref rng, rows), bias = Gaussians(ref rng, rows);
        foreach (int row in new[] { 3, 5, 6, 8, 9, 10, 11, 36 })
        {
            coef[row] = 0; // rows that are not written when shrink is 1 (groups of four with every mix)
        }

        foreach (double shrink in new[] { 1.0, 0.99 })
        {
            double[] fused = (double[])m.Clone(), split = (double[])m.Clone();
            double[] uFused = new double[rows], uSplit = new double[rows];

            RowKernels.UpdateForward<double>(fused, cols, 0, rows, x, coef, 0.3, shrink, next, 0.5, bias, uFused, width);
            RowKernels.Update<double>(split, cols, 0, 20, x, coef, 0.3, shrink, width);
            RowKernels.Update<double>(split, cols, 20, rows, x, coef, 0.3, shrink, width);
            RowKernels.Forward<double>(split, cols, 1, rows, next, 0.5, bias, uSplit, width);
            RowKernels.Forward<double>(split, cols, 0, 1, next, 0.5, bias, uSplit, width);

            Assert.Equal(split, fused);
            Assert.Equal(uSplit, uFused);
            if (shrink == 1)
            {
                Assert.Equal(m.AsSpan(3 * cols, cols).ToArray(), fused.AsSpan(3 * cols, cols).ToArray());
            }
        }
    }

    [Theory]
    [MemberData(nameof(WidthsAndColumns))]
    public void EveryWidthGivesTheBitsOfScalarCode(SimdWidth width, int cols)
    {
        const int rows = 19;
        var rng = new Xoshiro256((ulong)(cols * 37));
        float[] m = [.. Gaussians(ref rng, rows * cols).Select(v => (float)v)];
        float[] x = [.. Gaussians(ref rng, cols).Select(v => (float)v)], next = [.. Gaussians(ref rng, cols).Select(v => (float)v)];
        float[] coef = [.. Gaussians(ref rng, rows).Select((v, i) => i % 3 == 1 ? 0f : (float)v)], bias = [.. Gaussians(ref rng, rows).Select(v => (float)v)];
        float[] vector = (float[])m.Clone(), scalar = (float[])m.Clone();
        float[] uVector = new float[rows], uScalar = new float[rows];

        RowKernels.UpdateForward<float>(vector, cols, 0, rows, x, coef, -0.7f, 1f, next, 1f, bias, uVector, width);
        RowKernels.UpdateForward<float>(scalar, cols, 0, rows, x, coef, -0.7f, 1f, next, 1f, bias, uScalar, SimdWidth.Scalar);

        Assert.Equal(scalar, vector);
        Assert.Equal(uScalar, uVector);
    }

    [Fact]
    public void TheUpdateIsShrinkTimesRowPlusScaledCoefficientTimesInputAndTheForwardIsTheScaledInnerProductPlusBias()
    {
        double[] m = [1, 2, 3, 4, 5, 6];
        double[] u = new double[2];

        RowKernels.UpdateForward<double>(m, 3, 0, 2, [1, 0, -1], [2, 0], 0.5, 0.9, [1, 1, 1], 3, [10, 20], u, Simd.Best);

        // row 0: 0.9·(1,2,3) + (0.5·2)·(1,0,-1) = (1.9, 1.8, 1.7); row 1: k = 0 but shrink ≠ 1: 0.9·(4,5,6).
        double[] expected = [1.9, 1.8, 1.7, 3.6, 4.5, 5.4];
        for (int j = 0; j < 6; j++)
        {
            Assert.Equal(expected[j], m[j], 14);
        }

        Assert.Equal((3 * 5.4) + 10, u[0], 12);
        Assert.Equal((3 * 13.5) + 20, u[1], 12);
    }

    public static TheoryData<SimdWidth, int, double> WidthsColumnsAndShrinks()
    {
        var data = new TheoryData<SimdWidth, int, double>();
        foreach (SimdWidth width in Simd.Supported)
        {
            foreach (int cols in new[] { 7, 40, 100 })
            {
                data.Add(width, cols, 1.0);
                data.Add(width, cols, 0.99);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsColumnsAndShrinks))]
    public void AFusedPassOverManyRowsWithFewScatteredWrittenRowsGivesTheScalarBitsOfUpdateThenForwardInDouble(SimdWidth width, int cols, double shrink) =>
        AssertFusedManyRows<double>(width, cols, shrink);

    [Theory]
    [MemberData(nameof(WidthsColumnsAndShrinks))]
    public void AFusedPassOverManyRowsWithFewScatteredWrittenRowsGivesTheScalarBitsOfUpdateThenForwardInFloat(SimdWidth width, int cols, double shrink) =>
        AssertFusedManyRows<float>(width, cols, shrink);

    // The fused pass over many rows equals update-then-forward; with no shrink, a row not written (row 3) is untouched.
    private static void AssertFusedManyRows<T>(SimdWidth width, int cols, double shrink, int rows = 1203)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        (T[] original, T[] fused, T[] split, T[] uFused, T[] uSplit) = ManyRows<T>(width, cols, shrink, rows);

        Assert.Equal(split, fused);
        Assert.Equal(uSplit, uFused);
        Assert.NotEqual(original, fused);
        if (shrink == 1)
        {
            Assert.Equal(original.AsSpan(3 * cols, cols).ToArray(), fused.AsSpan(3 * cols, cols).ToArray());
        }
    }

    // Rows of 1 to 8 whole 512-bit blocks (8 to 64 doubles, 16 to 128 floats) take the 512-bit pass's code for
    // each block count (x held in registers, in the inner products and in the update of the listed rows): the
    // scalar bits at every count, with and without shrinking.
    public static TheoryData<SimdWidth, int, double> WidthsWholeBlocksAndShrinks()
    {
        var data = new TheoryData<SimdWidth, int, double>();
        foreach (SimdWidth width in Simd.Supported)
        {
            for (int blocks = 1; blocks <= 8; blocks++)
            {
                data.Add(width, blocks, 1.0);
                data.Add(width, blocks, 0.99);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(WidthsWholeBlocksAndShrinks))]
    public void AFusedPassOverRowsOfEveryCountOfWhole512BitBlocksGivesTheScalarBitsOfUpdateThenForward(SimdWidth width, int blocks, double shrink)
    {
        AssertFusedManyRows<double>(width, 8 * blocks, shrink, 301);
        AssertFusedManyRows<float>(width, 16 * blocks, shrink, 301);
    }

    // Below RowKernels.UpdateFirstBytes the 512-bit pass runs blocks of UpdateFirstBlock rows: two whole blocks
    // and a partial one (rows of 7 and 8 elements: 246 KB and 281 KB in double), the scalar bits.
    [Theory]
    [MemberData(nameof(WidthsAndShrinks))]
    public void AFusedPassOverSeveralBlocksOfTheUpdateFirstOrderGivesTheScalarBitsOfUpdateThenForward(SimdWidth width, double shrink)
    {
        int rows = (2 * RowKernels.UpdateFirstBlock) + 301;
        foreach (int cols in new[] { 7, 8 })
        {
            Assert.True((long)rows * cols * sizeof(double) <= RowKernels.UpdateFirstBytes);
            AssertFusedManyRows<double>(width, cols, shrink, rows);
            AssertFusedManyRows<float>(width, cols, shrink, rows);
        }
    }

    public static TheoryData<SimdWidth, double> WidthsAndShrinks()
    {
        var data = new TheoryData<SimdWidth, double>();
        foreach (SimdWidth width in Simd.Supported)
        {
            data.Add(width, 1.0);
            data.Add(width, 0.99);
        }

        return data;
    }

    // Past RowKernels.UpdateFirstBytes the pass takes the blocks' inner products first and then recomputes the
    // written rows' (below it, as in the tests above, it updates the listed rows first): both orders give the
    // scalar bits. 1203 rows beyond the threshold, so several blocks and a remainder of rows.
    [Theory]
    [MemberData(nameof(WidthsColumnsAndShrinks))]
    public void AFusedPassOverMoreRowsThanTheUpdateFirstSizeGivesTheScalarBitsOfUpdateThenForward(SimdWidth width, int cols, double shrink)
    {
        int rowsOfDouble = (int)(RowKernels.UpdateFirstBytes / (cols * sizeof(double))) + 1203;
        int rowsOfFloat = (int)(RowKernels.UpdateFirstBytes / (cols * sizeof(float))) + 1203;
        Assert.True((long)rowsOfDouble * cols * sizeof(double) > RowKernels.UpdateFirstBytes);
        Assert.True((long)rowsOfFloat * cols * sizeof(float) > RowKernels.UpdateFirstBytes);

        AssertFusedManyRows<double>(width, cols, shrink, rowsOfDouble);
        AssertFusedManyRows<float>(width, cols, shrink, rowsOfFloat);
    }

    [Fact]
    public void TheForwardPassAtEveryWidthGivesTheScalarBitsForEveryRowLengthUpToAHundredAndTwelveInDoubleAndFloat()
    {
        const int rows = 27; // groups of eight, one of four, then single rows
        var rng = new Xoshiro256(77);
        for (int cols = 1; cols <= 112; cols++)
        {
            double[] m = Gaussians(ref rng, rows * cols), x = Gaussians(ref rng, cols), bias = Gaussians(ref rng, rows);
            float[] mf = Cast<float>(m), xf = Cast<float>(x), biasf = Cast<float>(bias);
            double[] scalar = new double[rows];
            float[] scalarf = new float[rows];
            RowKernels.Forward<double>(m, cols, 0, rows, x, 0.7, bias, scalar, SimdWidth.Scalar);
            RowKernels.Forward<float>(mf, cols, 0, rows, xf, 0.7f, biasf, scalarf, SimdWidth.Scalar);
            foreach (SimdWidth width in Simd.Supported)
            {
                double[] u = new double[rows];
                float[] uf = new float[rows];
                RowKernels.Forward<double>(m, cols, 0, rows, x, 0.7, bias, u, width);
                RowKernels.Forward<float>(mf, cols, 0, rows, xf, 0.7f, biasf, uf, width);
                Assert.Equal(scalar, u);
                Assert.Equal(scalarf, uf);
            }
        }
    }

    [Theory]
    [MemberData(nameof(WidthsAndColumns))]
    public void TheListOfWrittenRowsHoldsExactlyTheRowsWithANonzeroCoefficientInOrder(SimdWidth width, int seed)
    {
        AssertWrittenRows<double>(width, seed);
        AssertWrittenRows<float>(width, seed);
    }

    // 256 rows (a block of the fused pass), then the first 252 of them: the first 64 hold each of the 16 mixes of written rows in a group of
    // four (group p written where p has a bit set), the rest are random, with +0, -0 and NaN coefficients and a
    // scale that underflows some products to zero. The listed rows are those with scale·coef ≠ 0 (NaN included),
    // in order; when shrinking, every row.
    private static void AssertWrittenRows<T>(SimdWidth width, int seed)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        const int count = RowKernels.Block;
        var rng = new Xoshiro256((ulong)(seed * 97));
        T[] coef = new T[count];
        for (int r = 0; r < count; r++)
        {
            double u = rng.NextDouble();
            coef[r] = u < 0.4 ? T.Zero : u < 0.5 ? T.NegativeZero : u < 0.52 ? T.NaN : u < 0.55 ? T.Epsilon : T.CreateChecked(rng.NextGaussian());
        }

        for (int r = 0; r < 64; r++)
        {
            coef[r] = ((r / 4) >> (r % 4) & 1) == 1 ? T.One : T.Zero;
        }

        T scale = seed % 2 == 0 ? T.CreateChecked(-0.3) : T.CreateChecked(0.25);
        int[] expected = [.. Enumerable.Range(0, count).Where(r => scale * coef[r] != T.Zero)];
        Assert.Contains(expected, r => T.IsNaN(coef[r]));
        Assert.Contains(coef, c => c == T.Epsilon); // its product with the scale underflows to +0 or -0: not written

        int[] list = new int[count];
        int written = RowKernels.WrittenRows(scale, false, ref coef[0], count, list, width);
        Assert.Equal(expected, list[..written]);

        Array.Clear(list);
        Assert.Equal(count, RowKernels.WrittenRows(scale, true, ref coef[0], count, list, width));
        Assert.Equal(Enumerable.Range(0, count), list);

        // 252 rows: the vector loops' remainders (sixteen, eight or four rows at a time) as well.
        const int shorter = count - 4;
        Array.Clear(list);
        written = RowKernels.WrittenRows(scale, false, ref coef[0], shorter, list, width);
        Assert.Equal(expected.Where(r => r < shorter), list[..written]);
    }

    [Fact]
    public void ARowWithZeroCoefficientAndNoShrinkIsNotWritten()
    {
        double[] m = [-0.0, 1, 2];
        RowKernels.Update<double>(m, 3, 0, 1, [1, 1, 1], [0], 5, 1, Simd.Best);
        Assert.True(double.IsNegative(m[0]));
    }

    [Theory]
    [MemberData(nameof(WidthsAndColumns))]
    public void AccumulatingRowsAddsTheTransposedProduct(SimdWidth width, int cols)
    {
        const int rows = 9;
        var rng = new Xoshiro256((ulong)cols);
        double[] m = Gaussians(ref rng, rows * cols), coef = Gaussians(ref rng, rows);
        double[] acc = Gaussians(ref rng, cols);
        double[] expected = (double[])acc.Clone();
        for (int j = 0; j < rows; j++)
        {
            for (int i = 0; i < cols; i++)
            {
                expected[i] += m[(j * cols) + i] * coef[j];
            }
        }

        RowKernels.AccumulateRows<double>(m, cols, rows, coef, acc, width);

        for (int i = 0; i < cols; i++)
        {
            Assert.Equal(expected[i], acc[i], 12);
        }
    }

    [Theory]
    [InlineData(ActivationKinds.Ramp)]
    [InlineData(ActivationKinds.Relu)]
    [InlineData(ActivationKinds.Identity)]
    [InlineData(ActivationKinds.Tanh)]
    [InlineData(ActivationKinds.Sigmoid)]
    [InlineData(ActivationKinds.Erf)]
    public void ActivationKernelsAgreeWithTheScalarActivationsAtEveryWidth(string kind)
    {
        var spec = new ActivationSpec(kind);
        Activation reference = Activation.Create(spec);
        var kernel = new ActivationKernel<double>(spec);
        double[] z = [.. Enumerable.Range(0, 53).Select(i => -3 + (i * 0.125)), 0.5, 1.5, 0.0, double.NaN];
        foreach (SimdWidth width in Simd.Supported)
        {
            double[] value = new double[z.Length], derivative = new double[z.Length];
            kernel.Apply(z, value, derivative, width);
            for (int i = 0; i < z.Length; i++)
            {
                if (double.IsNaN(z[i]))
                {
                    continue;
                }

                Assert.Equal(reference.Value(z[i]), value[i], 14);
                Assert.Equal(reference.Derivative(z[i]), derivative[i], 13);
            }
        }
    }

    [Theory]
    [InlineData(ActivationKinds.Ramp)]
    [InlineData(ActivationKinds.Relu)]
    [InlineData(ActivationKinds.Tanh)]
    public void TheOnePassOutputActivationGivesTheBitsOfActivationThenProductThenInnerProduct(string kind)
    {
        AssertOnePassOutput<float>(kind);
        AssertOnePassOutput<double>(kind);
    }

    private static void AssertOnePassOutput<T>(string kind)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var kernel = new ActivationKernel<T>(new ActivationSpec(kind));
        var rng = new Xoshiro256(21);
        T scale = T.CreateChecked(0.125);
        foreach (int n in new[] { 1, 7, 16, 33, 100, 803 })
        {
            T[] z = Cast<T>([.. Gaussians(ref rng, n).Select(v => v + 0.8)]), c = Cast<T>(Gaussians(ref rng, n));
            T[] value = new T[n], derivative = new T[n], delta = new T[n];
            T[] value2 = new T[n], derivative2 = new T[n], delta2 = new T[n];
            foreach (SimdWidth width in Simd.Supported)
            {
                T dot = kernel.ApplyOutput(z, value, derivative, c, scale, delta, width);

                kernel.Apply(z, value2, derivative2, SimdWidth.Scalar);
                RowKernels.MultiplyScaled<T>(c, derivative2, scale, delta2, SimdWidth.Scalar);
                Assert.Equal(Dot.Compute<T>(c, value2, SimdWidth.Scalar), dot);
                Assert.Equal(value2, value);
                Assert.Equal(delta2, delta);
            }
        }
    }

    // `rows` rows (1203: several blocks of the 512-bit pass and 3 rows after the last group of four), about 9% of
    // them written at random as for the ramp (all of them when shrinking), row 3 never written: the fused
    // pass at `width` (row 0, then the others), and the scalar Update then Forward. Returns both matrices, both
    // u, and the matrix before (row 3 must be unchanged when shrink is 1).
    private static (T[] Original, T[] Fused, T[] Split, T[] UFused, T[] USplit) ManyRows<T>(SimdWidth width, int cols, double shrink, int rows = 1203)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        var rng = new Xoshiro256((ulong)(cols * 41));
        T[] m = Cast<T>(Gaussians(ref rng, rows * cols)), x = Cast<T>(Gaussians(ref rng, cols)), next = Cast<T>(Gaussians(ref rng, cols));
        T[] bias = Cast<T>(Gaussians(ref rng, rows)), coef = new T[rows];
        for (int i = 0; i < rows; i++)
        {
            coef[i] = i != 3 && rng.NextDouble() < 0.09 ? T.CreateChecked(rng.NextGaussian()) : T.Zero;
        }

        T scale = T.CreateChecked(-0.3), s = T.CreateChecked(0.5), sh = T.CreateChecked(shrink);
        T[] fused = (T[])m.Clone(), split = (T[])m.Clone();
        T[] uFused = new T[rows], uSplit = new T[rows];

        RowKernels.UpdateForward<T>(fused, cols, 0, 1, x, coef, scale, sh, next, s, bias, uFused, width);
        RowKernels.UpdateForward<T>(fused, cols, 1, rows, x, coef, scale, sh, next, s, bias, uFused, width);
        RowKernels.Update<T>(split, cols, 0, rows, x, coef, scale, sh, SimdWidth.Scalar);
        RowKernels.Forward<T>(split, cols, 0, rows, next, s, bias, uSplit, SimdWidth.Scalar);
        return (m, fused, split, uFused, uSplit);
    }

    private static T[] Cast<T>(double[] values)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T> => [.. values.Select(T.CreateChecked)];

    private static double[] Gaussians(ref Xoshiro256 rng, int n)
    {
        var v = new double[n];
        rng.FillGaussian(v);
        return v;
    }
}
