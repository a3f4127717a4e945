using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>The cross-layer dependence checks of layered models (MATH section 5, docs/models.md).</summary>
/// <param name="Groups">Per group (all coordinates but the seed) whose points recorded a dependence observation.</param>
/// <param name="Families">Per family with at least 2 such widths: the checks against N_1 and their fits.</param>
public sealed record CrossLayerDependenceReport(IReadOnlyList<DependenceGroup> Groups, IReadOnlyList<DependenceFamily> Families);

/// <summary>The dependence checks of one group: its seeds are independent runs of the same (widths, ε, L, γ).</summary>
/// <param name="Widths">Hidden widths N_1..N_L.</param>
/// <param name="StepSize">Resolved step size ε.</param>
/// <param name="Layers">Hidden layer count L.</param>
/// <param name="Gamma">γ_1..γ_L.</param>
/// <param name="Step">Step at which the seeds measured (the final step).</param>
/// <param name="Seeds">Seed indices of the completed points that recorded an observation, ascending.</param>
/// <param name="ChaosInitial">The chaos test on the step-0 features: independent by construction, a control that must not reject.</param>
/// <param name="ChaosFinal">The chaos test on the final features: its dependence must fall as N grows.</param>
/// <param name="ChaosChange">
/// The change of R*_n from step 0 to the end over the same seeds, tested with Y permuted jointly at both times: the
/// initial draw's chance dependence cancels, so this detects the dependence that training creates with less noise.
/// </param>
/// <param name="Edges">Mean over seeds of the edge-structure shares.</param>
public sealed record DependenceGroup(
    IReadOnlyList<int> Widths,
    double StepSize,
    int Layers,
    IReadOnlyList<double> Gamma,
    long Step,
    IReadOnlyList<int> Seeds,
    ChaosTest? ChaosInitial,
    ChaosTest? ChaosFinal,
    ChaosTest? ChaosChange,
    EdgeShares? Edges)
{
    /// <summary>The values of the field axes (docs/spec.md, "Any field is an axis"); null without field axes.</summary>
    public IReadOnlyList<AxisCoordinate>? Axes { get; init; }
}

/// <summary>
/// The independence test, across seeds, of the features X of neuron 1 of layer 1 and Y of neuron 1 of layer 2
/// (one pair (X, Y) per seed; see <see cref="DependenceProbe"/>).
/// </summary>
/// <param name="Pairs">Seeds (pairs) used.</param>
/// <param name="DimensionX">Dimension of X (d, plus 1 with biases).</param>
/// <param name="DimensionY">Dimension of Y (2, plus 1 with biases).</param>
/// <param name="DcorSquared">
/// The bias-corrected distance correlation R*_n (estimates the squared distance correlation; 0 in expectation under
/// independence, may be negative); for the change test, R*_n at the end minus R*_n at step 0.
/// </param>
/// <param name="PValue">Permutation p-value of independence.</param>
/// <param name="NullSd">Standard deviation of R*_n over the permutations: its spread under independence (≈ sqrt(2)/n).</param>
/// <param name="Permutations">Permutations used.</param>
public sealed record ChaosTest(int Pairs, int DimensionX, int DimensionY, double DcorSquared, double PValue, double? NullSd, int Permutations);

/// <summary>The edge-structure shares of one group, mean and standard error over seeds (see <see cref="EdgeStructure"/>).</summary>
/// <param name="SeedCount">Seeds averaged.</param>
/// <param name="RankOneShare">Share of ‖ΔW‖² in its best rank-one approximation.</param>
/// <param name="FeatureShare">R² of the bilinear regression of ΔW on the endpoints' initial features.</param>
/// <param name="LeftAlignment">Share of the top left singular vector in the span of the layer-2 initial features.</param>
/// <param name="RightAlignment">Share of the top right singular vector in the span of the layer-1 initial features.</param>
/// <param name="RelativeChange">‖ΔW‖ / ‖W¹(0)‖.</param>
public sealed record EdgeShares(int SeedCount, MeanWithError RankOneShare, MeanWithError FeatureShare, MeanWithError LeftAlignment, MeanWithError RightAlignment, MeanWithError RelativeChange);

