using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Commands;

/// <summary>Loads a spec file with overrides and reports every error the way all commands do.</summary>
internal static class SpecInput
{
    /// <summary>Exit code for bad input: spec errors, usage errors, refused output folders.</summary>
    public const int BadInput = 2;

    /// <summary>
    /// The folder csv data files must lie under, from $MFC_DATA_ROOT; null (any readable file) when it is
    /// not set. Silos check their own data root again (mfc-silo --data-root).
    /// </summary>
    public static string? DataRoot => Environment.GetEnvironmentVariable("MFC_DATA_ROOT") is { Length: > 0 } root ? root : null;

    /// <summary>What a sweep id may be (it names grains and fills the sweep_id column of every table).</summary>
    public const string SweepIdRule = "1 to 100 characters from A-Z, a-z, 0-9, '.', '_', '-'";

    /// <summary>Whether <paramref name="id"/> follows <see cref="SweepIdRule"/>.</summary>
    public static bool IsValidSweepId(string id) =>
        id.Length is > 0 and <= 100 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>A new sweep id: &lt;name&gt;-&lt;UTC time&gt;-&lt;6 random hex digits&gt;.</summary>
    public static string NewSweepId(string name) => $"{name}-{DateTime.UtcNow:yyyyMMddTHHmmssZ}-{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>
    /// Loads and plans a spec and checks its points against <paramref name="budget"/> (when given); on error
    /// prints every problem, one per line, and returns null.
    /// </summary>
    public static (SweepSpec Spec, IReadOnlyList<PointSpec> Points)? Load(string path, IReadOnlyList<string> overrides, TextWriter error, ResourceBudget? budget = null)
    {
        try
        {
            SweepSpec spec = SpecLoader.LoadFile(path, overrides, DataRoot);
            long count = SweepPlanner.Count(spec);
            long maxPoints = budget?.MaxPoints ?? ResourceBudget.DefaultMaxPoints;
            if (count > maxPoints)
            {
                string sizes = string.Join(" × ", SweepPlanner.Axes(spec).Select(a => $"{a.Path} {a.Values.Count}"));
                error.WriteLine($"{path}: the sweep is too large (set --max-points to change the limit):");
                error.WriteLine($"error: grid: the sweep has {count:N0} points ({sizes}); expected at most {maxPoints:N0} (--max-points)");
                return null;
            }

            IReadOnlyList<PointSpec> points = SweepPlanner.Expand(spec);
            foreach (string warning in SpecWarnings.Of(spec))
            {
                error.WriteLine($"warning: {warning}");
            }

            IReadOnlyList<string> over = budget is null ? [] : ResourceEstimator.Check(spec, points, budget);
            if (over.Count > 0)
            {
                error.WriteLine($"{path}: the sweep does not fit the resource budget (set --max-point-memory / --max-point-hours to change it):");
                foreach (string message in over)
                {
                    error.WriteLine($"error: grid: {message}");
                }

                return null;
            }

            return (spec, points);
        }
        catch (SpecException ex)
        {
            error.WriteLine($"{path}: the spec is not valid:");
            foreach (SpecError e in ex.Errors)
            {
                error.WriteLine($"error: {e}");
            }

            return null;
        }
    }
}
