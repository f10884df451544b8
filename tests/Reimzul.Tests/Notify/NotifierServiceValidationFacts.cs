using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Notify;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

/// <summary>The notifier role on the real embedded queue: events it must not record are buried with the reason.</summary>
public sealed class NotifierServiceValidationFacts : IAsyncLifetime, IDisposable
{
    private const string Target = "c7.x86_64";

    // As the original's reimzul_worker.py put it: no build_id.
    private const string OriginalEvent =
        """{"srpm": "legacy-1.0-1.src.rpm", "arch": "x86_64", "target": "c7.x86_64", "disttag": ".el7", "scratch": false, "submitter": "jdoe", "status": "Success", "builder_fqdn": "b1.example.org", "evr": "1.0-1", "pkgname": "legacy", "timestamp": "20171123154602"}""";

    private readonly TempDir dir = new("reimzul-notifier");
    private readonly RecordingNotificationSink mail = new();
    private EmbeddedJobQueueFactory queues = null!;
    private SqliteHistoryStore history = null!;
    private NotifierService notifier = null!;

    public async Task InitializeAsync()
    {
        queues = new EmbeddedJobQueueFactory(dir.Combine("queue.db"));
        history = await SqliteHistoryStore.OpenAsync(dir.Combine("history.db"));
        var processor = new NotificationProcessor(history, [mail], NullLogger.Instance);
        notifier = new NotifierService(queues, processor, NullLogger<NotifierService>.Instance, TimeProvider.System);
    }

    public async Task DisposeAsync() => await history.DisposeAsync();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task EventsWithAClimbingNameOrAnUnknownStatusAreBuriedWithTheReasonAndNotRecorded()
    {
        string[] hostile =
        [
            OriginalEvent.Replace("\"target\": \"c7.x86_64\"", "\"target\": \"../../etc\"", StringComparison.Ordinal),
            OriginalEvent.Replace("\"pkgname\": \"legacy\"", "\"pkgname\": \"../../../tmp/x\"", StringComparison.Ordinal),
            OriginalEvent.Replace("\"status\": \"Success\"", "\"status\": \"Pwned\"", StringComparison.Ordinal),
        ];
        await PutAsync([.. hostile, OriginalEvent]);

        await notifier.StartAsync(CancellationToken.None);
        IReadOnlyList<BuriedJob> buried = [];
        try
        {
            await using var admin = await queues.OpenAdminAsync();
            await Eventually.WaitAsync(
                async () => (buried = await admin.BuriedAsync(Tubes.Notify, 10)).Count == hostile.Length
                    && await admin.StatsTubeAsync(Tubes.Notify) is { Ready: 0, Reserved: 0 },
                TimeSpan.FromSeconds(30),
                () => $"buried on notify: {buried.Count}, expected {hostile.Length}");
        }
        finally
        {
            await notifier.StopAsync(CancellationToken.None);
        }

        Assert.Equal(hostile.Order(StringComparer.Ordinal), buried.Select(j => j.Body).Order(StringComparer.Ordinal));
        Assert.Collection(buried.OrderBy(j => Array.IndexOf(hostile, j.Body)),
            j => Assert.StartsWith("target '../../etc' contains '/'", j.Reason, StringComparison.Ordinal),
            j => Assert.StartsWith("pkgname '../../../tmp/x' contains '/'", j.Reason, StringComparison.Ordinal),
            j => Assert.Equal("status 'Pwned' is not an event status; events carry Building, Success, Failed, Canceled", j.Reason));
        var recorded = Assert.Single(await history.QueryAsync(BuildStatus.Success, null));
        Assert.Equal(("legacy", Target), (recorded.PkgName, recorded.Target));
        Assert.Equal("legacy", Assert.Single(mail.Emitted).PkgName);
    }

    private async Task PutAsync(string[] bodies)
    {
        await using var producer = await queues.OpenProducerAsync();
        foreach (var body in bodies)
        {
            await producer.PutAsync(Tubes.Notify, body, Tubes.PriorityNormal, TimeSpan.Zero, TimeSpan.FromMinutes(2));
        }
    }
}
