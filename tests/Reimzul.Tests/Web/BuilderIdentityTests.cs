using System.Net;
using Microsoft.Extensions.Logging;
using Reimzul.Protocol;
using Reimzul.ResultStores;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Web;

/// <summary>
/// A builder's name is the one it authenticated as: bstore refuses a result that claims another builder, and its log
/// names the authenticated uploader.
/// </summary>
[Collection(WebCollection.Name)]
public sealed class BuilderIdentityTests(WebFixture fixture) : IAsyncDisposable
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

    [Fact]
    public async Task AResultClaimingAnotherBuilderIsRefusedWith403AndTheRefusalIsLogged()
    {
        var url = await Site.StartBstoreAsync(WebAuth.TokensOverHttp);
        var (result, _) = ResultFiles.Make(Site.Temp("worker"));
        using var store = HttpResultStore.Create(Site.ClientConfig(url, token: WebSite.AliceToken, builder: "alice-laptop"), log);

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => store.StoreAsync(result, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("the result names its builder 'alice-laptop', but this upload is authenticated as 'alice'", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(ResultFiles.FinalDir(Site.Paths.Repo, result)));
        Assert.Contains(log.Lines, l => l.Level == LogLevel.Warning
            && System.Text.RegularExpressions.Regex.IsMatch(l.Message, @"^refused POST /bstore/results from 127\.0\.0\.1:\d+ \(alice\): 403 the result names its builder 'alice-laptop'"));
    }

    [Fact]
    public async Task ABuilderNamedByItsCertificateStoresItsResultAndBstoreLogsThatName()
    {
        var url = await Site.StartBstoreAsync(WebAuth.Certificates);
        var (result, hashes) = ResultFiles.Make(Site.Temp("worker"));
        var config = Site.ClientConfig(url, fixture.Certificates.Builder("builder1.example.org"));
        using var store = HttpResultStore.Create(config, log);

        await store.StoreAsync(result, CancellationToken.None);

        Assert.Equal("builder1.example.org", config.Builder.Fqdn);
        Assert.Equal(hashes, ResultFiles.Hashes(ResultFiles.FinalDir(Site.Paths.Repo, result)));
        Assert.Contains(log.Lines, l => l.Message.StartsWith("builder1.example.org: stored result ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ACertificateNamingAnotherBuilderIsRefused()
    {
        var url = await Site.StartBstoreAsync(WebAuth.Certificates);
        var (result, _) = ResultFiles.Make(Site.Temp("worker"));
        using var store = HttpResultStore.Create(Site.ClientConfig(url, fixture.Certificates.Builder("builder1.example.org"), builder: "builder2.example.org"), log);

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => store.StoreAsync(result, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains("set [builder] fqdn = builder1.example.org on that builder", error.Message, StringComparison.Ordinal);
    }
}
