// Notifier benchmarks of BENCHMARKS.md, each against its baseline in the same run:
//  1. throughput: a burst of notify jobs on the embedded queue, taken by the notifier role (NotifierService: log file,
//     outbox, history, tosign), into SQLite and into PostgreSQL, with mail and MQTT on and drained by the delivery
//     loops to a local aiosmtpd and mosquitto; against the raw insert rate of the same store (one row per transaction);
//     also one event at a time through NotificationProcessor.HandleAsync, as a quiet queue hands them over;
//  2. latency: one event at a time, from HandleAsync to the mail in the Maildir and to the MQTT message received.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Npgsql;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.HistoryStores;
using Reimzul.Messages;
using Reimzul.Mqtt;
using Reimzul.Notify;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.Retry;
using Reimzul.Tests.Support;

var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
const int StreamPackages = 500;
var samples = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
using var dir = new TempDir("reimzul-notifybench");
using var pki = new TlsCertificates();

var smtpPort = FreePort();
var maildir = dir.Combine("maildir");
using var smtp = Process.Start(new ProcessStartInfo("/usr/bin/python3", ["-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{smtpPort}", "-c", "aiosmtpd.handlers.Mailbox", maildir])
{ RedirectStandardError = true, RedirectStandardOutput = true })!;
var mqttPort = FreePort();
File.WriteAllText(dir.Combine("mosquitto.conf"), string.Join('\n',
    Environment.UserName == "root" ? "user root" : "", "allow_anonymous false", "log_dest none",
    $"listener {mqttPort} 127.0.0.1", $"cafile {pki.CaCertPath}", $"certfile {pki.Server.CertPath}", $"keyfile {pki.Server.KeyPath}",
    "require_certificate true", "use_identity_as_username true", ""));
