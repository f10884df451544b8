using System.Text;

namespace Reimzul.Config;

/// <summary>The whole configuration, every value with a default that works on one machine.</summary>
public sealed record ReimzulConfig
{
    public required ReimzulPaths Paths { get; init; }
    public QueueOptions Queue { get; init; } = new();

    /// <summary>
    /// One machine (the embedded queue: SRPMs in the local incoming dir, results moved into the local repo) or many
    /// (a beanstalkd server: SRPMs come from the controller, results go to bstore over HTTP(S) or rsync).
    /// </summary>
    public Topology Topology => Queue.Backend == "beanstalkd" ? Topology.ManyMachines : Topology.OneMachine;

    /// <summary>
    /// One machine has no bstore service, so its web role serves the repo under <c>/bstore/repo/</c> (and <c>[bstore]
    /// base_url</c> defaults to there); not when reading needs a token, which static files would bypass.
    /// </summary>
    public bool WebServesRepo => Topology == Topology.OneMachine && Web.Enabled && Web.ReadTokens is null;
    public BuilderOptions Builder { get; init; } = new();
    public RepogenOptions Repogen { get; init; } = new();
    public HistoryOptions History { get; init; } = new();
    public MailOptions Mail { get; init; } = new();
    public MqttOptions Mqtt { get; init; } = new();
    public ScmOptions Scm { get; init; } = new();

    /// <summary><c>[acl]</c>: who may build which arches and targets, for MQTT requests and controller submits; null when the section is absent (HTTP submits then keep the writers rule alone).</summary>
    public Authorization.BuildAcl? Acl { get; init; }

    /// <summary><c>[bstore] base_url</c>: where repos and logs are served; replaces <c>http://repohost</c> in mock configs.</summary>
    public string BstoreBaseUrl { get; init; } = "http://localhost:11081/bstore/repo/";

    /// <summary><c>[bstore] rsync_url</c> and the other <c>rsync_*</c> keys: when set, workers push results to this rsync daemon module instead of the local repo.</summary>
    public RsyncOptions? BstoreRsync { get; init; }

    /// <summary><c>[controller]</c>: the HTTP(S) service of incoming SRPMs and remote submits, and how clients reach it.</summary>
    public ControllerOptions Controller { get; init; } = new();

    /// <summary><c>[bstore]</c> (besides <c>base_url</c>): the HTTP(S) service of result uploads and the repo, and how workers reach it.</summary>
    public BstoreOptions Bstore { get; init; } = new();

    /// <summary><c>[web]</c>: the web role (JSON API, pages, badge, feed, metrics).</summary>
    public WebOptions Web { get; init; } = new();

    /// <summary><c>[tls]</c>: certificates of the HTTPS services and of their clients.</summary>
    public TlsOptions Tls { get; init; } = new();

    /// <summary>The file the configuration was read from, if any (for messages).</summary>
    public string? SourceFile { get; init; }
}

public enum Topology
{
    OneMachine,
    ManyMachines,
}

public sealed record QueueOptions
{
    /// <summary><c>embedded</c> (one host) or <c>beanstalkd</c>.</summary>
    public string Backend { get; init; } = "embedded";
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 11300;

    /// <summary>Speak TLS to beanstalkd (behind stunnel, as the original ran it).</summary>
    public bool Tls { get; init; }

    /// <summary>PEM CA file the server's certificate must chain to; null: the system's trusted CAs.</summary>
    public string? CaCert { get; init; }

    /// <summary>PEM client certificate and key, for a server that asks for one.</summary>
    public string? TlsCert { get; init; }
    public string? TlsKey { get; init; }

    /// <summary>The name the server's certificate must carry; null: <see cref="Host"/>.</summary>
    public string? TlsServerName { get; init; }
}

