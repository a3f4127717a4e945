using System.Security.Cryptography;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Tests.Training;

/// <summary>
/// The engine's numbers, pinned to <see cref="NumericsVersion.Current"/>: short runs of a two-layer, a three-layer
/// and a noisy network, and of an mmn-isotropic network on anisotropic data with the exact population risk (ramp
/// activation: the same bits on every x64 machine and vector width, docs/models.md), hashed over their final
/// parameters, risk curves (each point's risk and standard error: for the exact risk its truncation bound) and
/// snapshots (features' quantiles and probe observations). Version 1's pins hashed the probes but not the features,
/// whose sums then depended on the vector width; version 2's were computed with AVX-512, with AVX2 only
/// (DOTNET_EnableAVX512F=0) and without SIMD intrinsics (DOTNET_EnableHWIntrinsic=0), which agree. Versions 1 and 2
/// hashed the risk points without their standard errors; version 3's pins (the row pairs' new stopping rule of the
/// exact risk, which moves its truncation bound) hash them too, and were computed with AVX2 and without SIMD
/// intrinsics, which agree. A change to the engine that changes any of these numbers fails here: if the change is meant, raise
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
        [2] = new()
        {
            ["two-layer"] = "100:0AB5F19C9192629D",
            ["three-layer"] = "100:109BF850C4241F40",
            ["noisy"] = "100:4E343D77B064660B",
            ["population"] = "100:7E3CBCBF722F10F6",
        },
        [3] = new()
        {
            ["two-layer"] = "100:1A0D1353AFFFAA4D",
            ["three-layer"] = "100:5D6807F24FC6CC63",
            ["noisy"] = "100:9416110AF716595B",
            ["population"] = "100:B558238DE27C8AEC",
        },
    };

    public static TheoryData<string> Runs => ["two-layer", "three-layer", "noisy", "population"];

    // An mmn-isotropic run on anisotropic data with the exact population risk: width 40, so the pair loop's row
    // pairs, whole and partial groups all take part.
    private const string Population = """
        name: population
        seed: 5
        model: {preset: mmn-isotropic, activation: ramp, init: {kappa: 0.8}}
        data: {kind: anisotropic-gaussian, d: 10, s0: 3, delta: 0.8}
        training: {horizon: 1}
        observe: {risk: population, risk_times: {count: 5, spacing: linear}, snapshot_times: [0, 1], quantiles: 16, sliced_directions: 4}
        grid: {width: [40], step_size: [0.01], seeds: 1}
        """;

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

    /// <summary>The spec and point of each fingerprint run (also the cases of <see cref="WarmUpTests"/>).</summary>
    internal static (SweepSpec Spec, PointSpec Point) Case(string run)
    {
        if (run == "population")
        {
            SweepSpec population = SpecLoader.Parse(Population, SpecFormat.Yaml);
            return (population, SweepPlanner.Expand(population)[0]);
        }

        SweepSpec spec = run switch
        {
            "two-layer" => TestSpecs.Small(),
            "three-layer" => TestSpecs.Small(model: TestSpecs.Model(Presets.ThreeLayer, ActivationKinds.Ramp)),
            "noisy" => TestSpecs.Small(ridge: 0.01, beta: 50.0),
            _ => throw new ArgumentOutOfRangeException(nameof(run), run, null),
        };
        return (spec, TestSpecs.Point(spec, 12, 0.01, seed: 3, layers: run == "three-layer" ? 2 : 1));
    }

    private static string Fingerprint(string run)
    {
        (SweepSpec spec, PointSpec point) = Case(run);
        SgdRun sgd = TestSpecs.Run(spec, point);
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
            hash.AppendData(BitConverter.GetBytes(r.StdErr));
        }

        // Every snapshot too: the features' quantiles and the probe observations.
        foreach (MeasureSnapshot s in end.Snapshots)
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
