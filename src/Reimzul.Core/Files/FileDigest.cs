using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Reimzul.Files;

/// <summary>SHA-256 of files, as lower-case hex: the form manifests and headers carry.</summary>
public static class FileDigest
{
    public static async Task<string> Sha256HexAsync(string path, CancellationToken cancellationToken)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>64 hex digits (either case).</summary>
    public static bool IsSha256Hex([NotNullWhen(true)] string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigit);
}
