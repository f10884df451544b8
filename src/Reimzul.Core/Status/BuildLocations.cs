using Reimzul.History;

namespace Reimzul.Status;

/// <summary>
/// Where bstore serves a build's logs and RPMs (<c>BASE_URL/TARGET/PKGNAME/TIMESTAMP/EVR.ARCH/</c>), and which RPMs it
/// holds when the repo is on this machine's disk.
/// </summary>
public sealed class BuildLocations
{
    public const string BuildLog = "build.log";
    public const string RootLog = "root.log";

    private readonly string baseUrl;
    private readonly string? repoDir;

    /// <param name="baseUrl"><c>[bstore] base_url</c>.</param>
    /// <param name="repoDir">The repo on this machine, or null when bstore is elsewhere (then no RPM is listed).</param>
    public BuildLocations(string baseUrl, string? repoDir)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseUrl);
        this.baseUrl = baseUrl.TrimEnd('/') + "/";
        this.repoDir = repoDir is null ? null : Path.GetFullPath(repoDir);
    }

    public string LogUrl(BuildRecord record, string fileName) => DirectoryUrl(record) + Uri.EscapeDataString(fileName);

    /// <summary>The RPMs of a result, when the repo is on this disk and the record names a directory in it; empty otherwise.</summary>
    public IReadOnlyList<string> RpmUrls(BuildRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (repoDir is null || !IsSafe(Segments(record)))
        {
            return [];
        }
        var dir = Path.Combine([repoDir, .. Segments(record)]);
        try
        {
            return [.. Directory.EnumerateFiles(dir, "*.rpm").Select(Path.GetFileName).Order(StringComparer.Ordinal)
                .Select(name => DirectoryUrl(record) + Uri.EscapeDataString(name!))];
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    private string DirectoryUrl(BuildRecord record) => baseUrl + string.Join('/', Segments(record).Select(Uri.EscapeDataString)) + "/";

    private static string[] Segments(BuildRecord r) => [r.Target, r.PkgName, r.Timestamp, $"{r.Evr}.{r.Arch}"];

    // A record from an imported or hostile history must not lead outside the repo.
    private static bool IsSafe(string[] segments) =>
        segments.All(s => s.Length > 0 && s is not "." and not ".." && !s.Contains('/', StringComparison.Ordinal) && !s.Contains('\0', StringComparison.Ordinal));
}
