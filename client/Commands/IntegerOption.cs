using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace MeanFieldCluster.Client.Commands;

/// <summary>
/// Parsing of integer options that must be at least 1 (--workers, --threads-per-wide-point, --max-points): a value
/// below 1, not an integer, or too large for the option is an error naming the option and the value (exit 2). The
/// library's own conversion threw from the validators instead ('--workers abc' ended the process with an abort).
/// </summary>
internal static class IntegerOption
{
    /// <summary>A parser for option <paramref name="name"/>: <paramref name="fallback"/> when it has no value.</summary>
    /// <param name="name">The option, for messages (e.g. "--workers").</param>
    /// <param name="fallback">The value when the option has no token.</param>
    /// <param name="end">What ends the messages (the options' messages differ in their final period).</param>
    public static Func<ArgumentResult, T> AtLeastOne<T>(string name, T fallback, string end = ".")
        where T : struct, IBinaryInteger<T>, IMinMaxValue<T> =>
        result =>
        {
            if (result.Tokens.Count == 0)
            {
                return fallback;
            }

            string text = result.Tokens[^1].Value;
            if (!T.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out T value))
            {
                result.AddError($"{name}: '{text}' is not allowed; expected an integer from 1 to {T.MaxValue}{end}");
            }
            else if (value < T.One)
            {
                result.AddError($"{name}: {text} is not allowed; expected an integer >= 1{end}");
            }
            else
            {
                return value;
            }

            return fallback;
        };
}
