using System.Runtime.InteropServices;

namespace Reimzul.Cli;

/// <summary>
/// A client command told one CA (<c>[mqtt] ca_cert</c>) trusts that CA alone, so the system's store is never read.
/// .NET reads the whole system store (<c>/etc/ssl/certs</c>, about 140 files) the first time it builds a certificate
/// chain the default way, as SslStream does for the client certificate it presents: that was about 100 ms of every
/// <c>reimzul client</c> (BENCHMARKS.md). The store is found through OpenSSL's <c>SSL_CERT_FILE</c> and
/// <c>SSL_CERT_DIR</c>, read from the process's native environment, so they are set there, before the first TLS
/// connection. The broker's certificate is checked against the configured CA either way.
/// </summary>
internal static partial class ProcessTrust
{
    // A directory that does not exist: no further roots.
    private const string NoDirectory = "/nonexistent/reimzul-trusts-its-configured-ca-only";

    public static void OnlyThisCa(string caCertPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(caCertPath);
        // A failure (no memory for the environment) is not fatal: the system store is then read as before, only slower.
        _ = SetEnv("SSL_CERT_FILE", Path.GetFullPath(caCertPath), 1);
        _ = SetEnv("SSL_CERT_DIR", NoDirectory, 1);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
