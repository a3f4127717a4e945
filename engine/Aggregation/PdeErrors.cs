using MathNet.Numerics.Distributions;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;
using MeanFieldCluster.Engine.Training;

namespace MeanFieldCluster.Engine.Aggregation;

/// <summary>
/// The error of SGD against its limit taken apart (MATH section 7, "SGD against the limit"; docs/limit.md).
/// Per time t, width N and step size ε: the mean over seeds of R_{N,ε}(t) − R(t) with its standard error
/// (the bias) and the SD over seeds with its χ² 95% interval (the fluctuation). Per t, across the whole grid:
/// bias ≈ b(t)/N + c(t) ε and SD² ≈ s(t)²/N + q(t) ε (exponents fixed), and the same with the N exponent free
/// (<see cref="TwoTermFit"/>). Times are matched across step sizes to the nearest recorded time within one
/// step of the finest family's times; each gap is taken at the point's own time, where the PDE is solved too.
/// </summary>
/// <param name="RiskEstimate">The risk the gaps are built from (population: exact, no test-set noise; test: a shared test set's error is not in the SE).</param>
/// <param name="Cells">Per (t, N, ε).</param>
/// <param name="Fits">Per t (t &gt; 0 with at least 3 cells).</param>
/// <param name="HighlightTimes">The times nearest the spec's snapshot times (t &gt; 0), drawn by <c>mfc plot</c>.</param>
public sealed record PdeErrors(string RiskEstimate, IReadOnlyList<PdeErrorCell> Cells, IReadOnlyList<PdeErrorFit> Fits, IReadOnlyList<double> HighlightTimes)
{
    /// <summary>Builds the decomposition from completed points and the PDE solved at every recorded time.</summary>
    public static PdeErrors? Compute(SweepSpec spec, IReadOnlyList<PointOutcome> done, Func<double, double> limitRisk)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(done);
        ArgumentNullException.ThrowIfNull(limitRisk);
        if (done.Count == 0)
        {
            return null;
        }

        PointOutcome finest = done.OrderBy(o => o.Point.StepSize).ThenBy(o => o.Point.Index).First();
        double[] nominal = [.. finest.Risk.Select(r => r.Time).Distinct().Order()];
        var gaps = new List<(double T, int N, double Eps, int Seed, double Gap)>();
        foreach (PointOutcome o in done)
        {
            double tolerance = o.Point.StepSize * (1 + 1e-9);
            foreach (double t in nominal)
            {
                RiskPoint? near = o.Risk.MinBy(r => Math.Abs(r.Time - t));
                if (near is not null && Math.Abs(near.Time - t) <= tolerance)
                {
                    gaps.Add((t, o.Point.Width, o.Point.StepSize, o.Point.Seed, near.Risk - limitRisk(near.Time)));
                }
            }
        }

        var cells = gaps
            .GroupBy(g => (g.T, g.N, g.Eps))
            .OrderBy(g => g.Key.T).ThenBy(g => g.Key.Eps).ThenBy(g => g.Key.N)
            .Select(g => Cell(g.Key.T, g.Key.N, g.Key.Eps, [.. g.Select(x => x.Gap)]))
            .ToList();
        var runs = gaps.ToLookup(g => g.T, g => (g.N, g.Eps, g.Seed, g.Gap));
        double[] highlight = [.. SnapshotTimes(spec, finest).Where(t => t > 0).Select(t => nominal.MinBy(n => Math.Abs(n - t))).Distinct().Where(t => t > 0)];
        var fits = cells.Where(c => c.Time > 0).GroupBy(c => c.Time)
            .Select(g => Fit(g.Key, [.. g]) is { } fit ? fit with
            {
                BiasFreeExponentStepOffsets = fit.StepSizeIdentified ? PdeErrorsRobust.StepOffsets([.. g.Where(Usable).Select(c => (double)c.Width)], [.. g.Where(Usable).Select(c => c.StepSize)], [.. g.Where(Usable).Select(c => c.Bias)], [.. g.Where(Usable).Select(c => c.BiasStdErr!.Value)]) : null,
                // The bootstrap refits 200 times: only at the highlight times, which mfc plot draws and the docs quote.
                SeedBootstrap = fit.StepSizeIdentified && highlight.Contains(g.Key) ? PdeErrorsRobust.Bootstrap(spec.Seed, g.Key, [.. runs[g.Key]]) : null,
            } : null)
            .Where(f => f is not null).Select(f => f!).ToList();
        return new PdeErrors(spec.Observe.Risk, cells, fits, highlight);
    }

    private static IEnumerable<double> SnapshotTimes(SweepSpec spec, PointOutcome finest) =>
        finest.Point.SnapshotSteps.Select(k => k * finest.Point.StepSize);

    private static PdeErrorCell Cell(double time, int width, double stepSize, double[] gaps)
    {
        int n = gaps.Length;
        double mean = gaps.Average();
        if (n < 2)
        {
            return new PdeErrorCell(time, width, stepSize, n, mean, null, null, null, null);
        }

        double variance = gaps.Sum(g => (g - mean) * (g - mean)) / (n - 1);
        double sd = Math.Sqrt(variance);

        // (n - 1) s²/σ² ~ χ²_{n-1}: σ in [s √((n-1)/χ²_{0.975}), s √((n-1)/χ²_{0.025})].
        double low = sd * Math.Sqrt((n - 1) / ChiSquared.InvCDF(n - 1, 0.975));
        double high = sd * Math.Sqrt((n - 1) / ChiSquared.InvCDF(n - 1, 0.025));
        return new PdeErrorCell(time, width, stepSize, n, mean, sd / Math.Sqrt(n), sd, low, high);
    }

    private static bool Usable(PdeErrorCell c) => c.BiasStdErr is > 0 && c.Sd is > 0;

    private static PdeErrorFit? Fit(double time, PdeErrorCell[] cells)
    {
        PdeErrorCell[] usable = [.. cells.Where(Usable)];
        if (usable.Length < 3)
        {
            return null;
        }

        double[] n = [.. usable.Select(c => (double)c.Width)];
        double[] eps = [.. usable.Select(c => c.StepSize)];
        double[] bias = [.. usable.Select(c => c.Bias)];
        double[] se = [.. usable.Select(c => c.BiasStdErr!.Value)];
        double[] variance = [.. usable.Select(c => c.Sd!.Value * c.Sd.Value)];
        int[] seeds = [.. usable.Select(c => c.Seeds)];
        bool oneStepSize = eps.Distinct().Count() < 2;
        if (oneStepSize)
        {
            // One ε cannot separate c ε from a constant: fit b N^(-p) alone (c fixed at 0) by giving every point ε = 0.
            eps = new double[eps.Length];
        }

        return new PdeErrorFit(
            time,
            usable.Length,
            !oneStepSize,
            oneStepSize ? FitWithoutStep(n, bias, se, 1.0) : TwoTermFit.Fixed(n, eps, bias, se, 1.0),
            oneStepSize ? null : TwoTermFit.Free(n, eps, bias, se),
            oneStepSize ? null : TwoTermFit.FixedVariance(n, eps, variance, seeds, 1.0),
            oneStepSize ? null : TwoTermFit.FreeVariance(n, eps, variance, seeds));
    }

    // With one step size: b N^(-p) alone, weighted (the ε column is zero and drops out of the 2×2 system).
    private static FixedExponentFit? FitWithoutStep(double[] n, double[] y, double[] se, double exponent)
    {
        double s11 = 0, r1 = 0;
        for (int k = 0; k < n.Length; k++)
        {
            double x = Math.Pow(n[k], -exponent), w = 1 / (se[k] * se[k]);
            s11 += w * x * x;
            r1 += w * x * y[k];
        }

        double b = r1 / s11, chi = 0;
        for (int k = 0; k < n.Length; k++)
        {
            double r = (y[k] - (b * Math.Pow(n[k], -exponent))) / se[k];
            chi += r * r;
        }

        int dof = n.Length - 1;
        double scale = Math.Max(1.0, chi / dof);
        return new FixedExponentFit(exponent, b, Math.Sqrt(scale / s11), 0.0, 0.0, chi, dof);
    }
}

