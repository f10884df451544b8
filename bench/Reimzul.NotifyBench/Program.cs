// Notifier benchmarks of BENCHMARKS.md, each against its baseline in the same run:
//  1. throughput: events through NotificationProcessor (log file, outbox, SQLite history) with mail and MQTT on,
//     drained by the delivery loops to a local aiosmtpd and mosquitto, against raw SQLite inserts (one transaction
//     each, WAL, synchronous = FULL) on the same disk;
//  2. latency: one event at a time, from HandleAsync to the mail in the Maildir and to the MQTT message received.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Messages;
using Reimzul.Mqtt;
using Reimzul.Notify;
using Reimzul.Retry;
using Reimzul.Tests.Support;

var events = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
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
        received[doc.RootElement.GetProperty("build_id").GetString()!] = Stopwatch.GetTimestamp();
        return Task.CompletedTask;
    };
    await subscriber.ConnectAsync(MqttClientSettings.Create(new MqttOptions
    {
        Host = "127.0.0.1", Port = mqttPort, CaCert = pki.CaCertPath, TlsCert = subPair.CertPath, TlsKey = subPair.KeyPath,
    }, "bench-sub"));
    await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter("reimzul/builds/results", MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce).Build());

    var raw = RawSqliteInsertsPerSecond(dir.Combine("raw.db"), events);

    await using var history = await SqliteHistoryStore.OpenAsync(dir.Combine("history.db"));
    await using var outbox = await NotificationOutbox.OpenAsync(dir.Combine("outbox.db"), TimeProvider.System);
    var logs = BuildLogs.FromDisk("http://localhost:11081/bstore/repo/", dir.Combine("repo"));
    await using var mail = new MailSink(new MailOptions
    {
        Notifications = true, SmtpHost = "127.0.0.1", SmtpPort = smtpPort, From = "reimzul@localhost",
        Recipients = new Dictionary<string, IReadOnlyList<string>> { ["x86_64"] = ["dev@example.org"] },
    }, null, logs, NullLogger.Instance);
    var pair = pki.Client("notifier");
    await using var connection = new MqttConnection(new MqttOptions
    {
        Host = "127.0.0.1", Port = mqttPort, CaCert = pki.CaCertPath, TlsCert = pair.CertPath, TlsKey = pair.KeyPath,
    }, "bench-notifier", NullLogger.Instance);
    var mqtt = new MqttSink(connection, "reimzul", logs);
    var retries = new RetryPolicy(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(1));
    var processor = new NotificationProcessor(history, [new LogFileSink(dir.Combine("reimzul.log"), TimeProvider.System)], outbox, [mail, mqtt],
        NullLogger.Instance, TimeProvider.System, retries);
    using var mailLoop = new OutboxDelivery(outbox, mail, retries, NullLogger.Instance, TimeProvider.System);
    using var mqttLoop = new OutboxDelivery(outbox, mqtt, retries, NullLogger.Instance, TimeProvider.System);
    await mailLoop.StartAsync(CancellationToken.None);
    await mqttLoop.StartAsync(CancellationToken.None);

    // Warm up the connections, then the stream.
    await processor.HandleAsync(Event("warm"), CancellationToken.None);
    await WaitAsync(() => received.ContainsKey("warm") && MailCount(maildir) >= 1);

    var clock = Stopwatch.StartNew();
    for (var i = 0; i < events; i++)
    {
        await processor.HandleAsync(Event($"t-{i}"), CancellationToken.None);
    }
    var recordedIn = clock.Elapsed;
    await WaitAsync(() => received.Count >= events + 1 && MailCount(maildir) >= events + 1);
    var drainedIn = clock.Elapsed;

    var mailLatency = new List<double>();
    var mqttLatency = new List<double>();
    for (var i = 0; i < samples; i++)
    {
        var id = $"l-{i}";
        var before = MailCount(maildir);
        var start = Stopwatch.GetTimestamp();
        await processor.HandleAsync(Event(id), CancellationToken.None);
        long mailAt = 0;
        while (mailAt == 0 || !received.ContainsKey(id))
        {
            if (mailAt == 0 && MailCount(maildir) > before)
            {
                mailAt = Stopwatch.GetTimestamp();
            }
            await Task.Delay(1);
        }
        mailLatency.Add(Stopwatch.GetElapsedTime(start, mailAt).TotalMilliseconds);
        mqttLatency.Add(Stopwatch.GetElapsedTime(start, received[id]).TotalMilliseconds);
    }

    await mailLoop.StopAsync(CancellationToken.None);
    await mqttLoop.StopAsync(CancellationToken.None);

    var recordedRate = events / recordedIn.TotalSeconds;
    var drainedRate = events / drainedIn.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"events: {events}, latency samples: {samples}"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"raw SQLite inserts (1 txn each, WAL, synchronous=FULL): {raw,8:0} /s"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"notifier: recorded (log + outbox + history):   {recordedRate,8:0} events/s  ({recordedRate / raw:0.00}x raw)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"notifier: all mailed and published:           {drainedRate,8:0} events/s  ({drainedRate / raw:0.00}x raw)"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"event -> mail in Maildir:    median {Median(mailLatency),6:0.0} ms, p90 {Percentile(mailLatency, 0.9),6:0.0} ms"));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"event -> MQTT received:      median {Median(mqttLatency),6:0.0} ms, p90 {Percentile(mqttLatency, 0.9),6:0.0} ms"));
}
finally
{
    smtp.Kill();
    broker.Kill();
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
