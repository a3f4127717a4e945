using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Kernels;

/// <summary>
/// The float first-layer layout with odd rows rotated by their last 8 elements (<see cref="PairedRows"/>):
/// its passes give exactly the bits of the row-major kernels, for every row length it applies to, any
/// split of the rows (odd starts and ends, several blocks of the fused pass, groups of eight and left-over
/// rows), with and without shrink, and with written rows scattered or none.
/// </summary>
public sealed class PairedRowsTests
{
    public static TheoryData<int> Columns() => [24, 40, 56, 72];

    [Fact]
    public void TheLayoutAppliesOnlyToRowsOf16bPlus8FloatsAt512Bits()
    {
        Assert.False(PairedRows.Applies(40, SimdWidth.Vector256));
        Assert.False(PairedRows.Applies(40, SimdWidth.Scalar));
        foreach (int cols in new[] { 8, 16, 32, 39, 41, 88, 100 })
        {
            Assert.False(PairedRows.Applies(cols, SimdWidth.Vector512));
        }

        Assert.Equal(Simd.IsSupported(SimdWidth.Vector512) && System.Runtime.Intrinsics.X86.Avx512F.IsSupported, PairedRows.Applies(40, SimdWidth.Vector512));
    }

    [Theory]
    [MemberData(nameof(Columns))]
    public void PackStoresOddRowsWithTheirLastEightElementsFirstAndPositionFindsEveryElement(int cols)
    {
        const int rows = 5;
        float[] m = [.. Enumerable.Range(0, rows * cols).Select(v => (float)v)];
        float[] packed = (float[])m.Clone();

        PairedRows.Pack(packed, rows, cols);

        Assert.Equal(m.AsSpan(0, cols).ToArray(), packed.AsSpan(0, cols).ToArray());
        Assert.Equal(m.AsSpan((2 * cols) - 8, 8).ToArray(), packed.AsSpan(cols, 8).ToArray());
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                Assert.Equal(m[(i * cols) + j], packed[(i * cols) + PairedRows.Position(i, j, cols)]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Columns))]
    public void ThePassesGiveTheBitsOfTheRowMajorKernels(int cols)
    {
        if (!PairedRows.Applies(cols, SimdWidth.Vector512))
        {
            return; // no AVX-512 here: the layout is never used, and the row-major kernels are tested apart
        }

        // 603 rows: two full blocks of the fused pass (256 rows), then groups of eight, then left-over rows.
        const int rows = 603;
        var rng = new Xoshiro256((ulong)(cols * 41));
        float[] m = Floats(ref rng, rows * cols), x = Floats(ref rng, cols), next = Floats(ref rng, cols), bias = Floats(ref rng, rows);
        float[] scattered = Floats(ref rng, rows);
        for (int i = 0; i < rows; i++)
        {
            scattered[i] = rng.NextDouble() < 0.1 ? scattered[i] : 0f; // about 10% written, as the ramp's rows
        }

        foreach (float[] coef in new[] { scattered, new float[rows] })
        {
            foreach (float shrink in new[] { 1f, 0.99f })
            {
                foreach ((int first, int end) in new[] { (0, rows), (1, rows), (0, 602), (3, 300), (5, 12), (7, 8) })
                {
                    float[] rowMajor = (float[])m.Clone(), paired = Packed(m, rows, cols);
                    float[] uRowMajor = new float[rows], uPaired = new float[rows];
                    RowKernels.UpdateForward<float>(rowMajor, cols, first, end, x, coef, -0.7f, shrink, next, 0.5f, bias, uRowMajor, SimdWidth.Scalar);
                    PairedRows.UpdateForward(paired, cols, first, end, x, coef, -0.7f, shrink, next, 0.5f, bias, uPaired);
                    Assert.Equal(uRowMajor, uPaired);
                    Assert.Equal(rowMajor, Unpacked(paired, rows, cols));

                    PairedRows.Update(paired, cols, first, end, next, coef, 0.3f, shrink);
                    RowKernels.Update<float>(rowMajor, cols, first, end, next, coef, 0.3f, shrink, SimdWidth.Vector512);
                    Assert.Equal(rowMajor, Unpacked(paired, rows, cols));

                    PairedRows.Forward(paired, cols, first, end, x, 2f, bias, uPaired);
                    RowKernels.Forward<float>(rowMajor, cols, first, end, x, 2f, bias, uRowMajor, SimdWidth.Vector512);
                    Assert.Equal(uRowMajor, uPaired);
                }
            }
        }
    }

    private static float[] Packed(float[] m, int rows, int cols)
    {
        float[] packed = (float[])m.Clone();
        PairedRows.Pack(packed, rows, cols);
        return packed;
    }

    private static float[] Unpacked(float[] packed, int rows, int cols)
    {
        float[] m = new float[packed.Length];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++)
            {
                m[(i * cols) + j] = packed[(i * cols) + PairedRows.Position(i, j, cols)];
            }
        }

        return m;
    }

    private static float[] Floats(ref Xoshiro256 rng, int n)
    {
        float[] v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)rng.NextGaussian();
        }

        return v;
    }
}
