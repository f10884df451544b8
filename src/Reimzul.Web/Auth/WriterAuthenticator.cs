using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Protocol;
using Reimzul.Validation;
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
/// No credentials: 401. A service with neither method enabled refuses every write (403). With <c>writers</c>
/// configured, only the names it lists may write, whichever way they authenticated; the others get a 403 naming the key.
/// </summary>
internal sealed class WriterAuthenticator
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    private readonly string _section;
    private readonly X509Certificate2Collection? _roots;
    private readonly TokenTable? _tokens;
    private readonly HashSet<string>? _writers;
    private readonly RefusalLog _refusals;

    private WriterAuthenticator(string section, X509Certificate2Collection? roots, TokenTable? tokens, IReadOnlyList<string>? writers, RefusalLog refusals)
    {
        _section = section;
        _roots = roots;
        _tokens = tokens;
        _writers = writers is null ? null : new HashSet<string>(writers, StringComparer.Ordinal);
        _refusals = refusals;
    }

    /// <exception cref="ConfigException">The CA or the token file cannot be used.</exception>
    public static WriterAuthenticator Create(ReimzulConfig config, string section, HttpServiceOptions http, ILogger logger, RefusalLog refusals)
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
        if (roots is not null && http.Writers is null)
        {
            // Kept working as before, loudly: any certificate of the CA may write, a packager's to bstore too.
            logger.LogWarning("{Section}: client_certs = yes without writers: every certificate signed by [tls] ca_cert may write here; " +
                "list who may in [{Section}] writers = NAME, NAME (bstore: the builders' CNs; controller: the packagers' CNs)", section, section);
        }
        if (tokens is not null && http.Writers is null && SharesTokens(config, section, http))
        {
            logger.LogWarning("{Section}: the controller and bstore read the same tokens file {File}: a packager's token can upload results " +
                "and a builder's can submit; give each service its own tokens file, or set [{Section}] writers", section, http.Tokens, section);
        }
        return new WriterAuthenticator(section, roots, tokens, http.Writers, refusals);
    }

    /// <summary>
    /// bstore's check of a result's claimed builder (<see cref="ResultManifest.Builder"/>) against the authenticated
    /// uploader: a builder cannot publish under another's name. A manifest without a builder (an older worker) is
    /// taken, and the log names the authenticated uploader.
    /// </summary>
    public bool TryAcceptBuilder(HttpContext context, string writer, string? claimedBuilder, out IResult refusal)
    {
        refusal = Results.Empty;
        if (claimedBuilder is null || string.Equals(claimedBuilder, writer, StringComparison.Ordinal))
        {
            return true;
        }
        var reason = $"the result names its builder '{claimedBuilder}', but this upload is authenticated as '{writer}'; " +
            $"set [builder] fqdn = {writer} on that builder (it is the CN of its client certificate, or the name of its token in bstore's tokens file)";
        _refusals.Refused(context, StatusCodes.Status403Forbidden, writer, reason);
        refusal = Replies.Error(StatusCodes.Status403Forbidden, reason);
        return false;
    }

    private static bool SharesTokens(ReimzulConfig config, string section, HttpServiceOptions http)
    {
        var other = section == "bstore" ? config.Controller.Http : config.Bstore.Http;
        return other.Tokens is not null && string.Equals(Path.GetFullPath(other.Tokens), Path.GetFullPath(http.Tokens!), StringComparison.Ordinal);
    }

    /// <summary>The writer's name, or the refusal to send (logged).</summary>
    public bool TryAuthenticate(HttpContext context, out string writer, out IResult refusal)
    {
        if (TryAuthenticate(context, out writer, out refusal, out var status, out var identity, out var reason))
        {
            if (_writers is null || _writers.Contains(writer))
            {
                return true;
            }
            (status, identity) = (StatusCodes.Status403Forbidden, writer);
            reason = $"'{writer}' may not write to this service: [{_section}] writers does not list it";
            refusal = Replies.Error(status, reason);
            writer = "";
        }
        _refusals.Refused(context, status, identity, reason);
        return false;
    }

    private bool TryAuthenticate(HttpContext context, out string writer, out IResult refusal, out int status, out string identity, out string reason)
    {
        writer = "";
        status = StatusCodes.Status401Unauthorized;
        identity = "no credentials";
        reason = "";
        refusal = Results.Empty;
        if (_roots is null && _tokens is null)
        {
            (status, reason) = (StatusCodes.Status403Forbidden, $"this service accepts no writes: enable client_certs or tokens in [{_section}] of its configuration");
            refusal = Replies.Error(status, reason);
            return false;
        }
        if (_roots is not null && context.Connection.ClientCertificate is { } certificate)
        {
            if (TryVerify(certificate, out writer, out var problem))
            {
                return true;
            }
            (status, identity, reason) = (StatusCodes.Status403Forbidden, $"certificate {certificate.Subject}", problem);
            refusal = Replies.Error(status, $"client certificate {certificate.Subject} is not accepted: {problem}");
            return false;
        }
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length == 0)
        {
            reason = "authentication required: " + Accepted();
            refusal = Unauthenticated(context, reason);
            return false;
        }
        identity = "an Authorization header";
        if (_tokens is null || !authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            reason = "the Authorization header is not accepted here; " + Accepted();
            refusal = Unauthenticated(context, reason);
            return false;
        }
        if (_tokens.Find(authorization["Bearer ".Length..].Trim()) is not { } name)
        {
            (identity, reason) = ("a bearer token", "the bearer token is not accepted (unknown token)");
            refusal = Unauthenticated(context, reason);
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
        var names = CertificateNames.CommonNames(certificate);
        if (names is null || names.Count == 0 || names[0].Length == 0)
        {
            problem = "it has no CN to name the submitter";
            return false;
        }
        if (names.Count > 1)
        {
            // Which one would name the writer is a guess; a guess about identity is no identity.
            problem = $"its subject holds {names.Count} CNs; exactly one must name the writer";
            return false;
        }
        var cn = names[0];
        // The CN becomes the submitter in jobs, the log line and the history: the name rules apply.
        if (!InputRules.TryValidatePathComponent("its CN", cn, out var badName))
        {
            problem = badName;
            return false;
        }
        commonName = cn;
        problem = "";
        return true;
    }
}
