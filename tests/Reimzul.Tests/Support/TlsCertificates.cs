using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Reimzul.Tests.Support;

/// <summary>A PEM certificate and its key, as the config names them.</summary>
public sealed record TlsPair(string CertPath, string KeyPath);

/// <summary>
/// A test PKI written as PEM files: a CA, a server certificate for 127.0.0.1 and localhost, client certificates
/// with given CNs, and a second CA nobody trusts. ECDSA P-256 keys: generated in microseconds.
/// </summary>
public sealed class TlsCertificates : IDisposable
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private readonly TempDir dir = new("reimzul-tls");
    private readonly (X509Certificate2 Certificate, ECDsa Key) ca;
    private readonly (X509Certificate2 Certificate, ECDsa Key) otherCa;

    public TlsCertificates()
    {
        ca = CreateCa("Reimzul Test CA");
        otherCa = CreateCa("Some Other CA");
        CaCertPath = dir.Combine("ca.crt");
        File.WriteAllText(CaCertPath, ca.Certificate.ExportCertificatePem());
        Server = Issue(ca, "server", "localhost", ServerAuth, withServerNames: true);
    }

    public string CaCertPath { get; }

    /// <summary>For 127.0.0.1, ::1 and localhost.</summary>
    public TlsPair Server { get; }

    /// <summary>A server certificate for 127.0.0.1 and localhost issued by the CA nobody trusts.</summary>
    public TlsPair OtherServer => Issue(otherCa, "other-server", "localhost", ServerAuth, withServerNames: true);

    /// <summary>A server certificate for the given IP addresses (test hosts in network namespaces).</summary>
    public TlsPair ServerFor(string fileName, params IPAddress[] addresses) =>
        Issue(ca, fileName, fileName, ServerAuth, withServerNames: true, addresses);

    /// <summary>A server certificate of the CA for 127.0.0.1 and localhost that expired yesterday.</summary>
    public TlsPair ExpiredServer => Issue(ca, "expired-server", "localhost", ServerAuth, withServerNames: true, expired: true);

    /// <summary>A server certificate of the CA naming only <paramref name="dnsName"/> (not 127.0.0.1 or localhost).</summary>
    public TlsPair ServerNamedOnly(string dnsName) => Issue(ca, $"named-{dnsName}", dnsName, ServerAuth, withServerNames: false, onlyName: dnsName);

    /// <summary>A packager's client certificate: people who submit builds (CN alice).</summary>
    public TlsPair Packager(string commonName = "alice") => Client(commonName);

    /// <summary>A builder's client certificate: its CN is the host name it builds as.</summary>
    public TlsPair Builder(string commonName = "builder1.example.org") => Client(commonName);

    /// <summary>A client certificate with CN <paramref name="commonName"/>, signed by the CA, or by a CA the services do not trust.</summary>
    public TlsPair Client(string commonName, bool fromOtherCa = false) =>
        Issue(fromOtherCa ? otherCa : ca, $"client-{commonName}-{(fromOtherCa ? "other" : "ca")}", commonName, ClientAuth, withServerNames: false);

    /// <summary>A client certificate of the CA with CN <paramref name="commonName"/> that expired an hour ago.</summary>
    public TlsPair ExpiredClient(string commonName) =>
        Issue(ca, $"expired-client-{commonName}", commonName, ClientAuth, withServerNames: false, expired: true);

    /// <summary>A client certificate of the CA with the subject given as a distinguished name, e.g. <c>CN=a, CN=b</c>.</summary>
    public TlsPair ClientWithSubject(string subject, string fileName) =>
        Issue(ca, fileName, commonName: null, ClientAuth, withServerNames: false, subject: subject);

    private static (X509Certificate2, ECDsa) CreateCa(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return (request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1)), key);
    }

    private TlsPair Issue((X509Certificate2 Certificate, ECDsa Key) issuer, string fileName, string? commonName, string usage, bool withServerNames,
        IPAddress[]? extraAddresses = null, string? subject = null, bool expired = false, string? onlyName = null)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject ?? $"CN={commonName}, O=Reimzul tests", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(issuer.Certificate, true, false));
        if (withServerNames)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            names.AddIpAddress(IPAddress.IPv6Loopback);
            foreach (var address in extraAddresses ?? [])
            {
                names.AddIpAddress(address);
            }
            request.CertificateExtensions.Add(names.Build());
        }
        if (onlyName is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName(onlyName);
            request.CertificateExtensions.Add(names.Build());
        }
        var now = DateTimeOffset.UtcNow;
        var (notBefore, notAfter) = expired ? (now.AddHours(-23), now.AddHours(-1)) : (now.AddDays(-1), now.AddDays(30));
        using var certificate = request.Create(issuer.Certificate, notBefore, notAfter, RandomNumberGenerator.GetBytes(12));
        var pair = new TlsPair(dir.Combine(fileName + ".crt"), dir.Combine(fileName + ".key"));
        File.WriteAllText(pair.CertPath, certificate.ExportCertificatePem());
        File.WriteAllText(pair.KeyPath, key.ExportPkcs8PrivateKeyPem());
        return pair;
    }

    public void Dispose()
    {
        ca.Certificate.Dispose();
        ca.Key.Dispose();
        otherCa.Certificate.Dispose();
        otherCa.Key.Dispose();
        dir.Dispose();
    }
}
