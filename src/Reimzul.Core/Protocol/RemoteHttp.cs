using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Reimzul.Config;

namespace Reimzul.Protocol;

/// <summary>
/// HTTP clients for the controller and bstore services: the server is checked against <c>[tls] ca_cert</c> (the
/// system's CAs when unset), the client certificate and the bearer token are sent when configured.
/// </summary>
public static class RemoteHttp
{
    /// <summary>A client whose base address is <c>[controller] url</c>.</summary>
    /// <exception cref="ConfigException">A configured certificate, key or token file cannot be used.</exception>
    public static HttpClient ForController(ReimzulConfig config) => Create(config, "controller", config?.Controller.Http!);

    /// <summary>A client whose base address is <c>[bstore] url</c>.</summary>
    /// <exception cref="ConfigException">A configured certificate, key or token file cannot be used.</exception>
    public static HttpClient ForBstore(ReimzulConfig config) => Create(config, "bstore", config?.Bstore.Http!);

    /// <summary>A client whose base address is <c>[web] url</c> (the web API; <c>[web] token_file</c> for the actions).</summary>
    /// <exception cref="ConfigException">A configured certificate, key or token file cannot be used.</exception>
    public static HttpClient ForWeb(ReimzulConfig config) => Create(config, "web", config?.Web.Http!);

    private static HttpClient Create(ReimzulConfig config, string section, HttpServiceOptions service)
    {
        ArgumentNullException.ThrowIfNull(config);
        var source = config.SourceFile ?? "(no config file)";
        var client = new HttpClient(CreateHandler(config.Tls, source), disposeHandler: true)
        {
            BaseAddress = new Uri(service.Url.EndsWith('/') ? service.Url : service.Url + "/"),
            // Uploads of large RPMs take long; each call bounds its own wait.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        if (service.TokenFile is { } tokenFile)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReadToken(tokenFile, source, section));
        }
        return client;
    }

    /// <summary>
    /// The handler behind the clients: TLS checks and client certificate as configured in <paramref name="tls"/>. A
    /// failed TLS connection throws an <see cref="HttpRequestException"/> saying which check failed.
    /// </summary>
    /// <exception cref="ConfigException">A configured certificate or key cannot be read.</exception>
    public static HttpMessageHandler CreateHandler(TlsOptions tls, string configSource = "(configuration)")
    {
        ArgumentNullException.ThrowIfNull(tls);
        var ssl = new SslClientAuthenticationOptions();
        // The configured CA is the only root: a certificate from any other CA, even one the system trusts, is refused.
        var roots = tls.CaCert is { } caFile ? LoadCertificates(caFile, configSource, "[tls] ca_cert") : null;
        if (tls.ClientCert is not null || tls.ClientKey is not null)
        {
            if (tls.ClientCert is null || tls.ClientKey is null)
            {
                throw new ConfigException(configSource, null, "[tls] client_cert and client_key go together; set both or neither");
            }
            ssl.ClientCertificates = [LoadPair(tls.ClientCert, tls.ClientKey, configSource, "[tls] client_cert/client_key")];
        }
        var diagnosis = new TlsDiagnosis(roots, tls.CaCert, ssl.ClientCertificates is not null);
        ssl.RemoteCertificateValidationCallback = diagnosis.Validate;
        var sockets = new SocketsHttpHandler
        {
            SslOptions = ssl,
            ConnectTimeout = TimeSpan.FromSeconds(15),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        };
        return new TlsFailureHandler(sockets, diagnosis);
    }

    /// <summary>Certificates in a PEM file (a CA bundle).</summary>
    /// <exception cref="ConfigException">The file cannot be read or holds no certificate.</exception>
    public static X509Certificate2Collection LoadCertificates(string path, string configSource, string key)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigException(configSource, null, $"{key}: cannot read certificates from {path}: {ex.Message}", ex);
        }
        return certificates.Count > 0
            ? certificates
            : throw new ConfigException(configSource, null, $"{key}: {path} holds no PEM certificate");
    }

    /// <summary>A certificate with its private key, from two PEM files.</summary>
    /// <exception cref="ConfigException">Either file cannot be read, or the key does not belong to the certificate.</exception>
    public static X509Certificate2 LoadPair(string certificatePath, string keyPath, string configSource, string key)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ConfigException(configSource, null, $"{key}: cannot load {certificatePath} with key {keyPath}: {ex.Message}", ex);
        }
    }

    private static string ReadToken(string path, string configSource, string section)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(configSource, null, $"[{section}] token_file: cannot read {path}: {ex.Message}", ex);
        }
        var token = text.Split((char[]?)null, 2, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        return token ?? throw new ConfigException(configSource, null, $"[{section}] token_file: {path} is empty");
    }
}
