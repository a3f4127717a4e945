using System.Globalization;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Commands;

/// <summary>
/// <c>mfc pde</c>: solves the mean-field limit of a sweep alone (the reduced radial equation of MMN
/// example 1, or the anisotropic (r1, r2) equation of MMN example 2) and writes pde.csv: t, risk, level,
/// radius (the quantile of ‖w‖ at that level), and for the anisotropic limit also r1, r2 (the quantiles of
/// the block norms ‖w_{1..s0}‖ and ‖w_{s0+1..d}‖).
/// </summary>
internal static class PdeCommand
{
    public static async Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, string? outDirectory, bool force, bool leadingOrderOnly, TextWriter output, TextWriter error)
    {
        if (SpecInput.Load(specPath, overrides, error) is not var (spec, points))
        {
            return SpecInput.BadInput;
        }

        bool anisotropic = spec.Data.Kind == DataKinds.AnisotropicGaussian;
        string name = anisotropic ? "anisotropic" : "radial";
        if (ReducedLimit.Check(spec) is { } reason)
        {
            await error.WriteLineAsync($"error: model: the {name} PDE does not apply to this spec: {reason}.");
            return SpecInput.BadInput;
        }

        string directory = Path.GetFullPath(outDirectory ?? Path.Combine("results", spec.Name + "-pde"));
        if (OutputFolder.Check(directory) is { } unusable)
        {
            await error.WriteLineAsync($"error: {unusable}.");
            return SpecInput.BadInput;
        }

        string file = Path.Combine(directory, "pde.csv");
        if (File.Exists(file) && !force)
        {
            await error.WriteLineAsync($"error: --out: '{file}' exists; pass --force to overwrite it or choose another folder.");
            return SpecInput.BadInput;
        }

        // The times every point records (risk and snapshots), up to the longest horizon of the grid.
        double[] times = [.. points.SelectMany(p => p.RiskSteps.Concat(p.SnapshotSteps).Select(k => k * p.StepSize)).Distinct().Order()];
        LimitCurve solution = ReducedLimit.Solve(spec, times, leadingOrderOnly);

        Directory.CreateDirectory(directory);
        string temporary = file + ".partial";
        await using (var w = new StreamWriter(temporary))
        {
            await w.WriteAsync(anisotropic ? "t,risk,level,radius,r1,r2\n" : "t,risk,level,radius\n");
            foreach (LimitPoint s in solution.Points)
            {
                string prefix = string.Create(CultureInfo.InvariantCulture, $"{s.Time:R},{s.Risk:R},");
                for (int j = 0; j < s.NormQuantiles.Count; j++)
                {
                    string blocks = s.R1Quantiles is { } r1 && s.R2Quantiles is { } r2 ? string.Create(CultureInfo.InvariantCulture, $",{r1[j]:R},{r2[j]:R}") : "";
                    await w.WriteAsync(prefix + string.Create(CultureInfo.InvariantCulture, $"{solution.QuantileLevels[j]:R},{s.NormQuantiles[j]:R}") + blocks + "\n");
                }
            }
        }

        File.Move(temporary, file, overwrite: true);
        string where = anisotropic ? string.Create(CultureInfo.InvariantCulture, $"d = {spec.Data.Dimension}, s0 = {spec.Data.InformativeDimensions}") : string.Create(CultureInfo.InvariantCulture, $"d = {spec.Data.Dimension}");
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{name} PDE, {where}{(leadingOrderOnly ? " (n = 0 term only: the d = infinity dynamics)" : "")}, {solution.Particles} particles, RK4 step {solution.IntegratorStep}: risk {solution.Risks[0]:G6} at t = 0, {solution.Risks[^1]:G6} at t = {solution.Times[^1]:G6}; Hermite orders up to {solution.Points.Max(p => p.HermiteOrder)}{(solution.Points.All(p => p.HermiteConverged) ? "" : " (not converged to the tolerance)")}"));
        if (anisotropic)
        {
            LimitPoint first = solution.Points[0], last = solution.Points[^1];
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"median block norms (r1, r2): ({Median(first.R1Quantiles!, solution):G4}, {Median(first.R2Quantiles!, solution):G4}) at t = 0, ({Median(last.R1Quantiles!, solution):G4}, {Median(last.R2Quantiles!, solution):G4}) at t = {last.Time:G6}"));
        }

        if (solution.Radial?.Settings is { Beta: { } beta } settings && double.IsFinite(beta))
        {
            NoisyStationaryLaw stationary = NoisyRadialSolver.Stationary(settings);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"noisy limit (beta = {beta:G6}, ridge = {settings.Ridge:G6}, {settings.GridCells} cells): Gibbs fixed point mean |w| {stationary.MeanNorm:G6}, SD {stationary.SdNorm:G6}, risk {stationary.Risk:G6}"));
        }

        await output.WriteLineAsync($"results: {file}");
        return 0;
    }

    // The quantile nearest level 1/2.
    private static double Median(IReadOnlyList<double> quantiles, LimitCurve solution)
    {
        int best = 0;
        for (int j = 1; j < quantiles.Count; j++)
        {
            if (Math.Abs(solution.QuantileLevels[j] - 0.5) < Math.Abs(solution.QuantileLevels[best] - 0.5))
            {
                best = j;
            }
        }

        return quantiles[best];
    }
}
