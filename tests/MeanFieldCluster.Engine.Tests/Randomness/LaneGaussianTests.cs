using MeanFieldCluster.Engine.Kernels;
using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests.Randomness;

/// <summary>
/// The lane Gaussians of the batched large-deviation replicas (docs/large-deviations.md, "The replicas' random
/// numbers"): the same bits at every vector width, offset and stride; the logarithm and sine-cosine kernels
/// against <see cref="Math"/>; and the law of 10⁶ draws against N(0, 1), with tolerances from the statistics.
/// </summary>
public sealed class LaneGaussianTests
{
    private static readonly LaneStream Stream = LaneStream.For(RandomStreams.Key(17, RandomStreams.Purpose.Training, [5, 9]));

    [Fact]
    public void Every_width_offset_and_stride_gives_the_same_bits()
    {
        const int pairs = 45;
        var reference = new double[2 * pairs];
        LaneGaussians.Fill(Stream, 3, pairs, reference, 1, SimdWidth.Scalar);
        foreach (SimdWidth width in Simd.Supported)
        {
            foreach (int stride in new[] { 1, 3 })
            {
                // Any sub-range of pairs, written at a stride, has the bits of the same Gaussians in the long fill.
                foreach ((int from, int count) in new[] { (0, pairs), (1, 17), (7, 8), (13, 1), (20, 25) })
                {
                    var strided = new double[(2 * count * stride) + 1];
                    LaneGaussians.Fill(Stream, 3 + from, count, strided, stride, width);
                    for (int g = 0; g < 2 * count; g++)
                    {
                        Assert.Equal(BitConverter.DoubleToInt64Bits(reference[(2 * from) + g]), BitConverter.DoubleToInt64Bits(strided[g * stride]));
                    }
                }
            }
        }

        Assert.Equal(BitConverter.DoubleToInt64Bits(reference[11]), BitConverter.DoubleToInt64Bits(LaneGaussians.At(Stream, 6 + 11)));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(12)]
    [InlineData(4)]
    [InlineData(3)]
    public void Streams_filled_across_lanes_have_each_streams_bits(int lanes)
    {
        // Lane r of the interleaved fill is stream r's own sequence, at every width (16 lanes: two groups of eight; 12: eight and four).
        LaneStream[] streams = [.. Enumerable.Range(0, lanes).Select(r => LaneStream.For(RandomStreams.Key(17, RandomStreams.Purpose.Training, [5, (ulong)r])))];
        ulong[] seeds = [.. streams.Select(s => s.Seed)], gammas = [.. streams.Select(s => s.Gamma)];
        const int pairs = 9, first = 4;
        foreach (SimdWidth width in Simd.Supported)
        {
            var interleaved = new double[2 * pairs * lanes];
            LaneGaussians.FillLanes(seeds, gammas, first, pairs, interleaved, width);
            for (int r = 0; r < lanes; r++)
            {
                var own = new double[2 * pairs];
                LaneGaussians.Fill(streams[r], first, pairs, own, 1, SimdWidth.Scalar);
                for (int g = 0; g < 2 * pairs; g++)
                {
                    Assert.Equal(BitConverter.DoubleToInt64Bits(own[g]), BitConverter.DoubleToInt64Bits(interleaved[(g * lanes) + r]));
                }
            }
        }
    }

    [Fact]
    public void The_logarithm_is_within_one_ulp_of_Math_Log_on_the_unit_interval()
    {
        var rng = new Xoshiro256(4);
        double worst = 0;
        for (int i = 0; i < 200_000; i++)
        {
            // Every exponent of (0, 1] the Gaussians use (u₁ ≥ 2⁻⁵²), the boundaries near √2/2, and 1.
            double x = i switch
            {
                0 => 1.0,
                1 => Math.ScaleB(1.0, -52),
                2 => Math.Sqrt(0.5),
                3 => Math.BitDecrement(Math.Sqrt(0.5)),
                4 => Math.BitDecrement(1.0),
                _ => Math.ScaleB(1.0 + rng.NextDouble(), -1 - (int)(rng.NextUInt64() % 52)),
            };
            double ours = LaneMath.Log<ScalarLanes, double, ulong>(x);
            worst = Math.Max(worst, Ulps(ours, Math.Log(x)));
        }

        Assert.True(worst <= 1, $"ln differs from Math.Log by {worst} ulp");
    }

    [Fact]
    public void The_sine_and_cosine_are_within_two_ulp_of_Math_SinCos()
    {
        var rng = new Xoshiro256(5);
        double worstReduced = 0, worstTurn = 0;
        for (int i = 0; i < 200_000; i++)
        {
            // The kernel on [−π/4, π/4] against Math.SinCos of the same argument.
            double x = ((2 * rng.NextDouble()) - 1) * Math.PI / 4;
            (double cos, double sin) = LaneMath.CosSin<ScalarLanes, double, ulong>(x);
            (double mathSin, double mathCos) = Math.SinCos(x);
            worstReduced = Math.Max(worstReduced, Math.Max(Ulps(cos, mathCos), Ulps(sin, mathSin)));

            // A whole turn fraction u (a multiple of 2⁻⁵²): against Math.SinCos(2πu), whose own argument 2πu is
            // rounded, so absolutely (an ulp of 1 is 2.2·10⁻¹⁶).
            double u = (rng.NextUInt64() >> 12) * Math.ScaleB(1.0, -52);
            (double c, double s) = LaneMath.CosSinOfTurn<ScalarLanes, double, ulong>(u);
            (double ms, double mc) = Math.SinCos(2 * Math.PI * u);
            worstTurn = Math.Max(worstTurn, Math.Max(Math.Abs(c - mc), Math.Abs(s - ms)));
        }

        Assert.True(worstReduced <= 2, $"sin/cos differ from Math.SinCos by {worstReduced} ulp on [−π/4, π/4]");
        Assert.True(worstTurn <= 4 * Math.ScaleB(1.0, -52), $"cos/sin 2πu differ from Math.SinCos(2πu) by {worstTurn:E2}");

        // The quarter turns exactly: u = 0, 1/4, 1/2, 3/4 give (±1, ±0) and (±0, ±1).
        Assert.Equal((1.0, 0.0), LaneMath.CosSinOfTurn<ScalarLanes, double, ulong>(0.0));
        Assert.Equal((0.0, 1.0), LaneMath.CosSinOfTurn<ScalarLanes, double, ulong>(0.25));
        Assert.Equal((-1.0, 0.0), LaneMath.CosSinOfTurn<ScalarLanes, double, ulong>(0.5));
        Assert.Equal((0.0, -1.0), LaneMath.CosSinOfTurn<ScalarLanes, double, ulong>(0.75));
    }

    [Fact]
    public void A_million_draws_follow_the_standard_normal_law()
    {
        const int n = 1_000_000;
        var z = new double[n];
        LaneGaussians.Fill(Stream, 0, n / 2, z, 1, Simd.Best);

        StandardNormalLaw.Check(z);

        // Neighbouring streams are uncorrelated: 5 standard errors of a correlation.
        var other = new double[n];
        LaneGaussians.Fill(LaneStream.For(RandomStreams.Key(17, RandomStreams.Purpose.Training, [5, 10])), 0, n / 2, other, 1, Simd.Best);
        Assert.InRange(z.Zip(other, (a, b) => a * b).Average(), -5 / Math.Sqrt(n), 5 / Math.Sqrt(n));
    }

    // |a − b| in units in the last place of b.
    private static double Ulps(double a, double b) => Math.Abs(a - b) / (Math.BitIncrement(Math.Abs(b)) - Math.Abs(b));
}