public sealed record BuilderOptions
{
    /// <summary>The builder's arch; <c>uname -m</c> when not configured.</summary>
    public string Arch { get; init; } = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "x86_64",
        System.Runtime.InteropServices.Architecture.Arm64 => "aarch64",
        System.Runtime.InteropServices.Architecture.Arm => "armv7l",
        System.Runtime.InteropServices.Architecture.X86 => "i686",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        _ => "x86_64",
    };

    public string Fqdn { get; init; } = System.Net.Dns.GetHostName();

    /// <summary><c>auto</c> (mock when installed, else rpmbuild), <c>mock</c> or <c>rpmbuild</c>.</summary>
    public string Backend { get; init; } = "auto";

    public string MockPath { get; init; } = "mock";
    public string RpmbuildPath { get; init; } = "rpmbuild";

    /// <summary>How the rpmbuild backend isolates a build: <c>bubblewrap</c> (read-only host, private build tree and
    /// /tmp, no network) or <c>none</c>. mock isolates its builds itself and ignores this.</summary>
    public string Sandbox { get; init; } = "bubblewrap";

    public string BwrapPath { get; init; } = "bwrap";

    /// <summary>Whether sandboxes are made ahead of the builds (<see cref="Build.PrestartedSandboxes"/>), so a build does not wait for one.</summary>
    public bool PrestartSandbox { get; init; } = true;

    /// <summary>The user sandboxed builds run as when the worker runs as root; a worker of any other user builds as itself.</summary>
    public string BuildUser { get; init; } = "nobody";

    /// <summary>A build running longer is killed and reported Failed.</summary>
    public TimeSpan BuildTimeout { get; init; } = TimeSpan.FromHours(6);

    /// <summary>TTR of a reserved build job; the worker touches it well within this while building.</summary>
    public TimeSpan JobTtr { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Below this much free space in the results dir a worker does not start a build (the job waits).</summary>
    public long MinFreeBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>How long a job that could not be built for want of space waits before it is tried again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>metrics_listen</c>: where a worker process serves its <c>/metrics</c> (an IP address, or *).</summary>
    public string MetricsListen { get; init; } = "127.0.0.1";

    /// <summary>
    /// <c>metrics_port</c>: the port of a worker process's own <c>/metrics</c> (its builds and uploads, for Prometheus on
    /// many machines); 0, the default, serves none (on one machine <c>reimzul up</c>'s web role shows them).
    /// </summary>
    public int MetricsPort { get; init; }
}

public sealed record RepogenOptions
{
    public string CreaterepoPath { get; init; } = "createrepo_c";
    public int Workers { get; init; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Also write sqlite databases (<c>-d</c>, as the original). Off: measured slower and unused by dnf.</summary>
    public bool Sqlite { get; init; }

    /// <summary>Old repodata generations kept (<c>--retain-old-md N --compatibility</c>).</summary>
    public int RetainOldMd { get; init; } = 3;

    /// <summary>
    /// While builds are still queued, requests are gathered for at most this long so that one
    /// createrepo_c run covers many builds; with nothing queued, a request runs at once.
    /// </summary>
    public TimeSpan CoalesceMaxDelay { get; init; } = TimeSpan.FromSeconds(2);
}

public sealed record HistoryOptions
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";
    public const string MongoDb = "mongodb";

    /// <summary><c>[history] backend</c>: <c>sqlite</c> (embedded default, the file is <c>[paths] history_db</c>), <c>postgresql</c> or <c>mongodb</c>.</summary>
    public string Backend { get; init; } = Sqlite;

    /// <summary><c>[history] url</c>: an Npgsql connection string (postgresql) or a <c>mongodb://</c> URL; none for sqlite.</summary>
    public string? Url { get; init; }

    /// <summary><c>[history] password_file</c> (postgresql): the password, kept out of the INI file.</summary>
    public string? PasswordFile { get; init; }
}

public sealed record MailOptions
{
    /// <summary><c>[mail] notifications</c>: mail the recipients of the build's arch on every build event.</summary>
    public bool Notifications { get; init; }

    /// <summary><c>[mail] mail_from</c>.</summary>
    public string From { get; init; } = "reimzul@localhost";

    /// <summary><c>[mail] smtp_host</c>: the relay; the original always used the local MTA.</summary>
    public string SmtpHost { get; init; } = "localhost";

    public int SmtpPort { get; init; } = 25;

    /// <summary><c>[mail] starttls</c>: upgrade the SMTP session with STARTTLS (refused if the server does not offer it).</summary>
    public bool StartTls { get; init; }

    /// <summary><c>[mail] user</c>: authenticate to the relay as this user, with the password in <see cref="PasswordFile"/>.</summary>
    public string? User { get; init; }

    /// <summary><c>[mail] password_file</c>: a file holding the SMTP password (its first line), so the INI holds no secret.</summary>
    public string? PasswordFile { get; init; }

    /// <summary><c>[mail_rcpts]</c>: arch (as in the build job) → addresses.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Recipients { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
}

public sealed record MqttOptions
{
    /// <summary><c>[mqtt] notifications</c>: publish every build event.</summary>
    public bool Notifications { get; init; }

    public string Host { get; init; } = "localhost";

    /// <summary>MQTT over TLS, as the original.</summary>
    public int Port { get; init; } = 8883;

    public string? CaCert { get; init; }
    public string? TlsCert { get; init; }
    public string? TlsKey { get; init; }

    /// <summary>Skip verification of the broker's certificate (test brokers only).</summary>
    public bool TlsInsecure { get; init; }

    /// <summary>Topic prefix: events go to <c>TOPIC/...</c>, remote build requests come from <c>TOPIC/submit/ARCH</c>.</summary>
    public string Topic { get; init; } = "reimzul";

    public string? Username { get; init; }
    public string? Password { get; init; }

