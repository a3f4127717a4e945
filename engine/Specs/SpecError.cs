namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// One problem found in a sweep specification, located by a dotted path such as <c>grid.width[1]</c> or
/// <c>model.activation.t2</c>. Problems that belong to no field use a parenthesized pseudo-path:
/// <c>(root)</c>, <c>(file)</c>, <c>(yaml)</c>, <c>(json)</c> or <c>(override)</c>.
/// </summary>
/// <param name="Path">Where the problem is.</param>
/// <param name="Message">What is wrong: the offending value and what is allowed instead.</param>
public sealed record SpecError(string Path, string Message)
{
    /// <summary>Path of errors about the document as a whole (empty document, wrong root type).</summary>
    public const string RootPath = "(root)";

    /// <summary>Path of errors about the spec file itself (missing, unreadable, unknown extension).</summary>
    public const string FilePath = "(file)";

    /// <summary>Path of YAML syntax errors.</summary>
    public const string YamlPath = "(yaml)";

    /// <summary>Path of JSON syntax errors.</summary>
    public const string JsonPath = "(json)";

    /// <summary>Path of malformed <c>path=value</c> overrides.</summary>
    public const string OverridePath = "(override)";

    /// <summary>Formats the error as <c>path: message</c>.</summary>
    public override string ToString() => $"{Path}: {Message}";
}

/// <summary>Thrown when a sweep specification is invalid; carries every problem found, not just the first.</summary>
public sealed class SpecException : Exception
{
    /// <summary>Creates the exception from a non-empty list of errors.</summary>
    /// <param name="errors">All problems found, in document order.</param>
    public SpecException(IReadOnlyList<SpecError> errors)
        : base(string.Join('\n', errors))
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A SpecException needs at least one error.", nameof(errors));
        }

        Errors = errors;
    }

    /// <summary>Every problem found, in the order they were detected.</summary>
    public IReadOnlyList<SpecError> Errors { get; }
}

/// <summary>The text format of a sweep specification.</summary>
public enum SpecFormat
{
    /// <summary>YAML 1.2 (core schema for unquoted scalars).</summary>
    Yaml,

    /// <summary>JSON (RFC 8259; comments are skipped).</summary>
    Json,
}
