using System.Globalization;
using System.Text.Json;
using Npgsql;
using Reimzul.Messages;
using Reimzul.Queue.Embedded;
using Reimzul.Tests.EndToEnd;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

/// <summary>
/// The real <c>reimzul notifier</c> with <c>[history] backend = postgresql</c>, mail and MQTT on: the real PostgreSQL
/// is stopped at once in the middle of a stream of events and started again on the same port and data, and every
/// event is recorded, mailed and published exactly once.
/// </summary>
public sealed class NotifierPostgreSqlOutageFacts : IAsyncLifetime, IDisposable
{
    private readonly PostgreSqlServer postgres = new();
    private readonly TlsCertificates pki = new();
    private SmtpTestServer smtp = null!;
    private MosquittoTestBroker broker = null!;
    private Installation install = null!;
    private string database = "";

    public async Task InitializeAsync()
    {
        await postgres.InitializeAsync();
        database = await postgres.CreateDatabaseAsync();
        smtp = await SmtpTestServer.StartAsync();
        broker = await MosquittoTestBroker.StartAsync(pki);
        install = new Installation($"""
            [history]
            backend = postgresql
            url = {database}
            password_file = {postgres.PasswordFile}

            {NotifierSinkConfig.For(smtp, broker, pki, "dev@example.org")}
            """);
    }

    public async Task DisposeAsync()
    {
        await smtp.DisposeAsync();
        await broker.DisposeAsync();
        await postgres.DisposeAsync();
    }

    public void Dispose()
    {
        install.Dispose();
        pki.Dispose();
        postgres.Dispose();
    }

    private static BuildEvent Event(int i) => MailSinkFacts.Finished(i % 2 == 0 ? BuildStatus.Success : BuildStatus.Failed, timestamp: $"2026120113{i:D4}", buildId: $"pg-{i}");

    private async Task PutAsync(int from, int count)
    {
        await using var producer = await new EmbeddedJobQueueFactory(Path.Combine(install.DataDir, "queue.db")).OpenProducerAsync();
        for (var i = from; i < from + count; i++)
        {
            await producer.PutAsync(Tubes.Notify, MessageJson.Serialize(Event(i)), Tubes.PriorityNormal, TimeSpan.Zero, TimeSpan.FromMinutes(2), CancellationToken.None);
        }
    }

    /// <summary>How many rows the history table holds for each build id, read with SQL as an operator would.</summary>
    private async Task<Dictionary<string, long>> RowsPerBuildAsync()
    {
        await using var connection = await PostgreSqlServer.ConnectAsync(database);
        await using var count = new NpgsqlCommand("SELECT build_id, count(*) FROM build_history GROUP BY build_id;", connection);
        await using var reader = await count.ExecuteReaderAsync();
        var rows = new Dictionary<string, long>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
        {
            rows[reader.GetString(0)] = reader.GetInt64(1);
        }
        return rows;
    }

    private async Task<long> RecordedAsync()
    {
        try
        {
            return (await RowsPerBuildAsync()).Values.Sum();
        }
        catch (PostgresException)
        {
            // The notifier has not made the table yet.
            return 0;
        }
    }

    private List<string?> MailedIds() => [.. smtp.Messages().Select(m => m.Headers["X-Reimzul-Build-Id"])];

    [Fact]
    public async Task APostgreSqlStoppedMidStreamIsWaitedForAndEveryEventIsRecordedMailedAndPublishedOnceWhenItIsBack()
    {
        const int Events = 40;
        await using var subscriber = await broker.SubscribeAsync("reimzul/builds/results", "pg-counter");
        await PutAsync(0, 20);
        await using var notifier = install.Start("notifier");
        await Eventually.WaitAsync(async () => await RecordedAsync() >= 5, TimeSpan.FromSeconds(60), notifier.Describe);

        await postgres.StopAsync();
        await PutAsync(20, 20);

        // While the database is down the notifier says why, keeps retrying with growing delays, and keeps the
        // event's notify job (the queue still holds the events not recorded).
        await Eventually.WaitAsync(() => notifier.Lines.Count(l => l.Contains("history unavailable", StringComparison.Ordinal)) >= 3,
            TimeSpan.FromSeconds(60), notifier.Describe);
        var waiting = notifier.Lines.Where(l => l.Contains("history unavailable", StringComparison.Ordinal)).ToList();
        Assert.Contains(waiting, l => l.Contains("the build history", StringComparison.Ordinal) && l.Contains("is unavailable", StringComparison.Ordinal));
        var delays = waiting.Select(l => double.Parse(System.Text.RegularExpressions.Regex.Match(l, @"trying again in ([0-9.]+) s").Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(delays[^1] > delays[0], string.Join('\n', waiting));
        Assert.False(notifier.HasExited, notifier.Describe());
        var stats = await install.RunAsync("stats");
        var notifyRow = stats.StandardOutput.Split('\n').Single(l => l.StartsWith("notify ", StringComparison.Ordinal));
        var notifyColumns = notifyRow.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // The notifier takes the ready notify jobs in batches: the batch it waits with stays reserved, and the events
        // put after the stop are among what the tube still holds.
        var (ready, reserved) = (long.Parse(notifyColumns[1], CultureInfo.InvariantCulture), long.Parse(notifyColumns[2], CultureInfo.InvariantCulture));
        Assert.True(reserved >= 1 && ready + reserved >= 20, stats.StandardOutput);

        await postgres.StartAsync();
        await Eventually.WaitAsync(async () => await RecordedAsync() >= Events && MailedIds().Count >= Events && subscriber.Payloads.Count >= Events,
            TimeSpan.FromSeconds(120), () => $"{MailedIds().Count} mails, {subscriber.Payloads.Count} MQTT messages\n{notifier.Describe()}");
        await DeliveryAssert.WaitUntilNothingPendingAsync(async () => (await install.RunAsync("stats")).StandardOutput);
        await subscriber.DrainAsync();

        var expected = Enumerable.Range(0, Events).Select(i => $"pg-{i}").Order(StringComparer.Ordinal).ToList();
        var rows = await RowsPerBuildAsync();
        Assert.Equal(expected, rows.Keys.Order(StringComparer.Ordinal).ToList());
        Assert.All(rows, r => Assert.Equal(1, r.Value));
        Assert.Equal(expected, MailedIds().Select(id => id ?? "").Order(StringComparer.Ordinal).ToList());
        Assert.Equal(expected, subscriber.Payloads.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("build_id").GetString() ?? "").Order(StringComparer.Ordinal).ToList());
    }
}