using var broker = Process.Start(new ProcessStartInfo("/usr/sbin/mosquitto", ["-c", dir.Combine("mosquitto.conf")])
{ RedirectStandardError = true, RedirectStandardOutput = true })!;
try
{
    await WaitForPortAsync(smtpPort);
    await WaitForPortAsync(mqttPort);

    // The subscriber: receive time per build id.
    var received = new System.Collections.Concurrent.ConcurrentDictionary<string, long>();
    var subPair = pki.Client("bench-sub");
    using var subscriber = new MqttClientFactory().CreateMqttClient();
    subscriber.ApplicationMessageReceivedAsync += e =>
    {
        using var doc = JsonDocument.Parse(e.ApplicationMessage.Payload);
        received.TryAdd(doc.RootElement.GetProperty("build_id").GetString() + "/" + doc.RootElement.GetProperty("status").GetString(), Stopwatch.GetTimestamp());
        return Task.CompletedTask;
    };
    await subscriber.ConnectAsync(MqttClientSettings.Create(new MqttOptions
    {
        Host = "127.0.0.1", Port = mqttPort, CaCert = pki.CaCertPath, TlsCert = subPair.CertPath, TlsKey = subPair.KeyPath,
    }, "bench-sub"));
    await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("reimzul/builds/results", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

    var raw = RawSqliteInsertsPerSecond(dir.Combine("raw.db"), events);

    var logs = BuildLogs.FromDisk("http://localhost:11081/bstore/repo/", dir.Combine("repo"));
    var retries = new RetryPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
    var mailOptions = new MailOptions
    {
        Notifications = true, SmtpHost = "127.0.0.1", SmtpPort = smtpPort, From = "reimzul@localhost",
        Recipients = new Dictionary<string, IReadOnlyList<string>> { ["x86_64"] = ["dev@example.org"] },
    };
    var pair = pki.Client("notifier");
    await using var connection = new MqttConnection(new MqttOptions
    {
        Host = "127.0.0.1", Port = mqttPort, CaCert = pki.CaCertPath, TlsCert = pair.CertPath, TlsKey = pair.KeyPath,
    }, "bench-notifier", NullLogger.Instance);
    var mqtt = new MqttSink(connection, "reimzul", logs);
    await using var mail = new MailSink(mailOptions, null, logs, NullLogger.Instance);

    // One notifier set-up (history, outbox, sinks, delivery loops), used by every phase that follows.
    async Task<(double Recorded, double Drained)> BurstAsync(string name, IHistoryStore history, int count)
    {
        var phaseDir = dir.Combine(name);
        Directory.CreateDirectory(phaseDir);
        await using var outbox = await NotificationOutbox.OpenAsync(Path.Combine(phaseDir, "outbox.db"), TimeProvider.System);
        var processor = new NotificationProcessor(history, [new LogFileSink(Path.Combine(phaseDir, "reimzul.log"), TimeProvider.System)], outbox, [mail, mqtt],
            NullLogger.Instance, TimeProvider.System, retries);
        using var mailLoop = new OutboxDelivery(outbox, mail, retries, NullLogger.Instance, TimeProvider.System);
        using var mqttLoop = new OutboxDelivery(outbox, mqtt, retries, NullLogger.Instance, TimeProvider.System);
        await mailLoop.StartAsync(CancellationToken.None);
        await mqttLoop.StartAsync(CancellationToken.None);
        var mailsBefore = MailCount(maildir);
        var receivedBefore = received.Count;

        // The jobs are queued first, as workers would have left them (a notifier back after an outage, a mass
        // rebuild finishing): the clock runs from the notifier's start to the last notify job deleted.
        var queues = new EmbeddedJobQueueFactory(Path.Combine(phaseDir, "queue.db"));
        var stream = Enumerable.Range(0, count).Select(i => StreamEvent(name, i)).ToList();
        await using (var producer = await queues.OpenProducerAsync())
        {
            foreach (var chunk in stream.Chunk(1000))
            {
                await producer.PutManyAsync([.. chunk.Select(e =>
                    new JobToPut(Tubes.Notify, MessageJson.Serialize(e), Tubes.PriorityNormal, TimeSpan.Zero, TimeSpan.FromMinutes(2)))]);
            }
        }
        var mails = stream.Count(mail.Concerns);
        var messages = stream.Count(mqtt.Concerns);
        await using var admin = await queues.OpenAdminAsync();
        using var notifier = new NotifierService(queues, processor, NullLogger<NotifierService>.Instance, TimeProvider.System);
        var clock = Stopwatch.StartNew();
        await notifier.StartAsync(CancellationToken.None);
        await WaitForAsync(async () => await admin.StatsTubeAsync(Tubes.Notify) is { Ready: 0, Reserved: 0 });
        var recordedIn = clock.Elapsed;
        await WaitForAsync(() => Task.FromResult(received.Count >= receivedBefore + messages && MailCount(maildir) >= mailsBefore + mails));
        var drainedIn = clock.Elapsed;
        await notifier.StopAsync(CancellationToken.None);
        await mailLoop.StopAsync(CancellationToken.None);
        await mqttLoop.StopAsync(CancellationToken.None);
        var latest = (await history.QueryAsync(BuildStatus.Success, "c7.bench.x86_64")).Count(r => r.BuildId?.StartsWith(name + "-", StringComparison.Ordinal) == true);
        if (latest != Math.Min(count / 2, StreamPackages))
        {
            throw new InvalidOperationException($"{name}: the history holds {latest} latest builds of the burst's {StreamPackages} packages");
        }
        return (count / recordedIn.TotalSeconds, count / drainedIn.TotalSeconds);
    }

    await using var history = await SqliteHistoryStore.OpenAsync(dir.Combine("history.db"));
    var sqliteBurst = await BurstAsync("sqlite", history, events);

    // PostgreSQL: a real cluster as the tests start it (initdb/pg_ctl in a temp dir), over TCP with a pooled data source.
    double pgRaw, pgRecorded, pgDrained;
    await using (var server = new PostgreSqlServer())
    {
        await server.InitializeAsync();
        var url = server.ConnectionString(await server.CreateDatabaseAsync()).Replace("Pooling=false", "Pooling=true", StringComparison.Ordinal);
        pgRaw = await RawPostgreSqlInsertsPerSecondAsync(url, events);
        await using var pgHistory = await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System);
        (pgRecorded, pgDrained) = await BurstAsync("postgresql", pgHistory, events);
    }

    // One at a time through the processor, as a quiet queue hands events over.
    await using var singleOutbox = await NotificationOutbox.OpenAsync(dir.Combine("outbox.db"), TimeProvider.System);
    var processor = new NotificationProcessor(history, [new LogFileSink(dir.Combine("reimzul.log"), TimeProvider.System)], singleOutbox, [mail, mqtt],
        NullLogger.Instance, TimeProvider.System, retries);
    using var mailLoop = new OutboxDelivery(singleOutbox, mail, retries, NullLogger.Instance, TimeProvider.System);
    using var mqttLoop = new OutboxDelivery(singleOutbox, mqtt, retries, NullLogger.Instance, TimeProvider.System);
    await mailLoop.StartAsync(CancellationToken.None);
    await mqttLoop.StartAsync(CancellationToken.None);

    await processor.HandleAsync(Event("warm"), CancellationToken.None);
    await WaitAsync(() => received.ContainsKey("warm/Success"));
    var singles = Math.Min(events, 500);
    var singleClock = Stopwatch.StartNew();
    for (var i = 0; i < singles; i++)
    {
        await processor.HandleAsync(Event($"t-{i}"), CancellationToken.None);
    }
    var singleRate = singles / singleClock.Elapsed.TotalSeconds;

    var mailLatency = new List<double>();
    var mqttLatency = new List<double>();
    for (var i = 0; i < samples; i++)
    {
        var id = $"l-{i}";
        var before = MailCount(maildir);
        var start = Stopwatch.GetTimestamp();
        await processor.HandleAsync(Event(id), CancellationToken.None);
        long mailAt = 0;
        while (mailAt == 0 || !received.ContainsKey(id + "/Success"))
        {
            if (mailAt == 0 && MailCount(maildir) > before)
            {
                mailAt = Stopwatch.GetTimestamp();
            }
            await Task.Delay(1);
        }
        mailLatency.Add(Stopwatch.GetElapsedTime(start, mailAt).TotalMilliseconds);
        mqttLatency.Add(Stopwatch.GetElapsedTime(start, received[id + "/Success"]).TotalMilliseconds);
    }

    await mailLoop.StopAsync(CancellationToken.None);
    await mqttLoop.StopAsync(CancellationToken.None);

    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"events per burst: {events}, latency samples: {samples}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw SQLite inserts (1 row per txn, WAL, synchronous=FULL): {raw,8:0} /s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"notifier role, queued burst, SQLite: recorded {sqliteBurst.Recorded,8:0} events/s ({sqliteBurst.Recorded / raw:0.00}x raw), all mailed and published {sqliteBurst.Drained,8:0} events/s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw PostgreSQL inserts (1 row per txn):                   {pgRaw,8:0} /s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"notifier role, queued burst, PostgreSQL: recorded {pgRecorded,8:0} events/s ({pgRecorded / pgRaw:0.00}x raw), all mailed and published {pgDrained,8:0} events/s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one event at a time (HandleAsync), SQLite: {singleRate,8:0} events/s ({singleRate / raw:0.00}x raw)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"event -> mail in Maildir:    median {Median(mailLatency),6:0.0} ms, p90 {Percentile(mailLatency, 0.9),6:0.0} ms"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"event -> MQTT received:      median {Median(mqttLatency),6:0.0} ms, p90 {Percentile(mqttLatency, 0.9),6:0.0} ms"));
}
finally
{
    smtp.Kill();
    broker.Kill();
}

