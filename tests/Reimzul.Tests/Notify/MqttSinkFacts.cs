using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Messages;
using Reimzul.Mqtt;
using Reimzul.Notify;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Notify;

/// <summary>The MQTT sink against a real mosquitto with TLS and client certificates, read back with mosquitto_sub.</summary>
public sealed class MqttSinkFacts : IAsyncLifetime, IDisposable
{
    private const string BaseUrl = "https://bstore.example.org:11081/bstore/repo/";
    private readonly TlsCertificates pki = new();
    private MosquittoTestBroker broker = null!;

    public async Task InitializeAsync() => broker = await MosquittoTestBroker.StartAsync(pki);

    public async Task DisposeAsync() => await broker.DisposeAsync();

    public void Dispose() => pki.Dispose();

    private static MqttSink Sink(MqttConnection connection) => new(connection, "reimzul", BuildLogs.FromDisk(BaseUrl, "/nonexistent"));

    [Fact]
    public async Task AnEventIsPublishedOnTopicBuildsResultsWithTheOriginalFieldsAndTheNewOnes()
    {
        await using var subscriber = await broker.SubscribeAsync("reimzul/builds/results", "irc-relay");
        await using var connection = new MqttConnection(broker.Options("reimzul", pki.Client("notifier")), "reimzul-notifier-test", NullLogger.Instance);
        var sink = Sink(connection);

        await sink.EmitAsync(MailSinkFacts.Finished(BuildStatus.Success), CancellationToken.None);

        await Eventually.WaitAsync(() => subscriber.Payloads.Count == 1, TimeSpan.FromSeconds(10), subscriber.Describe);
        using var payload = JsonDocument.Parse(subscriber.Payloads[0]);
        var root = payload.RootElement;
        Assert.Equal("foo-1.0-1.el7.src.rpm", root.GetProperty("srpm").GetString());
        Assert.Equal("Success", root.GetProperty("status").GetString());
        Assert.Equal("c7.1708.u.x86_64", root.GetProperty("target").GetString());
        Assert.Equal("x86_64", root.GetProperty("arch").GetString());
        Assert.Equal("20261201120000", root.GetProperty("timestamp").GetString());
        Assert.Equal("alice", root.GetProperty("submitter").GetString());
        Assert.Equal("b-1", root.GetProperty("build_id").GetString());
        Assert.Equal("1.0-1.el7", root.GetProperty("evr").GetString());
        Assert.Equal("foo", root.GetProperty("pkgname").GetString());
        Assert.Equal($"{BaseUrl}c7.1708.u.x86_64/foo/20261201120000/1.0-1.el7.x86_64/", root.GetProperty("log_url").GetString());
        Assert.True(connection.IsConnected);
    }

    [Fact]
    public async Task OneConnectionCarriesManyMessagesAndComesBackAfterTheBrokerRestarts()
    {
        await using var subscriber = await broker.SubscribeAsync("reimzul/builds/results", "counter");
        await using var connection = new MqttConnection(broker.Options("reimzul", pki.Client("notifier")), "reimzul-notifier-test", NullLogger.Instance);
        var sink = Sink(connection);
        for (var i = 0; i < 20; i++)
        {
            await sink.EmitAsync(MailSinkFacts.Finished(buildId: $"b-{i}"), CancellationToken.None);
        }
        // One session carried the twenty.
        Assert.Equal(1, broker.Log.Split('\n').Count(l => l.Contains("as reimzul-notifier-test", StringComparison.Ordinal)));
        await Eventually.WaitAsync(() => subscriber.Payloads.Count >= 20, TimeSpan.FromSeconds(10), subscriber.Describe);
        await broker.StopAsync();
        await Assert.ThrowsAsync<MqttUnavailableException>(() => sink.EmitAsync(MailSinkFacts.Finished(buildId: "while-down"), CancellationToken.None));
        await broker.StartAgainAsync();
        await sink.EmitAsync(MailSinkFacts.Finished(buildId: "after"), CancellationToken.None);

        await Eventually.WaitAsync(() => subscriber.Payloads.Any(p => p.Contains("\"after\"", StringComparison.Ordinal)), TimeSpan.FromSeconds(30), subscriber.Describe);
        var ids = subscriber.Payloads.Select(p => JsonDocument.Parse(p).RootElement.GetProperty("build_id").GetString()).ToList();
        // QoS 1 is at least once: a message the subscriber had received, but whose acknowledgement the broker
        // had not stored when it stopped, is delivered to it again after the restart. None is lost or reordered.
        Assert.Equal([.. Enumerable.Range(0, 20).Select(i => $"b-{i}"), "after"], ids.Distinct());
        Assert.Equal([.. Enumerable.Range(0, 20).Select(i => $"b-{i}")], ids.Take(20));
        // The restarted broker saw the notifier connect once, for everything after the restart.
        Assert.Equal(1, broker.Log.Split('\n').Count(l => l.Contains("as reimzul-notifier-test", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task AClientCertificateOfAnotherCaIsRefusedByTheBrokerAndTheNotifierSaysSo()
    {
        await using var connection = new MqttConnection(broker.Options("reimzul", pki.Client("intruder", fromOtherCa: true)), "intruder", NullLogger.Instance);

        var error = await Assert.ThrowsAsync<MqttUnavailableException>(() => Sink(connection).EmitAsync(MailSinkFacts.Finished(), CancellationToken.None));

        Assert.Contains($"MQTT broker 127.0.0.1:{broker.Port}", error.Message);
        Assert.Contains("refused", error.Message);
        Assert.False(connection.IsConnected);
    }

    [Fact]
    public async Task AClientWithoutACertificateIsRefused()
    {
        await using var connection = new MqttConnection(broker.Options("reimzul", client: null), "anonymous", NullLogger.Instance);

        var error = await Assert.ThrowsAsync<MqttUnavailableException>(() => Sink(connection).EmitAsync(MailSinkFacts.Finished(), CancellationToken.None));

        Assert.Contains($"MQTT broker 127.0.0.1:{broker.Port}", error.Message);
    }

    [Fact]
    public async Task ABrokerCertificateFromAnotherCaIsRefusedUnlessTlsInsecureIsSet()
    {
        var wrongCa = pki.OtherServer.CertPath;
        var options = broker.Options("reimzul", pki.Client("notifier")) with { CaCert = wrongCa };
        await using (var strict = new MqttConnection(options, "strict", NullLogger.Instance))
        {
            await Assert.ThrowsAsync<MqttUnavailableException>(() => Sink(strict).EmitAsync(MailSinkFacts.Finished(), CancellationToken.None));
        }
        await using var insecure = new MqttConnection(options with { TlsInsecure = true }, "insecure", NullLogger.Instance);
        await Sink(insecure).EmitAsync(MailSinkFacts.Finished(), CancellationToken.None);
        Assert.True(insecure.IsConnected);
    }
}
