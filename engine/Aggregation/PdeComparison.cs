using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Observables;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// SGD measured against its mean-field limit (MATH section 4.1; the anisotropic reduction of docs/limit.md for
/// anisotropic-gaussian data): the reduced PDE is solved once for the sweep (<see cref="ReducedLimit"/>; while the
/// sweep runs when the coordinator started it ahead, <see cref="LimitPrefetch"/>), then per width the sup over recorded times of |risk_SGD(t) − risk_PDE(t)| and, at each snapshot,
/// W1 between the law of ‖w_i‖ and the PDE's law of ‖w‖, with means and standard errors over seeds and
/// power-law fits in N.
/// </summary>
/// <param name="Reference">What the SGD runs are compared with.</param>
/// <param name="Dimension">d of the finite-d equation.</param>
/// <param name="Particles">Lagrangian particles of the solver.</param>
/// <param name="IntegratorStep">RK4 step of the solver.</param>
/// <param name="Times">The PDE's output times.</param>
/// <param name="Risk">The PDE risk at those times.</param>
/// <param name="Families">Per step size.</param>
public sealed record PdeComparison(string Reference, int Dimension, int Particles, double IntegratorStep, IReadOnlyList<double> Times, IReadOnlyList<double> Risk, IReadOnlyList<PdeFamily> Families)
{
    /// <summary>The mean risk at t = 0 against its exact prediction R(ρ_0) + C/N.</summary>
    public PdeInitialRisk? InitialRisk { get; init; }

    /// <summary>Bias and fluctuation per (t, N, ε), fitted apart across the grid.</summary>
    public PdeErrors? Errors { get; init; }

    /// <summary>The reference description written to aggregate.json for the radial limit.</summary>
    public const string RadialPde = ReducedLimit.Radial;

    /// <summary>The field axes' values of the points compared; null (not written) without field axes.</summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<AxisCoordinate>? Axes { get; init; }

    /// <summary>The comparison for a sweep, or null when the sweep does not admit the reduction or has no completed point.</summary>
    public static PdeComparison? Compute(SweepSpec spec, IReadOnlyList<PointOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(outcomes);
        // Completed points, a point reported twice counted once (the first report), as in the rest of the aggregation.
        PointOutcome[] done = [.. outcomes.Where(o => o.Status == RunStatus.Completed).GroupBy(o => o.Point.Index).Select(g => g.First()).OrderBy(o => o.Point.Index)];
        if (ReducedLimit.Check(spec) is not null || done.Length == 0)
        {
            return null;
        }

        double[] times = [.. done.SelectMany(o => o.Risk.Select(r => r.Time).Concat(o.Snapshots.Select(s => s.Time))).Distinct().Order()];
        LimitCurve pde = LimitPrefetch.Take(spec, times) ?? ReducedLimit.Solve(spec, times);
        var families = done
            .GroupBy(o => FamilyKey(o.Point))
            .OrderBy(g => g.Key.Value).ThenBy(g => g.Key.DividedByWidth)
            .Select(g => Family(g.Key, [.. g], pde))
            .ToList();
        return new PdeComparison(pde.Reference, spec.Data.Dimension, pde.Particles, pde.IntegratorStep, pde.Times, pde.Risks, families)
        {
            InitialRisk = PdeInitialRisk.Compute(spec, done),
            Errors = PdeErrors.Compute(spec, done, t => pde.At(t).Risk),
        };
    }

    /// <summary>
    /// The times a sweep's comparison is made at when every point completes: each point's risk and snapshot steps
    /// times its step size (the time a run records, step · ε), over all points, distinct and ascending.
    /// </summary>
    public static double[] PlannedTimes(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return [.. SweepPlanner.Expand(spec).SelectMany(p => p.RiskSteps.Concat(p.SnapshotSteps).Select(step => step * p.StepSize)).Distinct().Order()];
    }

