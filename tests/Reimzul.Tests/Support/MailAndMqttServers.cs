using System.Globalization;
using MimeKit;
using Reimzul.Config;
using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>
/// A real SMTP server on a free loopback port: Debian's aiosmtpd, writing each message it accepts into a Maildir
/// (with the envelope in <c>X-MailFrom</c> and <c>X-RcptTo</c>). It can be stopped and started again on the same port.
/// </summary>
public sealed class SmtpTestServer : IAsyncDisposable
{
    // Debian's module, whichever python3 comes first in PATH.
    private const string Python = "/usr/bin/python3";
    private readonly TempDir dir = new("reimzul-smtp");
    private RunningProcess? process;

    private SmtpTestServer()
    {
        Maildir = dir.Combine("maildir");
    }

    public int Port { get; private set; }

    public string Maildir { get; }

    public static async Task<SmtpTestServer> StartAsync()
    {
        RequireAiosmtpd();
        var server = new SmtpTestServer { Port = BeanstalkdServer.FreePort() };
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>
    /// A server that offers STARTTLS with <paramref name="certificate"/>, refuses mail before it and before AUTH, and
    /// takes only <paramref name="user"/> with the first line of <paramref name="passwordFile"/>. Every AUTH it sees is
    /// written to <see cref="AuthAttempts"/>.
    /// </summary>
    public static async Task<SmtpTestServer> StartSecureAsync(TlsPair certificate, string user, string passwordFile)
    {
        RequireAiosmtpd();
        var server = new SmtpTestServer { Port = BeanstalkdServer.FreePort() };
        var script = server.dir.Combine("secure_smtpd.py");
        await File.WriteAllTextAsync(script, SecureServerScript);
        server.arguments = [script, "127.0.0.1", server.Port.ToString(CultureInfo.InvariantCulture), server.Maildir,
            certificate.CertPath, certificate.KeyPath, user, passwordFile, server.AuthLog];
        await server.StartAgainAsync();
        return server;
    }

    // aiosmtpd's Controller, as its documentation shows for STARTTLS and AUTH; the arguments come as argv, never through a shell.
    private const string SecureServerScript = """
        import ssl, sys, threading
        from aiosmtpd.controller import Controller
        from aiosmtpd.handlers import Mailbox
        from aiosmtpd.smtp import AuthResult, LoginPassword

        host, port, maildir, cert, key, user, password_file, auth_log = sys.argv[1:]
        with open(password_file) as f:
            expected = f.readline().strip()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)

        def authenticate(server, session, envelope, mechanism, auth_data):
            if not isinstance(auth_data, LoginPassword):
                return AuthResult(success=False, handled=False)
            login = auth_data.login.decode()
            password = auth_data.password.decode()
            with open(auth_log, "a") as log:
                log.write(f"{mechanism} {login} {password}\n")
            return AuthResult(success=(login == user and password == expected), handled=False)

        controller = Controller(Mailbox(maildir), hostname=host, port=int(port), tls_context=context,
                                require_starttls=True, auth_required=True, auth_require_tls=True, authenticator=authenticate)
        controller.start()
        print("listening", flush=True)
        threading.Event().wait()
        """;

    /// <summary>Each AUTH the secure server saw, a line <c>MECHANISM login password</c>.</summary>
    public IReadOnlyList<string> AuthAttempts => File.Exists(AuthLog) ? File.ReadAllLines(AuthLog) : [];

    private string AuthLog => dir.Combine("auth.log");

    private string[]? arguments;

    private static void RequireAiosmtpd()
    {
        if (!File.Exists(Python) || !Directory.Exists("/usr/lib/python3/dist-packages/aiosmtpd"))
        {
            throw new InvalidOperationException("aiosmtpd is not installed (apt-get install python3-aiosmtpd)");
        }
    }

    public async Task StartAgainAsync()
    {
        process = new RunningProcess(new ProcessSpec(Python,
            arguments ?? ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}", "-c", "aiosmtpd.handlers.Mailbox", Maildir]));
        await Eventually.WaitAsync(() => BeanstalkdServer.AcceptsAsync(Port), TimeSpan.FromSeconds(20), () => $"aiosmtpd did not listen on {Port}:\n{process.Describe()}");
    }

    /// <summary>SIGKILL: the server goes away mid-stream, as a crashed relay.</summary>
    public async Task StopAsync()
    {
        if (process is { } running)
        {
            running.KillHard();
            await running.WaitForExitAsync();
            await running.DisposeAsync();
            process = null;
        }
    }

    public MailOptions Options(IReadOnlyDictionary<string, IReadOnlyList<string>> recipients) => new()
    {
        Notifications = true,
        From = "reimzul@build.example.org",
        SmtpHost = "127.0.0.1",
        SmtpPort = Port,
        Recipients = recipients,
    };

    /// <summary>Every message the server has accepted, oldest first.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var files = new[] { "new", "cur" }
            .Select(d => Path.Combine(Maildir, d))
            .Where(Directory.Exists)
            .SelectMany(Directory.GetFiles)
            .Select(f => new FileInfo(f))
            .OrderBy(f => f.LastWriteTimeUtc)
            .ThenBy(f => f.Name, StringComparer.Ordinal);
        var messages = new List<MimeMessage>();
        foreach (var file in files)
        {
            try
            {
                messages.Add(MimeMessage.Load(file.FullName));
            }
            catch (IOException)
            {
                // Being moved into new/ right now; the next look sees it.
            }
        }
        return messages;
    }

    public string Describe() => process?.Describe() ?? "(aiosmtpd stopped)";

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        dir.Dispose();
    }
}

