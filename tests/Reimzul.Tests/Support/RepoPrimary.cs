using System.IO.Compression;
using System.Xml.Linq;

namespace Reimzul.Tests.Support;

/// <summary>
/// The packages a repo's primary.xml lists, one entry per <c>&lt;package&gt;</c>: unlike dnf, which shows a
/// NEVRA once however many files carry it, this keeps duplicates, so a test can see a NEVRA indexed twice.
/// </summary>
public static class RepoPrimary
{
    private static readonly XNamespace Repo = "http://linux.duke.edu/metadata/repo";
    private static readonly XNamespace Common = "http://linux.duke.edu/metadata/common";

    /// <summary>name-[epoch:]version-release.arch and location of every package, in file order.</summary>
    public static IReadOnlyList<(string Nevra, string Location)> Read(string repoDir)
    {
        var repomd = XDocument.Load(Path.Combine(repoDir, "repodata", "repomd.xml"));
        var href = repomd.Root!.Elements(Repo + "data")
            .Single(d => (string?)d.Attribute("type") == "primary")
            .Element(Repo + "location")!.Attribute("href")!.Value;
        using var file = File.OpenRead(Path.Combine(repoDir, href));
        using Stream xml = href.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        var primary = XDocument.Load(xml);
        return [.. primary.Root!.Elements(Common + "package").Select(p =>
        {
            var version = p.Element(Common + "version")!;
            var epoch = (string?)version.Attribute("epoch") is { } e && e != "0" ? e + ":" : "";
            var nevra = $"{p.Element(Common + "name")!.Value}-{epoch}{version.Attribute("ver")!.Value}-{version.Attribute("rel")!.Value}.{p.Element(Common + "arch")!.Value}";
            return (nevra, p.Element(Common + "location")!.Attribute("href")!.Value);
        })];
    }
}
