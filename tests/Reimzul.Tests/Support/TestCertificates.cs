using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Reimzul.Tests.Support;

/// <summary>
/// A throwaway PKI written as PEM files: a CA with a server certificate (localhost, 127.0.0.1) and a client
/// certificate, and another CA with a server certificate of its own, for refusals.
/// </summary>
public sealed class TestCertificates
{
    public TestCertificates(string dir)
    {
        Directory.CreateDirectory(dir);
        var (ca, caKey) = CreateCa("CN=Reimzul Test CA");
        var (otherCa, otherCaKey) = CreateCa("CN=Other CA");
        CaFile = WriteCertificate(dir, "ca.pem", ca);
        (ServerCertificateFile, ServerKeyFile) = Write(dir, "server", Issue(ca, caKey, "CN=localhost", ServerAuth, withServerNames: true));
        (ClientCertificateFile, ClientKeyFile) = Write(dir, "client", Issue(ca, caKey, "CN=builder1.example.org", ClientAuth, withServerNames: false));
        (OtherServerCertificateFile, OtherServerKeyFile) = Write(dir, "other-server", Issue(otherCa, otherCaKey, "CN=localhost", ServerAuth, withServerNames: true));
    }

    public string CaFile { get; }
    public string ServerCertificateFile { get; }
    public string ServerKeyFile { get; }
    public string ClientCertificateFile { get; }
    public string ClientKeyFile { get; }
    public string OtherServerCertificateFile { get; }
    public string OtherServerKeyFile { get; }

    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    private static (X509Certificate2 Certificate, ECDsa Key) CreateCa(string subject)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return (request.CreateSelfSigned(now.AddDays(-1), now.AddDays(30)), key);
    }

    private static (X509Certificate2 Certificate, ECDsa Key) Issue(X509Certificate2 ca, ECDsa caKey, string subject, string usage, bool withServerNames)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        if (withServerNames)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signer = X509Certificate2.CreateFromPem(ca.ExportCertificatePem(), caKey.ExportPkcs8PrivateKeyPem());
        return (request.Create(signer, now.AddDays(-1), now.AddDays(30), serial), key);
    }

    private static (string Certificate, string Key) Write(string dir, string name, (X509Certificate2 Certificate, ECDsa Key) issued) =>
        (WriteCertificate(dir, $"{name}.pem", issued.Certificate), WriteText(dir, $"{name}.key", issued.Key.ExportPkcs8PrivateKeyPem()));

    private static string WriteCertificate(string dir, string name, X509Certificate2 certificate) => WriteText(dir, name, certificate.ExportCertificatePem());

    private static string WriteText(string dir, string name, string text)
    {
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text + "\n");
        if (name.EndsWith(".key", StringComparison.Ordinal) && !OperatingSystem.IsWindows())
        {
            // stunnel warns about keys others can read.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return path;
    }
}
