namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Collects <see cref="SpecError"/>s so that a single pass reports every problem: the first
/// <see cref="MaxKept"/> of them in full, and how many more there were (a damaged 10 MB spec must not
/// produce millions of messages).
/// </summary>
internal sealed class ErrorSink
{
    /// <summary>Errors kept in full.</summary>
    public const int MaxKept = 100;

    private readonly List<SpecError> errors = [];
    private int total;

    public int Count => total;

    public bool HasErrors => total > 0;

    /// <summary>The errors kept, followed by a line counting the others when there were more.</summary>
    public IReadOnlyList<SpecError> Errors => total > errors.Count
        ? [.. errors, new SpecError(SpecError.RootPath, $"... and {total - errors.Count} more errors not shown")]
        : errors;

    public void Add(string path, string message)
    {
        total++;
        if (errors.Count < MaxKept)
        {
            errors.Add(new SpecError(path, message));
        }
    }

    /// <summary>Throws a <see cref="SpecException"/> carrying all errors, if there are any.</summary>
    public void ThrowIfAny()
    {
        if (HasErrors)
        {
            throw new SpecException(Errors.Distinct().ToList());
        }
    }
}

/// <summary>Builds the dotted paths used in error messages.</summary>
internal static class SpecPath
{
    /// <summary>The path of the document root ("" for building child paths).</summary>
    public const string Root = "";

    public static string Child(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";

    public static string Item(string parent, int index) => $"{parent}[{index}]";

    /// <summary>The path as shown to the user: the root is shown as <c>(root)</c>.</summary>
    public static string Show(string path) => path.Length == 0 ? SpecError.RootPath : path;
}
