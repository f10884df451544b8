using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Mqtt;
using Reimzul.Notify;
using Reimzul.Retry;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

/// <summary>
/// Nothing lost, nothing twice: a stream of events through the processor and the outbox to a real SMTP server and a
/// real broker that are stopped and started in the middle, with redelivered events and a restart of the notifier.
/// </summary>
public sealed class OutboxFacts : IAsyncLifetime, IDisposable
{
    private static readonly RetryPolicy Fast = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400));
    private readonly TempDir dir = new("reimzul-outbox");
    private readonly TlsCertificates pki = new();
    private SmtpTestServer smtp = null!;
    private MosquittoTestBroker broker = null!;

    public async Task InitializeAsync()
    {
        smtp = await SmtpTestServer.StartAsync();
        broker = await MosquittoTestBroker.StartAsync(pki);
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await broker.DisposeAsync();
    }

    public void Dispose()
    {
        pki.Dispose();
        dir.Dispose();
    }

    /// <summary>One notifier's worth of processor, outbox and delivery loops; disposing it is a stop.</summary>
    private sealed class Notifier : IAsyncDisposable
    {
        private readonly List<RunningService> loops = [];
        private readonly List<IAsyncDisposable> owned = [];

        public required NotificationProcessor Processor { get; init; }
        public required NotificationOutbox Outbox { get; init; }

        public static async Task<Notifier> StartAsync(OutboxFacts test, IHistoryStore history)
        {
            var logs = BuildLogs.FromDisk("http://bstore.example.org/bstore/repo/", test.dir.Combine("repo"));
            var outbox = await NotificationOutbox.OpenAsync(test.dir.Combine("outbox.db"), TimeProvider.System);
            var mail = new MailSink(test.smtp.Options(new Dictionary<string, IReadOnlyList<string>> { ["x86_64"] = ["dev@example.org"] }), null, logs, NullLogger.Instance);
            var connection = new MqttConnection(test.broker.Options("reimzul", test.pki.Client("notifier")), "notifier", NullLogger.Instance);
            var mqtt = new MqttSink(connection, "reimzul", logs);
            var notifier = new Notifier
            {
                Outbox = outbox,
                Processor = new NotificationProcessor(history, [], outbox, [mail, mqtt], NullLogger.Instance, TimeProvider.System, Fast),
            };
            notifier.owned.AddRange([mail, connection, outbox]);
            foreach (INotificationSink sink in new INotificationSink[] { mail, mqtt })
            {
                notifier.loops.Add(await RunningService.StartAsync(new OutboxDelivery(outbox, sink, Fast, NullLogger.Instance, TimeProvider.System)));
            }
            return notifier;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var loop in loops)
            {
                await loop.StopAsync();
            }
            foreach (var resource in owned)
            {
                await resource.DisposeAsync();
            }
        }
    }

    private static BuildEvent Event(int i) => MailSinkFacts.Finished(i % 2 == 0 ? BuildStatus.Success : BuildStatus.Failed, timestamp: $"2026120112{i:D4}", buildId: $"b-{i}");

    private List<string?> MailedIds() => [.. smtp.Messages().Select(m => m.Headers["X-Reimzul-Build-Id"])];

    [Fact]
    public async Task ServersStoppedAndStartedMidStreamRedeliveriesAndARestartStillGiveEveryEventExactlyOnce()
    {
        await using var subscriber = await broker.SubscribeAsync("reimzul/builds/results", "counter");
        await using var history = await SqliteHistoryStore.OpenAsync(dir.Combine("history.db"));
        const int Events = 40;
        var notifier = await Notifier.StartAsync(this, history);
        for (var i = 0; i < Events; i++)
        {
            if (i == 10)
            {
                await smtp.StopAsync();
            }
            if (i == 15)
            {
                await broker.StopAsync();
            }
            if (i == 20)
            {
                // The notifier stops with deliveries pending; the next one picks them up.
                await notifier.DisposeAsync();
                notifier = await Notifier.StartAsync(this, history);
            }
            if (i == 25)
            {
                await smtp.StartAgainAsync();
            }
            if (i == 30)
            {
                await broker.StartAgainAsync();
            }
            await notifier.Processor.HandleAsync(Event(i), CancellationToken.None);
            // The queue is at least once: some events come twice.
            if (i % 7 == 0)
            {
                await notifier.Processor.HandleAsync(Event(i), CancellationToken.None);
            }
        }

        try
        {
            await Eventually.WaitAsync(() => MailedIds().Count >= Events && subscriber.Payloads.Count >= Events, TimeSpan.FromSeconds(60),
                () => $"{MailedIds().Count} mails, {subscriber.Payloads.Count} MQTT messages\n{subscriber.Describe()}");
            // Nothing pending in the outbox: nothing more will be sent; and what the broker took has reached the subscriber.
            await Eventually.WaitAsync(async () => (await notifier.Outbox.DepthAsync(CancellationToken.None)).All(d => d.Pending == 0),
                TimeSpan.FromSeconds(60), () => "deliveries still pending in the outbox");
            await subscriber.DrainAsync();
            // The SMTP and broker outages and the restart may each cut off the one delivery a sink had in flight.
            var expected = Enumerable.Range(0, Events).Select(i => (string?)$"b-{i}").ToList();
            DeliveryAssert.EachOnceButInFlight(expected, [.. smtp.Messages().Select(m => (m.Headers["X-Reimzul-Build-Id"], m.Headers["Message-ID"] ?? ""))], inFlight: 2);
            DeliveryAssert.EachOnceButInFlight(expected, [.. subscriber.Payloads.Select(p => (JsonDocument.Parse(p).RootElement.GetProperty("build_id").GetString(), p))], inFlight: 2);
            for (var i = 0; i < Events; i++)
            {
                Assert.True(await history.ContainsAsync(Event(i)), $"event {i} is not in the history");
            }
            var depth = await notifier.Outbox.DepthAsync(CancellationToken.None);
            Assert.All(depth, d => Assert.Equal(0, d.Pending));
            Assert.Equal([("mail", (long)Events), ("mqtt", (long)Events)], depth.Select(d => (d.Sink, d.Delivered)));
        }
        finally
        {
            await notifier.DisposeAsync();
        }
    }

    [Fact]
    public async Task AHistoryThatIsDownIsWaitedForAndTheEventIsRecordedAndDeliveredOnce()
    {
        await using var real = await SqliteHistoryStore.OpenAsync(dir.Combine("history.db"));
        var flaky = new FlakyHistoryStore(real) { FailuresLeft = 3 };
        var logger = new ListLogger();
        await using var outbox = await NotificationOutbox.OpenAsync(dir.Combine("outbox.db"), TimeProvider.System);
        var sink = new RecordingNotificationSink { Name = "mail" };
        var processor = new NotificationProcessor(flaky, [], outbox, [sink], logger, TimeProvider.System, Fast);
        var touches = 0;

        var outcome = await processor.HandleAsync(Event(0), _ => { touches++; return Task.CompletedTask; }, CancellationToken.None);

        Assert.True(outcome.Recorded);
        Assert.Equal(3, touches);
        Assert.Equal(3, logger.Lines.Count(l => l.Message.Contains("history unavailable", StringComparison.Ordinal) && l.Message.Contains("database is locked", StringComparison.Ordinal)));
        Assert.True(await real.ContainsAsync(Event(0)));
        var pending = Assert.Single(await outbox.DueAsync("mail", 10, CancellationToken.None));
        Assert.Equal(EventKey.Of(Event(0)), pending.EventKey);

        // A redelivery of the same event adds nothing.
        await processor.HandleAsync(Event(0), CancellationToken.None);
        Assert.Single(await outbox.DueAsync("mail", 10, CancellationToken.None));
    }

    [Fact]
    public async Task ABadEventFromTheHistoryIsNotRetried()
    {
        await using var real = await SqliteHistoryStore.OpenAsync(dir.Combine("history.db"));
        var flaky = new FlakyHistoryStore(real) { FailuresLeft = 1, Failure = new ArgumentException("bad event") };
        var processor = new NotificationProcessor(flaky, [], null, [], NullLogger.Instance, TimeProvider.System, Fast);

        await Assert.ThrowsAsync<ArgumentException>(() => processor.HandleAsync(Event(0), CancellationToken.None));
    }

    private sealed class FlakyHistoryStore(IHistoryStore inner) : IHistoryStore
    {
        public int FailuresLeft { get; set; }

        public Exception Failure { get; init; } = new InvalidOperationException("database is locked");

        private void MaybeFail()
        {
            if (FailuresLeft > 0)
            {
                FailuresLeft--;
                throw Failure;
            }
        }

        public Task<bool> RecordAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default)
        {
            MaybeFail();
            return inner.RecordAsync(buildEvent, cancellationToken);
        }

        public Task<bool> ContainsAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default)
        {
            MaybeFail();
            return inner.ContainsAsync(buildEvent, cancellationToken);
        }

        public Task<IReadOnlyList<BuildRecord>> QueryAsync(string status, string? target, CancellationToken cancellationToken = default) =>
            inner.QueryAsync(status, target, cancellationToken);

        public Task<bool> OverrideAsync(string srpm, string target, string arch, string comment, CancellationToken cancellationToken = default) =>
            inner.OverrideAsync(srpm, target, arch, comment, cancellationToken);

        public Task<IReadOnlyList<BuildRecord>> LatestAsync(string target, CancellationToken cancellationToken = default) =>
            inner.LatestAsync(target, cancellationToken);

        public Task<bool> ImportAsync(BuildRecord record, CancellationToken cancellationToken = default) =>
            inner.ImportAsync(record, cancellationToken);

        public Task<BuildPage> ListAsync(BuildQuery query, CancellationToken cancellationToken = default) =>
            inner.ListAsync(query, cancellationToken);

        public Task<IReadOnlyList<BuildRecord>> BuildAsync(string buildId, CancellationToken cancellationToken = default) =>
            inner.BuildAsync(buildId, cancellationToken);

        public Task<IReadOnlyList<BuildRecord>> BuildingAsync(CancellationToken cancellationToken = default) =>
            inner.BuildingAsync(cancellationToken);

        public Task<IReadOnlyList<BuilderSeen>> BuildersSeenAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
            inner.BuildersSeenAsync(since, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
