using System.Net;
using System.Net.Http.Json;
using Reimzul.Protocol;
using Reimzul.Worker;

namespace Reimzul.Tests.Web;

[Collection(WebCollection.Name)]
public sealed class BstoreServerTests(WebFixture fixture) : IAsyncDisposable
{
    private readonly WebSite site = new(fixture.Certificates);

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private string UploadsDir => Path.Combine(site.Paths.Staging, "uploads");

    private static async Task<UploadState> BeginAsync(HttpClient http, ResultManifest manifest)
    {
        using var response = await http.PostAsJsonAsync(RemoteProtocol.ResultsPath, manifest, RemoteJsonContext.Default.ResultManifest);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(RemoteJsonContext.Default.UploadState))!;
    }

    private static async Task<HttpResponseMessage> PutAsync(HttpClient http, string id, string name, byte[] bytes)
    {
        using var content = new ByteArrayContent(bytes);
        return await http.PutAsync(RemoteProtocol.ResultFilePath(id, name), content);
    }

    /// <summary>Sends the named files of <paramref name="result"/> as they are on disk, ignoring the answers.</summary>
    private static async Task SendAsync(HttpClient http, string id, StoredResult result, IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            using var _ = await PutAsync(http, id, name, File.ReadAllBytes(Path.Combine(result.ResultDir, name)));
        }
    }

    private static Task<HttpResponseMessage> CommitAsync(HttpClient http, string id) => http.PostAsync(RemoteProtocol.CommitPath(id), null);

    [Fact]
    public async Task AResultAppearsWholeAtCommitAndNotBefore()
    {
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        using var http = site.RawClient(url, fixture.Certificates.Client("builder1"));
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        var manifest = await ResultFiles.ManifestAsync(result);
        var final = ResultFiles.FinalDir(site.Paths.Repo, result);

        var state = await BeginAsync(http, manifest);
        foreach (var name in state.Missing)
        {
            using var put = await PutAsync(http, state.UploadId, name, File.ReadAllBytes(Path.Combine(result.ResultDir, name)));
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.False(Directory.Exists(final));
        }
        using var commit = await CommitAsync(http, state.UploadId);
        var committed = await commit.Content.ReadFromJsonAsync(RemoteJsonContext.Default.CommitResult);

        Assert.Equal(HttpStatusCode.OK, commit.StatusCode);
        Assert.Equal(hashes.Keys.Order(StringComparer.Ordinal), state.Missing.Order(StringComparer.Ordinal));
        Assert.Equal(hashes, ResultFiles.Hashes(final));
        Assert.Equal($"http://repo.example/bstore/repo/{ResultFiles.Target}/hello/{ResultFiles.Timestamp}/1.0-1.el7.x86_64/", committed!.Url);
        Assert.Empty(Directory.GetFileSystemEntries(UploadsDir));
    }

    [Fact]
    public async Task ADamagedFileIsRefusedWith422AndTheCommitWaitsUntilItArrivesWhole()
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        var state = await BeginAsync(http, await ResultFiles.ManifestAsync(result));
        var rpm = state.Missing.First(n => n.EndsWith(".rpm", StringComparison.Ordinal));
        await SendAsync(http, state.UploadId, result, state.Missing.Where(n => n != rpm));
        var damaged = File.ReadAllBytes(Path.Combine(result.ResultDir, rpm));
        damaged[damaged.Length / 2] ^= 0xFF;

        using var put = await PutAsync(http, state.UploadId, rpm, damaged);
        using var commit = await CommitAsync(http, state.UploadId);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, put.StatusCode);
        Assert.Contains($"'{rpm}' arrived damaged", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, commit.StatusCode);
        Assert.Contains(rpm, await commit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(ResultFiles.FinalDir(site.Paths.Repo, result)));

        using var again = await PutAsync(http, state.UploadId, rpm, File.ReadAllBytes(Path.Combine(result.ResultDir, rpm)));
        using var retried = await CommitAsync(http, state.UploadId);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(site.Paths.Repo, result)));
    }

    [Fact]
    public async Task AnInterruptedUploadResumesWithOnlyTheFilesThatDidNotArrive()
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        var manifest = await ResultFiles.ManifestAsync(result);
        var first = await BeginAsync(http, manifest);
        var sent = first.Missing.Take(2).ToList();
        await SendAsync(http, first.UploadId, result, sent);

        var second = await BeginAsync(http, manifest);

        Assert.Equal(first.UploadId, second.UploadId);
        Assert.Equal(first.Missing.Except(sent).Order(StringComparer.Ordinal), second.Missing.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task DeclaringAResultAlreadyInPlaceReportsItCompleteAndChangesNothing()
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        var manifest = await ResultFiles.ManifestAsync(result);
        var state = await BeginAsync(http, manifest);
        await SendAsync(http, state.UploadId, result, state.Missing);
        using (await CommitAsync(http, state.UploadId))
        {
        }
        var final = ResultFiles.FinalDir(site.Paths.Repo, result);
        var stamps = Directory.GetFiles(final).ToDictionary(f => f, File.GetLastWriteTimeUtc);

        var again = await BeginAsync(http, manifest);
        using var lateCommit = await CommitAsync(http, state.UploadId);

        Assert.True(again.Complete);
        Assert.Empty(again.Missing);
        Assert.Equal(HttpStatusCode.NotFound, lateCommit.StatusCode);
        Assert.Equal(stamps, Directory.GetFiles(final).ToDictionary(f => f, File.GetLastWriteTimeUtc));
        Assert.Equal(hashes, ResultFiles.Hashes(final));
        Assert.Single(Directory.GetDirectories(Path.GetDirectoryName(final)!));
        Assert.Empty(Directory.GetFileSystemEntries(UploadsDir));
    }

    [Fact]
    public async Task ADifferentResultForThePlaceOfAPublishedOneIsRefusedWith409AndThePublishedOneStays()
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var (result, hashes) = ResultFiles.Make(site.Temp("worker"));
        var state = await BeginAsync(http, await ResultFiles.ManifestAsync(result));
        await SendAsync(http, state.UploadId, result, state.Missing);
        using (await CommitAsync(http, state.UploadId))
        {
        }
        var (other, _) = ResultFiles.Make(site.Temp("intruder"));

        using var begin = await http.PostAsJsonAsync(RemoteProtocol.ResultsPath, await ResultFiles.ManifestAsync(other), RemoteJsonContext.Default.ResultManifest);

        Assert.Equal(HttpStatusCode.Conflict, begin.StatusCode);
        Assert.Contains($"{ResultFiles.Target}/hello/{ResultFiles.Timestamp}/1.0-1.el7.x86_64/ is taken by a different result", await begin.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(site.Paths.Repo, result)));
        Assert.Empty(Directory.GetFileSystemEntries(UploadsDir));
    }

    [Fact]
    public async Task AnUploadCommittedAfterADifferentResultWasPublishedAtItsPlaceIsRefusedWith409()
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var (first, hashes) = ResultFiles.Make(site.Temp("first"));
        var (second, _) = ResultFiles.Make(site.Temp("second"));
        var firstState = await BeginAsync(http, await ResultFiles.ManifestAsync(first));
        var secondState = await BeginAsync(http, await ResultFiles.ManifestAsync(second));
        await SendAsync(http, firstState.UploadId, first, firstState.Missing);
        await SendAsync(http, secondState.UploadId, second, secondState.Missing);
        using (await CommitAsync(http, firstState.UploadId))
        {
        }

        using var commit = await CommitAsync(http, secondState.UploadId);

        Assert.Equal(HttpStatusCode.Conflict, commit.StatusCode);
        Assert.Contains("is taken by a different result", await commit.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(site.Paths.Repo, first)));
    }

    [Fact]
    public async Task AnUploadAbandonedForADayIsRemovedWhenBstoreStarts()
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        var state = await BeginAsync(http, await ResultFiles.ManifestAsync(result));
        await SendAsync(http, state.UploadId, result, ["build.log"]);
        var abandoned = Path.Combine(UploadsDir, state.UploadId);
        var dayAndAHalfAgo = DateTime.UtcNow.AddHours(-36);
        foreach (var dir in Directory.GetDirectories(abandoned).Append(abandoned))
        {
            Directory.SetLastWriteTimeUtc(dir, dayAndAHalfAgo);
        }
        var recent = ResultFiles.Make(site.Temp("other")).Result;
        var inProgress = await BeginAsync(http, await ResultFiles.ManifestAsync(recent));

        await site.StartBstoreAsync(WebAuth.TokensOverHttp);

        Assert.False(Directory.Exists(abandoned));
        Assert.True(Directory.Exists(Path.Combine(UploadsDir, inProgress.UploadId)));
    }

    [Theory]
    [InlineData("file", "../escaped")]
    [InlineData("file", "/etc/passwd")]
    [InlineData("file", "sub/dir.rpm")]
    [InlineData("file", "..")]
    [InlineData("file", ".hidden")]
    [InlineData("file", "%2e%2e")]
    [InlineData("file", "a\\b")]
    [InlineData("target", "../../escaped")]
    [InlineData("target", "/tmp")]
    [InlineData("pkgname", "..")]
    [InlineData("pkgname", "repodata")]
    [InlineData("timestamp", "a/b")]
    [InlineData("evr", "1.0/../../..")]
    [InlineData("arch", "..")]
    public async Task AManifestNamingAPathOutsideItsResultDirIsRefused(string field, string value)
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        var manifest = await ResultFiles.ManifestAsync(result);
        manifest = field switch
        {
            "file" => manifest with { Files = [.. manifest.Files, new ManifestFile(value, 1, new string('a', 64))] },
            "target" => manifest with { Target = value },
            "pkgname" => manifest with { PkgName = value },
            "timestamp" => manifest with { Timestamp = value },
            "evr" => manifest with { Evr = value },
            _ => manifest with { Arch = value },
        };
        var before = Directory.GetFileSystemEntries(site.Paths.DataDir, "*", SearchOption.AllDirectories);

        using var response = await http.PostAsJsonAsync(RemoteProtocol.ResultsPath, manifest, RemoteJsonContext.Default.ResultManifest);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(field is "file" ? "file name" : field, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetFileSystemEntries(site.Paths.DataDir, "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("/bstore/results/{id}/files/..%2F..%2F..%2Fescaped")]
    [InlineData("/bstore/results/{id}/files/%2e%2e")]
    [InlineData("/bstore/results/{id}/files/../../../escaped")]
    [InlineData("/bstore/results/..%2F..%2F{id}/files/build.log")]
    [InlineData("/bstore/results/{id}/files/%2Fetc%2Fpasswd")]
    public async Task AnUploadUrlThatWouldLeaveTheUploadIsRefused(string template)
    {
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);
        using var http = site.RawClient(url, token: WebSite.AliceToken);
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        var state = await BeginAsync(http, await ResultFiles.ManifestAsync(result));

        var (status, _) = await RawHttp.SendAsync(url, "PUT", template.Replace("{id}", state.UploadId, StringComparison.Ordinal), WebSite.AliceToken);

        Assert.InRange(status, 400, 499);
        Assert.Empty(Directory.GetFiles(site.Paths.DataDir, "escaped", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(UploadsDir, state.UploadId, "files")));
    }

    [Fact]
    public async Task UploadsNeedAWriterWhileTheRepoIsOpenToAll()
    {
        var url = await site.StartBstoreAsync(WebAuth.Both);
        var (result, _) = ResultFiles.Make(site.Temp("worker"));
        var manifest = await ResultFiles.ManifestAsync(result);
        using var anonymous = site.RawClient(url);
        using var stranger = site.RawClient(url, fixture.Certificates.Client("stranger", fromOtherCa: true));

        using var noCredentials = await anonymous.PostAsJsonAsync(RemoteProtocol.ResultsPath, manifest, RemoteJsonContext.Default.ResultManifest);
        using var otherCa = await stranger.PostAsJsonAsync(RemoteProtocol.ResultsPath, manifest, RemoteJsonContext.Default.ResultManifest);
        using var listing = await anonymous.GetAsync(RemoteProtocol.RepoPrefix + "/");

        Assert.Equal(HttpStatusCode.Unauthorized, noCredentials.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, otherCa.StatusCode);
        Assert.Contains("CN=stranger", await otherCa.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, listing.StatusCode);
        Assert.False(Directory.Exists(UploadsDir) && Directory.EnumerateFileSystemEntries(UploadsDir).Any());
    }
}
