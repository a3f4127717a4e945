using System.Security.Cryptography;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

/// <summary>
/// The engine's numbers, pinned to <see cref="NumericsVersion.Current"/>: short runs of a two-layer, a three-layer
/// and a noisy network (ramp activation: the same bits on every x64 machine and vector width, docs/models.md),
/// hashed over their final parameters, risk curves and probe observations (the probes joined the hash in session
/// 22; the new pins were computed on the builds before and after that session's kernel changes, which agree). A
/// change to the engine that changes any of these numbers fails here: if the change is meant, raise
/// <see cref="NumericsVersion.Current"/> and put the new fingerprints beside the new version (an unfinished run of
/// the old version is then refused on resume instead of being continued with other numbers).
/// </summary>
public sealed class NumericsFingerprintTests
{
    /// <summary>The fingerprints of each numerics version (the current one is checked).</summary>
    private static readonly Dictionary<int, Dictionary<string, string>> Fingerprints = new()
    {
        [1] = new()
        {
            ["two-layer"] = "100:55F37B0FE1F27819",
            ["three-layer"] = "100:4726438250D0D2A8",
            ["noisy"] = "100:3D969825BF163D08",
        },
    };

    public static TheoryData<string> Runs => ["two-layer", "three-layer", "noisy"];

    [Theory]
    [MemberData(nameof(Runs))]
    public void TheNumbersOfThisVersionAreTheOnesItsFingerprintPins(string run)
    {
        string actual = Fingerprint(run);
        Assert.True(Fingerprints.TryGetValue(NumericsVersion.Current, out Dictionary<string, string>? pinned), $"no fingerprints for numerics version {NumericsVersion.Current}");
        Assert.True(
            pinned[run] == actual,
            $"run '{run}': fingerprint {actual}, but numerics version {NumericsVersion.Current} pins {pinned[run]}. The engine's numbers changed: if that is meant, raise NumericsVersion.Current and pin the new fingerprints under it.");
    }

    private static string Fingerprint(string run)
    {
        SweepSpec spec = run switch
        {
            "two-layer" => TestSpecs.Small(),
            "three-layer" => TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer, ActivationKinds.Ramp)),
            "noisy" => TestSpecs.Small(ridge: 0.01, beta: 50.0),
            _ => throw new ArgumentOutOfRangeException(nameof(run), run, null),
        };
        int layers = run == "three-layer" ? 2 : 1;
        SgdRun sgd = TestSpecs.Run(spec, TestSpecs.Point(spec, 12, 0.01, seed: 3, layers: layers));
        sgd.Advance(long.MaxValue);
        SgdCheckpoint end = sgd.Capture();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (double p in end.Parameters)
        {
            hash.AppendData(BitConverter.GetBytes(p));
        }

        foreach (RiskPoint r in end.Risk)
        {
            hash.AppendData(BitConverter.GetBytes(r.Step));
            hash.AppendData(BitConverter.GetBytes(r.Risk));
        }

        // The probe observations too (ŷ and the layers' spreads on the probe inputs). Not the features' quantiles:
        // ‖w_i‖ and the projections are summed by TensorPrimitives, whose order differs without SIMD intrinsics.
        foreach (MeasureSnapshot s in end.Snapshots.Where(s => FeatureNames.IsProbe(s.Feature)))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(s.Feature));
            hash.AppendData(BitConverter.GetBytes(s.Step));
            foreach (double v in s.Values)
            {
                hash.AppendData(BitConverter.GetBytes(v));
            }
        }

        return $"{end.Step}:{Convert.ToHexString(hash.GetHashAndReset())[..16]}";
    }
}
