using MeanFieldCluster.Engine.LargeDeviations;

namespace MeanFieldCluster.Engine.Tests.LargeDeviations;

/// <summary>Grids shared by the rate-function tests. The x grids avoid the lattice (2j - N)/N of the sign means.</summary>
internal static class TestGrids
{
    public static double[] GaussianX => LdSettings.Grid(-0.93, 1.37, 0.1);

    public static double[] RademacherX => LdSettings.Grid(-0.93, 0.97, 0.1);

    public static double[] K => LdSettings.Grid(-3, 3, 0.05);

    public static LdSettings Settings(double[] xGrid, ulong bootstrapSeed = 11) =>
        new() { XGrid = xGrid, KGrid = K, BootstrapSeed = bootstrapSeed };

    /// <summary>
    /// The exact value lies within the bootstrap interval widened by half its length on each side (about ±4σ for
    /// a symmetric interval). Pointwise 95% intervals share one sample, so a 2σ fluctuation of the sample mean
    /// moves every point out at once; the widened check keeps the seeded test honest without tuning the seed.
    /// </summary>
    public static bool WithinWidened(double exact, double low, double high)
    {
        double half = (high - low) / 2;
        return exact >= low - half && exact <= high + half;
    }
}
