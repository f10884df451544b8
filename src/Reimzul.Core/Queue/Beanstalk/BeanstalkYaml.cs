using System.Text;

namespace Reimzul.Queue.Beanstalk;

/// <summary>
/// The two YAML shapes beanstalkd sends: a flat mapping (<c>stats*</c>) and a list of scalars
/// (<c>list-tubes</c>). Nothing more of YAML is needed, so nothing more is parsed.
/// </summary>
internal static class BeanstalkYaml
{
    public static Dictionary<string, string> ParseMapping(ReadOnlySpan<byte> yaml)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Lines(yaml))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0)
            {
                result[line[..colon]] = Unquote(line[(colon + 2)..]);
            }
            else if (line.EndsWith(':'))
            {
                result[line[..^1]] = "";
            }
        }
        return result;
    }

    public static List<string> ParseList(ReadOnlySpan<byte> yaml)
    {
        var result = new List<string>();
        foreach (var line in Lines(yaml))
        {
            if (line.StartsWith("- ", StringComparison.Ordinal))
            {
                result.Add(Unquote(line[2..]));
            }
        }
        return result;
    }

    private static IEnumerable<string> Lines(ReadOnlySpan<byte> yaml) =>
        Encoding.UTF8.GetString(yaml)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line != "---");

    // beanstalkd quotes only values that could read as something else (e.g. version: "1.12").
    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1] : value;
}
