using System.Globalization;
using System.Runtime.InteropServices;
using MeanFieldCluster.Engine.LargeDeviations;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Randomness;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The <c>scaling</c> section of aggregate.json (docs/models.md, "What to expect as N grows"): for every
/// family of points that differ only in width (all widths together, or one layer's width with the others
/// fixed), how the risk curve, the initial output, the pre-activation spreads and the laws of the other
/// layers' neurons depend on the width.
/// </summary>
/// <param name="Families">One entry per family with at least 3 widths.</param>
public sealed record ScalingReport(IReadOnlyList<ScalingFamily> Families);

/// <summary>The width dependence of one family.</summary>
/// <param name="Varies"><c>all</c> (every hidden layer has the same width N, which varies) or <c>N_q</c> (only layer q's width varies).</param>
/// <param name="Layers">L.</param>
/// <param name="Gamma">γ_1..γ_L.</param>
/// <param name="StepSize">ε, or c when <paramref name="StepSizeDividedByWidth"/>.</param>
/// <param name="StepSizeDividedByWidth">Whether ε = c / N_1.</param>
/// <param name="Widths">The widths of the family's groups, by ascending varying width.</param>
/// <param name="RiskExtrapolation">Per recorded time: R_N(t) ≈ R_∞(t) + a(t) N^{−p(t)} over the widths.</param>
/// <param name="RiskDistance">sup_t |R_N(t) − R_ref(t)| to the largest width, and its decay in N.</param>
/// <param name="InitialOutputVariance">The variance over seeds of ŷ_0 on the probe inputs, and its slope in N.</param>
/// <param name="Spread">Per layer and snapshot time: the pre-activation spread over neurons, and its slope in N.</param>
/// <param name="Laws">
/// For families where one layer's width varies: the laws of the other layers' neuron features, W1 to the
/// largest width, and its decay in N.
/// </param>
public sealed record ScalingFamily(
    string Varies,
    int Layers,
    IReadOnlyList<double> Gamma,
    double StepSize,
    bool StepSizeDividedByWidth,
    IReadOnlyList<IReadOnlyList<int>> Widths,
    IReadOnlyList<RiskAtTime> RiskExtrapolation,
    CurveDistance? RiskDistance,
    OutputVariance? InitialOutputVariance,
    IReadOnlyList<SpreadAtTime> Spread,
    IReadOnlyList<LawDistance> Laws)
{
    /// <summary>The values of the field axes this family is at (docs/spec.md, "Any field is an axis"); null without field axes.</summary>
    public IReadOnlyList<AxisCoordinate>? Axes { get; init; }

    /// <summary>
    /// With <c>model.init.nested</c> only (seed s then shares its neurons and its sample path across widths):
    /// per recorded time, the root mean square over seeds of the paired gap R_{N,s}(t) − R_{ref,s}(t) to the
    /// largest width, and its decay in N (docs/models.md, "Sequential limit"); null otherwise.
    /// </summary>
    public IReadOnlyList<PairedRiskGap>? PairedRiskGap { get; init; }
}

/// <summary>
/// The pathwise distance of one seed's risk curve to the largest width's, for coupled widths (nested neurons,
/// one sample path per seed): per width, the root mean square over seeds of R_{N,s}(t) − R_{ref,s}(t).
/// </summary>
/// <param name="Time">t.</param>
/// <param name="N">The varying width of every group but the reference (the largest).</param>
/// <param name="Seeds">Seeds present at every width (the pairs).</param>
/// <param name="Rms">The root mean square over seeds of the paired gap, per width.</param>
/// <param name="MeanGap">The mean over seeds of the paired gap, per width (the bias part).</param>
/// <param name="MeanGapStdErr">Its standard error over seeds.</param>
/// <param name="Fit">
/// Rms ≈ C N^{−a} by least squares on log-log axes; its interval is the 2.5–97.5% percentile interval of a
/// over <see cref="ScalingAggregate.PairedBootstrapResamples"/> resamples of the seeds (pairs kept together),
/// and its standard error their SD.
/// </param>
/// <param name="ExpectedExponent">
/// The least-squares decay exponent of √(1/N − 1/N_ref) over the same widths: the gap of a network that shares
/// its first N neurons with the reference is, to first order, a linear functional of the difference of two
/// Monte Carlo averages over those neurons, whose variance is proportional to 1/N − 1/N_ref.
/// </param>
public sealed record PairedRiskGap(double Time, IReadOnlyList<int> N, int Seeds, IReadOnlyList<double> Rms, IReadOnlyList<double> MeanGap, IReadOnlyList<double> MeanGapStdErr, FitSummary? Fit, double ExpectedExponent);

