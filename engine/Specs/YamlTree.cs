using System.Globalization;
using System.Numerics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace MeanFieldCluster.Engine.Specs;

/// <summary>
/// Converts YAML text to a normalized <see cref="JsonNode"/> tree. Unquoted scalars are typed by the YAML
/// 1.2 core schema (null, bool, integer → <see cref="long"/>, float → <see cref="double"/>); quoted scalars
/// are always strings. Anchors, aliases and tags other than <c>!!str</c> are rejected.
/// </summary>
internal static partial class YamlTree
{
    private const string StringTag = "tag:yaml.org,2002:str";
    private const int MaxDepth = 64;

    /// <summary>
    /// Parses <paramref name="text"/>. Syntax problems (including several documents) are returned in
    /// <paramref name="syntaxError"/> with their line and column, for the caller to place; unsupported
    /// constructs are reported to <paramref name="errors"/> under <paramref name="basePath"/>.
    /// </summary>
    /// <returns>The root node; null for an empty document, a null scalar, or an error.</returns>
    public static JsonNode? Load(string text, string basePath, ErrorSink errors, out string? syntaxError)
    {
        syntaxError = null;
        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            syntaxError = $"line {e.Start.Line}, column {e.Start.Column}: {Describe(e)}";
            return null;
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet's scanner fails this way on some malformed flow collections, without a position.
            Mark at = parser.LastStart;
            syntaxError = $"line {at.Line}, column {at.Column}: invalid YAML after this point (is a bracket or a quote left open?)";
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            YamlDocument second = stream.Documents[1];
            syntaxError = $"line {second.RootNode.Start.Line}: the text holds {stream.Documents.Count} YAML documents; expected exactly one";
            return null;
        }

        return stream.Documents.Count == 0 ? null : Convert(stream.Documents[0].RootNode, basePath, errors);
    }

    private static string Describe(YamlException e)
    {
        const string duplicate = "Duplicate key ";
        string message = e.Message;
        return message.StartsWith(duplicate, StringComparison.Ordinal)
            ? $"duplicate key {NodeText.Quote(message[duplicate.Length..])}; each key may appear only once in a mapping"
            : message;
    }

    private static JsonNode? Convert(YamlNode node, string path, ErrorSink errors)
    {
        if (!node.Anchor.IsEmpty)
        {
            errors.Add(SpecPath.Show(path), $"anchor or alias '&{node.Anchor.Value}' at {Position(node)} is not supported; write the value out in full");
            return null;
        }

        return node switch
        {
            YamlScalarNode scalar => Scalar(scalar, path, errors),
            YamlSequenceNode sequence => Sequence(sequence, path, errors),
            YamlMappingNode mapping => Mapping(mapping, path, errors),
            _ => Unsupported(node, path, errors),
        };
    }

    private static JsonNode? Unsupported(YamlNode node, string path, ErrorSink errors)
    {
        errors.Add(SpecPath.Show(path), $"the YAML node at {Position(node)} is not supported");
        return null;
    }

    private static JsonArray Sequence(YamlSequenceNode sequence, string path, ErrorSink errors)
    {
        var array = new JsonArray();
        for (int i = 0; i < sequence.Children.Count; i++)
        {
            array.Add(Convert(sequence.Children[i], SpecPath.Item(path, i), errors));
        }

        return array;
    }

    private static JsonObject Mapping(YamlMappingNode mapping, string path, ErrorSink errors)
    {
        var obj = new JsonObject();
        foreach (var (keyNode, valueNode) in mapping.Children)
        {
            if (keyNode is not YamlScalarNode { Anchor.IsEmpty: true } key)
            {
                errors.Add(SpecPath.Show(path), $"the key at {Position(keyNode)} is not supported; keys must be plain names");
                continue;
            }

            string name = key.Value ?? "";
            obj[name] = Convert(valueNode, SpecPath.Child(path, name), errors);
        }

        return obj;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar, string path, ErrorSink errors)
    {
        string text = scalar.Value ?? "";
        if (!scalar.Tag.IsEmpty && scalar.Tag.Value is not (StringTag or "!"))
        {
            errors.Add(SpecPath.Show(path), $"tag '{scalar.Tag.Value}' at {Position(scalar)} is not supported; only !!str may be used");
            return null;
        }

        return scalar.Style == ScalarStyle.Plain && scalar.Tag.IsEmpty ? ResolvePlain(text) : JsonValue.Create(text);
    }

    private static string Position(YamlNode node) => $"line {node.Start.Line}, column {node.Start.Column}";

    /// <summary>Types an unquoted scalar by the YAML 1.2 core schema.</summary>
    public static JsonNode? ResolvePlain(string text)
    {
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
            case ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF":
                return JsonValue.Create(double.PositiveInfinity);
            case "-.inf" or "-.Inf" or "-.INF":
                return JsonValue.Create(double.NegativeInfinity);
            case ".nan" or ".NaN" or ".NAN":
                return JsonValue.Create(double.NaN);
        }

        return ResolveNumber(text) ?? JsonValue.Create(text);
    }

    private static JsonValue? ResolveNumber(string text)
    {
        if (DecimalInteger().IsMatch(text))
        {
            return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)
                ? JsonValue.Create(l)
                : JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
        }

        if (OctalInteger().IsMatch(text))
        {
            return BaseInteger(text[2..], 8);
        }

        if (HexInteger().IsMatch(text))
        {
            return BaseInteger(text[2..], 16);
        }

        return Float().IsMatch(text)
            ? JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture))
            : null;
    }

    private static JsonValue BaseInteger(string digits, int radix)
    {
        BigInteger value = BigInteger.Zero;
        foreach (char c in digits)
        {
            value = (value * radix) + (char.IsAsciiDigit(c) ? c - '0' : char.ToLowerInvariant(c) - 'a' + 10);
        }

        return value <= long.MaxValue ? JsonValue.Create((long)value) : JsonValue.Create((double)value);
    }

    /// <summary>
    /// Remembers where the last parsing event started, to place errors reported without a position, and
    /// rejects nesting deeper than <see cref="MaxDepth"/> before YamlDotNet's recursive loader sees it.
    /// </summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        private int depth;

        public Mark LastStart { get; private set; } = Mark.Empty;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            bool moved = inner.MoveNext();
            if (inner.Current is not { } current)
            {
                return moved;
            }

            LastStart = current.Start;
            depth += current.NestingIncrease;
            if (depth > MaxDepth)
            {
                throw new YamlException(current.Start, current.End, $"nesting is deeper than {MaxDepth} levels");
            }

            return moved;
        }
    }

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalInteger();

    [GeneratedRegex("^0o[0-7]+$", RegexOptions.CultureInvariant)]
    private static partial Regex OctalInteger();

    [GeneratedRegex("^0x[0-9a-fA-F]+$", RegexOptions.CultureInvariant)]
    private static partial Regex HexInteger();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Float();
}
