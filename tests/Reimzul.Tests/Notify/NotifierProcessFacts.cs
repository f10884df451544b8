using System.Globalization;
using System.Text.Json;
using Reimzul.Messages;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.EndToEnd;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

/// <summary>
/// The real <c>reimzul notifier</c> process with mail and MQTT on: SIGKILLed in the middle of a stream of events
/// while the SMTP server is down, started again, and every event mailed and published exactly once.
/// </summary>
public sealed class NotifierProcessFacts : IAsyncLifetime, IDisposable
{
    private readonly TlsCertificates pki = new();
    private SmtpTestServer smtp = null!;
    private MosquittoTestBroker broker = null!;
    private Installation install = null!;

    public async Task InitializeAsync()
    {
        smtp = await SmtpTestServer.StartAsync();
        broker = await MosquittoTestBroker.StartAsync(pki);
        install = new Installation(NotifierSinkConfig.For(smtp, broker, pki, "dev@example.org, not-an-address"));
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await broker.DisposeAsync();
    }

    public void Dispose()
    {
        install.Dispose();
        pki.Dispose();
    }

    private static BuildEvent Event(int i) => MailSinkFacts.Finished(i % 2 == 0 ? BuildStatus.Success : BuildStatus.Failed, timestamp: $"2026120112{i:D4}", buildId: $"p-{i}");

    private async Task PutAsync(int from, int count)
    {
        await using var producer = await new EmbeddedJobQueueFactory(Path.Combine(install.DataDir, "queue.db")).OpenProducerAsync();
        for (var i = from; i < from + count; i++)
        {
            await producer.PutAsync(Tubes.Notify, MessageJson.Serialize(Event(i)), Tubes.PriorityNormal, TimeSpan.Zero, TimeSpan.FromMinutes(2), CancellationToken.None);
        }
    }

    private List<string?> MailedIds() => [.. smtp.Messages().Select(m => m.Headers["X-Reimzul-Build-Id"])];

    [Fact]
    public async Task ANotifierKilledMidStreamWhileTheMailServerIsDownMailsAndPublishesEveryEventOnceAfterItsRestart()
    {
        const int Events = 60;
        await using var subscriber = await broker.SubscribeAsync("reimzul/builds/results", "counter");
        await PutAsync(0, 30);
        var first = install.Start("notifier");
        await Eventually.WaitAsync(() => MailedIds().Count >= 10, TimeSpan.FromSeconds(60), first.Describe);
        await smtp.StopAsync();
        await PutAsync(30, 30);
        await Eventually.WaitAsync(() => install.Log().Count >= 40, TimeSpan.FromSeconds(60), first.Describe);
        first.KillHard();
        await first.WaitForExitAsync();
        Assert.Contains(first.Lines, l => l.Contains("'not-an-address' is not a mail address", StringComparison.Ordinal));
        await first.DisposeAsync();

        // With the notifier dead and SMTP down, the undelivered mails wait in the outbox, and stats shows them.
        var stats = await install.RunAsync("stats");
        var mailRow = stats.StandardOutput.Split('\n').Single(l => l.StartsWith("mail ", StringComparison.Ordinal));
        Assert.True(long.Parse(mailRow.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) > 0, stats.StandardOutput);

        await using var second = install.Start("notifier");
        await smtp.StartAgainAsync();
        await Eventually.WaitAsync(() => MailedIds().Count >= Events && subscriber.Payloads.Count >= Events, TimeSpan.FromSeconds(90),
            () => $"{MailedIds().Count} mails, {subscriber.Payloads.Count} MQTT messages\n{second.Describe()}");
        await DeliveryAssert.WaitUntilNothingPendingAsync(async () => (await install.RunAsync("stats")).StandardOutput);
        await subscriber.DrainAsync();

        // Every event arrived. A SIGKILL can fall between a server's acknowledgement and the outbox's mark: the one
        // delivery each sink had in flight may then be sent again by the next notifier, as the same message (same
        // Message-ID, same payload) that receivers can drop. Nothing else comes twice.
        var expected = Enumerable.Range(0, Events).Select(i => (string?)$"p-{i}").Order(StringComparer.Ordinal).ToList();
        DeliveryAssert.EachOnceButInFlight(expected, [.. smtp.Messages().Select(m => (m.Headers["X-Reimzul-Build-Id"], m.Headers["Message-ID"] ?? ""))], inFlight: 1);
        DeliveryAssert.EachOnceButInFlight(expected, [.. subscriber.Payloads.Select(p => (JsonDocument.Parse(p).RootElement.GetProperty("build_id").GetString(), p))], inFlight: 1);
        Assert.All(smtp.Messages(), m => Assert.Equal("dev@example.org", m.Headers["X-RcptTo"]));

        var after = await install.RunAsync("stats");
        Assert.Matches(@"(?m)^mail\s+0\s+60\s", after.StandardOutput);
        Assert.Matches(@"(?m)^mqtt\s+0\s+60\s", after.StandardOutput);
    }
}