/// <summary>The seed-mean risk at one time per width, and the extrapolation fit.</summary>
/// <param name="Time">t.</param>
/// <param name="N">The varying width per group.</param>
/// <param name="Mean">Mean risk over seeds per group.</param>
/// <param name="StdErr">Its standard error over seeds.</param>
/// <param name="Fit">The fit, or null when it is undetermined.</param>
public sealed record RiskAtTime(double Time, IReadOnlyList<int> N, IReadOnlyList<double> Mean, IReadOnlyList<double> StdErr, WidthExtrapolationResult? Fit)
{
    /// <summary>Whether the correction is resolved and p identified, beside the expected p (<see cref="WidthCorrections"/>).</summary>
    public WidthCorrection? Correction { get; init; }

    /// <summary>
    /// The same expectation estimated with the initial output's control variates (<see cref="OutputControls"/>),
    /// and the same fit and verdict on it; null when the output weights' mean is not 0 or a seed lacks them.
    /// </summary>
    public ControlledRisk? Controlled { get; init; }
}

/// <summary>
/// E R_N(t) per width estimated by regressing each seed's risk on its controls Z_1, Z_2 (mean exactly 0) and
/// taking the intercept (docs/models.md, "Control variates of the initial output").
/// </summary>
/// <param name="Mean">The intercept per width: the seed mean of R less β̂ times the seed mean of Z.</param>
/// <param name="StdErr">Its standard error from the regression (residual variance on n − 3 degrees of freedom).</param>
/// <param name="VarianceRatio">StdErr² over the plain seed mean's squared standard error, per width (below 1 when the controls help).</param>
/// <param name="Fit">R_N(t) ≈ R_∞(t) + a(t) N^{−p(t)} on these means and errors.</param>
public sealed record ControlledRisk(IReadOnlyList<double> Mean, IReadOnlyList<double> StdErr, IReadOnlyList<double> VarianceRatio, WidthExtrapolationResult? Fit)
{
    /// <summary>The verdict on <see cref="Fit"/> (<see cref="WidthCorrections"/>).</summary>
    public WidthCorrection? Correction { get; init; }
}

/// <summary>Distances of a curve (or law) to the largest width, per width, with the fit d ≈ C N^{−a}.</summary>
/// <param name="N">The non-reference widths.</param>
/// <param name="Distance">The distance per width.</param>
/// <param name="Fit">The fit over them.</param>
public sealed record CurveDistance(IReadOnlyList<int> N, IReadOnlyList<double> Distance, FitSummary? Fit);

/// <summary>A log-log slope: y ≈ C N^{slope}.</summary>
/// <param name="Slope">The fitted slope.</param>
/// <param name="StdErr">Its standard error (null with 2 points).</param>
/// <param name="Ci95">Its 95% Student-t interval (null with 2 points).</param>
/// <param name="Points">Widths used.</param>
public sealed record SlopeFit(double Slope, double? StdErr, IReadOnlyList<double>? Ci95, int Points)
{
    /// <summary>The slope of a <see cref="PowerLawFit"/> result (its exponent negated), or null.</summary>
    public static SlopeFit? From(PowerLawFitResult? fit) =>
        fit is null ? null : new SlopeFit(-fit.Exponent, fit.ExponentStdErr, fit.ExponentInterval95() is { } ci ? [-ci.High, -ci.Low] : null, fit.Points);
}

/// <summary>The variance over seeds of the initial output (mean over probe inputs) per width.</summary>
/// <param name="N">The varying width per group.</param>
/// <param name="Seeds">Seeds per group.</param>
/// <param name="Variance">Mean over probe inputs of the sample variance over seeds of ŷ_0(x_k).</param>
/// <param name="Fit">Its slope in N.</param>
/// <param name="Expected">The slope derived in docs/models.md for this model, or null when none is derived.</param>
public sealed record OutputVariance(IReadOnlyList<int> N, IReadOnlyList<int> Seeds, IReadOnlyList<double> Variance, SlopeFit? Fit, double? Expected);

