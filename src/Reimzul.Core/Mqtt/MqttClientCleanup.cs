using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Reimzul.Mqtt;

/// <summary>What the publishing connection and the subscription both do with an MQTTnet client: say what went wrong, and leave.</summary>
internal static class MqttClientCleanup
{
    // MQTTnet wraps the socket and TLS errors; the innermost message says what happened.
    public static string Describe(Exception ex)
    {
        var messages = new List<string>();
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (!messages.Contains(e.Message))
            {
                messages.Add(e.Message);
            }
        }
        return string.Join(": ", messages);
    }

    /// <summary>Disconnects if connected (a failure is only logged: the client is going away anyway), then disposes it.</summary>
    public static async Task DisconnectAndDisposeAsync(IMqttClient client, ILogger logger, string broker)
    {
        if (client.IsConnected)
        {
            try
            {
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                logger.LogDebug("MQTT disconnect from {Broker}: {Message}", broker, ex.Message);
            }
        }
        client.Dispose();
    }
}