/// <summary>A mean over seeds and its standard error (sample SD / sqrt(seeds); null with one seed).</summary>
/// <param name="Mean">Mean.</param>
/// <param name="StdErr">Standard error.</param>
public sealed record MeanWithError(double Mean, double? StdErr);

/// <summary>The dependence checks of one family (step size, layers and γ) across widths.</summary>
/// <param name="StepSize">ε, or c when <paramref name="StepSizeDividedByWidth"/>.</param>
/// <param name="StepSizeDividedByWidth">Whether ε = c / N_1.</param>
/// <param name="Layers">Hidden layer count L.</param>
/// <param name="Gamma">γ_1..γ_L.</param>
/// <param name="Widths">Per width, ascending.</param>
/// <param name="ChaosFit">
/// Fit of the final R*_n ≈ C N_1^(−a) by weighted least squares on the linear scale (<see cref="WeightedPowerLawFit"/>),
/// every width weighted by its null SD, so widths where R*_n is 0 or negative by noise count too (a &gt; 0: the
/// dependence falls with N; the limit's 1/N interactions predict a ≈ 2). Null with fewer than 3 widths.
/// </param>
/// <param name="ChangeFit">The same fit for the change test's R*_n(end) − R*_n(0).</param>
/// <param name="RankOneShareFit">Fit of the mean rank-one share ≈ C N_1^(−a): a ≤ 0 (within its CI) means it stays or grows.</param>
/// <param name="FeatureShareFit">The same for the feature share.</param>
public sealed record DependenceFamily(
    double StepSize,
    bool StepSizeDividedByWidth,
    int Layers,
    IReadOnlyList<double> Gamma,
    IReadOnlyList<DependenceWidth> Widths,
    WeightedFitSummary? ChaosFit,
    WeightedFitSummary? ChangeFit,
    FitSummary? RankOneShareFit,
    FitSummary? FeatureShareFit)
{
    /// <summary>The values of the field axes (docs/spec.md, "Any field is an axis"); null without field axes.</summary>
    public IReadOnlyList<AxisCoordinate>? Axes { get; init; }
}

/// <summary>The family's checks at one width.</summary>
/// <param name="Widths">Hidden widths N_1..N_L.</param>
/// <param name="SeedCount">Seeds with an observation.</param>
/// <param name="DcorSquared">The final chaos test's R*_n, or null.</param>
/// <param name="DcorSquaredNullSd">Its spread under independence, or null.</param>
/// <param name="PValue">The final chaos test's p-value, or null.</param>
/// <param name="Change">The change test's R*_n(end) − R*_n(0), or null.</param>
/// <param name="ChangeNullSd">Its spread under independence, or null.</param>
/// <param name="ChangePValue">Its p-value, or null.</param>
/// <param name="RankOneShare">Mean rank-one share, or null.</param>
/// <param name="FeatureShare">Mean feature share, or null.</param>
public sealed record DependenceWidth(IReadOnlyList<int> Widths, int SeedCount, double? DcorSquared, double? DcorSquaredNullSd, double? PValue, double? Change, double? ChangeNullSd, double? ChangePValue, double? RankOneShare, double? FeatureShare);

/// <summary>A weighted power-law fit y ≈ C N_1^(−a) as written in the report (see <see cref="WeightedPowerLawFit"/>).</summary>
/// <param name="Exponent">a.</param>
/// <param name="ExponentStdErr">Standard error of a from the widths' null SDs.</param>
/// <param name="ExponentCi95">The normal 95% interval [low, high] of a.</param>
/// <param name="Prefactor">C.</param>
/// <param name="PrefactorStdErr">Standard error of C.</param>
/// <param name="Points">Widths used.</param>
/// <param name="ChiSquared">Weighted residual sum of squares, about Points − 2 when the model and the errors are right.</param>
public sealed record WeightedFitSummary(double Exponent, double ExponentStdErr, IReadOnlyList<double> ExponentCi95, double Prefactor, double PrefactorStdErr, int Points, double ChiSquared);

