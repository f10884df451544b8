using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MQTTnet;
using Reimzul.Config;

namespace Reimzul.Mqtt;

/// <summary>
/// Turns <c>[mqtt]</c> into MQTTnet client options: MQTT over TLS, the broker checked against <c>ca_cert</c>
/// (or not at all with <c>tls_insecure</c>), the client proven by <c>tls_cert</c>/<c>tls_key</c>.
/// </summary>
public static class MqttClientSettings
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    /// <exception cref="ConfigException">A certificate or key named in [mqtt] cannot be loaded.</exception>
    public static MqttClientOptions Create(MqttOptions options, string clientId, string configSource = "(configuration)")
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(clientId);
        var roots = options.CaCert is { } ca ? LoadCertificates(ca, configSource) : null;
        var clientCertificates = new List<X509Certificate2>();
        if (options.TlsCert is { } cert)
        {
            clientCertificates.Add(LoadPair(cert, options.TlsKey ?? cert, configSource));
        }

        var tls = new MqttClientTlsOptionsBuilder()
            .UseTls()
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithTargetHost(options.Host)
            .WithCertificateValidationHandler(e => options.TlsInsecure || IsTrusted(e.Certificate, e.SslPolicyErrors, roots));
        if (clientCertificates.Count > 0)
        {
            tls = tls.WithClientCertificates(clientCertificates);
        }

        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithClientId(clientId)
            // A persistent session: QoS 1 messages in flight when the connection drops are resent on reconnect.
            .WithCleanSession(false)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
            .WithTimeout(TimeSpan.FromSeconds(15))
            .WithTlsOptions(tls.Build());
        if (options.Username is { } user)
        {
            builder = builder.WithCredentials(user, options.Password);
        }
        return builder.Build();
    }

    // With a CA configured it is the only root; without one, the system's trust store decides.
    private static bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors, X509Certificate2Collection? roots)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return false;
        }
        if (roots is null)
        {
            return errors == SslPolicyErrors.None;
        }
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        return chain.Build(leaf);
    }

    private static X509Certificate2Collection LoadCertificates(string path, string configSource)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new ConfigException(configSource, null, $"[mqtt] ca_cert: cannot read certificates from {path}: {ex.Message}", ex);
        }
        return certificates.Count > 0
            ? certificates
            : throw new ConfigException(configSource, null, $"[mqtt] ca_cert: {path} holds no PEM certificate");
    }

    private static X509Certificate2 LoadPair(string certificatePath, string keyPath, string configSource)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            throw new ConfigException(configSource, null, $"[mqtt] tls_cert: cannot load {certificatePath} with key {keyPath}: {ex.Message}", ex);
        }
    }
}
