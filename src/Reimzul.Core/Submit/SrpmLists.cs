using Reimzul.Validation;

namespace Reimzul.Submit;

/// <summary>
/// The SRPMs a bulk submit names: each <c>-s</c> value is an SRPM (a name in incoming or a local file) or a local
/// directory, which stands for every <c>*.src.rpm</c> directly in it (in name order); a <c>--from-file</c> list has
/// one SRPM per line (blank lines and lines starting with <c>#</c> are skipped; relative paths are relative to the
/// current directory, as with <c>-s</c>).
/// </summary>
public static class SrpmLists
{
    /// <summary>The SRPMs of <paramref name="values"/> and of the lists in <paramref name="listFiles"/>, in the order given.</summary>
    /// <exception cref="SubmitRefusedException">A list cannot be read, a directory holds no SRPM, or nothing is named.</exception>
    public static IReadOnlyList<string> Expand(IEnumerable<string> values, IEnumerable<string> listFiles)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(listFiles);
        var srpms = new List<string>();
        foreach (var value in values)
        {
            srpms.AddRange(ExpandOne(value));
        }
        foreach (var list in listFiles)
        {
            srpms.AddRange(ReadList(list));
        }
        SubmitChecks.Check(srpms.Count > 0, "no SRPM given: name one or more with -s (an SRPM or a directory of them) or --from-file LIST");
        return srpms;
    }

    private static List<string> ExpandOne(string value)
    {
        SubmitChecks.Check(value.Length > 0, "-s needs an SRPM: it is empty");
        if (!Directory.Exists(value))
        {
            return [value];
        }
        var found = Directory.EnumerateFiles(value, "*.src.rpm", SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal).ToList();
        SubmitChecks.Check(found.Count > 0, $"directory '{value}' holds no *.src.rpm");
        return found;
    }

    private static List<string> ReadList(string list)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(list);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SubmitRefusedException($"SRPM list {Printable.Quote(list)} cannot be read: {ex.Message}", ex);
        }
        var srpms = new List<string>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            SubmitChecks.Check(!Directory.Exists(line), $"{list} line {i + 1}: '{line}' is a directory; a list names SRPMs, one per line");
            srpms.Add(line);
        }
        SubmitChecks.Check(srpms.Count > 0, $"SRPM list {Printable.Quote(list)} names no SRPM");
        return srpms;
    }
}
