using System.Globalization;
using Reimzul.Messages;
using Reimzul.Processes;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.EndToEnd;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

/// <summary>
/// <c>[mail] starttls</c>, <c>user</c> and <c>password_file</c> against a real aiosmtpd that offers STARTTLS with a
/// certificate of the test CA and takes mail only after TLS and AUTH. The notifier runs as a process that trusts the
/// test CA the way any OpenSSL program does, through <c>SSL_CERT_FILE</c>.
/// </summary>
public sealed class MailTransportSecurityFacts : IDisposable
{
    private const string SmtpUser = "reimzul-relay";
    private const string SmtpPassword = "relay-secret-1";

    private readonly TlsCertificates pki = new();
    private readonly TempDir secrets = new("reimzul-smtp-secrets");

    public void Dispose()
    {
        pki.Dispose();
        secrets.Dispose();
    }

    private string PasswordFile(string name, string password)
    {
        var path = secrets.Combine(name);
        File.WriteAllText(path, password + "\n");
        return path;
    }

    private static Installation Install(int port, bool startTls, string? user, string? passwordFile) => new($"""
        [mail]
        notifications = yes
        mail_from = reimzul@build.example.org
        smtp_host = 127.0.0.1
        smtp_port = {port.ToString(CultureInfo.InvariantCulture)}
        starttls = {(startTls ? "yes" : "no")}
        {(user is null ? "" : $"user = {user}")}
        {(passwordFile is null ? "" : $"password_file = {passwordFile}")}

        [mail_rcpts]
        x86_64 = dev@example.org
        """);

    private RunningProcess StartNotifier(Installation install)
    {
        var spec = ReimzulCli.Spec(install.With("notifier"));
        var environment = new Dictionary<string, string?>(spec.Environment) { ["SSL_CERT_FILE"] = pki.CaCertPath };
        return new RunningProcess(spec with { Environment = environment });
    }

    private static async Task PutAsync(Installation install, int count)
    {
        await using var producer = await new EmbeddedJobQueueFactory(Path.Combine(install.DataDir, "queue.db")).OpenProducerAsync();
        for (var i = 0; i < count; i++)
        {
            var e = MailSinkFacts.Finished(BuildStatus.Failed, timestamp: $"2026120114{i:D4}", buildId: $"tls-{i}");
            await producer.PutAsync(Tubes.Notify, MessageJson.Serialize(e), Tubes.PriorityNormal, TimeSpan.Zero, TimeSpan.FromMinutes(2), CancellationToken.None);
        }
    }

    private static async Task<string> MailRowAsync(Installation install)
    {
        var stats = await install.RunAsync("stats");
        return stats.StandardOutput.Split('\n').Single(l => l.StartsWith("mail ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WithStartTlsAndAuthTheMailArrivesAndTheServerSawThePasswordOfThePasswordFile()
    {
        await using var smtp = await SmtpTestServer.StartSecureAsync(pki.Server, SmtpUser, PasswordFile("server-password", SmtpPassword));
        using var install = Install(smtp.Port, startTls: true, SmtpUser, PasswordFile("smtp-password", SmtpPassword));
        await PutAsync(install, 3);
        await using var notifier = StartNotifier(install);

        await Eventually.WaitAsync(() => smtp.Messages().Count >= 3, TimeSpan.FromSeconds(60), () => $"{notifier.Describe()}\n{smtp.Describe()}");

        Assert.Equal(["tls-0", "tls-1", "tls-2"], smtp.Messages().Select(m => m.Headers["X-Reimzul-Build-Id"] ?? "").Order(StringComparer.Ordinal).ToArray());
        Assert.All(smtp.Messages(), m => Assert.Equal("dev@example.org", m.Headers["X-RcptTo"]));
        // One connection kept open between mails: one AUTH, with the user of the INI and the password of the file.
        var auth = Assert.Single(smtp.AuthAttempts);
        Assert.EndsWith($" {SmtpUser} {SmtpPassword}", auth, StringComparison.Ordinal);
        await Eventually.WaitAsync(async () => (await MailRowAsync(install)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1] == "0",
            TimeSpan.FromSeconds(20), notifier.Describe);
    }

    [Fact]
    public async Task AWrongPasswordIsReportedByTheNotifierAndTheMailStaysInTheOutbox()
    {
        await using var smtp = await SmtpTestServer.StartSecureAsync(pki.Server, SmtpUser, PasswordFile("server-password", SmtpPassword));
        using var install = Install(smtp.Port, startTls: true, SmtpUser, PasswordFile("smtp-password", "not-the-password"));
        await PutAsync(install, 1);
        await using var notifier = StartNotifier(install);

        await notifier.WaitForLineAsync("not delivered", TimeSpan.FromSeconds(60));
        var refused = notifier.Lines.First(l => l.Contains("not delivered", StringComparison.Ordinal));

        Assert.Contains($"SMTP 127.0.0.1:{smtp.Port.ToString(CultureInfo.InvariantCulture)} cannot be used", refused, StringComparison.Ordinal);
        Assert.Contains("535", refused, StringComparison.Ordinal);
        Assert.Contains(smtp.AuthAttempts, a => a.EndsWith($" {SmtpUser} not-the-password", StringComparison.Ordinal));
        Assert.Empty(smtp.Messages());
        Assert.False(notifier.HasExited, notifier.Describe());
        var row = await MailRowAsync(install);
        Assert.Equal("1", row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.Contains("535", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartTlsAgainstAServerWithoutItIsReportedAndNoMailIsSentInTheClear()
    {
        await using var smtp = await SmtpTestServer.StartAsync();
        using var install = Install(smtp.Port, startTls: true, user: null, passwordFile: null);
        await PutAsync(install, 1);
        await using var notifier = StartNotifier(install);

        await notifier.WaitForLineAsync("not delivered", TimeSpan.FromSeconds(60));
        var refused = notifier.Lines.First(l => l.Contains("not delivered", StringComparison.Ordinal));

        Assert.Contains("STARTTLS", refused, StringComparison.Ordinal);
        Assert.Empty(smtp.Messages());
        Assert.False(notifier.HasExited, notifier.Describe());
        var row = await MailRowAsync(install);
        Assert.Equal("1", row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        Assert.Contains("STARTTLS", row, StringComparison.Ordinal);
    }
}
