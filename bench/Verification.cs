using System.Text.Json;
using MeanFieldCluster.Engine.Data;
using MeanFieldCluster.Engine.Networks;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Bench;

/// <summary>
/// Checks that each reference computes the engine's update: the same initial parameters and the same
/// samples go through 200 steps of the engine and of the script (float64), and the final parameters are
/// compared. Returns, per model, the largest difference relative to max(1, |value|).
/// </summary>
internal static class Verification
{
    public const int Steps = 200;

    public static Dictionary<string, Dictionary<string, double>> Run(IReadOnlyList<Reference> references, string folder)
    {
        Directory.CreateDirectory(folder);
        var finals = new Dictionary<string, Dictionary<string, double[]>>();
        foreach (BenchCase c in BenchCase.Verification)
        {
            finals[c.Name] = RunEngine(c, folder);
        }

        File.WriteAllText(Path.Combine(folder, "verify.json"), JsonSerializer.Serialize(BenchCase.Verification.Select(c => c.ToReference(Steps)).ToList()));
        File.WriteAllText(Path.Combine(folder, "verify.txt"), string.Concat(BenchCase.Verification.Select(c => c.ToReferenceLine(Steps) + "\n")));
        var result = new Dictionary<string, Dictionary<string, double>>();
        foreach (Reference reference in references)
        {
            reference.Verify(folder);
            foreach (BenchCase c in BenchCase.Verification.Where(reference.Supports))
            {
                double worst = 0;
                foreach ((string block, double[] ours) in finals[c.Name])
                {
                    double[] theirs = Read(Path.Combine(folder, $"{c.Name}.{reference.Library}.{block}.bin"));
                    if (theirs.Length != ours.Length)
                    {
                        throw new InvalidOperationException($"The {reference.Library} reference returned {theirs.Length} values for {block}, expected {ours.Length}.");
                    }

                    for (int i = 0; i < ours.Length; i++)
                    {
                        worst = Math.Max(worst, Math.Abs(ours[i] - theirs[i]) / Math.Max(1, Math.Abs(ours[i])));
                    }
                }

                if (!result.TryGetValue(c.Model, out Dictionary<string, double>? perLibrary))
                {
                    result[c.Model] = perLibrary = [];
                }

                perLibrary[reference.Library] = double.IsNaN(worst) ? double.PositiveInfinity : worst;
            }
        }

        return result;
    }

    private static Dictionary<string, double[]> RunEngine(BenchCase c, string folder)
    {
        SweepSpec spec = c.Spec();
        PointSpec point = SweepPlanner.Expand(spec)[0];
        DataModel data = DataModel.Create(spec.Data, spec.Seed);
        var init = RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Initialization, PointKeys.Of(point));
        MeanFieldNetwork network = MeanFieldNetwork.Initialize(spec.Model, data.Dimension, point.Widths, point.Gamma, ref init);
        string[] blocks = c.Model switch
        {
            Presets.MmnIsotropic => ["w"],
            Presets.MmnRelu => ["w", "b1", "c"],
            Presets.DeepFixedEnds => ["w", "W1", "W2", "c"],
            _ => ["w", "W1", "c"],
        };
        foreach (string block in blocks)
        {
            Write(Path.Combine(folder, $"{c.Name}.{block}.bin"), Block(network, block));
        }

        // Steps + 1 samples: the fused engine draws one sample ahead.
        var rng = new Xoshiro256(99);
        var x = new double[(Steps + 1) * c.D];
        var y = new double[Steps + 1];
        for (int k = 0; k <= Steps; k++)
        {
            y[k] = data.Sample(ref rng, x.AsSpan(k * c.D, c.D));
        }

        Write(Path.Combine(folder, $"{c.Name}.x.bin"), x.AsSpan(0, Steps * c.D).ToArray());
        Write(Path.Combine(folder, $"{c.Name}.y.bin"), y.AsSpan(0, Steps).ToArray());
        SgdStepper stepper = SgdStepper.Create(spec, network, new ReplayData(x, y, c.D), new Xoshiro256(1), new Xoshiro256(2));
        for (int k = 0; k < Steps; k++)
        {
            stepper.Step(point.StepSize);
        }

        stepper.Publish();
        return blocks.ToDictionary(b => b, b => Block(network, b));
    }

    private static double[] Block(MeanFieldNetwork network, string name)
    {
        ParameterBlock block = network.Blocks.Single(b => b.Name == name);
        return network.Theta.AsSpan(block.Offset, block.Length).ToArray();
    }

    /// <summary>Writes little-endian float64 values, as the reference scripts read them.</summary>
    internal static void Write(string path, double[] values)
    {
        var bytes = new byte[values.Length * sizeof(double)];
        Buffer.BlockCopy(values, 0, bytes, 0, bytes.Length);
        File.WriteAllBytes(path, bytes);
    }

    /// <summary>Reads the float64 values a reference script wrote.</summary>
    internal static double[] Read(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        var values = new double[bytes.Length / sizeof(double)];
        Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
        return values;
    }
}
