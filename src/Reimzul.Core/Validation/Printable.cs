using System.Globalization;
using System.Text;

namespace Reimzul.Validation;

/// <summary>Shows untrusted text inside an error message without letting it break the line, the terminal or the log.</summary>
public static class Printable
{
    private const int MaxShown = 64;

    /// <summary>The value in single quotes, control and non-ASCII characters as <c>\u{XXXX}</c>, cut after 64 characters.</summary>
    public static string Quote(string value)
    {
        var builder = new StringBuilder(Math.Min(value.Length, MaxShown) + 8).Append('\'');
        var shown = 0;
        foreach (var rune in value.EnumerateRunes())
        {
            if (shown++ == MaxShown)
            {
                builder.Append("...");
                break;
            }
            if (rune.IsAscii && !Rune.IsControl(rune))
            {
                builder.Append((char)rune.Value);
            }
            else
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{{{rune.Value:X4}}}");
            }
        }
        return builder.Append('\'').ToString();
    }

    /// <summary>A character named for a message: <c>';'</c>, or <c>U+000A</c> when it would not print.</summary>
    public static string Character(Rune rune) =>
        rune.IsAscii && !Rune.IsControl(rune) && rune.Value != ' '
            ? $"'{(char)rune.Value}'"
            : string.Create(CultureInfo.InvariantCulture, $"U+{rune.Value:X4}");
}
