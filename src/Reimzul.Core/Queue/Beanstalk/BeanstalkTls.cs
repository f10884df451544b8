using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Reimzul.Queue.Beanstalk;

/// <summary>
/// The client side of TLS to beanstalkd behind stunnel: the server's certificate must chain to the
/// configured CA (or the system's) and carry the expected name; a client certificate is presented
/// when configured. Files are read once, when the options are first used.
/// </summary>
internal sealed class BeanstalkTls
{
    private readonly X509Certificate2Collection? _trusted;
    private readonly SslStreamCertificateContext? _clientCertificate;
    private readonly string? _caFile;

    private BeanstalkTls(X509Certificate2Collection? trusted, string? caFile, SslStreamCertificateContext? clientCertificate)
    {
        _trusted = trusted;
        _caFile = caFile;
        _clientCertificate = clientCertificate;
    }

    /// <exception cref="BeanstalkException">A file is missing, unreadable or not what it should be (<see cref="BeanstalkError.TlsSetup"/>).</exception>
    public static BeanstalkTls Load(BeanstalkdOptions options)
    {
        X509Certificate2Collection? trusted = null;
        if (options.CaFile is { } caFile)
        {
            trusted = [];
            try
            {
                trusted.ImportFromPemFile(caFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
            {
                throw new BeanstalkException(BeanstalkError.TlsSetup, $"cannot read the CA certificates for beanstalkd from '{caFile}': {ex.Message}", ex);
            }
            if (trusted.Count == 0)
            {
                throw new BeanstalkException(BeanstalkError.TlsSetup, $"'{caFile}' holds no PEM certificate (expected the CA that signed beanstalkd's certificate)");
            }
        }

        SslStreamCertificateContext? client = null;
        if (options.ClientCertificateFile is { } certFile)
        {
            X509Certificate2 certificate;
            try
            {
                certificate = X509Certificate2.CreateFromPemFile(certFile, options.ClientKeyFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                var files = options.ClientKeyFile is null ? $"'{certFile}'" : $"'{certFile}' and '{options.ClientKeyFile}'";
                throw new BeanstalkException(BeanstalkError.TlsSetup, $"cannot load the client certificate and key for beanstalkd from {files}: {ex.Message}", ex);
            }
            client = SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true);
        }
        return new BeanstalkTls(trusted, options.CaFile, client);
    }

    /// <exception cref="BeanstalkConnectionException">The handshake failed; the message says why (which check the server's certificate failed).</exception>
    public async Task<SslStream> AuthenticateAsync(Stream inner, string targetHost, string endpoint, CancellationToken cancellationToken)
    {
        string? refusal = null;
        var ssl = new SslStream(inner, leaveInnerStreamOpen: false);
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = targetHost,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ClientCertificateContext = _clientCertificate,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                refusal = Describe(certificate, chain, errors, targetHost);
                return refusal is null;
            },
        };
        if (_trusted is not null)
        {
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.AddRange(_trusted);
            options.CertificateChainPolicy = policy;
        }
        try
        {
            await ssl.AuthenticateAsClientAsync(options, cancellationToken);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            await ssl.DisposeAsync();
            var reason = refusal is null ? ex.Message : $"its certificate was refused: {refusal}";
            throw new BeanstalkConnectionException(BeanstalkError.ConnectFailed, $"TLS handshake with beanstalkd at {endpoint} failed: {reason}", ex);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    private string? Describe(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string targetHost)
    {
        if (errors == SslPolicyErrors.None)
        {
            return null;
        }
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the server presented no certificate";
        }
        var reasons = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = chain?.ChainStatus.Select(s => s.Status.ToString()).Distinct().ToArray() ?? [];
            var trust = _caFile is null ? "a CA the system trusts" : $"the CA in '{_caFile}'";
            reasons.Add($"'{certificate.Subject}' (issued by '{certificate.Issuer}') does not chain to {trust}"
                + (statuses.Length > 0 ? $" ({string.Join(", ", statuses)})" : ""));
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            reasons.Add($"'{certificate.Subject}' is not a certificate for '{targetHost}' (set the server name the certificate carries)");
        }
        return string.Join("; ", reasons);
    }
}