/// <summary>SGD against the limit at one (t, N, ε), over seeds.</summary>
/// <param name="Time">t.</param>
/// <param name="Width">N.</param>
/// <param name="StepSize">ε (resolved).</param>
/// <param name="Seeds">Seeds n.</param>
/// <param name="Bias">Mean over seeds of R_{N,ε}(t) − R(t).</param>
/// <param name="BiasStdErr">Its standard error (null with one seed).</param>
/// <param name="Sd">SD over seeds of R_{N,ε}(t) (null with one seed).</param>
/// <param name="SdLow95">Lower end of its χ² 95% interval.</param>
/// <param name="SdHigh95">Upper end.</param>
public sealed record PdeErrorCell(double Time, int Width, double StepSize, int Seeds, double Bias, double? BiasStdErr, double? Sd, double? SdLow95, double? SdHigh95);

/// <summary>The fits across the grid at one time.</summary>
/// <param name="Time">t.</param>
/// <param name="Cells">Cells used.</param>
/// <param name="StepSizeIdentified">Whether the grid has at least two step sizes (else the ε terms are not fitted).</param>
/// <param name="Bias">bias ≈ b/N + c ε (b is <see cref="FixedExponentFit.B"/>, c is <see cref="FixedExponentFit.C"/>).</param>
/// <param name="BiasFreeExponent">bias ≈ b N^(-a) + c ε with a free (MATH expects a = 1).</param>
/// <param name="Variance">SD² ≈ s²/N + q ε.</param>
/// <param name="VarianceFreeExponent">SD² ≈ s² N^(-p) + q ε with p free; the SD's exponent is p/2 (MATH expects 1/2).</param>
public sealed record PdeErrorFit(double Time, int Cells, bool StepSizeIdentified, FixedExponentFit? Bias, FreeExponentFit? BiasFreeExponent, FixedExponentFit? Variance, FreeExponentFit? VarianceFreeExponent)
{
    /// <summary>The exponent a of SD ≈ s N^(-a) (half the variance's), or null.</summary>
    public double? SdExponent => VarianceFreeExponent?.Exponent / 2;

    /// <summary>The lower end of its 95% interval (null when open or not fitted).</summary>
    public double? SdExponentLow95 => VarianceFreeExponent?.ExponentLow95 / 2;

    /// <summary>The upper end of its 95% interval (null when open or not fitted).</summary>
    public double? SdExponentHigh95 => VarianceFreeExponent?.ExponentHigh95 / 2;

    /// <summary>bias ≈ b N^(-a) + β_ε with one free offset per step size (null with one step size).</summary>
    public StepOffsetExponentFit? BiasFreeExponentStepOffsets { get; init; }

    /// <summary>Percentile intervals of the free exponents from a bootstrap over seeds, at the highlight times only (else null, and with one step size).</summary>
    public SeedBootstrapIntervals? SeedBootstrap { get; init; }
}
