using MeanFieldCluster.Engine.Randomness;

namespace MeanFieldCluster.Engine.Tests;

/// <summary>Reproducible random inputs for tests.</summary>
internal static class TestRandom
{
    /// <summary><paramref name="count"/> standard Gaussians from the stream seeded with <paramref name="seed"/>.</summary>
    public static double[] Gaussians(ulong seed, int count)
    {
        var rng = new Xoshiro256(seed);
        var values = new double[count];
        rng.FillGaussian(values);
        return values;
    }
}
