using System.Text;

namespace Reimzul.Validation;

/// <summary>
/// Rules for names that come from users or from RPM headers and end up as file names, path components,
/// tool arguments or macro values. Each check says what is wrong and why; a null value counts as empty.
/// </summary>
public static class InputRules
{
    /// <summary>Longest name in bytes: the limit of a file name on Linux filesystems.</summary>
    public const int MaxNameBytes = 255;

    public const string SrpmSuffix = ".src.rpm";

    // Letters, digits and the punctuation RPM versions use; nothing a shell, rpm macro or URL would interpret.
    private const string SafePunctuation = "._+~^-";
    private const string DisttagPunctuation = "._+~-";

    /// <summary>A bare SRPM file name: safe characters only, no directory part, ending in <c>.src.rpm</c>.</summary>
    public static bool TryValidateSrpmFileName(string? name, out string error)
    {
        error = CheckName("SRPM file name", name, SafePunctuation, "it must be a bare file name")
            ?? (name!.EndsWith(SrpmSuffix, StringComparison.Ordinal) ? null : $"SRPM file name {Printable.Quote(name)} does not end with {SrpmSuffix}")
            ?? (name.Length > SrpmSuffix.Length ? null : $"SRPM file name {Printable.Quote(name)} has nothing before {SrpmSuffix}")
            ?? "";
        return error.Length == 0;
    }

    /// <summary>A target repo name (it becomes a directory under the repo tree).</summary>
    public static bool TryValidateTarget(string? target, out string error)
    {
        error = CheckName("target", target, SafePunctuation, "a target is one directory name") ?? "";
        return error.Length == 0;
    }

    /// <summary>A disttag such as <c>.el7_4</c> (it becomes the value of the <c>dist</c> macro).</summary>
    public static bool TryValidateDisttag(string? disttag, out string error)
    {
        error = CheckCharacters("disttag", disttag, DisttagPunctuation, "a disttag is one word") ?? "";
        return error.Length == 0;
    }

    /// <summary>A value read from an RPM header or a message (pkgname, evr, timestamp) that becomes one path component.</summary>
    public static bool TryValidatePathComponent(string what, string? value, out string error)
    {
        ArgumentNullException.ThrowIfNull(what);
        error = value is "." or ".."
            ? $"{what} {Printable.Quote(value)} is not allowed: it names a directory, not an entry in one"
            : CheckName(what, value, SafePunctuation, "it must be a single path component") ?? "";
        return error.Length == 0;
    }

    private static string? CheckName(string what, string? value, string punctuation, string slashReason) =>
        CheckCharacters(what, value, punctuation, slashReason)
        ?? (value!.Contains("..", StringComparison.Ordinal) ? $"{what} {Printable.Quote(value)} contains '..'; it could climb out of its directory" : null)
        ?? (value[0] == '-' ? $"{what} {Printable.Quote(value)} starts with '-'; a tool would read it as an option" : null)
        ?? (value[0] == '.' ? $"{what} {Printable.Quote(value)} starts with '.'; hidden names are reserved (e.g. createrepo_c's .repodata lock)" : null);

    private static string? CheckCharacters(string what, string? value, string punctuation, string slashReason)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{what} is empty";
        }
        var bytes = Encoding.UTF8.GetByteCount(value);
        if (bytes > MaxNameBytes)
        {
            return $"{what} {Printable.Quote(value)} is {bytes} bytes long; the limit is {MaxNameBytes}";
        }
        foreach (var rune in value.EnumerateRunes())
        {
            if (IsAllowed(rune, punctuation))
            {
                continue;
            }
            var quoted = Printable.Quote(value);
            var character = Printable.Character(rune);
            return rune.Value switch
            {
                '/' => $"{what} {quoted} contains '/'; {slashReason}",
                ' ' => $"{what} {quoted} contains a space; allowed are {Allowed(punctuation)}",
                _ when Rune.IsControl(rune) => $"{what} {quoted} contains control character {character}; allowed are {Allowed(punctuation)}",
                _ when !rune.IsAscii => $"{what} {quoted} contains non-ASCII character {character}; allowed are {Allowed(punctuation)}",
                _ => $"{what} {quoted} contains {character}; allowed are {Allowed(punctuation)}",
            };
        }
        return null;
    }

    private static bool IsAllowed(Rune rune, string punctuation) =>
        rune.Value is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
        || (rune.IsAscii && punctuation.Contains((char)rune.Value, StringComparison.Ordinal));

    private static string Allowed(string punctuation) => $"letters, digits and {string.Join(' ', punctuation.ToCharArray())}";
}