/// <summary>The spread SD_j(u_{ℓ,j}) of one layer at one time, per width.</summary>
/// <param name="Layer">ℓ.</param>
/// <param name="Time">t.</param>
/// <param name="N">The varying width per group.</param>
/// <param name="Mean">Mean over seeds and probe inputs.</param>
/// <param name="StdErr">Standard error over seeds (of the per-seed probe means).</param>
/// <param name="Fit">Its slope in N (−1/2 for a collapsing layer, 0 for an O(1) spread).</param>
public sealed record SpreadAtTime(int Layer, double Time, IReadOnlyList<int> N, IReadOnlyList<double> Mean, IReadOnlyList<double?> StdErr, SlopeFit? Fit);

/// <summary>W1 of one neuron feature's seed-pooled law to the largest width's, at one time.</summary>
/// <param name="Feature">Feature name.</param>
/// <param name="Time">t.</param>
/// <param name="Distance">W1 per non-reference width, with its fit.</param>
public sealed record LawDistance(string Feature, double Time, CurveDistance Distance);

/// <summary>Builds the <see cref="ScalingReport"/> from the completed outcomes.</summary>
public static class ScalingAggregate
{
    private const double TimeTolerance = 1e-9;

    /// <summary>The scaling report of <paramref name="outcomes"/>; null when no family has 3 widths.</summary>
    public static ScalingReport? Compute(SweepSpec spec, IReadOnlyList<PointOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(outcomes);
        if (spec.LargeDeviations is not null)
        {
            return null;
        }

        // Completed outcomes by group (all coordinates but the seed), first report of a seed wins.
        var groups = new Dictionary<string, (PointSpec Point, StepSizeSpec Step, SortedDictionary<int, PointOutcome> Seeds)>(StringComparer.Ordinal);
        foreach (PointOutcome o in outcomes.Where(o => o.Status == RunStatus.Completed).OrderBy(o => o.Point.Index).ThenBy(o => o.Point.Seed))
        {
            StepSizeSpec step = SweepPlanner.StepSizeEntry(o.Point);
            string key = Key(o.Point, step, blank: -2);
            if (!groups.TryGetValue(key, out var g))
            {
                g = (o.Point, step, []);
                groups.Add(key, g);
            }

            g.Seeds.TryAdd(o.Point.Seed, o);
        }

        List<ScalingFamily> families = [];
        var all = groups.Values.ToList();

        // Uniform widths: every layer N.
        foreach (var family in all.Where(g => g.Point.Widths.Distinct().Count() == 1).GroupBy(g => Key(g.Point, g.Step, blank: -1), StringComparer.Ordinal))
        {
            AddFamily(spec, "all", -1, [.. family], families);
        }

        // One layer's width varies, the others fixed (L ≥ 2).
        for (int q = 0; q < spec.Grid.Layers.DefaultIfEmpty(1).Max(); q++)
        {
            foreach (var family in all.Where(g => g.Point.Layers >= 2 && q < g.Point.Layers).GroupBy(g => Key(g.Point, g.Step, blank: q), StringComparer.Ordinal))
            {
                var members = family.ToList();
                bool uniform = members.All(m => m.Point.Widths.Distinct().Count() == 1);
                if (!uniform)
                {
                    AddFamily(spec, $"N_{q + 1}", q, members, families);
                }
            }
        }

        return families.Count == 0 ? null : new ScalingReport(families);
    }

    private static string Key(PointSpec p, StepSizeSpec step, int blank)
    {
        string widths = blank == -1 ? "*" : string.Join(',', p.Widths.Select((n, i) => i == blank ? "*" : n.ToString(CultureInfo.InvariantCulture)));
        // Fits across width run within one combination of the field axes' values.
        return string.Join('|', SweepAggregator.FieldKey(p), p.Layers.ToString(CultureInfo.InvariantCulture), string.Join(',', p.Gamma.Select(Format)), step.DividedByWidth ? "c/N" : "eps", Format(step.Value), widths, blank == -2 ? Format(p.StepSize) : "");
    }

