using System.Collections.Concurrent;
using Reimzul.Files;

namespace Reimzul.Web.Controller;

/// <summary>
/// SHA-256 of the SRPMs in the incoming dir, computed once per file version (length and modification time): every
/// download carries it, and SRPMs are downloaded by several workers.
/// </summary>
internal sealed class IncomingChecksums
{
    private readonly ConcurrentDictionary<string, (long Length, DateTime Modified, string Sha256)> _known = new(StringComparer.Ordinal);

    public async Task<string> GetAsync(string path, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        var (length, modified) = (info.Length, info.LastWriteTimeUtc);
        if (_known.TryGetValue(path, out var known) && known.Length == length && known.Modified == modified)
        {
            return known.Sha256;
        }
        var sha256 = await FileDigest.Sha256HexAsync(path, cancellationToken);
        _known[path] = (length, modified, sha256);
        return sha256;
    }

    /// <summary>Records the checksum of a file just placed (computed while it arrived).</summary>
    public void Remember(string path, string sha256)
    {
        var info = new FileInfo(path);
        _known[path] = (info.Length, info.LastWriteTimeUtc, sha256);
    }
}
