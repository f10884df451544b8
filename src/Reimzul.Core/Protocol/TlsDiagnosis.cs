using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Reimzul.Protocol;

/// <summary>
/// The client's check of a service's certificate, and what it says when the TLS connection fails: which check failed
/// (no certificate, not signed by the configured CA, expired, issued for another name, not a server certificate, the
/// server wants a client certificate, the server does not speak TLS) instead of .NET's "see inner exception".
/// </summary>
internal sealed class TlsDiagnosis
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";

    private readonly X509Certificate2Collection? _roots;
    private readonly string? _caFile;
    private readonly bool _hasClientCertificate;

    public bool HasClientCertificate => _hasClientCertificate;

    // The last refusal of a server certificate by this handler; the failed request reads it (connections are
    // made apart from requests, so it cannot be passed along; two failing at once both show the same one).
    private volatile string? _lastRejection;

    /// <param name="roots">The only CAs trusted (<c>[tls] ca_cert</c>), or null for the system's.</param>
    public TlsDiagnosis(X509Certificate2Collection? roots, string? caFile, bool hasClientCertificate)
    {
        _roots = roots;
        _caFile = caFile;
        _hasClientCertificate = hasClientCertificate;
    }

    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        var host = (sender as SslStream)?.TargetHostName ?? "the server";
        var problem = Problem(host, certificate, chain, errors);
        _lastRejection = problem;
        return problem is null;
    }

    /// <summary>What the failure of a TLS connection to <paramref name="server"/> means, in one line.</summary>
    public string Explain(Uri? server, HttpRequestException failure)
    {
        var where = server is null ? "the server" : $"{server.Scheme}://{server.Authority}/";
        if (_lastRejection is { } rejection)
        {
            return $"TLS connection to {where} refused by this client: {rejection}";
        }
        var innermost = failure.Message;
        for (Exception? ex = failure; ex is not null; ex = ex.InnerException)
        {
            innermost = ex.Message.Trim();
        }
        bool Says(string words) => innermost.Contains(words, StringComparison.OrdinalIgnoreCase);
        var reason =
            Says("certificate required") || (Says("handshake failure") && !_hasClientCertificate)
                ? "the server wants a client certificate: set [tls] client_cert and client_key"
            : Says("wrong version number") || Says("packet length too long") || Says("http request") || Says("frame size") || Says("corrupted frame")
                ? "the server does not speak TLS on this port (is it plain HTTP? then use an http:// URL)"
            : Says("unknown ca") || Says("bad certificate") || Says("certificate unknown") || Says("unsupported certificate")
                ? "the server refused this machine's client certificate ([tls] client_cert)"
            : Says("certificate expired")
                ? "the server says this machine's client certificate ([tls] client_cert) has expired"
            : Says("EOF") || Says("0 bytes")
                ? "the server closed the connection during the TLS handshake"
            : "the TLS handshake failed";
        return $"TLS connection to {where} failed: {reason} ({innermost})";
    }

    private string? Problem(string host, X509Certificate? certificate, X509Chain? systemChain, SslPolicyErrors errors)
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
        {
            return "the server sent no certificate";
        }
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (_roots is not null)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthentication));
            if (!chain.Build(leaf))
            {
                return ChainProblem(leaf, chain.ChainStatus);
            }
        }
        else if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            return ChainProblem(leaf, systemChain?.ChainStatus ?? []);
        }
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            return $"its certificate ({leaf.Subject}) is not issued for {host}; it names {Names(leaf)}";
        }
        return null;
    }

    private string ChainProblem(X509Certificate2 leaf, X509ChainStatus[] statuses)
    {
        var flags = statuses.Aggregate(X509ChainStatusFlags.NoError, (all, s) => all | s.Status);
        var now = DateTime.Now;
        if (flags.HasFlag(X509ChainStatusFlags.NotTimeValid))
        {
            return leaf.NotAfter < now ? $"its certificate ({leaf.Subject}) expired on {leaf.NotAfter.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"
                : leaf.NotBefore > now ? $"its certificate ({leaf.Subject}) is not valid before {leaf.NotBefore.ToUniversalTime():yyyy-MM-dd HH:mm} UTC"
                : $"a CA certificate in its chain is out of its validity period ({leaf.Subject}, issued by {leaf.Issuer})";
        }
        if (flags.HasFlag(X509ChainStatusFlags.UntrustedRoot) || flags.HasFlag(X509ChainStatusFlags.PartialChain))
        {
            return _caFile is not null
                ? $"its certificate ({leaf.Subject}) is issued by {leaf.Issuer}, not by the CA of [tls] ca_cert ({_caFile}): unknown CA"
                : $"its certificate ({leaf.Subject}) is issued by {leaf.Issuer}, which this system does not trust: unknown CA (set [tls] ca_cert to the services' CA)";
        }
        if (flags.HasFlag(X509ChainStatusFlags.NotValidForUsage))
        {
            return $"its certificate ({leaf.Subject}) is not for TLS servers (its extended key usage lacks server authentication)";
        }
        var reasons = statuses.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
        return $"its certificate ({leaf.Subject}) is not trusted: {(reasons.Count > 0 ? string.Join("; ", reasons) : flags.ToString())}";
    }

    private static string Names(X509Certificate2 certificate)
    {
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>()
            .SelectMany(san => san.EnumerateDnsNames().Concat(san.EnumerateIPAddresses().Select(ip => ip.ToString())))
            .ToList();
        return names.Count > 0 ? string.Join(", ", names) : "no name (no subject alternative name)";
    }
}

/// <summary>Replaces .NET's "The SSL connection could not be established, see inner exception" with <see cref="TlsDiagnosis.Explain"/>.</summary>
internal sealed class TlsFailureHandler(HttpMessageHandler inner, TlsDiagnosis diagnosis) : DelegatingHandler(inner)
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.HttpRequestError == HttpRequestError.SecureConnectionError)
        {
            throw new HttpRequestException(HttpRequestError.SecureConnectionError, diagnosis.Explain(request.RequestUri, ex), ex);
        }
        catch (HttpRequestException ex) when (IsDroppedAfterHandshake(ex) && request.RequestUri?.Scheme == Uri.UriSchemeHttps
            && !diagnosis.HasClientCertificate)
        {
            // With TLS 1.3 the server checks the client's certificate after the client's handshake is done: its
            // refusal arrives as a connection closed without an answer, or as a broken pipe or reset when the
            // client was still sending its request body.
            throw new HttpRequestException(HttpRequestError.ResponseEnded,
                $"{request.RequestUri.Scheme}://{request.RequestUri.Authority}/ closed the connection without an answer; a TLS server that wants a client " +
                "certificate does that to a client without one: if it does, set [tls] client_cert and client_key", ex);
        }
    }

    private static bool IsDroppedAfterHandshake(HttpRequestException ex) =>
        ex.HttpRequestError == HttpRequestError.ResponseEnded
        || ex.InnerException is IOException { InnerException: System.Net.Sockets.SocketException
        {
            SocketErrorCode: System.Net.Sockets.SocketError.Shutdown or System.Net.Sockets.SocketError.ConnectionReset,
        } };
}
