using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Config;
using Reimzul.Web;

namespace Reimzul.Tests.Web;

[Collection(WebCollection.Name)]
public sealed class ServiceConfigTests(WebFixture fixture) : IDisposable
{
    private readonly ConfigFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void TheServiceSectionsAreReadWithFilesNextToTheConfig()
    {
        var path = files.Write("reimzul.ini", """
            [controller]
            url = https://controller.example:11080/
            listen = 10.0.0.5
            port = 12080
            https = yes
            client_certs = yes
            tokens = controller.tokens
            token_file = /etc/reimzul/me.token
            max_srpm_mb = 100

            [bstore]
            base_url = https://bstore.example/bstore/repo/
            url = https://bstore.example:11081/
            listen = *
            https = on
            tokens = bstore.tokens
            listing = no
            upload_retry_limit = 2m

            [tls]
            ca_cert = pki/ca.crt
            server_cert = pki/server.crt
            server_key = pki/server.key
            client_cert = /etc/pki/client.crt
            client_key = /etc/pki/client.key
            """);

        var config = files.Load(path);

        Assert.Equal(new ControllerOptions
        {
            Http = new HttpServiceOptions
            {
                Url = "https://controller.example:11080/",
                Listen = "10.0.0.5",
                Port = 12080,
                Https = true,
                ClientCerts = true,
                Tokens = Path.Combine(files.Dir, "controller.tokens"),
                TokenFile = "/etc/reimzul/me.token",
            },
            MaxSrpmBytes = 100L * 1024 * 1024,
        }, config.Controller);
        Assert.Equal(new BstoreOptions
        {
            Http = new HttpServiceOptions { Url = "https://bstore.example:11081/", Port = 11081, Https = true, Tokens = Path.Combine(files.Dir, "bstore.tokens") },
            Listing = false,
            UploadRetryLimit = TimeSpan.FromMinutes(2),
        }, config.Bstore);
        Assert.Equal(new TlsOptions
        {
            CaCert = Path.Combine(files.Dir, "pki", "ca.crt"),
            ServerCert = Path.Combine(files.Dir, "pki", "server.crt"),
            ServerKey = Path.Combine(files.Dir, "pki", "server.key"),
            ClientCert = "/etc/pki/client.crt",
            ClientKey = "/etc/pki/client.key",
        }, config.Tls);
    }

    [Fact]
    public void TheDefaultsAreTheOriginalPortsOnEveryAddressWithoutTls()
    {
        var config = files.Load();

        Assert.Equal(("http://localhost:11080/", "*", 11080, false), (config.Controller.Http.Url, config.Controller.Http.Listen, config.Controller.Http.Port, config.Controller.Http.Https));
        Assert.Equal(("http://localhost:11081/", "*", 11081, false), (config.Bstore.Http.Url, config.Bstore.Http.Listen, config.Bstore.Http.Port, config.Bstore.Http.Https));
        Assert.True(config.Bstore.Listing);
    }

