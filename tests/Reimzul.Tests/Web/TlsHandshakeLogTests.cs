using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Web;

/// <summary>A connection to an HTTPS port whose handshake fails leaves one line with the peer and the reason.</summary>
[Collection(WebCollection.Name)]
public sealed class TlsHandshakeLogTests(WebFixture fixture) : IAsyncDisposable
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

    private List<string> Refused => [.. log.Lines.Where(l => l.Level == LogLevel.Warning && l.Message.StartsWith("refused a connection", StringComparison.Ordinal)).Select(l => l.Message)];

    [Fact]
    public async Task PlainHttpToTheHttpsPortIsLoggedOnceWithThePeer()
    {
        var url = await Site.StartBstoreAsync(WebAuth.Certificates);

        using (var tcp = new TcpClient())
        {
            await tcp.ConnectAsync(url.Host, url.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes($"GET /bstore/repo/ HTTP/1.1\r\nHost: {url.Authority}\r\n\r\n"));
            var buffer = new byte[4096];
            while (await stream.ReadAsync(buffer) > 0)
            {
            }
        }

        await Eventually.WaitAsync(() => Refused.Count > 0, TimeSpan.FromSeconds(10), () => "nothing logged:\n" + string.Join("\n", log.Lines));
        var line = Assert.Single(Refused);
        Assert.Matches(@"^refused a connection from 127\.0\.0\.1:\d+: plain HTTP sent to the HTTPS port \(""GET /bstore/repo/ HTTP/1\.1""\); use an https:// URL$", line);
    }

    [Fact]
    public async Task AClientThatDoesNotTrustTheServerIsLoggedOnceWithThePeer()
    {
        var url = await Site.StartBstoreAsync(Site.ServerConfig(WebAuth.Certificates, serverCertificate: fixture.Certificates.OtherServer));
        using var http = new HttpClient(RemoteHttp.CreateHandler(new TlsOptions { CaCert = fixture.Certificates.CaCertPath })) { BaseAddress = url };

        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("/bstore/repo/"));

        await Eventually.WaitAsync(() => Refused.Count > 0, TimeSpan.FromSeconds(10), () => "nothing logged:\n" + string.Join("\n", log.Lines));
        Assert.Matches(@"^refused a connection from 127\.0\.0\.1:\d+: TLS handshake failed: ", Assert.Single(Refused));
    }

    [Fact]
    public async Task AGoodHandshakeIsNotLogged()
    {
        var url = await Site.StartBstoreAsync(WebAuth.Certificates);
        using var http = Site.RawClient(url);

        using var response = await http.GetAsync("/bstore/repo/");

        Assert.Empty(Refused);
    }
}
