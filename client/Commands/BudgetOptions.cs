using System.CommandLine;
using System.Globalization;
using MeanFieldCluster.Engine.Specs;

namespace MeanFieldCluster.Client.Commands;

/// <summary>
/// <c>--max-point-memory</c>, <c>--max-point-hours</c> and <c>--max-points</c>: the resource budget a sweep's points are checked
/// against before anything runs (defaults: $MFC_MAX_POINT_MEMORY and $MFC_MAX_POINT_HOURS, else a quarter of
/// this machine's memory and 7 days of one core per point).
/// </summary>
internal sealed class BudgetOptions
{
    public BudgetOptions()
    {
        Memory = new Option<string?>("--max-point-memory")
        {
            Description = "Refuse points estimated to need more memory than this, e.g. 2GB or 512MiB (default: $MFC_MAX_POINT_MEMORY, else a quarter of this machine's memory).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_MAX_POINT_MEMORY"),
        };
        Memory.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string?>();
            if (value is not null && ResourceEstimator.ParseBytes(value) is null)
            {
                r.AddError($"--max-point-memory: '{value}' is not a size; expected {ResourceEstimator.SizeSyntax}");
            }
        });
        Hours = new Option<string?>("--max-point-hours")
        {
            Description = "Refuse points estimated to need more single-core hours than this (default: $MFC_MAX_POINT_HOURS, else 168).",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable("MFC_MAX_POINT_HOURS"),
        };
        Hours.Validators.Add(r =>
        {
            string? value = r.GetValueOrDefault<string?>();
            if (value is not null && ParseHours(value) is null)
            {
                r.AddError($"--max-point-hours: '{value}' is not allowed; expected a number of hours > 0 (e.g. 24)");
            }
        });
    }

    public Option<long> MaxPoints { get; } = new("--max-points")
    {
        Description = $"Refuse sweeps with more points than this (default {ResourceBudget.DefaultMaxPoints}).",
        DefaultValueFactory = _ => ResourceBudget.DefaultMaxPoints,
        CustomParser = IntegerOption.AtLeastOne("--max-points", ResourceBudget.DefaultMaxPoints, end: ""),
    };

    public Option<string?> Memory { get; }

    public Option<string?> Hours { get; }

    /// <summary>Adds both options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Memory);
        command.Options.Add(Hours);
        command.Options.Add(MaxPoints);
    }

    /// <summary>The budget the parse result asks for.</summary>
    public ResourceBudget Budget(ParseResult parse) =>
        ResourceBudget.From(parse.GetValue(Memory), parse.GetValue(Hours) is { } hours ? ParseHours(hours) : null) with { MaxPoints = parse.GetValue(MaxPoints) };

    private static double? ParseHours(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double h) && double.IsFinite(h) && h > 0 ? h : null;
}
