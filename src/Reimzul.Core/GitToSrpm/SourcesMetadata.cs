using Reimzul.Validation;

namespace Reimzul.GitToSrpm;

/// <summary>One line of <c>.PKG.metadata</c>: a lookaside file's hash and where it goes in the checkout.</summary>
public sealed record LookasideSource(string Hash, string RelativePath);

/// <summary>Reads <c>.PKG.metadata</c> (<c>HASH RELATIVE_PATH</c> per line), refusing a hash of unknown length and a path that leaves the checkout.</summary>
public static class SourcesMetadata
{
    public const int MaxLines = 1000;

    /// <exception cref="GitSrpmException">A line is not <c>HASH PATH</c>, or its path is unsafe.</exception>
    public static IReadOnlyList<LookasideSource> Parse(string text, string fileName)
    {
        var sources = new List<LookasideSource>();
        var number = 0;
        foreach (var raw in text.Split('\n'))
        {
            number++;
            var line = raw.Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var words = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (words.Length != 2 || LookasideHash.AlgorithmOf(words[0]) is null)
            {
                throw new GitSrpmException($"{fileName} line {number}: {Printable.Quote(line)} is not 'HASH PATH' with an md5, sha1, sha256 or sha512 hash");
            }
            if (PathProblem(words[1]) is { } problem)
            {
                throw new GitSrpmException($"{fileName} line {number}: {problem}");
            }
            sources.Add(new LookasideSource(words[0].ToLowerInvariant(), words[1]));
            if (sources.Count > MaxLines)
            {
                throw new GitSrpmException($"{fileName} lists more than {MaxLines} sources");
            }
        }
        return sources;
    }

    private static string? PathProblem(string path)
    {
        var parts = path.Split('/');
        if (path.StartsWith('/') || parts.Any(p => p.Length == 0))
        {
            return $"path {Printable.Quote(path)} is not a relative path such as SOURCES/foo.tar.gz";
        }
        foreach (var part in parts)
        {
            if (!InputRules.TryValidatePathComponent("path component", part, out var error))
            {
                return $"path {Printable.Quote(path)}: {error}";
            }
        }
        return parts[0] == ".git" ? $"path {Printable.Quote(path)} points into .git" : null;
    }
}