    private static void AddFamily(SweepSpec spec, string varies, int q, List<(PointSpec Point, StepSizeSpec Step, SortedDictionary<int, PointOutcome> Seeds)> members, List<ScalingFamily> families)
    {
        int Varying(PointSpec p) => q < 0 ? p.Widths[0] : p.Widths[q];
        members = [.. members.OrderBy(m => Varying(m.Point))];
        if (members.Select(m => Varying(m.Point)).Distinct().Count() < 3)
        {
            return;
        }

        int[] n = [.. members.Select(m => Varying(m.Point))];
        List<PointOutcome>[] seeds = [.. members.Select(m => m.Seeds.Values.ToList())];
        PointSpec first = members[0].Point;
        // The family's own spec: a field axis (model.init.output_mean, model.activation.kind, ...) changes what is expected.
        SweepSpec at = first.FieldCoordinates.Any() ? SpecAxes.At(spec, [.. first.FieldCoordinates]) : spec;
        families.Add(new ScalingFamily(
            varies,
            first.Layers,
            first.Gamma,
            members[0].Step.Value,
            members[0].Step.DividedByWidth,
            [.. members.Select(m => m.Point.Widths)],
            RiskFits(at, first, q, n, [.. members.Select(m => m.Point.Widths)], seeds),
            RiskDistance(n, seeds),
            InitialVariance(at, first, q, n, seeds),
            Spreads(first.Layers, n, seeds),
            q < 0 ? [] : Laws(first.Layers, q, n, seeds))
        {
            Axes = first.FieldCoordinates.ToList() is { Count: > 0 } axes ? axes : null,
            PairedRiskGap = spec.Model.Init.Nested ? PairedGaps(spec.Seed, n, seeds) : null,
        });
    }

    /// <summary>Bootstrap resamples of the seeds behind <see cref="ScalingFamily.PairedRiskGap"/>'s interval.</summary>
    public const int PairedBootstrapResamples = 2000;

    /// <summary>
    /// Per time present at every width, the paired gaps of the seeds present at every width to the largest
    /// width (<see cref="PairedRiskGap"/>); null with fewer than 2 such seeds or fewer than 2 non-reference widths.
    /// </summary>
    public static IReadOnlyList<PairedRiskGap>? PairedGaps(ulong sweepSeed, IReadOnlyList<int> n, IReadOnlyList<IReadOnlyList<PointOutcome>> seeds)
    {
        ArgumentNullException.ThrowIfNull(n);
        ArgumentNullException.ThrowIfNull(seeds);
        int[] common = [.. seeds.Select(g => g.Select(o => o.Point.Seed)).Aggregate((a, b) => a.Intersect(b)).Order()];
        int widths = n.Count - 1;
        if (common.Length < 2 || widths < 2)
        {
            return null;
        }

        var bySeed = seeds.Select(g => g.GroupBy(o => o.Point.Seed).ToDictionary(x => x.Key, x => x.First())).ToArray();
        double[] widthsFitted = [.. n.Take(widths).Select(v => (double)v)];
        double expected = PowerLawFit.Fit(widthsFitted, [.. widthsFitted.Select(v => Math.Sqrt((1.0 / v) - (1.0 / n[^1])))])!.Exponent;
        List<PairedRiskGap> result = [];
        foreach (double time in bySeed[^1][common[0]].Risk.Select(r => r.Time))
        {
            if (Gaps(bySeed, common, time) is not { } gap)
            {
                continue;
            }

            double[] rms = [.. gap.Select(d => Math.Sqrt(d.Average(v => v * v)))];
            var meanAndSe = gap.Select(MeanAndStdErr).ToArray();
            result.Add(new PairedRiskGap(time, [.. n.Take(widths)], common.Length, rms, [.. meanAndSe.Select(m => m.Mean)], [.. meanAndSe.Select(m => m.StdErr)], GapFit(sweepSeed, time, widthsFitted, gap, rms), expected));
        }

        return result;
    }

    // gap[g][k]: width g's run of seed common[k] minus the reference's (the last width) at time; null when a run lacks it.
    private static double[][]? Gaps(Dictionary<int, PointOutcome>[] bySeed, int[] common, double time)
    {
        var gap = new double[bySeed.Length - 1][];
        for (int g = 0; g < gap.Length; g++)
        {
            gap[g] = new double[common.Length];
            for (int k = 0; k < common.Length; k++)
            {
                if (RiskAt(bySeed[g][common[k]], time) is not double here || RiskAt(bySeed[^1][common[k]], time) is not double reference)
                {
                    return null;
                }

                gap[g][k] = here - reference;
            }
        }

        return gap;
    }