    [Theory]
    [InlineData("[controller]\nlisten = example.org\n", "[controller] listen: 'example.org' is not an IP address or *")]
    [InlineData("[bstore]\nurl = ftp://x/\n", "[bstore] url: 'ftp://x/' is not an http:// or https:// URL")]
    [InlineData("[controller]\nport = 0\n", "[controller] port: '0' is not a port (1 to 65535)")]
    [InlineData("[tls]\nca = x\n", "[tls] ca: unknown key")]
    public void BadServiceValuesNameTheKeyAndTheReason(string text, string expected)
    {
        var error = files.Error(text, out var path);

        Assert.StartsWith($"{path}:2: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void HttpsWithoutAServerCertificateStopsTheServiceAtStart()
    {
        var config = new ReimzulConfig
        {
            Paths = ReimzulPaths.UnderDataDir(files.Dir),
            SourceFile = "/etc/reimzul/reimzul.ini",
            Bstore = new BstoreOptions { Http = new HttpServiceOptions { Url = "https://x/", Https = true } },
        };

        var error = Assert.Throws<ConfigException>(() => BstoreServer.Create(config, NullLoggerFactory.Instance));

        Assert.Equal("/etc/reimzul/reimzul.ini: [bstore] https = yes needs [tls] server_cert and server_key", error.Message);
    }

    [Fact]
    public void ClientCertificatesWithoutHttpsStopTheServiceAtStart()
    {
        var config = new ReimzulConfig
        {
            Paths = ReimzulPaths.UnderDataDir(files.Dir),
            Tls = new TlsOptions { CaCert = fixture.Certificates.CaCertPath },
            Controller = new ControllerOptions { Http = new HttpServiceOptions { Url = "http://x/", ClientCerts = true } },
        };

        var error = Assert.Throws<ConfigException>(() => ControllerServer.Create(config, new Reimzul.Queue.Embedded.EmbeddedJobQueueFactory(Path.Combine(files.Dir, "q.db")), NullLoggerFactory.Instance));

        Assert.Contains("[controller] client_certs = yes needs https = yes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("short alice\n", 1, "the token of 'alice' is shorter than 16 characters")]
    [InlineData("# comment\n\n0123456789abcdefgh\n", 3, "expected 'TOKEN NAME': the name is missing")]
    [InlineData("0123456789abcdefgh alice\n0123456789abcdefgh bob\n", 2, "the token of 'bob' is already given to someone else")]
    public void ABadTokenFileStopsTheServiceAtStartWithoutShowingTokens(string text, int line, string reason)
    {
        var tokens = files.Write("tokens", text);
        var config = new ReimzulConfig
        {
            Paths = ReimzulPaths.UnderDataDir(files.Dir),
            Bstore = new BstoreOptions { Http = new HttpServiceOptions { Url = "http://x/", Tokens = tokens } },
        };

        var error = Assert.Throws<ConfigException>(() => BstoreServer.Create(config, NullLoggerFactory.Instance));

        Assert.Equal($"{tokens}:{line}: {reason}", error.Message);
        Assert.DoesNotContain("0123456789abcdefgh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WritersAreListsOfNamesSeparatedByCommas()
    {
        var config = files.Load(files.Write("writers.ini", """
            [controller]
            writers = alice, Bob the Builder
            [bstore]
            writers = builder1.example.org,builder2.example.org
            """));

        Assert.Equal(["alice", "Bob the Builder"], config.Controller.Http.Writers!);
        Assert.Equal(["builder1.example.org", "builder2.example.org"], config.Bstore.Http.Writers!);
        Assert.Null(files.Load().Bstore.Http.Writers);
    }

    [Fact]
    public void AnEmptyWritersListIsAnError()
    {
        var error = files.Error("[bstore]\nwriters = ,\n", out var path);

        Assert.StartsWith($"{path}:2: [bstore] writers: is empty", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AClientCertificateNamesTheBuilderAndServesTheQueueUnlessTheyAreSet()
    {
        var builder = fixture.Certificates.Builder("builder7.example.org");
        var tls = $"""
            [tls]
            client_cert = {builder.CertPath}
            client_key = {builder.KeyPath}
            """;

        var defaulted = files.Load(files.Write("builder.ini", $"[queue]\nbackend = beanstalkd\ntls = yes\n{tls}"));
        var explicitly = files.Load(files.Write("explicit.ini", $"[queue]\nbackend = beanstalkd\ntls = yes\ntls_cert = q.crt\ntls_key = q.key\n[builder]\nfqdn = b7\n{tls}"));

        Assert.Equal(("builder7.example.org", builder.CertPath, builder.KeyPath), (defaulted.Builder.Fqdn, defaulted.Queue.TlsCert, defaulted.Queue.TlsKey));
        Assert.Equal(("b7", Path.Combine(files.Dir, "q.crt")), (explicitly.Builder.Fqdn, explicitly.Queue.TlsCert));
    }
}
