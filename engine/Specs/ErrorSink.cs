namespace MeanFieldCluster.Engine.Specs;

/// <summary>Collects <see cref="SpecError"/>s so that a single pass reports every problem.</summary>
internal sealed class ErrorSink
{
    private readonly List<SpecError> errors = [];

    public int Count => errors.Count;

    public bool HasErrors => errors.Count > 0;

    public IReadOnlyList<SpecError> Errors => errors;

    public void Add(string path, string message) => errors.Add(new SpecError(path, message));

    /// <summary>Throws a <see cref="SpecException"/> carrying all errors, if there are any.</summary>
    public void ThrowIfAny()
    {
        if (HasErrors)
        {
            throw new SpecException(errors.Distinct().ToList());
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