    // The power-law fit of rms in N; the interval refits resamples of the seeds (the same resampled seeds at every width).
    private static FitSummary? GapFit(ulong sweepSeed, double time, double[] n, double[][] gap, double[] rms)
    {
        if (rms.Any(r => !(r > 0)) || PowerLawFit.Fit(n, rms) is not { } fit)
        {
            return null;
        }

        int seeds = gap[0].Length;
        var rng = RandomStreams.Create(sweepSeed, RandomStreams.Purpose.Observation, [ObservationTags.PairedGapBootstrap, BitConverter.DoubleToUInt64Bits(time)]);
        var exponents = new List<double>(PairedBootstrapResamples);
        var pick = new int[seeds];
        var resampled = new double[n.Length];
        for (int b = 0; b < PairedBootstrapResamples; b++)
        {
            for (int k = 0; k < seeds; k++)
            {
                pick[k] = Data.RandomIndex.Next(ref rng, seeds);
            }

            for (int g = 0; g < n.Length; g++)
            {
                resampled[g] = Math.Sqrt(pick.Sum(k => gap[g][k] * gap[g][k]) / seeds);
            }

            if (resampled.All(r => r > 0))
            {
                exponents.Add(PowerLawFit.Fit(n, resampled)!.Exponent);
            }
        }

        if (exponents.Count < PairedBootstrapResamples / 2)
        {
            return new FitSummary(fit.Exponent, null, null, fit.Prefactor, fit.Points, fit.RSquared);
        }

        exponents.Sort();
        double mean = exponents.Average();
        double sd = Math.Sqrt(exponents.Sum(e => (e - mean) * (e - mean)) / (exponents.Count - 1));
        ReadOnlySpan<double> sorted = CollectionsMarshal.AsSpan(exponents);
        return new FitSummary(fit.Exponent, sd, [Bootstrap.Percentile(sorted, 0.025), Bootstrap.Percentile(sorted, 0.975)], fit.Prefactor, fit.Points, fit.RSquared);
    }

    private static double? RiskAt(PointOutcome o, double time) =>
        o.Risk.FirstOrDefault(r => Close(r.Time, time)) is { } r ? r.Risk : null;

    // Mean risk over seeds per time (times present in every width).
    private static List<(double Time, double[] Mean, double[] StdErr)> RiskTable(List<PointOutcome>[] seeds)
    {
        List<(double Time, double[] Mean, double[] StdErr)> rows = [];
        foreach (double time in seeds[0].SelectMany(o => o.Risk).Select(r => r.Time).Distinct().Order())
        {
            var mean = new double[seeds.Length];
            var se = new double[seeds.Length];
            bool complete = true;
            for (int g = 0; g < seeds.Length && complete; g++)
            {
                double[] values = [.. seeds[g].Select(o => RiskAt(o, time)).OfType<double>()];
                complete = values.Length > 0;
                if (complete)
                {
                    (mean[g], se[g]) = MeanAndStdErr(values);
                }
            }

            if (complete)
            {
                rows.Add((time, mean, se));
            }
        }

        return rows;
    }

    private static List<RiskAtTime> RiskFits(SweepSpec spec, PointSpec point, int q, int[] n, IReadOnlyList<IReadOnlyList<int>> groupWidths, List<PointOutcome>[] seeds)
    {
        double[] widths = [.. n.Select(v => (double)v)];
        return [.. RiskTable(seeds).Select(row =>
        {
            WidthExtrapolationResult? fit = WidthExtrapolationFit.Fit(widths, row.Mean, row.StdErr);
            ExpectedCorrection expected = WidthCorrections.Expected(spec, point, q, row.Time, groupWidths);
            return new RiskAtTime(row.Time, n, row.Mean, row.StdErr, fit)
            {
                Correction = WidthCorrections.Classify(widths, row.Mean, row.StdErr, fit, expected),
                Controlled = Controlled(widths, seeds, row.Time, row.StdErr, expected),
            };
        })];
    }

