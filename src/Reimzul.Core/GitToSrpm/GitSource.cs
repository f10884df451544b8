using Reimzul.Validation;

namespace Reimzul.GitToSrpm;

/// <summary>What to turn into an SRPM: a package's branch at a ref, as a remote requester names it.</summary>
/// <param name="Package">The package, cloned from <c>GIT_URL/r/rpms/PACKAGE.git</c>.</param>
/// <param name="Branch">The only branch cloned, e.g. <c>c7</c>.</param>
/// <param name="Ref">A commit on that branch, a tag or <c>HEAD</c>.</param>
/// <param name="Disttag">The <c>%dist</c> to build with; empty: worked out from the newest "import" commit.</param>
/// <param name="SourcesDir">The lookaside dir when it differs from the branch; empty: the branch.</param>
public sealed record GitSource(string Package, string Branch, string Ref, string Disttag, string SourcesDir)
{
    public const string DefaultRef = "HEAD";

    /// <summary>The longest package, branch, ref or sources dir accepted.</summary>
    public const int MaxFieldLength = 128;

    // Git ref names and package names as CentOS uses them; no blank, quote, '$', ';', ':', '\', '@', '{' or leading
    // '-', so nothing a shell, git's option parser or its revision syntax would read as more than a name.
    private const string Punctuation = "._+-";

    public string LookasideDir => SourcesDir.Length > 0 ? SourcesDir : Branch;

    /// <summary>Every field against its character set and length; null when all are fine, else what is wrong and why.</summary>
    public string? Problem() =>
        Name("package", Package, allowSlash: false)
        ?? Name("branch", Branch, allowSlash: true)
        ?? Name("ref", Ref, allowSlash: true)
        ?? (Disttag.Length == 0 || InputRules.TryValidateDisttag(Disttag, out var disttagError) ? null : disttagError)
        ?? (SourcesDir.Length == 0 ? null : Name("sources dir", SourcesDir, allowSlash: false));

    private static string? Name(string what, string value, bool allowSlash)
    {
        if (value.Length == 0)
        {
            return $"{what} is empty";
        }
        if (value.Length > MaxFieldLength)
        {
            return $"{what} is {value.Length} characters long; at most {MaxFieldLength} are allowed";
        }
        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && !Punctuation.Contains(c, StringComparison.Ordinal) && !(allowSlash && c == '/'))
            {
                return $"{what} {Printable.Quote(value)} contains {Printable.Quote(c.ToString())}: only letters, digits and {Punctuation}{(allowSlash ? "/" : "")} are allowed";
            }
        }
        if (value[0] is '-' or '.' or '/')
        {
            return $"{what} {Printable.Quote(value)} starts with '{value[0]}'; git would read it as an option or a path";
        }
        if (value.Contains("..", StringComparison.Ordinal) || value.Contains("//", StringComparison.Ordinal) || value.EndsWith('/') || value.EndsWith(".lock", StringComparison.Ordinal))
        {
            return $"{what} {Printable.Quote(value)} is not a valid git name ('..', '//', a trailing '/' or '.lock')";
        }
        return null;
    }
}