/// <summary>
/// A real mosquitto on a free loopback port, TLS only, every client proven by a certificate of the test CA
/// (<c>require_certificate true</c>, <c>use_identity_as_username true</c>), with persistence so QoS 1 sessions survive
/// a restart. Subscribers are <c>mosquitto_sub</c> processes.
/// </summary>
public sealed class MosquittoTestBroker : IAsyncDisposable
{
    private readonly TempDir dir = new("reimzul-mosquitto");
    private RunningProcess? process;

    private MosquittoTestBroker(TlsCertificates pki)
    {
        Pki = pki;
    }

    public TlsCertificates Pki { get; }

    public int Port { get; private set; }

    public string ConfigFile => dir.Combine("mosquitto.conf");

    /// <param name="aclFile">A mosquitto ACL file (<c>acl_file</c>) to enforce; none: every client may publish and read anything.</param>
    public static async Task<MosquittoTestBroker> StartAsync(TlsCertificates pki, string? aclFile = null)
    {
        if (!File.Exists("/usr/sbin/mosquitto") || !File.Exists("/usr/bin/mosquitto_sub"))
        {
            throw new InvalidOperationException("mosquitto is not installed (apt-get install mosquitto mosquitto-clients)");
        }
        var broker = new MosquittoTestBroker(pki) { Port = BeanstalkdServer.FreePort() };
        Directory.CreateDirectory(broker.dir.Combine("data"));
        File.WriteAllText(broker.ConfigFile, string.Join('\n',
            // Run as root (CI), mosquitto would switch to its own user and lose access to the temp dir.
            Environment.UserName == "root" ? "user root" : "",
            "per_listener_settings false",
            "allow_anonymous false",
            "persistence true",
            $"persistence_location {broker.dir.Combine("data")}/",
            "autosave_interval 1",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
            "log_type notice",
            "log_type information",
            "connection_messages true",
            $"listener {broker.Port.ToString(CultureInfo.InvariantCulture)} 127.0.0.1",
            $"cafile {pki.CaCertPath}",
            $"certfile {pki.Server.CertPath}",
            $"keyfile {pki.Server.KeyPath}",
            "require_certificate true",
            "use_identity_as_username true",
            aclFile is null ? "" : $"acl_file {aclFile}",
            ""));
        await broker.StartAgainAsync();
        return broker;
    }

    public async Task StartAgainAsync()
    {
        process = new RunningProcess(new ProcessSpec("/usr/sbin/mosquitto", ["-c", ConfigFile]));
        await Eventually.WaitAsync(() => BeanstalkdServer.AcceptsAsync(Port), TimeSpan.FromSeconds(20), () => $"mosquitto did not listen on {Port}:\n{process.Describe()}");
    }

    /// <summary>SIGTERM: mosquitto saves its sessions and stops, as a broker restarted by an operator.</summary>
    public async Task StopAsync()
    {
        if (process is { } running)
        {
            await running.InterruptAsync();
            await running.DisposeAsync();
            process = null;
        }
    }

    public string Log => process?.Output ?? "";

