using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Reimzul.Config;

/// <summary>The CN of a PEM certificate, read the way the services read a client's: exactly one CN, or none.</summary>
public static class CertificateNames
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>The CNs of <paramref name="certificate"/>'s subject (usually one); null when the subject cannot be read.</summary>
    public static IReadOnlyList<string>? CommonNames(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        try
        {
            return [.. certificate.SubjectName.EnumerateRelativeDistinguishedNames()
                .Where(rdn => !rdn.HasMultipleElements && rdn.GetSingleElementType().Value == CommonNameOid)
                .Select(rdn => rdn.GetSingleElementValue() ?? "")];
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException)
        {
            return null;
        }
    }

    /// <summary>The single CN of the first certificate in <paramref name="pemPath"/>; null when it is unreadable or has not exactly one.</summary>
    public static string? TryReadCommonName(string pemPath)
    {
        try
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(pemPath);
            try
            {
                return certificates.Count > 0 && CommonNames(certificates[0]) is [{ Length: > 0 } only] ? only : null;
            }
            finally
            {
                foreach (var certificate in certificates)
                {
                    certificate.Dispose();
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The start-up file checks report an unusable certificate; a name is only a default.
            return null;
        }
    }
}