// A stream as workers leave it: each build's Building, then its Success; 500 packages, each built again and again.
static BuildEvent StreamEvent(string name, int i)
{
    var build = i / 2;
    var package = $"pkg{build % StreamPackages}";
    return new()
    {
        Srpm = $"{package}-1.0-1.el7.src.rpm", Arch = "x86_64", Target = "c7.bench.x86_64", Disttag = ".el7", Submitter = "bench",
        BuildId = $"{name}-{build}", Status = i % 2 == 0 ? BuildStatus.Building : BuildStatus.Success, BuilderFqdn = "b1",
        Evr = "1.0-1.el7", PkgName = package,
        Timestamp = new DateTime(2026, 12, 1, 0, 0, 0).AddSeconds(build).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture),
    };
}

static BuildEvent Event(string id) => new()
{
    Srpm = "foo-1.0-1.el7.src.rpm", Arch = "x86_64", Target = "c7.bench.x86_64", Disttag = ".el7", Submitter = "bench",
    BuildId = id, Status = BuildStatus.Success, BuilderFqdn = "b1", Evr = "1.0-1.el7", PkgName = "foo", Timestamp = "20261201120000",
};

static double RawSqliteInsertsPerSecond(string path, int count)
{
    using var connection = new SqliteConnection($"Data Source={path}");
    connection.Open();
    using (var setup = connection.CreateCommand())
    {
        setup.CommandText = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT, v TEXT);";
        setup.ExecuteNonQuery();
    }
    using var insert = connection.CreateCommand();
    insert.CommandText = "INSERT INTO t (k, v) VALUES ($k, $v);";
    var k = insert.Parameters.Add("$k", SqliteType.Text);
    var v = insert.Parameters.Add("$v", SqliteType.Text);
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        k.Value = i.ToString(CultureInfo.InvariantCulture);
        v.Value = "{\"srpm\":\"foo-1.0-1.el7.src.rpm\",\"status\":\"Success\"}";
        insert.ExecuteNonQuery();
    }
    return count / clock.Elapsed.TotalSeconds;
}