    private static PdeFamily Family(StepSizeSpec step, PointOutcome[] outcomes, LimitCurve pde)
    {
        var widths = new List<PdeWidth>();
        foreach (var group in outcomes.GroupBy(o => o.Point.Width).OrderBy(g => g.Key))
        {
            double[] gaps = [.. group.Select(o => o.Risk.Max(r => Math.Abs(r.Risk - pde.At(r.Time).Risk)))];
            var w1 = group
                .SelectMany(o => o.Snapshots.Where(s => s.Feature == FeatureNames.WeightNorm).Select(s => (s.Time, W1: Distances.W1([.. s.Values], [.. pde.At(s.Time).NormQuantiles]))))
                .GroupBy(x => x.Time)
                .OrderBy(x => x.Key)
                .Select(x => MeanAt(x.Key, [.. x.Select(v => v.W1)]))
                .ToList();
            (double mean, double? stderr) = MeanAndStdErr(gaps);
            widths.Add(new PdeWidth(group.Key, gaps.Length, mean, stderr, w1));
        }

        double[] n = [.. widths.Select(w => (double)w.Width)];
        FitSummary? gapFit = FitSummary.From(PowerLawFit.Fit(n, [.. widths.Select(w => w.RiskGapMean)]));
        var w1Fits = widths.SelectMany(w => w.W1.Select(p => p.Time)).Distinct().Order()
            .Select(t => new PdeTimeFit(t, FitSummary.From(PowerLawFit.Fit(n, [.. widths.Select(w => w.W1.FirstOrDefault(p => p.Time == t)?.Mean ?? double.NaN)]))))
            .ToList();
        return new PdeFamily(step.Value, step.DividedByWidth, widths, gapFit, w1Fits);
    }

    private static PdeTimeMean MeanAt(double time, double[] values)
    {
        (double mean, double? stderr) = MeanAndStdErr(values);
        return new PdeTimeMean(time, values.Length, mean, stderr);
    }

    private static (double Mean, double? StdErr) MeanAndStdErr(double[] values)
    {
        double mean = values.Average();
        return values.Length < 2 ? (mean, null) : (mean, Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1) / values.Length));
    }

    // The grid step size a point was run with: c/N entries resolve differently per width but form one family.
    private static StepSizeSpec FamilyKey(PointSpec point) => SweepPlanner.StepSizeEntry(point);
}

/// <summary>One step-size family of the PDE comparison.</summary>
/// <param name="StepSize">ε, or c when <paramref name="StepSizeDividedByWidth"/>.</param>
/// <param name="StepSizeDividedByWidth">Whether ε = c / N.</param>
/// <param name="Widths">Per width.</param>
/// <param name="RiskGapFit">Fit of the mean risk gap ≈ C N^(−a).</param>
/// <param name="W1Fits">Fit of the mean W1 ≈ C N^(−a) at each snapshot time.</param>
public sealed record PdeFamily(double StepSize, bool StepSizeDividedByWidth, IReadOnlyList<PdeWidth> Widths, FitSummary? RiskGapFit, IReadOnlyList<PdeTimeFit> W1Fits);

/// <summary>The comparison at one width.</summary>
/// <param name="Width">N.</param>
/// <param name="Seeds">Completed seeds.</param>
/// <param name="RiskGapMean">Mean over seeds of sup_t |risk_SGD(t) − risk_PDE(t)|.</param>
/// <param name="RiskGapStdErr">Its standard error over seeds (null with one seed).</param>
/// <param name="W1">Mean W1(law of ‖w_i‖, PDE radial law) at each snapshot time.</param>
public sealed record PdeWidth(int Width, int Seeds, double RiskGapMean, double? RiskGapStdErr, IReadOnlyList<PdeTimeMean> W1);

/// <summary>A mean over seeds at one time.</summary>
/// <param name="Time">t.</param>
/// <param name="Seeds">Seeds.</param>
/// <param name="Mean">Mean.</param>
/// <param name="StdErr">Standard error (null with one seed).</param>
public sealed record PdeTimeMean(double Time, int Seeds, double Mean, double? StdErr);

/// <summary>A fit at one time.</summary>
/// <param name="Time">t.</param>
/// <param name="Fit">The fit over widths, or null.</param>
public sealed record PdeTimeFit(double Time, FitSummary? Fit);