/// <summary>The cross-layer dependence section of the aggregation.</summary>
public static partial class SweepAggregator
{
    private static CrossLayerDependenceReport CrossLayerDependence(SweepSpec spec, List<Group> groups, List<Family> families)
    {
        int permutations = (spec.Observe.Dependence ?? new DependenceSpec()).Permutations;
        var byGroup = new Dictionary<Group, DependenceGroup>();
        foreach (Group g in groups)
        {
            List<(int Seed, DependenceResult Result)> results = [.. g.Seeds
                .Where(s => s.Value.Dependence is not null)
                .Select(s => (s.Key, s.Value.Dependence!))];
            if (results.Count == 0)
            {
                continue;
            }

            List<NeuronFeatures> neurons = [.. results.Select(r => r.Result.Neurons).OfType<NeuronFeatures>()];
            List<EdgeStructure> edges = [.. results.Select(r => r.Result.Edges).OfType<EdgeStructure>()];
            PointSpec p = g.Point;
            byGroup.Add(g, new DependenceGroup(
                p.Widths,
                p.StepSize,
                p.Layers,
                p.Gamma,
                results[0].Result.Step,
                [.. results.Select(r => r.Seed)],
                Chaos(spec, p, neurons, n => (n.InitialX, n.InitialY), final: false, permutations),
                Chaos(spec, p, neurons, n => (n.FinalX, n.FinalY), final: true, permutations),
                ChaosChange(spec, p, neurons, permutations),
                edges.Count == 0 ? null : new EdgeShares(
                    edges.Count,
                    MeanWithErrorOf(edges, e => e.RankOneShare),
                    MeanWithErrorOf(edges, e => e.FeatureShare),
                    MeanWithErrorOf(edges, e => e.LeftAlignment),
                    MeanWithErrorOf(edges, e => e.RightAlignment),
                    MeanWithErrorOf(edges, e => e.RelativeChange)))
            {
                Axes = FieldAxes(p),
            });
        }

        List<DependenceFamily> dependenceFamilies = [];
        foreach (Family family in families)
        {
            List<DependenceGroup> members = [.. family.Groups.Where(byGroup.ContainsKey).Select(g => byGroup[g])];
            if (members.Count < 2)
            {
                continue;
            }

            List<DependenceWidth> widths = [.. members.Select(m => new DependenceWidth(
                m.Widths,
                m.Seeds.Count,
                m.ChaosFinal?.DcorSquared,
                m.ChaosFinal?.NullSd,
                m.ChaosFinal?.PValue,
                m.ChaosChange?.DcorSquared,
                m.ChaosChange?.NullSd,
                m.ChaosChange?.PValue,
                m.Edges?.RankOneShare.Mean,
                m.Edges?.FeatureShare.Mean))];
            DependenceGroup first = members[0];
            dependenceFamilies.Add(new DependenceFamily(
                family.Step.Value,
                family.Step.DividedByWidth,
                first.Layers,
                first.Gamma,
                widths,
                WeightedFitAgainstWidth(widths, w => w.DcorSquared, w => w.DcorSquaredNullSd),
                WeightedFitAgainstWidth(widths, w => w.Change, w => w.ChangeNullSd),
                FitAgainstWidth(widths, w => w.RankOneShare),
                FitAgainstWidth(widths, w => w.FeatureShare))
            {
                Axes = first.Axes,
            });
        }

        return new CrossLayerDependenceReport([.. groups.Where(byGroup.ContainsKey).Select(g => byGroup[g])], dependenceFamilies);
    }

    /// <summary>The chaos test over the seeds' (X, Y) pairs; null with fewer than <see cref="DistanceCorrelation.MinPairs"/> seeds.</summary>
    private static ChaosTest? Chaos(SweepSpec spec, PointSpec point, List<NeuronFeatures> neurons, Func<NeuronFeatures, (IReadOnlyList<double> X, IReadOnlyList<double> Y)> select, bool final, int permutations)
    {
        if (Usable(neurons) is not { } usable)
        {
            return null;
        }

        Xoshiro256 rng = PermutationStream(spec, point, final ? 1UL : 0UL);
        (int dx, int dy) = (select(usable[0]).X.Count, select(usable[0]).Y.Count);
        double[] x = [.. usable.SelectMany(n => select(n).X)];
        double[] y = [.. usable.SelectMany(n => select(n).Y)];
        return ToChaosTest(DistanceCorrelation.Test(x, dx, y, dy, permutations, ref rng), dx, dy);
    }

