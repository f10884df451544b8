using System.IO.Compression;
using System.Xml;
using Reimzul.Files;

namespace Reimzul.Chains;

/// <summary>
/// What a target's repodata lists: the location of every package in its primary metadata, as dnf and mock see them
/// (<c>PKGNAME/TIMESTAMP/EVR.ARCH/FILE.rpm</c>). Read again only when <c>repomd.xml</c> changed.
/// </summary>
internal sealed class RepoListing(string repoRoot)
{
    private readonly Dictionary<string, (DateTime Written, long Length, HashSet<string> Dirs)> _cache = new(StringComparer.Ordinal);

    /// <summary>Whether a package of <paramref name="pkgName"/> built at <paramref name="timestamp"/> is listed in <paramref name="target"/>'s repodata.</summary>
    public bool Lists(string target, string pkgName, string timestamp) =>
        BuildDirs(target).Contains(pkgName + "/" + timestamp);

    private HashSet<string> BuildDirs(string target)
    {
        var repo = PathSegments.Under(repoRoot, PathSegments.Check(target, "target"));
        var repomd = new FileInfo(Path.Combine(repo, "repodata", "repomd.xml"));
        if (!repomd.Exists)
        {
            return [];
        }
        if (_cache.TryGetValue(target, out var cached) && cached.Written == repomd.LastWriteTimeUtc && cached.Length == repomd.Length)
        {
            return cached.Dirs;
        }
        HashSet<string> dirs;
        try
        {
            dirs = Read(repo, repomd.FullName);
        }
        catch (Exception ex) when (ex is IOException or XmlException or InvalidDataException or UnauthorizedAccessException)
        {
            // Replaced while we read it: the next look reads the new one.
            return [];
        }
        _cache[target] = (repomd.LastWriteTimeUtc, repomd.Length, dirs);
        return dirs;
    }

    private static HashSet<string> Read(string repo, string repomd)
    {
        string? primary = null;
        using (var reader = XmlReader.Create(repomd, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit }))
        {
            string? type = null;
            while (reader.Read())
            {
                if (reader.NodeType != XmlNodeType.Element)
                {
                    continue;
                }
                if (reader.LocalName == "data")
                {
                    type = reader.GetAttribute("type");
                }
                else if (reader.LocalName == "location" && type == "primary")
                {
                    primary = reader.GetAttribute("href");
                    break;
                }
            }
        }
        var dirs = new HashSet<string>(StringComparer.Ordinal);
        if (primary is null || primary.Contains("..", StringComparison.Ordinal))
        {
            return dirs;
        }
        using var file = File.OpenRead(Path.Combine(repo, primary));
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var xml = XmlReader.Create(gz, new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit });
        while (xml.Read())
        {
            if (xml.NodeType == XmlNodeType.Element && xml.LocalName == "location" && xml.GetAttribute("href") is { } href)
            {
                // PKGNAME/TIMESTAMP/EVR.ARCH/FILE: the build's place is its first two parts.
                var parts = href.Split('/');
                if (parts.Length >= 3)
                {
                    dirs.Add(parts[0] + "/" + parts[1]);
                }
            }
        }
        return dirs;
    }
}
