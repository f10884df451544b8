using System.Text.Json;
using Reimzul.Messages;
using Reimzul.Mqtt;

namespace Reimzul.Notify;

/// <summary>Publishes every build event on <c>TOPIC/builds/results</c> (QoS 1) over the notifier's one MQTT connection.</summary>
public sealed class MqttSink(MqttConnection connection, string topicPrefix, BuildLogs logs) : INotificationSink
{
    private readonly string topic = topicPrefix.TrimEnd('/') + "/builds/results";

    public string Name => "mqtt";

    public string Topic => topic;

    public bool Concerns(BuildEvent buildEvent) => true;

    public Task EmitAsync(BuildEvent buildEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(buildEvent);
        return connection.PublishAsync(topic, Payload(buildEvent, logs), ct);
    }

    public static byte[] Payload(BuildEvent e, BuildLogs logs)
    {
        ArgumentNullException.ThrowIfNull(e);
        ArgumentNullException.ThrowIfNull(logs);
        return JsonSerializer.SerializeToUtf8Bytes(new MqttBuildResult
        {
            Srpm = e.Srpm,
            Status = e.Status,
            Target = e.Target,
            Arch = e.Arch,
            Timestamp = e.Timestamp,
            Submitter = e.Submitter,
            BuildId = e.BuildId,
            Evr = e.Evr,
            PkgName = e.PkgName,
            Scratch = e.Scratch,
            BuilderFqdn = e.BuilderFqdn,
            LogUrl = e.Status == BuildStatus.Building || string.IsNullOrEmpty(e.PkgName) ? null : logs.UrlOf(e),
        }, NotifyJsonContext.Default.MqttBuildResult);
    }
}