    /// <summary>The change test from step 0 to the end over the same seeds; null with too few seeds.</summary>
    private static ChaosTest? ChaosChange(SweepSpec spec, PointSpec point, List<NeuronFeatures> neurons, int permutations)
    {
        if (Usable(neurons) is not { } usable)
        {
            return null;
        }

        Xoshiro256 rng = PermutationStream(spec, point, 2UL);
        (int dx, int dy) = (usable[0].FinalX.Count, usable[0].FinalY.Count);
        DistanceCorrelationTest test = DistanceCorrelation.TestChange(
            [.. usable.SelectMany(n => n.InitialX)],
            [.. usable.SelectMany(n => n.InitialY)],
            [.. usable.SelectMany(n => n.FinalX)],
            [.. usable.SelectMany(n => n.FinalY)],
            dx,
            dy,
            permutations,
            ref rng);
        return ToChaosTest(test, dx, dy);
    }

    /// <summary>The seeds whose features have the first seed's dimensions, or null when fewer than <see cref="DistanceCorrelation.MinPairs"/>.</summary>
    private static List<NeuronFeatures>? Usable(List<NeuronFeatures> neurons)
    {
        if (neurons.Count == 0)
        {
            return null;
        }

        (int dx, int dy) = (neurons[0].FinalX.Count, neurons[0].FinalY.Count);
        List<NeuronFeatures> usable = [.. neurons.Where(n => n.InitialX.Count == dx && n.FinalX.Count == dx && n.InitialY.Count == dy && n.FinalY.Count == dy)];
        return usable.Count >= DistanceCorrelation.MinPairs && dx > 0 && dy > 0 ? usable : null;
    }

    // Permutations from (sweep seed, the group's coordinates, which test): the same report whatever the order the points finished in.
    private static Xoshiro256 PermutationStream(SweepSpec spec, PointSpec point, ulong test) =>
        RandomStreams.Create(spec.Seed, RandomStreams.Purpose.Observation, [
            ObservationTags.Dependence, .. point.Widths.Select(n => (ulong)n), (ulong)point.Layers,
            BitConverter.DoubleToUInt64Bits(point.StepSize), .. point.Gamma.Select(BitConverter.DoubleToUInt64Bits), test]);

    private static ChaosTest ToChaosTest(DistanceCorrelationTest test, int dx, int dy) =>
        new(test.Pairs, dx, dy, test.Estimate, test.PValue, test.NullSd, test.Permutations);

    private static MeanWithError MeanWithErrorOf(List<EdgeStructure> edges, Func<EdgeStructure, double> value)
    {
        (double mean, double? stdErr) = MeanAndStdErr([.. edges.Select(value)]);
        return new MeanWithError(mean, stdErr);
    }

    /// <summary>The weighted power-law fit against N_1 over the widths with a value and an error.</summary>
    private static WeightedFitSummary? WeightedFitAgainstWidth(List<DependenceWidth> widths, Func<DependenceWidth, double?> value, Func<DependenceWidth, double?> stdErr)
    {
        List<DependenceWidth> present = [.. widths.Where(w => value(w) is not null && stdErr(w) is not null)];
        WeightedPowerLawFitResult? fit = WeightedPowerLawFit.Fit(
            [.. present.Select(w => (double)w.Widths[0])], [.. present.Select(w => value(w)!.Value)], [.. present.Select(w => stdErr(w)!.Value)]);
        if (fit is null)
        {
            return null;
        }

        (double low, double high) = fit.ExponentInterval95();
        return new WeightedFitSummary(fit.Exponent, fit.ExponentStdErr, [low, high], fit.Prefactor, fit.PrefactorStdErr, fit.Points, fit.ChiSquared);
    }

    /// <summary>A power-law fit against N_1 over the widths with a value (non-positive values are dropped by the fit).</summary>
    private static FitSummary? FitAgainstWidth(List<DependenceWidth> widths, Func<DependenceWidth, double?> value)
    {
        List<DependenceWidth> present = [.. widths.Where(w => value(w) is not null)];
        return FitSummary.From(PowerLawFit.Fit([.. present.Select(w => (double)w.Widths[0])], [.. present.Select(w => value(w)!.Value)]));
    }
}
