using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Web.Hosting;

namespace Reimzul.Web.Auth;

/// <summary>
/// Who is writing (submitting, uploading). Reads need no identity; writes need one of:
/// <list type="bullet">
/// <item>a TLS client certificate signed by <c>[tls] ca_cert</c> (with <c>client_certs = yes</c>): its CN is the writer.
/// A request that carries a certificate is judged by it alone: a certificate that fails the check is refused (403)
/// even if a valid token comes along, since a client presenting a bad certificate is misconfigured or hostile.</item>
/// <item>otherwise <c>Authorization: Bearer TOKEN</c> with a token from the <c>tokens</c> file: its name is the writer.</item>
/// </list>
/// No credentials: 401. A service with neither method enabled refuses every write (403).
/// </summary>
internal sealed class WriterAuthenticator
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private const string CommonNameOid = "2.5.4.3";

    private readonly string _section;
    private readonly X509Certificate2Collection? _roots;
    private readonly TokenTable? _tokens;

    private WriterAuthenticator(string section, X509Certificate2Collection? roots, TokenTable? tokens)
    {
        _section = section;
        _roots = roots;
        _tokens = tokens;
    }

    /// <exception cref="ConfigException">The CA or the token file cannot be used.</exception>
    public static WriterAuthenticator Create(ReimzulConfig config, string section, HttpServiceOptions http, ILogger logger)
    {
        var source = config.SourceFile ?? "(no config file)";
        X509Certificate2Collection? roots = null;
        if (http.ClientCerts)
        {
            roots = config.Tls.CaCert is { } ca
                ? RemoteHttp.LoadCertificates(ca, source, "[tls] ca_cert")
                : throw new ConfigException(source, null, $"[{section}] client_certs = yes needs [tls] ca_cert to check the certificates against");
        }
        var tokens = http.Tokens is { } file ? TokenTable.Load(file) : null;
        if (roots is null && tokens is null)
        {
            logger.LogWarning("{Section}: neither client_certs nor tokens is enabled: every write is refused, reads are served", section);
        }
        if (tokens is not null && !http.Https)
        {
            logger.LogWarning("{Section}: bearer tokens over plain HTTP can be read by anyone on the network; enable https", section);
        }
        return new WriterAuthenticator(section, roots, tokens);
    }

    /// <summary>The writer's name, or the refusal to send.</summary>
    public bool TryAuthenticate(HttpContext context, out string writer, out IResult refusal)
    {
        writer = "";
        refusal = Results.Empty;
        if (_roots is null && _tokens is null)
        {
            refusal = Replies.Error(StatusCodes.Status403Forbidden,
                $"this service accepts no writes: enable client_certs or tokens in [{_section}] of its configuration");
            return false;
        }
        if (_roots is not null && context.Connection.ClientCertificate is { } certificate)
        {
            if (TryVerify(certificate, out writer, out var problem))
            {
                return true;
            }
            refusal = Replies.Error(StatusCodes.Status403Forbidden, $"client certificate {certificate.Subject} is not accepted: {problem}");
            return false;
        }
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            refusal = Unauthenticated(context, "authentication required: " + Accepted());
            return false;
        }
        if (_tokens is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            refusal = Unauthenticated(context, "the Authorization header is not accepted here; " + Accepted());
            return false;
        }
        if (_tokens.Find(authorization["Bearer ".Length..].Trim()) is not { } name)
        {
            refusal = Unauthenticated(context, "the bearer token is not accepted (unknown token)");
            return false;
        }
        writer = name;
        return true;
    }

    private string Accepted() => (_roots, _tokens) switch
    {
        (not null, not null) => "send a TLS client certificate signed by the service's CA, or Authorization: Bearer TOKEN",
        (not null, null) => "send a TLS client certificate signed by the service's CA",
        _ => "send Authorization: Bearer TOKEN",
    };

    private IResult Unauthenticated(HttpContext context, string message)
    {
        if (_tokens is not null)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer realm=\"reimzul\"";
        }
        return Replies.Error(StatusCodes.Status401Unauthorized, message);
    }

    private bool TryVerify(X509Certificate2 certificate, out string commonName, out string problem)
    {
        commonName = "";
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        if (!chain.Build(certificate))
        {
            var reasons = chain.ChainStatus.Select(s => s.StatusInformation.Trim()).Where(s => s.Length > 0).Distinct().ToList();
            problem = reasons.Count > 0 ? string.Join("; ", reasons) : "it does not chain to the configured CA";
            return false;
        }
        if (CommonName(certificate) is not { Length: > 0 } cn)
        {
            problem = "it has no CN to name the submitter";
            return false;
        }
        if (cn.Any(char.IsControl))
        {
            problem = "its CN contains a control character";
            return false;
        }
        commonName = cn;
        problem = "";
        return true;
    }

    private static string? CommonName(X509Certificate2 certificate)
    {
        try
        {
            return certificate.SubjectName.EnumerateRelativeDistinguishedNames()
                .Where(rdn => rdn.GetSingleElementType().Value == CommonNameOid)
                .Select(rdn => rdn.GetSingleElementValue())
                .LastOrDefault();
        }
        catch (Exception ex) when (ex is CryptographicException or AsnContentException)
        {
            return null;
        }
    }
}
