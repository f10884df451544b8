using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using Reimzul.Config;

namespace Reimzul.Mqtt;

/// <summary>One message received on a <see cref="MqttSubscription"/>.</summary>
public sealed record MqttMessage(string Topic, byte[] Payload);

/// <summary>
/// A subscription on one MQTT-over-TLS connection from <c>[mqtt]</c>, with QoS 1 and manual acknowledgement: a message
/// is acknowledged only after its handler returned, so with a persistent session (<c>clean session</c> off) the broker
/// sends it again after a crash or a lost connection. Messages are handled one at a time, in order. It can publish too
/// (answers, on the same connection).
/// </summary>
public sealed class MqttSubscription : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly ILogger _logger;
    private readonly IMqttClient _client;
    private readonly string _broker;
    private readonly Channel<(MqttMessage Message, MqttApplicationMessageReceivedEventArgs Delivery)> _received =
        Channel.CreateUnbounded<(MqttMessage, MqttApplicationMessageReceivedEventArgs)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _publishing = new(1, 1);

    /// <param name="persistent">Keep the session at the broker (clean session off): what was not acknowledged comes again.</param>
    /// <exception cref="ConfigException">A certificate or key named in [mqtt] cannot be loaded.</exception>
    public MqttSubscription(MqttOptions mqtt, string clientId, bool persistent, ILogger logger, string configSource = "(configuration)")
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(logger);
        _options = MqttClientSettings.Create(mqtt, clientId, configSource);
        _options.CleanSession = !persistent;
        // MQTT 5: the broker answers a publish its ACL refuses with "not authorized" (3.1.1 drops it silently).
        _options.ProtocolVersion = MQTTnet.Formatter.MqttProtocolVersion.V500;
        // MQTT 5 ends a session at disconnect unless it is given a lifetime: a persistent one is kept.
        _options.SessionExpiryInterval = persistent ? uint.MaxValue : 0;
        _logger = logger;
        _broker = $"{mqtt.Host}:{mqtt.Port}";
        _client = new MqttClientFactory().CreateMqttClient();
        _client.ApplicationMessageReceivedAsync += e =>
        {
            e.AutoAcknowledge = false;
            var payload = e.ApplicationMessage.Payload.ToArray();
            _received.Writer.TryWrite((new MqttMessage(e.ApplicationMessage.Topic, payload), e));
            return Task.CompletedTask;
        };
    }

    /// <summary>Connects (again after a loss), subscribes to <paramref name="topicFilter"/> and hands every message to <paramref name="handle"/> until <paramref name="stop"/>.</summary>
    /// <param name="connected">Called after each successful subscribe (tests and start-up messages).</param>
    public async Task RunAsync(string topicFilter, Func<MqttMessage, CancellationToken, Task> handle, CancellationToken stop, Action? connected = null)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var delay = TimeSpan.FromMilliseconds(500);
        var reader = Task.Run(() => ReadAsync(handle, stop), CancellationToken.None);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await ConnectAsync(topicFilter, stop);
                    connected?.Invoke();
                    delay = TimeSpan.FromMilliseconds(500);
                    while (_client.IsConnected && !stop.IsCancellationRequested)
                    {
                        await Task.Delay(TimeSpan.FromMilliseconds(250), stop);
                    }
                }
                catch (MqttUnavailableException ex)
                {
                    _logger.LogWarning("{Message}; trying again in {Delay} s", ex.Message, delay.TotalSeconds);
                    await Task.Delay(delay, stop);
                    delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        _received.Writer.TryComplete();
        await reader;
    }

    /// <summary>Connects and subscribes; returns once the broker granted the subscription.</summary>
    /// <exception cref="MqttUnavailableException">The broker cannot be reached, refuses this client or the subscription.</exception>
    public async Task ConnectAsync(string topicFilter, CancellationToken ct)
    {
        try
        {
            var result = await _client.ConnectAsync(_options, ct);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttUnavailableException($"MQTT broker {_broker} refused the connection: {result.ResultCode} {result.ReasonString}");
            }
            var subscribe = await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(f => f.WithTopic(topicFilter).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce))
                .Build(), ct);
            foreach (var item in subscribe.Items)
            {
                if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
                {
                    throw new MqttUnavailableException($"MQTT broker {_broker} refused the subscription to {topicFilter}: {item.ResultCode}");
                }
            }
            _logger.LogInformation("MQTT connected to {Broker} as {ClientId}, subscribed to {Topic}", _broker, _options.ClientId, topicFilter);
        }
        catch (Exception ex) when (ex is not MqttUnavailableException && (ex is not OperationCanceledException || !ct.IsCancellationRequested))
        {
            throw new MqttUnavailableException($"MQTT broker {_broker} cannot be reached or refused this client: {MqttClientCleanup.Describe(ex)}", ex);
        }
    }

    /// <summary>Publishes with QoS 1 on the subscription's connection.</summary>
    /// <exception cref="MqttUnavailableException">Not connected, or the broker did not accept it.</exception>
    public async Task PublishAsync(string topic, byte[] payload, CancellationToken ct)
    {
        await _publishing.WaitAsync(ct);
        try
        {
            var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
            MqttClientPublishResult result;
            try
            {
                result = await _client.PublishAsync(message, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw new MqttUnavailableException($"MQTT publish to {_broker} failed: {MqttClientCleanup.Describe(ex)}", ex);
            }
            if (!result.IsSuccess)
            {
                throw new MqttUnavailableException($"MQTT broker {_broker} did not accept the message on {topic}: {result.ReasonCode} {result.ReasonString}");
            }
        }
        finally
        {
            _publishing.Release();
        }
    }

    /// <summary>The next message (for a client that reads rather than handles).</summary>
    public async Task<MqttMessage> ReceiveAsync(CancellationToken ct)
    {
        var (message, delivery) = await _received.Reader.ReadAsync(ct);
        await AcknowledgeAsync(delivery, ct);
        return message;
    }

    private async Task ReadAsync(Func<MqttMessage, CancellationToken, Task> handle, CancellationToken stop)
    {
        await foreach (var (message, delivery) in _received.Reader.ReadAllAsync(CancellationToken.None))
        {
            if (stop.IsCancellationRequested)
            {
                // Not acknowledged: the broker sends it again to the next session.
                continue;
            }
            try
            {
                await handle(message, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                continue;
            }
            await AcknowledgeAsync(delivery, stop);
        }
    }

    private async Task AcknowledgeAsync(MqttApplicationMessageReceivedEventArgs delivery, CancellationToken ct)
    {
        try
        {
            await delivery.AcknowledgeAsync(ct);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not OutOfMemoryException)
        {
            // The connection it came on is gone: the broker sends the message again, and the handler recognises it.
            _logger.LogWarning("MQTT acknowledgement of a message on {Topic} failed: {Message}", delivery.ApplicationMessage.Topic, ex.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await MqttClientCleanup.DisconnectAndDisposeAsync(_client, _logger, _broker);
        _publishing.Dispose();
    }
}
