using System.Globalization;
using MeanFieldCluster.Engine.Limit;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Commands;

/// <summary>
/// <c>mfc pde</c>: solves the mean-field limit of a sweep alone (the reduced radial equation of MMN
/// example 1) and writes pde.csv: t, risk, level, radius (the radial law's quantile at that level).
/// </summary>
internal static class PdeCommand
{
    public static async Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, string? outDirectory, bool force, bool leadingOrderOnly, TextWriter output, TextWriter error)
    {
        if (SpecInput.Load(specPath, overrides, error) is not var (spec, points))
        {
            return SpecInput.BadInput;
        }

        if (RadialReduction.Check(spec) is { } reason)
        {
            await error.WriteLineAsync($"error: model: the radial PDE does not apply to this spec: {reason}.");
            return SpecInput.BadInput;
        }

        string directory = Path.GetFullPath(outDirectory ?? Path.Combine("results", spec.Name + "-pde"));
        string file = Path.Combine(directory, "pde.csv");
        if (File.Exists(file) && !force)
        {
            await error.WriteLineAsync($"error: --out: '{file}' exists; pass --force to overwrite it or choose another folder.");
            return SpecInput.BadInput;
        }

        // The times every point records (risk and snapshots), up to the longest horizon of the grid.
        double[] times = [.. points.SelectMany(p => p.RiskSteps.Concat(p.SnapshotSteps).Select(k => k * p.StepSize)).Distinct().Order()];
        RadialPdeSettings settings = RadialReduction.Settings(spec, times[^1], times);
        if (leadingOrderOnly)
        {
            // n = 0 only: the d = infinity dynamics, started from the finite-d initial law.
            settings = settings with { MaxHermiteOrder = 0 };
        }

        RadialPdeSolution solution = RadialPdeSolver.Solve(settings);

        Directory.CreateDirectory(directory);
        string temporary = file + ".partial";
        await using (var w = new StreamWriter(temporary))
        {
            await w.WriteAsync("t,risk,level,radius\n");
            foreach (RadialPdeSnapshot s in solution.Snapshots)
            {
                string prefix = string.Create(CultureInfo.InvariantCulture, $"{s.Time:R},{s.Risk:R},");
                for (int j = 0; j < s.Quantiles.Count; j++)
                {
                    await w.WriteAsync(prefix + string.Create(CultureInfo.InvariantCulture, $"{solution.QuantileLevels[j]:R},{s.Quantiles[j]:R}\n"));
                }
            }
        }

        File.Move(temporary, file, overwrite: true);
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"radial PDE, d = {spec.Data.Dimension}{(leadingOrderOnly ? " (n = 0 term only: the d = infinity dynamics)" : "")}, {settings.Particles} particles, RK4 step {settings.StepSize}: risk {solution.Risks[0]:G6} at t = 0, {solution.Risks[^1]:G6} at t = {solution.Times[^1]:G6}"));
        if (settings.Beta is { } beta && double.IsFinite(beta))
        {
            NoisyStationaryLaw stationary = NoisyRadialSolver.Stationary(settings);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"noisy limit (beta = {beta:G6}, ridge = {settings.Ridge:G6}, {settings.GridCells} cells): Gibbs fixed point mean |w| {stationary.MeanNorm:G6}, SD {stationary.SdNorm:G6}, risk {stationary.Risk:G6}"));
        }

        await output.WriteLineAsync($"results: {file}");
        return 0;
    }
}
