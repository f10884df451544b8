using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Protocol;
using Reimzul.Config;

namespace Reimzul.Mqtt;

/// <summary>
/// One long-lived connection to the broker, opened on first use and opened again on the next use after it was
/// lost. It does not retry by itself: a failed publish throws <see cref="MqttUnavailableException"/> and the caller
/// owns the back-off. One publish at a time.
/// </summary>
public sealed class MqttConnection : IAsyncDisposable
{
    private readonly MqttClientOptions options;
    private readonly ILogger logger;
    private readonly IMqttClient client;
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly string broker;

    /// <exception cref="Config.ConfigException">A certificate or key named in [mqtt] cannot be loaded.</exception>
    public MqttConnection(MqttOptions mqtt, string clientId, ILogger logger, string configSource = "(configuration)")
    {
        ArgumentNullException.ThrowIfNull(mqtt);
        ArgumentNullException.ThrowIfNull(logger);
        options = MqttClientSettings.Create(mqtt, clientId, configSource);
        this.logger = logger;
        broker = $"{mqtt.Host}:{mqtt.Port}";
        client = new MqttClientFactory().CreateMqttClient();
        client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                logger.LogWarning("MQTT connection to {Broker} lost ({Reason}); it is opened again on the next message", broker, e.Exception?.Message ?? e.Reason.ToString());
            }
            return Task.CompletedTask;
        };
    }

    public bool IsConnected => client.IsConnected;

    /// <summary>Publishes with QoS 1 (at least once): returns when the broker has acknowledged it.</summary>
    /// <exception cref="MqttUnavailableException">The broker cannot be reached, refuses this client, or did not acknowledge.</exception>
    public async Task PublishAsync(string topic, byte[] payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(topic);
        ArgumentNullException.ThrowIfNull(payload);
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            await EnsureConnectedAsync(cancellationToken);
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build();
            MqttClientPublishResult result;
            try
            {
                result = await client.PublishAsync(message, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                throw new MqttUnavailableException($"MQTT publish to {broker} failed: {ex.Message}", ex);
            }
            if (!result.IsSuccess)
            {
                throw new MqttUnavailableException($"MQTT broker {broker} did not accept the message on {topic}: {result.ReasonCode} {result.ReasonString}");
            }
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private async Task EnsureConnectedAsync(CancellationToken cancellationToken)
    {
        if (client.IsConnected)
        {
            return;
        }
        try
        {
            var result = await client.ConnectAsync(options, cancellationToken);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttUnavailableException($"MQTT broker {broker} refused the connection: {result.ResultCode} {result.ReasonString}");
            }
            logger.LogInformation("MQTT connected to {Broker} as {ClientId}", broker, options.ClientId);
        }
        catch (MqttConnectingFailedException ex)
        {
            throw new MqttUnavailableException($"MQTT broker {broker} refused the connection: {ex.Message}", ex);
        }
        catch (Exception ex) when (ex is not MqttUnavailableException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            // A TLS handshake the broker ends (a client certificate it does not accept) lands here.
            throw new MqttUnavailableException($"MQTT broker {broker} cannot be reached or refused the TLS session: {MqttClientCleanup.Describe(ex)}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await MqttClientCleanup.DisconnectAndDisposeAsync(client, logger, broker);
        oneAtATime.Dispose();
    }
}
