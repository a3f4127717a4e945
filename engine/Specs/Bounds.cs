using System.Globalization;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>An allowed numeric range, with the wording used in error messages ("an integer &gt;= 1 and &lt;= 64").</summary>
/// <param name="Min">Lower bound, or null for none.</param>
/// <param name="MinExclusive">Whether <paramref name="Min"/> itself is excluded.</param>
/// <param name="Max">Upper bound, or null for none.</param>
/// <param name="MaxExclusive">Whether <paramref name="Max"/> itself is excluded.</param>
internal sealed record Bounds(double? Min, bool MinExclusive, double? Max, bool MaxExclusive)
{
    /// <summary>Any finite value.</summary>
    public static readonly Bounds Any = new(null, false, null, false);

    public static Bounds AtLeast(double min) => new(min, false, null, false);

    public static Bounds Above(double min) => new(min, true, null, false);

    public static Bounds Between(double min, double max) => new(min, false, max, false);

    public static Bounds AboveUpTo(double min, double max) => new(min, true, max, false);

    /// <summary>Whether a finite value lies in the range (non-finite values never do).</summary>
    public bool Contains(double value) =>
        double.IsFinite(value)
        && (Min is not { } lo || (MinExclusive ? value > lo : value >= lo))
        && (Max is not { } hi || (MaxExclusive ? value < hi : value <= hi));

    /// <summary>"an integer &gt;= 1 and &lt;= 64", "a finite number &gt; 0"; plural: "integers &gt;= 1 and &lt;= 64".</summary>
    public string Describe(bool integer, bool plural = false)
    {
        string noun = (integer, plural) switch
        {
            (true, false) => "an integer",
            (true, true) => "integers",
            (false, false) => "a finite number",
            (false, true) => "finite numbers",
        };
        var parts = new List<string>(2);
        if (Min is { } lo)
        {
            parts.Add($"{(MinExclusive ? ">" : ">=")} {Format(lo)}");
        }

        if (Max is { } hi)
        {
            parts.Add($"{(MaxExclusive ? "<" : "<=")} {Format(hi)}");
        }

        return parts.Count == 0 ? noun : $"{noun} {string.Join(" and ", parts)}";
    }

    private static string Format(double d) =>
        d >= long.MaxValue ? long.MaxValue.ToString(CultureInfo.InvariantCulture) : NodeText.Number(d);
}