    /// <summary>[mqtt] for a client with the certificate of <paramref name="commonName"/>.</summary>
    public MqttOptions Options(string topic, TlsPair? client) => new()
    {
        Notifications = true,
        Host = "127.0.0.1",
        Port = Port,
        CaCert = Pki.CaCertPath,
        TlsCert = client?.CertPath,
        TlsKey = client?.KeyPath,
        Topic = topic,
    };

    /// <summary>A <c>mosquitto_sub</c> on <paramref name="topic"/> with QoS 1 and a persistent session; returns once it is subscribed.</summary>
    public async Task<MqttTestSubscriber> SubscribeAsync(string topic, string clientId)
    {
        var client = Pki.Client(clientId);
        // stdbuf: mosquitto_sub's stdout is a pipe here, and it would hold the payloads in its buffer.
        var sub = new RunningProcess(new ProcessSpec("stdbuf",
        [
            "-oL", "/usr/bin/mosquitto_sub",
            "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture),
            "--cafile", Pki.CaCertPath, "--cert", client.CertPath, "--key", client.KeyPath,
            "-t", topic, "-q", "1", "-c", "-i", clientId, "-F", "%p", "-d",
        ]));
        try
        {
            await sub.WaitForLineAsync("SUBACK", TimeSpan.FromSeconds(20));
        }
        catch
        {
            // Not left running when it never subscribed.
            sub.KillHard();
            await sub.DisposeAsync();
            throw;
        }
        return new MqttTestSubscriber(sub, this, topic);
    }

    /// <summary>Publishes <paramref name="payload"/> with QoS 1 as a client of its own, with <c>mosquitto_pub</c>.</summary>
    public async Task PublishAsync(string topic, string payload)
    {
        var client = Pki.Client("test-publisher");
        var result = await ProcessRunner.Default.RunAsync(new ProcessSpec("/usr/bin/mosquitto_pub",
        [
            "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture),
            "--cafile", Pki.CaCertPath, "--cert", client.CertPath, "--key", client.KeyPath,
            "-t", topic, "-q", "1", "-m", payload,
        ]) { Timeout = TimeSpan.FromSeconds(20) });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"mosquitto_pub exited with {result.ExitCode}: {result.StandardError}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        dir.Dispose();
    }
}

/// <summary>The payloads a <c>mosquitto_sub</c> printed (one JSON object a line; its <c>-d</c> lines are left out).</summary>
public sealed class MqttTestSubscriber(RunningProcess process, MosquittoTestBroker broker, string topic) : IAsyncDisposable
{
    public IReadOnlyList<string> Payloads => [.. process.Lines.Where(l => l.StartsWith('{'))];

    /// <summary>
    /// Returns once every message the broker acknowledged before this call has reached this subscriber: the broker
    /// hands one subscriber its messages in the order it took them, so a marker published now arrives after them.
    /// </summary>
    public async Task DrainAsync()
    {
        var marker = $"drained-{Guid.NewGuid():N}";
        await broker.PublishAsync(topic, marker);
        await process.WaitForLineAsync(marker, TimeSpan.FromSeconds(20));
    }

    public string Describe() => process.Describe();

    public async ValueTask DisposeAsync()
    {
        process.KillHard();
        await process.DisposeAsync();
    }
}

/// <summary>The <c>[mail]</c>, <c>[mail_rcpts]</c> and <c>[mqtt]</c> sections of a notifier that mails through <paramref name="smtp"/> and publishes to <paramref name="broker"/>.</summary>
public static class NotifierSinkConfig
{
    public static string For(SmtpTestServer smtp, MosquittoTestBroker broker, TlsCertificates pki, string x86_64Recipients)
    {
        var client = pki.Client("notifier");
        return $"""
            [mail]
            notifications = yes
            mail_from = reimzul@build.example.org
            smtp_host = 127.0.0.1
            smtp_port = {smtp.Port.ToString(CultureInfo.InvariantCulture)}

            [mail_rcpts]
            x86_64 = {x86_64Recipients}

            [mqtt]
            notifications = yes
            host = 127.0.0.1
            port = {broker.Port.ToString(CultureInfo.InvariantCulture)}
            ca_cert = {pki.CaCertPath}
            tls_cert = {client.CertPath}
            tls_key = {client.KeyPath}
            topic = reimzul
            """;
    }
}
