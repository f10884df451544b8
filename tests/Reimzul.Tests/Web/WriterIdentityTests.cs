using System.Net;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Web;

/// <summary>A certificate's CN names the writer only when it is one plain name; every refusal leaves one log line.</summary>
[Collection(WebCollection.Name)]
public sealed class WriterIdentityTests(WebFixture fixture) : IAsyncDisposable
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

    private ControllerClient Client(Uri url, TlsPair certificate) => ControllerClient.Create(Site.ClientConfig(url, certificate, token: null));

    [Theory]
    [InlineData("CN=alice, CN=root", "holds 2 CNs; exactly one must name the writer")]
    [InlineData("CN=\"alice (Scratch job: True) submitted by root\"", "its CN 'alice (Scratch job: True) submitted by root' contains a space")]
    [InlineData("CN=\"x;id\"", "its CN 'x;id' contains ';'")]
    [InlineData("CN=-rf", "starts with '-'")]
    public async Task ACertificateWhoseCnIsNotOnePlainNameIsRefusedWith403SayingWhy(string subject, string reason)
    {
        var url = await Site.StartControllerAsync(WebAuth.Certificates);
        using var client = Client(url, fixture.Certificates.ClientWithSubject(subject, $"subject-{Guid.NewGuid():N}"));

        var error = await Assert.ThrowsAsync<RemoteServiceException>(() => client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None));

        Assert.Equal(HttpStatusCode.Forbidden, error.Status);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(Site.Paths.Incoming, Path.GetFileName(fixture.Srpm))), "the SRPM was taken");
    }

    [Fact]
    public async Task EachRefusalIsLoggedOnceWithPeerIdentityAndReason()
    {
        var url = await Site.StartControllerAsync(WebAuth.Both);
        using (var client = ControllerClient.Create(Site.ClientConfig(url, null, token: "not-a-token-anyone-was-given")))
        {
            await Assert.ThrowsAsync<RemoteServiceException>(() => client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None));
        }
        using (var client = Client(url, fixture.Certificates.Client("mallory", fromOtherCa: true)))
        {
            await Assert.ThrowsAsync<RemoteServiceException>(() => client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None));
        }

        var refusals = log.Lines.Where(l => l.Level == LogLevel.Warning && l.Message.StartsWith("refused ", StringComparison.Ordinal)).Select(l => l.Message).ToList();
        Assert.Equal(2, refusals.Count);
        Assert.Matches(@"^refused PUT /reimzul-incoming/webhello-1\.0-1\.src\.rpm from 127\.0\.0\.1:\d+ \(a bearer token\): 401 the bearer token is not accepted", refusals[0]);
        Assert.Matches(@"^refused PUT /reimzul-incoming/webhello-1\.0-1\.src\.rpm from 127\.0\.0\.1:\d+ \(certificate CN=mallory, O=Reimzul tests\): 403 ", refusals[1]);
    }

    [Fact]
    public async Task AFloodOfRefusalsLogsAtMostTheLimitAMinute()
    {
        var url = await Site.StartControllerAsync(WebAuth.TokensOverHttp);
        using var client = ControllerClient.Create(Site.ClientConfig(url, null, token: "not-a-token-anyone-was-given"));

        for (var i = 0; i < 40; i++)
        {
            await Assert.ThrowsAsync<RemoteServiceException>(() => client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None));
        }

        Assert.Equal(30, log.Lines.Count(l => l.Message.StartsWith("refused ", StringComparison.Ordinal)));
    }
}
