namespace MeanFieldCluster.Engine.LargeDeviations;

/// <summary>Golden-section search for the minimum of a unimodal function on an interval (values may be +∞).</summary>
internal static class GoldenSection
{
    /// <summary>The best point found and its value, after at most <paramref name="iterations"/> steps or once the bracket is below <paramref name="tolerance"/> (relative).</summary>
    public static (double At, double Value) Minimize(Func<double, double> f, double a, double b, int iterations = 100, double tolerance = 1e-13)
    {
        double g = (Math.Sqrt(5) - 1) / 2;
        double c = b - (g * (b - a)), d = a + (g * (b - a));
        double fc = f(c), fd = f(d);
        for (int i = 0; i < iterations && b - a > tolerance * (1 + Math.Abs(a)); i++)
        {
            if (fc < fd)
            {
                (b, d, fd) = (d, c, fc);
                c = b - (g * (b - a));
                fc = f(c);
            }
            else
            {
                (a, c, fc) = (c, d, fd);
                d = a + (g * (b - a));
                fd = f(d);
            }
        }

        return fc < fd ? (c, fc) : (d, fd);
    }
}
