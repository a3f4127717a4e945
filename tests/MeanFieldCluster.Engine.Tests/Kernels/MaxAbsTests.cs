using MeanFieldCluster.Engine.Kernels;

namespace MeanFieldCluster.Engine.Tests.Kernels;

public sealed class MaxAbsTests
{
    // The definition, one element at a time.
    private static double Reference(IEnumerable<double> values)
    {
        double max = 0;
        foreach (double v in values)
        {
            if (double.IsNaN(v))
            {
                return double.NaN;
            }

            max = Math.Max(max, Math.Abs(v));
        }

        return max;
    }

    [Fact]
    public void EveryLengthGivesTheLargestMagnitudeWhereverItSitsAndWhateverItsSign()
    {
        for (int n = 0; n <= 40; n++)
        {
            double[] values = TestRandom.Gaussians((ulong)(100 + n), n);
            Assert.Equal(Reference(values), MaxAbs.Of<double>(values));
            Assert.Equal(Reference(values.Select(v => (double)(float)v)), MaxAbs.Of<float>([.. values.Select(v => (float)v)]));
            for (int at = 0; at < n; at++)
            {
                // A negative extreme in the vector part and in the scalar rest alike.
                double[] spiked = (double[])values.Clone();
                spiked[at] = -1e3 - at;
                Assert.Equal(1e3 + at, MaxAbs.Of<double>(spiked));
                Assert.Equal((float)(1e3 + at), MaxAbs.Of<float>([.. spiked.Select(v => (float)v)]));
            }
        }
    }

    [Fact]
    public void ANaNAnywhereGivesNaNAndAnInfiniteElementGivesInfinity()
    {
        for (int n = 1; n <= 40; n++)
        {
            for (int at = 0; at < n; at++)
            {
                double[] values = TestRandom.Gaussians((ulong)(200 + n), n);
                values[at] = double.NegativeInfinity;
                Assert.Equal(double.PositiveInfinity, MaxAbs.Of<double>(values));
                Assert.Equal(double.PositiveInfinity, MaxAbs.Of<float>([.. values.Select(v => (float)v)]));

                // NaN wins over an infinite element too, before or after it.
                values[(at + 1) % n] = double.NaN;
                Assert.True(double.IsNaN(MaxAbs.Of<double>(values)));
                Assert.True(double.IsNaN(MaxAbs.Of<float>([.. values.Select(v => (float)v)])));
            }
        }
    }

    [Fact]
    public void AnEmptySpanGivesZero() => Assert.Equal(0.0, MaxAbs.Of<double>([]));
}
