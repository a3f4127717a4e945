using System.CommandLine;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Commands;

/// <summary>
/// <c>--sweep path=v1,v2</c>: makes a spec field (or a named grid axis) an axis of the grid, as Hydra's
/// multirun does; each item stands for the override <c>--set grid.path=[v1,v2]</c> (docs/spec.md, "Any field is an axis").
/// </summary>
internal sealed class AxisOptions
{
    public Option<string[]> Sweep { get; } = new("--sweep")
    {
        Description = "Sweep a field: --sweep path=v1,v2 (e.g. --sweep data.delta=0.2,0.5 or --sweep width=100,200); points are the cartesian product. Repeatable.",
        AllowMultipleArgumentsPerToken = false,
        Validators =
        {
            r =>
            {
                foreach (string item in r.GetValueOrDefault<string[]>() ?? [])
                {
                    if (SpecAxes.ToOverride(item, out string? error) is null)
                    {
                        r.AddError(error!);
                    }
                }
            },
        },
    };

    /// <summary>Adds the option to <paramref name="command"/>.</summary>
    public void AddTo(Command command) => command.Options.Add(Sweep);

    /// <summary>The <c>--set</c> items followed by the overrides the <c>--sweep</c> items stand for.</summary>
    public IReadOnlyList<string> Overrides(ParseResult parse, Option<string[]> set) =>
        [.. parse.GetValue(set) ?? [], .. (parse.GetValue(Sweep) ?? []).Select(s => SpecAxes.ToOverride(s, out _)).OfType<string>()];
}
