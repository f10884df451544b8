using System.Net;
using Microsoft.Extensions.Logging;
using Reimzul.Protocol;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Web;

/// <summary>
/// Each service has its writers: bstore takes uploads from the builders, the controller submits from the packagers.
/// A certificate of the shared CA, or a token of the other service, does not make a writer.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class WriterAllowListTests(WebFixture fixture) : IAsyncDisposable
{
    private readonly ListLogger log = new();
    private WebSite? site;

    private WebSite Site => site ??= new WebSite(fixture.Certificates, new OneLoggerFactory(log));

    public async ValueTask DisposeAsync()
    {
        if (site is not null)
        {
            await site.DisposeAsync();
        }
    }

    private IEnumerable<string> Refusals => log.Lines.Where(l => l.Level == LogLevel.Warning && l.Message.StartsWith("refused ", StringComparison.Ordinal)).Select(l => l.Message);

    private async Task<HttpResponseMessage> DeclareAsync(Uri bstore, TlsPair? certificate, string? token = null)
    {
        using var http = Site.RawClient(bstore, certificate, token);
        var (result, _) = ResultFiles.Make(Site.Temp("worker"));
        var manifest = await ResultFiles.ManifestAsync(result);
        return await http.PostAsync(RemoteProtocol.ResultsPath, System.Net.Http.Json.JsonContent.Create(manifest, RemoteJsonContext.Default.ResultManifest));
    }

    [Fact]
    public async Task BstoreRefusesAPackagersCertificateWith403SayingWhyAndLogsIt()
    {
        var url = await Site.StartBstoreAsync(Site.ServerConfig(WebAuth.Certificates, writers: ["builder1.example.org", "builder2.example.org"]));

        using var response = await DeclareAsync(url, fixture.Certificates.Packager("alice"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("'alice' may not write to this service: [bstore] writers does not list it", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var refusal = Assert.Single(Refusals);
        Assert.Matches(@"^refused POST /bstore/results from 127\.0\.0\.1:\d+ \(alice\): 403 'alice' may not write", refusal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(Site.Paths.Staging, "uploads")));
    }

    [Fact]
    public async Task BstoreTakesUploadsFromTheBuildersItLists()
    {
        var url = await Site.StartBstoreAsync(Site.ServerConfig(WebAuth.Certificates, writers: ["builder1.example.org", "builder2.example.org"]));

        using var response = await DeclareAsync(url, fixture.Certificates.Builder("builder2.example.org"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(Refusals);
    }

    [Fact]
    public async Task TheControllerRefusesABuildersCertificateAndTakesThePackagersItLists()
    {
        var url = await Site.StartControllerAsync(Site.ServerConfig(WebAuth.Certificates, writers: ["alice", "bob"]));

        using (var builder = ControllerClient.Create(Site.ClientConfig(url, fixture.Certificates.Builder())))
        {
            var error = await Assert.ThrowsAsync<RemoteServiceException>(() => builder.UploadSrpmAsync(fixture.Srpm, CancellationToken.None));
            Assert.Equal(HttpStatusCode.Forbidden, error.Status);
            Assert.Contains("'builder1.example.org' may not write to this service: [controller] writers does not list it", error.Message, StringComparison.Ordinal);
        }
        Assert.False(File.Exists(Path.Combine(Site.Paths.Incoming, Path.GetFileName(fixture.Srpm))), "the builder's SRPM was taken");
        using (var packager = ControllerClient.Create(Site.ClientConfig(url, fixture.Certificates.Packager("bob"))))
        {
            await packager.UploadSrpmAsync(fixture.Srpm, CancellationToken.None);
        }

        Assert.True(File.Exists(Path.Combine(Site.Paths.Incoming, Path.GetFileName(fixture.Srpm))));
        Assert.Matches(@"^refused PUT /reimzul-incoming/webhello-1\.0-1\.src\.rpm from 127\.0\.0\.1:\d+ \(builder1\.example\.org\): 403 ", Assert.Single(Refusals));
    }

    [Fact]
    public async Task WritersAlsoRestrictTokenNames()
    {
        var url = await Site.StartBstoreAsync(Site.ServerConfig(WebAuth.TokensOverHttp, writers: ["Bob the Builder"]));

        using var alice = await DeclareAsync(url, null, WebSite.AliceToken);
        using var bob = await DeclareAsync(url, null, WebSite.BobToken);

        Assert.Equal(HttpStatusCode.Forbidden, alice.StatusCode);
        Assert.Equal(HttpStatusCode.OK, bob.StatusCode);
    }

    [Fact]
    public async Task ATokenOfTheControllersFileIsNotAcceptedByBstore()
    {
        var bstoreTokens = Site.Temp("bstore.tokens");
        await File.WriteAllTextAsync(bstoreTokens, "builder1-token-0123456789abcdef builder1.example.org\n");
        var url = await Site.StartBstoreAsync(Site.ServerConfig(WebAuth.TokensOverHttp, tokensFile: bstoreTokens));

        using var response = await DeclareAsync(url, null, WebSite.AliceToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("the bearer token is not accepted", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertificatesWithoutWritersKeepWorkingWithAWarningSayingHowToListThem()
    {
        var url = await Site.StartBstoreAsync(Site.ServerConfig(WebAuth.Certificates));

        using var response = await DeclareAsync(url, fixture.Certificates.Packager("alice"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Warning
            && l.Message.Contains("bstore: client_certs = yes without writers: every certificate signed by [tls] ca_cert may write here", StringComparison.Ordinal)
            && l.Message.Contains("[bstore] writers = NAME, NAME", StringComparison.Ordinal));
    }
}
