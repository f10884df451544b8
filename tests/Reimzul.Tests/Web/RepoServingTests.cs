using System.Net;

namespace Reimzul.Tests.Web;

[Collection(WebCollection.Name)]
public sealed class RepoServingTests(WebFixture fixture) : IAsyncDisposable
{
    private const string BuildDir = "c7.x86_64/hello/20240102030405/1.0-1.el7.x86_64";

    private readonly WebSite site = new(fixture.Certificates);

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private void PlaceRepo()
    {
        var build = Path.Combine(site.Paths.Repo, BuildDir);
        Directory.CreateDirectory(build);
        File.WriteAllText(Path.Combine(build, "build.log"), "build ok\n");
        File.WriteAllBytes(Path.Combine(build, "hello-1.0-1.el7.x86_64.rpm"), [0xED, 0xAB, 0xEE, 0xDB, 1, 2, 3]);
        File.WriteAllText(Path.Combine(build, "stderr"), "warning\n");
        Directory.CreateDirectory(Path.Combine(site.Paths.Repo, "c7.x86_64", "repodata"));
        File.WriteAllText(Path.Combine(site.Paths.Repo, "c7.x86_64", "repodata", "repomd.xml"), "<repomd/>");
        Directory.CreateDirectory(Path.Combine(site.Paths.Repo, "c7.x86_64", ".repodata"));
        File.WriteAllText(Path.Combine(site.Paths.Repo, "c7.x86_64", ".repodata", "repomd.xml"), "half written");
        File.WriteAllText(Path.Combine(site.Paths.DataDir, "bstore", "secret.txt"), "secret");
        File.WriteAllText(Path.Combine(site.Paths.DataDir, "secret.txt"), "secret");
    }

    [Theory]
    [InlineData(BuildDir + "/build.log", "text/plain; charset=utf-8", "build ok\n")]
    [InlineData(BuildDir + "/stderr", "text/plain; charset=utf-8", "warning\n")]
    [InlineData("c7.x86_64/repodata/repomd.xml", "application/xml", "<repomd/>")]
    public async Task RepoFilesAreServedWithTheirContentTypes(string path, string contentType, string body)
    {
        PlaceRepo();
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        using var http = site.RawClient(url);

        using var response = await http.GetAsync("/bstore/repo/" + path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(contentType, response.Content.Headers.ContentType!.ToString());
        Assert.Equal(body, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AnRpmIsServedAsAnRpmAndDirectoriesAreListedWithoutHiddenEntries()
    {
        PlaceRepo();
        var url = await site.StartBstoreAsync(WebAuth.Certificates);
        using var http = site.RawClient(url);

        using var rpm = await http.GetAsync($"/bstore/repo/{BuildDir}/hello-1.0-1.el7.x86_64.rpm");
        var listing = await http.GetStringAsync("/bstore/repo/c7.x86_64/");
        using var hidden = await http.GetAsync("/bstore/repo/c7.x86_64/.repodata/repomd.xml");

        Assert.Equal("application/x-rpm", rpm.Content.Headers.ContentType!.MediaType);
        Assert.Equal(new byte[] { 0xED, 0xAB, 0xEE, 0xDB, 1, 2, 3 }, await rpm.Content.ReadAsByteArrayAsync());
        Assert.Contains("repodata", listing, StringComparison.Ordinal);
        Assert.Contains("hello", listing, StringComparison.Ordinal);
        Assert.DoesNotContain(".repodata", listing, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, hidden.StatusCode);
    }

    [Theory]
    [InlineData("PUT")]
    [InlineData("DELETE")]
    [InlineData("POST")]
    public async Task TheRepoCannotBeChangedOverHttp(string method)
    {
        PlaceRepo();
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);

        var (status, body) = await RawHttp.SendAsync(url, method, $"/bstore/repo/{BuildDir}/build.log", WebSite.AliceToken);

        Assert.Equal(405, status);
        Assert.Contains("not allowed", body, StringComparison.Ordinal);
        Assert.Equal("build ok\n", File.ReadAllText(Path.Combine(site.Paths.Repo, BuildDir, "build.log")));
    }

    [Theory]
    [InlineData("/bstore/repo/../secret.txt")]
    [InlineData("/bstore/repo/../../secret.txt")]
    [InlineData("/bstore/repo/%2e%2e/secret.txt")]
    [InlineData("/bstore/repo/%2E%2E/%2E%2E/secret.txt")]
    [InlineData("/bstore/repo/..%2fsecret.txt")]
    [InlineData("/bstore/repo/c7.x86_64/..%2f..%2fsecret.txt")]
    [InlineData("/bstore/repo//..//secret.txt")]
    public async Task RepoPathsCannotLeaveTheRepo(string target)
    {
        PlaceRepo();
        var url = await site.StartBstoreAsync(WebAuth.TokensOverHttp);

        var (status, body) = await RawHttp.SendAsync(url, "GET", target);

        Assert.InRange(status, 400, 499);
        Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
    }
}
