using System.Numerics;
using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Kernels;

// The four-row kernels of the deep networks' inner matrices against the one-row scalar code (the reference
// every width must equal): every row length 1..40 (every remainder of 8 doubles and 16 floats, with and
// without whole blocks), 15 rows (three groups of four and three rows left), groups with a row that is not
// written or not accumulated, with and without shrink, at every width (docs/performance.md, "Deep networks").
public sealed class InnerLayerKernelTests
{
    private const int Rows = 15;

    [Theory]
    [MemberData(nameof(DotTests.Widths), MemberType = typeof(DotTests))]
    public void TheFusedUpdateAndForwardGivesTheBitsOfTheOneRowScalarCode(SimdWidth width)
    {
        for (int cols = 1; cols <= 40; cols++)
        {
            UpdateForwardMatches<double>(cols, width);
            UpdateForwardMatches<float>(cols, width);
        }
    }

    [Theory]
    [MemberData(nameof(DotTests.Widths), MemberType = typeof(DotTests))]
    public void TheFourRowColumnSumsGiveTheBitsOfTheOneRowScalarCode(SimdWidth width)
    {
        for (int cols = 1; cols <= 40; cols++)
        {
            AccumulateMatches<double>(cols, width);
            AccumulateMatches<float>(cols, width);
        }
    }

    private static void UpdateForwardMatches<T>(int cols, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Xoshiro256((ulong)(cols * 41));
        T[] m = Gaussians<T>(ref rng, Rows * cols), x = Gaussians<T>(ref rng, cols), next = Gaussians<T>(ref rng, cols);
        T[] coef = Gaussians<T>(ref rng, Rows), bias = Gaussians<T>(ref rng, Rows);
        coef[5] = T.Zero; // the second group has a row that is not written when shrink is 1
        foreach (T shrink in new[] { T.One, T.CreateChecked(0.99) })
        {
            foreach ((int first, int end) in new[] { (0, Rows), (2, 13) })
            {
                T[] ours = (T[])m.Clone(), reference = (T[])m.Clone();
                T[] u = new T[Rows], uReference = new T[Rows];
                T scale = T.CreateChecked(-0.3), s = T.CreateChecked(0.7);

                InnerLayerKernels.UpdateForward<T>(ours, cols, first, end, x, coef, scale, shrink, next, s, bias, u, width);
                RowKernels.UpdateForward<T>(reference, cols, first, end, x, coef, scale, shrink, next, s, bias, uReference, SimdWidth.Scalar);

                Assert.Equal(reference, ours);
                Assert.Equal(uReference, u);
            }
        }
    }

    private static void AccumulateMatches<T>(int cols, SimdWidth width)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var rng = new Xoshiro256((ulong)(cols * 43));
        T[] m = Gaussians<T>(ref rng, Rows * cols), coef = Gaussians<T>(ref rng, Rows), start = Gaussians<T>(ref rng, cols);
        coef[9] = T.Zero; // a skipped row in the third group
        foreach ((int first, int end) in new[] { (0, Rows), (3, 12) })
        {
            T[] ours = (T[])start.Clone(), reference = (T[])start.Clone();

            InnerLayerKernels.AccumulateRows<T>(m, cols, first, end, coef, ours, width);
            RowKernels.AccumulateRows<T>(m.AsSpan(first * cols, (end - first) * cols), cols, end - first, coef.AsSpan(first, end - first), reference, SimdWidth.Scalar);

            Assert.Equal(reference, ours);
        }
    }

    private static T[] Gaussians<T>(ref Xoshiro256 rng, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var values = new T[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = T.CreateChecked(rng.NextGaussian());
        }

        return values;
    }
}
