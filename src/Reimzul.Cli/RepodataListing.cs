using System.IO.Compression;
using System.Text.RegularExpressions;
using Reimzul.Config;
using Reimzul.Protocol;

namespace Reimzul.Cli;

/// <summary>
/// <c>submit --wait-repo</c>: whether every RPM of a build is listed in its target's repodata, read as dnf reads it
/// (repomd.xml, then the primary metadata it names) from the repo the RPMs' URLs are in.
/// </summary>
internal sealed partial class RepodataListing(HttpClient http) : IDisposable
{
    public static RepodataListing Create(ReimzulConfig config) =>
        new(new HttpClient(RemoteHttp.CreateHandler(config.Tls, config.SourceFile ?? "(no config file)"), disposeHandler: true) { Timeout = TimeSpan.FromSeconds(30) });

    public async Task<bool> ListsAsync(ApiBuild build, CancellationToken ct)
    {
        var rpms = build.Arches.SelectMany(a => a.Rpms).Where(u => u.EndsWith(".rpm", StringComparison.Ordinal)).ToList();
        if (rpms.Count == 0)
        {
            return true;
        }
        // RPM URLs end in TARGET/PKGNAME/TIMESTAMP/EVR.ARCH/FILE.rpm: the repo is what comes before PKGNAME.
        var byRepo = rpms.Select(u => new Uri(u)).GroupBy(u => new Uri(u, "../../../"));
        foreach (var repo in byRepo)
        {
            var primary = await PrimaryAsync(repo.Key, ct);
            if (primary is null || !repo.All(rpm => primary.Contains("href=\"" + repo.Key.MakeRelativeUri(rpm).OriginalString + "\"", StringComparison.Ordinal)))
            {
                return false;
            }
        }
        return true;
    }

    private async Task<string?> PrimaryAsync(Uri repo, CancellationToken ct)
    {
        try
        {
            return await ReadPrimaryAsync(repo, ct);
        }
        catch (HttpRequestException ex)
        {
            throw new CliException($"the build succeeded, but its repo {repo} cannot be read to see it listed: {ex.Message} (is [bstore] base_url right?)", ExitCodes.Failure);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new CliException($"the build succeeded, but its repo {repo} did not answer within 30 s", ExitCodes.Failure);
        }
    }

    private async Task<string?> ReadPrimaryAsync(Uri repo, CancellationToken ct)
    {
        using var repomd = await http.GetAsync(new Uri(repo, "repodata/repomd.xml"), ct);
        if (!repomd.IsSuccessStatusCode)
        {
            return null;
        }
        var match = PrimaryLocation().Match(await repomd.Content.ReadAsStringAsync(ct));
        if (!match.Success)
        {
            return null;
        }
        var href = match.Groups[1].Value;
        using var response = await http.GetAsync(new Uri(repo, href), ct);
        if (!response.IsSuccessStatusCode)
        {
            return null;
        }
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await using Stream text = href.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(body, CompressionMode.Decompress) : body;
        using var reader = new StreamReader(text);
        return await reader.ReadToEndAsync(ct);
    }

    [GeneratedRegex(@"<data type=""primary"">.*?<location href=""([^""]+)""", RegexOptions.Singleline)]
    private static partial Regex PrimaryLocation();

    public void Dispose() => http.Dispose();
}
