using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MimeKit;
using Reimzul.Messages;
using Reimzul.Notify;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

/// <summary>The mail sink against a real SMTP server (aiosmtpd on loopback), logs read from a repo on disk.</summary>
public sealed class MailSinkFacts : IAsyncLifetime, IDisposable
{
    private const string BaseUrl = "http://bstore.example.org:11081/bstore/repo/";
    private readonly TempDir repo = new("reimzul-mail-repo");
    private SmtpTestServer smtp = null!;

    public async Task InitializeAsync() => smtp = await SmtpTestServer.StartAsync();

    public async Task DisposeAsync() => await smtp.DisposeAsync();

    public void Dispose() => repo.Dispose();

    internal static BuildEvent Finished(string status = BuildStatus.Failed, string arch = "x86_64", string timestamp = "20261201120000", string buildId = "b-1") => new()
    {
        Srpm = "foo-1.0-1.el7.src.rpm",
        Arch = arch,
        Target = "c7.1708.u.x86_64",
        Disttag = ".el7",
        Submitter = "alice",
        BuildId = buildId,
        Status = status,
        BuilderFqdn = "b1.example.org",
        Evr = "1.0-1.el7",
        PkgName = "foo",
        Timestamp = timestamp,
    };

    private string ResultDir(BuildEvent e)
    {
        var dir = Path.Combine(repo.Path, e.Target, e.PkgName, e.Timestamp, $"{e.Evr}.{e.Arch}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private MailSink Sink(params string[] recipients) => Sink(new ListLogger(), recipients);

    private MailSink Sink(ListLogger logger, params string[] recipients) => new(
        smtp.Options(new Dictionary<string, IReadOnlyList<string>> { ["x86_64"] = recipients }), null, BuildLogs.FromDisk(BaseUrl, repo.Path), logger);

    [Fact]
    public async Task AFailedBuildIsMailedWithTheOriginalSubjectTheFactsAndTheLogTails()
    {
        var e = Finished();
        var dir = ResultDir(e);
        File.WriteAllLines(Path.Combine(dir, "root.log"), Enumerable.Range(1, 100).Select(i => $"root line {i}"));
        File.WriteAllLines(Path.Combine(dir, "build.log"), Enumerable.Range(1, 200).Select(i => $"build line {i}"));
        await using var sink = Sink("dev@example.org", "Ops Team <ops@example.org>");

        Assert.True(sink.Concerns(e));
        await sink.EmitAsync(e, CancellationToken.None);

        var mail = Assert.Single(smtp.Messages());
        Assert.Equal("[reimzul] Build task 20261201120000 foo-1.0-1.el7.src.rpm (arch: x86_64) target c7.1708.u.x86_64 : Failed", mail.Subject);
        Assert.Equal("reimzul@build.example.org", Assert.Single(mail.From.Mailboxes).Address);
        Assert.Equal(["dev@example.org", "ops@example.org"], mail.To.Mailboxes.Select(m => m.Address));
        Assert.Equal("dev@example.org, ops@example.org", mail.Headers["X-RcptTo"]);
        var body = mail.TextBody!;
        Assert.Contains("Builder   : b1.example.org\n", body);
        Assert.Contains("Package   : foo 1.0-1.el7 (foo-1.0-1.el7.src.rpm)\n", body);
        Assert.Contains("Timestamp : 20261201120000\n", body);
        Assert.Contains("Submitter : alice\n", body);
        Assert.Contains("Status    : Failed\n", body);
        Assert.Contains($"Logs      : {BaseUrl}c7.1708.u.x86_64/foo/20261201120000/1.0-1.el7.x86_64/\n", body);
        var rootTail = Section(body, "== root.log (last 30 lines) ==");
        Assert.Equal(Enumerable.Range(71, 30).Select(i => $"root line {i}"), rootTail);
        var buildTail = Section(body, "== build.log (last 80 lines) ==");
        Assert.Equal(Enumerable.Range(121, 80).Select(i => $"build line {i}"), buildTail);
    }

    [Fact]
    public async Task AMissingLogIsSaidInOneLineAndTheMailStillGoesOut()
    {
        var e = Finished(BuildStatus.Success);
        File.WriteAllText(Path.Combine(ResultDir(e), "build.log"), "only build.log\n");
        await using var sink = Sink("dev@example.org");

        await sink.EmitAsync(e, CancellationToken.None);

        var body = Assert.Single(smtp.Messages()).TextBody!;
        var root = Assert.Single(Section(body, "== root.log (last 30 lines) =="));
        Assert.StartsWith("(root.log cannot be had: ", root);
        Assert.Equal(["only build.log"], Section(body, "== build.log (last 80 lines) =="));
    }

    [Fact]
    public async Task AMalformedRecipientIsLoggedAndTheOthersStillGetTheMail()
    {
        var logger = new ListLogger();
        await using var sink = Sink(logger, "dev@example.org", "not an address", "ops@example.org");

        await sink.EmitAsync(Finished(), CancellationToken.None);

        Assert.Equal("dev@example.org, ops@example.org", Assert.Single(smtp.Messages()).Headers["X-RcptTo"]);
        Assert.Contains(logger.Lines, l => l.Message.Contains("'not an address' is not a mail address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ScratchBuildingAndArchesWithoutRecipientsAreNotMailed()
    {
        await using var sink = Sink("dev@example.org");

        Assert.False(sink.Concerns(Finished() with { Scratch = true }));
        Assert.False(sink.Concerns(Finished(BuildStatus.Building)));
        Assert.False(sink.Concerns(Finished(arch: "aarch64")));
        await sink.EmitAsync(Finished(arch: "aarch64"), CancellationToken.None);
        Assert.Empty(smtp.Messages());
    }

    [Fact]
    public async Task InvalidUtf8AHugeSingleLineAndABinaryLogLeaveAReadableMailOfBoundedSize()
    {
        var e = Finished();
        var dir = ResultDir(e);
        File.WriteAllBytes(Path.Combine(dir, "root.log"), [.. Encoding.UTF8.GetBytes("before\n"), 0xC3, 0x28, 0xFF, .. Encoding.UTF8.GetBytes(" after\n")]);
        File.WriteAllBytes(Path.Combine(dir, "build.log"), [.. Enumerable.Repeat((byte)'x', 5 * 1024 * 1024), (byte)'\n']);
        await using var sink = Sink("dev@example.org");
        await sink.EmitAsync(e, CancellationToken.None);

        var binary = Finished(timestamp: "20261201130000", buildId: "b-2");
        var random = new Random(8);
        var bytes = new byte[3 * 1024 * 1024];
        random.NextBytes(bytes);
        File.WriteAllBytes(Path.Combine(ResultDir(binary), "build.log"), bytes);
        File.WriteAllBytes(Path.Combine(ResultDir(binary), "root.log"), bytes);
        await sink.EmitAsync(binary, CancellationToken.None);

        var mails = smtp.Messages();
        Assert.Equal(2, mails.Count);
        var first = mails[0].TextBody!;
        Assert.Equal(["before", "\uFFFD(\uFFFD after"], Section(first, "== root.log (last 30 lines) =="));
        var longLine = Assert.Single(Section(first, "== build.log (last 80 lines) =="));
        Assert.StartsWith("[…] xxxx", longLine);
        Assert.EndsWith("more characters)", longLine);
        foreach (var mail in mails)
        {
            var size = new MemoryStream();
            await mail.WriteToAsync(size);
            Assert.InRange(size.Length, 1, 200_000);
            Assert.DoesNotContain(mail.TextBody!, c => char.IsControl(c) && c is not '\n' and not '\t');
        }
    }

    [Fact]
    public async Task ASmtpServerThatIsDownFailsTheEmitAndTheNextEmitAfterItIsBackGetsThrough()
    {
        await using var sink = Sink("dev@example.org");
        await sink.EmitAsync(Finished(), CancellationToken.None);
        await smtp.StopAsync();

        var error = await Assert.ThrowsAsync<IOException>(() => sink.EmitAsync(Finished(timestamp: "20261201120001"), CancellationToken.None));
        Assert.Contains($"SMTP 127.0.0.1:{smtp.Port}", error.Message);

        await smtp.StartAgainAsync();
        await sink.EmitAsync(Finished(timestamp: "20261201120002"), CancellationToken.None);
        Assert.Equal(["20261201120000", "20261201120002"], smtp.Messages().Select(m => m.Subject!.Split(' ')[3]));
    }

    // The lines between a section's heading and the next blank line or heading.
    internal static List<string> Section(string body, string heading)
    {
        var lines = body.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var start = Array.IndexOf(lines, heading);
        Assert.True(start >= 0, $"no '{heading}' in:\n{body}");
        return [.. lines.Skip(start + 1).TakeWhile(l => l.Length > 0 && !l.StartsWith("== ", StringComparison.Ordinal))];
    }
}
