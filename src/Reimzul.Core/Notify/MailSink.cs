using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Logging;
using MimeKit;
using Reimzul.Config;
using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>
/// Mails a finished (Success/Failed), non-scratch build to the recipients of its arch in <c>[mail_rcpts]</c>, over
/// one SMTP connection kept open between mails and opened again after a failure. An address that is not one is
/// logged at start and left out; the others still get the mail.
/// </summary>
public sealed class MailSink : INotificationSink, IAsyncDisposable
{
    private readonly MailOptions options;
    private readonly string? password;
    private readonly BuildLogs logs;
    private readonly ILogger logger;
    private readonly MailboxAddress from;
    private readonly Dictionary<string, IReadOnlyList<MailboxAddress>> recipients = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private RecipientTolerantSmtpClient? client;

    /// <param name="password">The SMTP password (from <c>[mail] password_file</c>), or null.</param>
    /// <exception cref="ArgumentException"><c>mail_from</c> is not an address.</exception>
    public MailSink(MailOptions options, string? password, BuildLogs logs, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logs);
        ArgumentNullException.ThrowIfNull(logger);
        this.options = options;
        this.password = password;
        this.logs = logs;
        this.logger = logger;
        from = TryAddress(options.From) ?? throw new ArgumentException($"[mail] mail_from '{options.From}' is not a mail address", nameof(options));
        foreach (var (arch, addresses) in options.Recipients)
        {
            var valid = new List<MailboxAddress>();
            foreach (var address in addresses)
            {
                if (TryAddress(address) is { } mailbox)
                {
                    valid.Add(mailbox);
                }
                else
                {
                    logger.LogWarning("[mail_rcpts] {Arch}: '{Address}' is not a mail address; builds of {Arch} are not mailed to it", arch, address, arch);
                }
            }
            recipients[arch] = valid;
        }
    }

    public string Name => "mail";

    public bool Concerns(BuildEvent buildEvent) =>
        buildEvent is { Scratch: false, Status: BuildStatus.Success or BuildStatus.Failed }
        && recipients.TryGetValue(buildEvent.Arch, out var to) && to.Count > 0;

    public async Task EmitAsync(BuildEvent buildEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(buildEvent);
        if (!Concerns(buildEvent))
        {
            return;
        }
        var to = recipients[buildEvent.Arch];
        var message = new MimeMessage();
        message.From.Add(from);
        message.To.AddRange(to);
        message.Subject = BuildMail.Subject(buildEvent);
        message.Headers.Add("X-Reimzul-Build-Id", buildEvent.BuildId ?? "");
        // One Message-ID per event: a mail sent again after a crash (sent, but not yet marked delivered) is a
        // duplicate that mail clients and list software recognise and drop.
        message.MessageId = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(EventKey.Of(buildEvent))))[..32] + "@reimzul";
        message.Body = new TextPart("plain") { Text = await BuildMail.BodyAsync(buildEvent, logs, ct) };

        await oneAtATime.WaitAsync(ct);
        try
        {
            var smtp = await ConnectedAsync(ct);
            try
            {
                await smtp.SendAsync(message, from, to, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await DropConnectionAsync();
                throw new IOException($"SMTP {options.SmtpHost}:{options.SmtpPort} did not take the mail: {ex.Message}", ex);
            }
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private async Task<SmtpClient> ConnectedAsync(CancellationToken ct)
    {
        if (client is { IsConnected: true })
        {
            return client;
        }
        await DropConnectionAsync();
        var smtp = new RecipientTolerantSmtpClient(logger) { Timeout = 30_000, ServerCertificateValidationCallback = RevocationSoftFail };
        try
        {
            await smtp.ConnectAsync(options.SmtpHost, options.SmtpPort, options.StartTls ? SecureSocketOptions.StartTls : SecureSocketOptions.None, ct);
            if (options.User is { } user)
            {
                await smtp.AuthenticateAsync(user, password ?? "", ct);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            smtp.Dispose();
            throw new IOException($"SMTP {options.SmtpHost}:{options.SmtpPort} cannot be used: {ex.Message}", ex);
        }
        client = smtp;
        return smtp;
    }

    private async Task DropConnectionAsync()
    {
        if (client is null)
        {
            return;
        }
        try
        {
            if (client.IsConnected)
            {
                await client.DisconnectAsync(true, CancellationToken.None);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            logger.LogDebug("SMTP disconnect: {Message}", ex.Message);
        }
        client.Dispose();
        client = null;
    }

    // MailKit checks revocation and, by default, refuses a certificate whose revocation cannot be learned, which is
    // every certificate of a private CA without a CRL. Like a browser, a relay is refused when its certificate is
    // revoked, untrusted or for another name, and taken when only the revocation status is unknown.
    private static bool RevocationSoftFail(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None
        || (errors == SslPolicyErrors.RemoteCertificateChainErrors && chain is not null
            && chain.ChainStatus.All(s => s.Status is X509ChainStatusFlags.NoError or X509ChainStatusFlags.RevocationStatusUnknown or X509ChainStatusFlags.OfflineRevocation));

    private static MailboxAddress? TryAddress(string text) =>
        MailboxAddress.TryParse(text, out var mailbox) && mailbox.Address.Contains('@', StringComparison.Ordinal) && !mailbox.Address.EndsWith('@') && !mailbox.Address.StartsWith('@')
            ? mailbox
            : null;

    public async ValueTask DisposeAsync()
    {
        await DropConnectionAsync();
        oneAtATime.Dispose();
    }

    // A recipient the server refuses (unknown user) must not cost the others their mail.
    private sealed class RecipientTolerantSmtpClient(ILogger logger) : SmtpClient
    {
        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            logger.LogWarning("SMTP server refused recipient {Address} of '{Subject}': {Code} {Response}", mailbox.Address, message.Subject, (int)response.StatusCode, response.Response);
    }
}
