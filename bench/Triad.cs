using System.Diagnostics;
using System.Numerics.Tensors;

namespace MeanFieldCluster.Bench;

/// <summary>
/// A STREAM-like triad a = b + q·c on one core over three arrays that together hold a given working set:
/// the bandwidth the memory hierarchy gives one core at that size (24 bytes counted per element, as STREAM does).
/// </summary>
internal static class Triad
{
    public static double Gbps(long workingSetBytes, double seconds, int windows)
    {
        int n = (int)Math.Max(1024, workingSetBytes / 24);
        var a = new double[n];
        var b = new double[n];
        var c = new double[n];
        Array.Fill(b, 1.0);
        Array.Fill(c, 2.0);
        for (int k = 0; k < 20; k++)
        {
            TensorPrimitives.MultiplyAdd(c, 3.0, b, a);
        }

        long reps = Math.Max(1, (long)(seconds / windows / Math.Max(1e-7, Once(a, b, c))));
        var rates = new List<double>();
        for (int w = 0; w < windows; w++)
        {
            long start = Stopwatch.GetTimestamp();
            for (long r = 0; r < reps; r++)
            {
                TensorPrimitives.MultiplyAdd(c, 3.0, b, a);
            }

            double t = Stopwatch.GetElapsedTime(start).TotalSeconds;
            rates.Add(24.0 * n * reps / t / 1e9);
        }

        rates.Sort();
        return rates[rates.Count / 2];
    }

    private static double Once(double[] a, double[] b, double[] c)
    {
        long start = Stopwatch.GetTimestamp();
        for (int k = 0; k < 10; k++)
        {
            TensorPrimitives.MultiplyAdd(c, 3.0, b, a);
        }

        return Stopwatch.GetElapsedTime(start).TotalSeconds / 10;
    }
}