    /// <summary>Fewest seeds per width for the controlled estimate (three regression parameters).</summary>
    public const int MinControlledSeeds = 8;

    private static ControlledRisk? Controlled(double[] widths, List<PointOutcome>[] seeds, double time, double[] plainStdErr, ExpectedCorrection expected)
    {
        var mean = new double[seeds.Length];
        var se = new double[seeds.Length];
        var ratio = new double[seeds.Length];
        for (int g = 0; g < seeds.Length; g++)
        {
            var rows = seeds[g].Select(o => (Risk: RiskAt(o, time), Z: Probe(o, FeatureNames.OutputControls, 0.0))).ToList();
            if (rows.Count < MinControlledSeeds || rows.Any(r => r.Risk is null || r.Z is not { Count: 2 }))
            {
                return null;
            }

            if (ControlVariates.Intercept([.. rows.Select(r => r.Risk!.Value)], [.. rows.Select(r => r.Z![0])], [.. rows.Select(r => r.Z![1])]) is not { } estimate)
            {
                return null;
            }

            (mean[g], se[g]) = estimate;
            ratio[g] = plainStdErr[g] > 0 ? se[g] * se[g] / (plainStdErr[g] * plainStdErr[g]) : double.NaN;
        }

        WidthExtrapolationResult? fit = WidthExtrapolationFit.Fit(widths, mean, se);
        return new ControlledRisk(mean, se, ratio, fit) { Correction = WidthCorrections.Classify(widths, mean, se, fit, expected) };
    }

    private static CurveDistance? RiskDistance(int[] n, List<PointOutcome>[] seeds)
    {
        var rows = RiskTable(seeds);
        if (rows.Count == 0)
        {
            return null;
        }

        double[] distance = [.. Enumerable.Range(0, n.Length - 1).Select(g => rows.Max(r => Math.Abs(r.Mean[g] - r.Mean[^1])))];
        return Distance(n, distance);
    }

    private static CurveDistance Distance(int[] n, double[] distance) =>
        new([.. n.Take(n.Length - 1)], distance, FitSummary.From(PowerLawFit.Fit([.. n.Take(n.Length - 1).Select(v => (double)v)], distance)));

    private static OutputVariance? InitialVariance(SweepSpec spec, PointSpec point, int q, int[] n, List<PointOutcome>[] seeds)
    {
        var variance = new double[n.Length];
        var counts = new int[n.Length];
        for (int g = 0; g < n.Length; g++)
        {
            IReadOnlyList<double>[] outputs = [.. seeds[g].Select(o => Probe(o, FeatureNames.OutputProbe, 0.0)).OfType<IReadOnlyList<double>>()];
            counts[g] = outputs.Length;
            int k = outputs.Length == 0 ? 0 : outputs.Min(v => v.Count);
            if (outputs.Length < 2 || k == 0)
            {
                return null;
            }

            variance[g] = Enumerable.Range(0, k).Average(j => SampleVariance([.. outputs.Select(v => v[j])]));
        }

        return new OutputVariance(n, counts, variance, SlopeFit.From(PowerLawFit.Fit([.. n.Select(v => (double)v)], variance)), ExpectedVarianceSlope(spec, point, q));
    }

    /// <summary>
    /// The slope in N of the variance of the initial output derived in docs/models.md: 1 − 2γ for L = 1;
    /// for L = 2 with mean-zero unstructured W, no random bias, and an activation with σ(0) = 0, σ'(0) ≠ 0
    /// that is odd (tanh, erf, identity) or, with mean-zero output weights, relu, the variance is
    /// N_1^{1−2γ_1} N_2^{1−2γ_2}: slope (1 − 2γ_1) + (1 − 2γ_2) when every width grows
    /// (<paramref name="varying"/> = −1), 1 − 2γ_q when only N_q does. Null otherwise.
    /// </summary>
    public static double? ExpectedVarianceSlope(SweepSpec spec, PointSpec point, int varying = -1)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(point);
        InitSpec init = spec.Model.Init;
        if (init.OutputStd == 0 && init.OutputMean == 0)
        {
            return null;
        }

        if (point.Layers == 1)
        {
            return 1 - (2 * point.Gamma[0]);
        }

