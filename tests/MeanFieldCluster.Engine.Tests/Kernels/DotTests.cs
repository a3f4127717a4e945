using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Kernels;

public sealed class DotTests
{
    public static TheoryData<SimdWidth> Widths()
    {
        var data = new TheoryData<SimdWidth>();
        foreach (SimdWidth width in Simd.Supported)
        {
            data.Add(width);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryWidthGivesTheBitsOfTheScalarLaneEmulationForEveryLengthInDouble(SimdWidth width)
    {
        var rng = new Xoshiro256(11);
        for (int n = 0; n <= 70; n++)
        {
            double[] a = Gaussians(ref rng, n), b = Gaussians(ref rng, n);
            Assert.Equal(Dot.Compute<double>(a, b, SimdWidth.Scalar), Dot.Compute<double>(a, b, width));
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void EveryWidthGivesTheBitsOfTheScalarLaneEmulationForEveryLengthInFloat(SimdWidth width)
    {
        var rng = new Xoshiro256(12);
        for (int n = 0; n <= 70; n++)
        {
            float[] a = [.. Gaussians(ref rng, n).Select(v => (float)v)], b = [.. Gaussians(ref rng, n).Select(v => (float)v)];
            Assert.Equal(Dot.Compute<float>(a, b, SimdWidth.Scalar), Dot.Compute<float>(a, b, width));
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void TheInnerProductIsCorrectToRoundingForEveryLength(SimdWidth width)
    {
        var rng = new Xoshiro256(13);
        for (int n = 0; n <= 70; n++)
        {
            double[] a = Gaussians(ref rng, n), b = Gaussians(ref rng, n);
            decimal exact = 0;
            double magnitude = 0;
            for (int j = 0; j < n; j++)
            {
                exact += (decimal)a[j] * (decimal)b[j];
                magnitude += Math.Abs(a[j] * b[j]);
            }

            Assert.True(Math.Abs(Dot.Compute<double>(a, b, width) - (double)exact) <= 1e-14 * (magnitude + 1e-300), $"n = {n}");
            float single = Dot.Compute<float>([.. a.Select(v => (float)v)], [.. b.Select(v => (float)v)], width);
            Assert.True(Math.Abs(single - (double)exact) <= 1e-5 * (magnitude + 1e-30), $"float, n = {n}");
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void LaneHalvesAreAddedBeforeNeighboursSoCancellationFollowsTheDocumentedOrder(SimdWidth width)
    {
        // Lanes 0 and 4 (doubles) cancel when the 8 lanes are halved, before lane 1 joins: the result is 1.
        // A left-to-right sum would give 0 (1e16 + 1 rounds back to 1e16).
        double[] a = [1e16, 1, 0, 0, -1e16, 0, 0, 0];
        Assert.Equal(1.0, Dot.Compute<double>(a, [1, 1, 1, 1, 1, 1, 1, 1], width));

        // The same with 16 float lanes: lanes 0 and 8 cancel first.
        float[] f = new float[16];
        (f[0], f[1], f[8]) = (1e8f, 1f, -1e8f);
        Assert.Equal(1f, Dot.Compute<float>(f, [.. Enumerable.Repeat(1f, 16)], width));
    }

    private static double[] Gaussians(ref Xoshiro256 rng, int n)
    {
        var v = new double[n];
        rng.FillGaussian(v);
        return v;
    }
}