static async Task<double> RawPostgreSqlInsertsPerSecondAsync(string url, int count)
{
    await using var connection = await PostgreSqlServer.ConnectAsync(url);
    await using (var setup = new NpgsqlCommand("CREATE TABLE raw_inserts (id bigserial PRIMARY KEY, k text, v text);", connection))
    {
        await setup.ExecuteNonQueryAsync();
    }
    await using var insert = new NpgsqlCommand("INSERT INTO raw_inserts (k, v) VALUES (@k, @v);", connection);
    var k = insert.Parameters.Add(new NpgsqlParameter<string>("k", ""));
    var v = insert.Parameters.Add(new NpgsqlParameter<string>("v", "{\"srpm\":\"foo-1.0-1.el7.src.rpm\",\"status\":\"Success\"}"));
    var clock = Stopwatch.StartNew();
    for (var i = 0; i < count; i++)
    {
        k.Value = i.ToString(CultureInfo.InvariantCulture);
        await insert.ExecuteNonQueryAsync();
    }
    return count / clock.Elapsed.TotalSeconds;
}

static async Task WaitForAsync(Func<Task<bool>> condition)
{
    var deadline = Stopwatch.StartNew();
    while (!await condition())
    {
        if (deadline.Elapsed > TimeSpan.FromMinutes(10))
        {
            throw new TimeoutException("the notifier did not finish within 10 minutes");
        }
        await Task.Delay(5);
    }
}

static int MailCount(string maildir) => Directory.Exists(Path.Combine(maildir, "new")) ? Directory.GetFiles(Path.Combine(maildir, "new")).Length : 0;

static double Median(List<double> values) => Percentile(values, 0.5);

static double Percentile(List<double> values, double p)
{
    var sorted = values.Order().ToList();
    return sorted[Math.Min(sorted.Count - 1, (int)(p * sorted.Count))];
}

static async Task WaitAsync(Func<bool> condition)
{
    var deadline = Stopwatch.StartNew();
    while (!condition())
    {
        if (deadline.Elapsed > TimeSpan.FromMinutes(5))
        {
            throw new TimeoutException("the notifier did not deliver everything within 5 minutes");
        }
        await Task.Delay(5);
    }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}

static async Task WaitForPortAsync(int port)
{
    for (var i = 0; i < 400; i++)
    {
        using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return;
        }
        catch (SocketException)
        {
            await Task.Delay(25);
        }
    }
    throw new TimeoutException($"nothing listens on {port}");
}
