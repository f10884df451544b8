using System.Security.Cryptography;
using System.Text;
using Reimzul.Config;

namespace Reimzul.Web.Auth;

/// <summary>
/// The bearer tokens a service accepts, from a file of <c>TOKEN NAME</c> lines (<c>#</c> starts a comment line).
/// Tokens are compared by their SHA-256 in constant time, so neither a token nor its length leaks through timing.
/// </summary>
internal sealed class TokenTable
{
    /// <summary>Shorter tokens are guessable; the file is refused rather than silently weak.</summary>
    public const int MinTokenLength = 16;

    private readonly List<(byte[] Digest, string Name)> _entries;

    private TokenTable(List<(byte[] Digest, string Name)> entries) => _entries = entries;

    public int Count => _entries.Count;

    /// <exception cref="ConfigException">The file cannot be read, or a line is not usable; the message names the line, never a token.</exception>
    public static TokenTable Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, null, $"cannot read the token file: {ex.Message}", ex);
        }
        var entries = new List<(byte[] Digest, string Name)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }
            var parts = line.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parts.Length < 2)
            {
                throw new ConfigException(path, i + 1, "expected 'TOKEN NAME': the name is missing");
            }
            var (token, name) = (parts[0], parts[1]);
            if (token.Length < MinTokenLength)
            {
                throw new ConfigException(path, i + 1, $"the token of '{name}' is shorter than {MinTokenLength} characters");
            }
            if (name.Any(char.IsControl))
            {
                throw new ConfigException(path, i + 1, "the name contains a control character");
            }
            var digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
            if (entries.Any(e => e.Digest.AsSpan().SequenceEqual(digest)))
            {
                throw new ConfigException(path, i + 1, $"the token of '{name}' is already given to someone else");
            }
            entries.Add((digest, name));
        }
        return new TokenTable(entries);
    }

    /// <summary>The name the token belongs to, or null.</summary>
    public string? Find(string token)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        string? found = null;
        foreach (var (known, name) in _entries)
        {
            // No early exit: every entry costs the same whatever matches.
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                found = name;
            }
        }
        return found;
    }
}