        string kind = spec.Model.Activation.Kind;
        bool odd = kind is ActivationKinds.Tanh or ActivationKinds.Erf or ActivationKinds.Identity;
        bool relu = kind == ActivationKinds.Relu && init.OutputMean == 0;
        bool randomBias = spec.Model.Bias && init.BiasStd > 0;
        if (point.Layers != 2 || !(odd || relu) || init.HiddenMean != 0 || init.HiddenStructure != 0 || randomBias || init.HiddenStd == 0)
        {
            return null;
        }

        return varying < 0 ? (1 - (2 * point.Gamma[0])) + (1 - (2 * point.Gamma[1])) : 1 - (2 * point.Gamma[varying]);
    }

    private static List<SpreadAtTime> Spreads(int layers, int[] n, List<PointOutcome>[] seeds)
    {
        List<SpreadAtTime> result = [];
        for (int l = 1; l <= layers; l++)
        {
            string feature = FeatureNames.Spread(l);
            foreach (double time in seeds[^1].SelectMany(o => o.Snapshots).Where(s => s.Feature == feature).Select(s => s.Time).Distinct().Order())
            {
                var mean = new double[n.Length];
                var se = new double?[n.Length];
                bool complete = true;
                for (int g = 0; g < n.Length && complete; g++)
                {
                    double[] perSeed = [.. seeds[g].Select(o => Probe(o, feature, time)).OfType<IReadOnlyList<double>>().Where(v => v.Count > 0).Select(v => v.Average())];
                    complete = perSeed.Length > 0;
                    if (complete)
                    {
                        (mean[g], double s) = MeanAndStdErr(perSeed);
                        se[g] = perSeed.Length > 1 ? s : null;
                    }
                }

                if (complete)
                {
                    result.Add(new SpreadAtTime(l, time, n, mean, se, SlopeFit.From(PowerLawFit.Fit([.. n.Select(v => (double)v)], mean))));
                }
            }
        }

        return result;
    }

    // The neuron features of the layers whose width is fixed in the family: b_ℓ and W^{ℓ−1} row means of
    // layer ℓ, c of layer L (edge samples and first-layer features depend on N_1's neurons).
    private static List<LawDistance> Laws(int layers, int q, int[] n, List<PointOutcome>[] seeds)
    {
        List<string> features = [];
        for (int l = 1; l <= layers; l++)
        {
            if (l - 1 == q)
            {
                continue;
            }

            if (l == 1)
            {
                features.Add(FeatureNames.WeightNorm);
            }
            else
            {
                features.Add(FeatureNames.RowMean(l - 1));
            }

            features.Add(FeatureNames.Bias(l));
            if (l == layers)
            {
                features.Add(FeatureNames.Output);
            }
        }

        List<LawDistance> result = [];
        foreach (string feature in features)
        {
            foreach (double time in seeds[^1].SelectMany(o => o.Snapshots).Where(s => s.Feature == feature).Select(s => s.Time).Distinct().Order())
            {
                List<IReadOnlyList<double>>[] laws = [.. seeds.Select(s => s.Select(o => Probe(o, feature, time)).OfType<IReadOnlyList<double>>().ToList())];
                if (laws.Any(l => l.Count == 0))
                {
                    continue;
                }

                int levels = laws.SelectMany(l => l).Max(v => v.Count);
                double[][] pooled = [.. laws.Select(l => Distances.PooledQuantiles(l, levels))];
                double[] distance = [.. pooled.Take(pooled.Length - 1).Select(p => Distances.W1(p, pooled[^1]))];
                result.Add(new LawDistance(feature, time, Distance(n, distance)));
            }
        }

        return result;
    }

    private static IReadOnlyList<double>? Probe(PointOutcome o, string feature, double time) =>
        o.Snapshots.FirstOrDefault(s => s.Feature == feature && Close(s.Time, time))?.Values;

    private static (double Mean, double StdErr) MeanAndStdErr(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return values.Count < 2 ? (mean, 0.0) : (mean, Math.Sqrt(SampleVariance(values) / values.Count));
    }

    private static double SampleVariance(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
    }

    private static bool Close(double a, double b) => a == b || Math.Abs(a - b) <= TimeTolerance * Math.Max(Math.Abs(a), Math.Abs(b));

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
