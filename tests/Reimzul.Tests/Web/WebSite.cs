using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Support;
using Reimzul.Web;

namespace Reimzul.Tests.Web;

/// <summary>How a test's services authenticate writers.</summary>
public sealed record WebAuth(bool Https, bool ClientCerts, bool Tokens)
{
    public static readonly WebAuth Certificates = new(Https: true, ClientCerts: true, Tokens: false);
    public static readonly WebAuth TokensOverHttp = new(Https: false, ClientCerts: false, Tokens: true);
    public static readonly WebAuth Both = new(Https: true, ClientCerts: true, Tokens: true);
}

/// <summary>
/// A data dir with an embedded queue, a token file and the test PKI, where tests start the real controller and
/// bstore on 127.0.0.1 (a free port each) and build client configs pointing at them.
/// </summary>
public sealed class WebSite : IAsyncDisposable
{
    public const string AliceToken = "alice-token-0123456789abcdef";
    public const string BobToken = "bob-token-fedcba9876543210";

    private readonly TempDir dir = new("reimzul-web");
    private readonly List<WebServer> servers = [];

    public WebSite(TlsCertificates certificates, ILoggerFactory? loggerFactory = null)
    {
        Certificates = certificates;
        LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        Paths = ReimzulPaths.UnderDataDir(dir.Combine("data"));
        Queues = new EmbeddedJobQueueFactory(Paths.QueueDatabase);
        TokensFile = dir.Combine("tokens");
        File.WriteAllText(TokensFile, $"# who may write\n{AliceToken} alice\n{BobToken}   Bob the Builder\n");
    }

    public TlsCertificates Certificates { get; }
    public ILoggerFactory LoggerFactory { get; }
    public ReimzulPaths Paths { get; }
    public EmbeddedJobQueueFactory Queues { get; }
    public string TokensFile { get; }

    public string Temp(string name) => dir.Combine(name);

    /// <summary>The services' side of the configuration.</summary>
    public ReimzulConfig ServerConfig(WebAuth auth, int port = 0, IReadOnlyList<string>? writers = null, TlsPair? serverCertificate = null, string? tokensFile = null)
    {
        var http = new HttpServiceOptions
        {
            Url = "http://unused/",
            Listen = "127.0.0.1",
            Port = port,
            Https = auth.Https,
            ClientCerts = auth.ClientCerts,
            Tokens = auth.Tokens ? tokensFile ?? TokensFile : null,
            Writers = writers,
        };
        var server = serverCertificate ?? Certificates.Server;
        return new ReimzulConfig
        {
            Paths = Paths,
            BstoreBaseUrl = "http://repo.example/bstore/repo/",
            Controller = new ControllerOptions { Http = http, MaxSrpmBytes = 8 * 1024 * 1024 },
            Bstore = new BstoreOptions { Http = http },
            Tls = new TlsOptions { CaCert = Certificates.CaCertPath, ServerCert = server.CertPath, ServerKey = server.KeyPath },
        };
    }

    public Task<Uri> StartControllerAsync(WebAuth auth) => StartAsync(ControllerServer.Create(ServerConfig(auth), Queues, LoggerFactory));

    public Task<Uri> StartBstoreAsync(WebAuth auth, int port = 0) => StartAsync(BstoreServer.Create(ServerConfig(auth, port), LoggerFactory));

    public Task<Uri> StartControllerAsync(ReimzulConfig config) => StartAsync(ControllerServer.Create(config, Queues, LoggerFactory));

    public Task<Uri> StartBstoreAsync(ReimzulConfig config) => StartAsync(BstoreServer.Create(config, LoggerFactory));

    public async Task<Uri> StartAsync(WebServer server)
    {
        servers.Add(server);
        await server.StartAsync(CancellationToken.None);
        return server.Addresses.Single();
    }

    /// <summary>A client's configuration for services at <paramref name="url"/>: its CA, and a client certificate and/or token.</summary>
    public ReimzulConfig ClientConfig(Uri url, TlsPair? certificate = null, string? token = null, string? builder = null)
    {
        string? tokenFile = null;
        if (token is not null)
        {
            tokenFile = dir.Combine($"token-{Guid.NewGuid():N}");
            File.WriteAllText(tokenFile, token + "\n");
        }
        var http = new HttpServiceOptions { Url = url.ToString(), TokenFile = tokenFile };
        return new ReimzulConfig
        {
            Paths = ReimzulPaths.UnderDataDir(dir.Combine("client")),
            // As an operator sets it up: a builder is named as it authenticates (bstore refuses results of any other name).
            Builder = new BuilderOptions { Fqdn = builder ?? AuthenticatedName(certificate, token) ?? new BuilderOptions().Fqdn },
            Controller = new ControllerOptions { Http = http },
            Bstore = new BstoreOptions { Http = http, UploadRetryLimit = TimeSpan.FromSeconds(5) },
            Tls = new TlsOptions { CaCert = Certificates.CaCertPath, ClientCert = certificate?.CertPath, ClientKey = certificate?.KeyPath },
        };
    }

    // The certificate's CN, or the token's name in the services' tokens file.
    private string? AuthenticatedName(TlsPair? certificate, string? token) =>
        certificate is not null ? CertificateNames.TryReadCommonName(certificate.CertPath)
        : token is null ? null
        : File.ReadAllLines(TokensFile).Select(l => l.Split(' ', 2, StringSplitOptions.TrimEntries)).FirstOrDefault(p => p.Length == 2 && p[0] == token)?[1];

    /// <summary>An HttpClient for raw requests, trusting the test CA, with an optional client certificate.</summary>
    public HttpClient RawClient(Uri url, TlsPair? certificate = null, string? token = null)
    {
        var handler = Reimzul.Protocol.RemoteHttp.CreateHandler(new TlsOptions { CaCert = Certificates.CaCertPath, ClientCert = certificate?.CertPath, ClientKey = certificate?.KeyPath });
        var client = new HttpClient(handler) { BaseAddress = url };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in servers)
        {
            await server.StopAsync(CancellationToken.None);
            await server.DisposeAsync();
        }
        dir.Dispose();
    }
}
