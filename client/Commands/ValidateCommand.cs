namespace MeanFieldCluster.Client.Commands;

/// <summary><c>mfc validate</c>: checks a spec and its grid without running anything.</summary>
internal static class ValidateCommand
{
    public static async Task<int> ExecuteAsync(string specPath, IReadOnlyList<string> overrides, TextWriter output, TextWriter error)
    {
        if (SpecInput.Load(specPath, overrides, error) is not var (spec, points))
        {
            return SpecInput.BadInput;
        }

        long steps = points.Sum(p => p.Steps);
        await output.WriteLineAsync($"{specPath}: valid. Sweep '{spec.Name}': {points.Count} points, {steps:N0} SGD steps in all.");
        return 0;
    }
}