    /// <summary>
    /// <c>[mqtt] trust_payload_submitter</c>: also take requests on the original's <c>TOPIC/submit/ARCH</c>, with the
    /// submitter the client wrote in the payload (unproven). Off by default; <c>mqtt-sub</c> warns at start when on.
    /// </summary>
    public bool TrustPayloadSubmitter { get; init; }

    // Configs get logged; the password must not be.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"Notifications = {Notifications}, Host = {Host}, Port = {Port}, CaCert = {CaCert}, TlsCert = {TlsCert}, ")
            .Append($"TlsKey = {TlsKey}, TlsInsecure = {TlsInsecure}, Topic = {Topic}, Username = {Username}, TrustPayloadSubmitter = {TrustPayloadSubmitter}, ")
            .Append($"Password = {(Password is null ? "" : "***")}");
        return true;
    }
}

/// <summary>What the controller and bstore services share: where they listen, how they authenticate writers, where clients find them.</summary>
public sealed record HttpServiceOptions
{
    /// <summary><c>url</c>: where clients reach the service.</summary>
    public required string Url { get; init; }

    /// <summary><c>listen</c>: the address to listen on; <c>*</c> is every address (IPv4 and IPv6).</summary>
    public string Listen { get; init; } = "*";

    /// <summary><c>port</c>; 0 picks a free port (tests only: the INI accepts 1 to 65535).</summary>
    public int Port { get; init; }

    /// <summary><c>https</c>: serve TLS with <c>[tls] server_cert</c> and <c>server_key</c>.</summary>
    public bool Https { get; init; }

    /// <summary><c>client_certs</c>: accept writers by a TLS client certificate signed by <c>[tls] ca_cert</c>; its CN names them.</summary>
    public bool ClientCerts { get; init; }

    /// <summary><c>tokens</c>: a file of <c>TOKEN NAME</c> lines; a writer sending <c>Authorization: Bearer TOKEN</c> is NAME.</summary>
    public string? Tokens { get; init; }

    /// <summary><c>token_file</c>: the token this machine sends as a client (first word of the file).</summary>
    public string? TokenFile { get; init; }

    /// <summary>
    /// <c>writers</c>: the only names (certificate CNs, token names) allowed to write to this service; null when not
    /// configured (every authenticated writer may write).
    /// </summary>
    public IReadOnlyList<string>? Writers { get; init; }
}

public sealed record ControllerOptions
{
    public const int DefaultPort = 11080;

    public HttpServiceOptions Http { get; init; } = new() { Url = $"http://localhost:{DefaultPort}/", Port = DefaultPort };

    /// <summary><c>max_srpm_mb</c>: the largest SRPM a remote submit may upload.</summary>
    public long MaxSrpmBytes { get; init; } = 2048L * 1024 * 1024;
}

public sealed record BstoreOptions
{
    public const int DefaultPort = 11081;

    public HttpServiceOptions Http { get; init; } = new() { Url = $"http://localhost:{DefaultPort}/", Port = DefaultPort };

    /// <summary><c>listing</c>: show directory listings of the repo tree.</summary>
    public bool Listing { get; init; } = true;

    /// <summary><c>upload_retry_limit</c>: how long a worker keeps retrying an upload to an unreachable bstore before it gives the job back.</summary>
    public TimeSpan UploadRetryLimit { get; init; } = TimeSpan.FromMinutes(15);
}

/// <summary>
/// <c>[web]</c>: the web role — the JSON API under <c>/api/v1</c>, the pages, the badge, the Atom feed and <c>/metrics</c> —
/// served by <c>reimzul up</c>, with the controller, or by <c>reimzul web</c>.
/// </summary>
public sealed record WebOptions
{
    public const int DefaultPort = 11082;

    /// <summary><c>enabled</c>: whether <c>reimzul up</c> and <c>reimzul controller</c> serve it too (<c>reimzul web</c> always does).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Where it listens and how writers (actions) authenticate; <c>port = 0</c> picks a free port.</summary>
    public HttpServiceOptions Http { get; init; } = new() { Url = $"http://localhost:{DefaultPort}/", Port = DefaultPort };

    /// <summary><c>read_tokens</c>: a file of <c>TOKEN NAME</c> lines; when set, reading needs one of them (or a writer's token or certificate).</summary>
    public string? ReadTokens { get; init; }

    /// <summary><c>builders_seen_within</c>: a builder that recorded nothing for longer is no longer listed.</summary>
    public TimeSpan BuildersSeenWithin { get; init; } = TimeSpan.FromDays(1);
}

/// <summary>PEM files. Servers present the server pair and check client certificates against the CA; clients check servers against the CA and present the client pair.</summary>
public sealed record TlsOptions
{
    /// <summary><c>ca_cert</c>: CA certificate(s); when unset, clients trust the system's CAs and servers accept no client certificate.</summary>
    public string? CaCert { get; init; }

    public string? ServerCert { get; init; }
    public string? ServerKey { get; init; }
    public string? ClientCert { get; init; }
    public string? ClientKey { get; init; }
}
