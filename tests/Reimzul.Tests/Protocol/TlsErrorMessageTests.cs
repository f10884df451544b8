using Reimzul.Protocol;
using Reimzul.Tests.Support;
using Reimzul.Tests.Web;

namespace Reimzul.Tests.Protocol;

/// <summary>A client that refuses a service's certificate says which check failed, not "see inner exception".</summary>
[Collection(WebCollection.Name)]
public sealed class TlsErrorMessageTests(WebFixture fixture) : IAsyncDisposable
{
    private readonly WebSite site = new(fixture.Certificates);

    public ValueTask DisposeAsync() => site.DisposeAsync();

    private async Task<string> UploadErrorAsync(TlsPair serverCertificate, bool https = true)
    {
        var auth = https ? WebAuth.Certificates : WebAuth.TokensOverHttp;
        var url = await site.StartControllerAsync(site.ServerConfig(auth, serverCertificate: serverCertificate));
        var httpsUrl = new UriBuilder(url) { Scheme = "https" }.Uri;
        using var client = ControllerClient.Create(site.ClientConfig(httpsUrl, fixture.Certificates.Packager()));
        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None));
        Assert.DoesNotContain("see inner exception", error.Message, StringComparison.Ordinal);
        return error.Message;
    }

    [Fact]
    public async Task AServerOfAnotherCaIsAnUnknownCa()
    {
        var message = await UploadErrorAsync(fixture.Certificates.OtherServer);

        Assert.Contains("is issued by CN=Some Other CA, not by the CA of [tls] ca_cert", message, StringComparison.Ordinal);
        Assert.Contains("unknown CA", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerCertificateForAnotherNameIsANameMismatch()
    {
        var message = await UploadErrorAsync(fixture.Certificates.ServerNamedOnly("elsewhere.example.org"));

        Assert.Contains("is not issued for 127.0.0.1; it names elsewhere.example.org", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredServerCertificateSaysItExpired()
    {
        var message = await UploadErrorAsync(fixture.Certificates.ExpiredServer);

        Assert.Matches(@"its certificate \(CN=localhost, O=Reimzul tests\) expired on \d{4}-\d\d-\d\d \d\d:\d\d UTC", message);
    }

    [Fact]
    public async Task APlainHttpServerAtAnHttpsUrlDoesNotSpeakTls()
    {
        var message = await UploadErrorAsync(fixture.Certificates.Server, https: false);

        Assert.Contains("the server does not speak TLS on this port", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AServerThatWantsAClientCertificateSaysSo()
    {
        // Kestrel here judges certificates per request; a TLS server that demands one in the handshake, as stunnel does.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        using var serverCertificate = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPemFile(fixture.Certificates.Server.CertPath, fixture.Certificates.Server.KeyPath);
        var server = Task.Run(async () =>
        {
            using var tcp = await listener.AcceptTcpClientAsync();
            await using var tls = new System.Net.Security.SslStream(tcp.GetStream(), false, (_, certificate, _, _) => certificate is not null);
            try
            {
                await tls.AuthenticateAsServerAsync(new System.Net.Security.SslServerAuthenticationOptions
                {
                    ServerCertificate = serverCertificate,
                    ClientCertificateRequired = true,
                });
                _ = await tls.ReadAsync(new byte[1]);
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException)
            {
                // The refusal is the point.
            }
        });
        var url = new Uri($"https://127.0.0.1:{((System.Net.IPEndPoint)listener.LocalEndpoint).Port}/");
        using var client = ControllerClient.Create(site.ClientConfig(url, token: WebSite.AliceToken));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.UploadSrpmAsync(fixture.Srpm, CancellationToken.None));
        await server;

        Assert.True(error.Message.Contains("a TLS server that wants a client certificate does that to a client without one: if it does, set [tls] client_cert and client_key", StringComparison.Ordinal), error.ToString());
    }
}
