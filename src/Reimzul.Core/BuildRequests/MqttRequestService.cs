using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.GitToSrpm;
using Reimzul.Mqtt;
using Reimzul.Queue;
using Reimzul.Submit;

namespace Reimzul.BuildRequests;

/// <summary>
/// <c>reimzul mqtt-sub</c>: a persistent MQTT session subscribed to <c>MASTER/submit/#</c>; each request goes through
/// <see cref="BuildRequestHandler"/>, its outcome is published on <c>MASTER/builds/results</c>, and only then is the
/// request acknowledged (so a request in hand at a crash comes again, and is recognised).
/// </summary>
public sealed class MqttRequestService(MqttSubscription subscription, BuildRequestHandler handler, string masterTopic, ILogger logger) : BackgroundService
{
    /// <summary>The MQTT client id of the subscriber: its persistent session at the broker is kept under it.</summary>
    public const string ClientId = "reimzul-mqtt-sub";

    /// <summary>The service as configured: <c>[mqtt]</c>, <c>[scm]</c>, <c>[acl]</c> (required), the incoming dir and the queue.</summary>
    /// <exception cref="ConfigException">[acl] is missing, or an [mqtt] certificate cannot be loaded.</exception>
    public static MqttRequestService Create(ReimzulConfig config, IJobQueueFactory queues, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(loggers);
        var source = config.SourceFile ?? "(no config file)";
        var acl = config.Acl ?? throw new ConfigException(source, null,
            "mqtt-sub needs [acl], the list of who may build what (e.g. alice = x86_64,i386 c7-*); without it every request would be refused");
        var logger = loggers.CreateLogger<MqttRequestService>();
        if (config.Mqtt.TrustPayloadSubmitter)
        {
            logger.LogWarning("[mqtt] trust_payload_submitter = yes: requests on {Topic}/submit/ARCH are taken with the submitter their payload names, which nobody proved; " +
                "only requests on {Topic}/submit/ARCH/CN carry an identity the broker checked", config.Mqtt.Topic, config.Mqtt.Topic);
        }
        var submitter = BuildSubmitter.Create(config, queues, loggers.CreateLogger<BuildSubmitter>());
        var maker = new GitSrpmMaker(config.Scm, config.Builder.RpmbuildPath, loggers.CreateLogger<GitSrpmMaker>());
        var git = new GitSubmit(maker, submitter, loggers.CreateLogger<GitSubmit>());
        var handled = new HandledRequests(Path.Combine(config.Paths.Incoming, HandledRequests.DirectoryName));
        handled.Prune(DateTimeOffset.UtcNow - BuildSubmitter.KeyLifetime);
        var handler = new BuildRequestHandler(config.Mqtt.Topic, config.Mqtt.TrustPayloadSubmitter, acl, git, handled, logger);
        var subscription = new MqttSubscription(config.Mqtt, ClientId, persistent: true, loggers.CreateLogger<MqttSubscription>(), source);
        return new MqttRequestService(subscription, handler, config.Mqtt.Topic, logger);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await subscription.RunAsync(RequestTopic.SubscriptionFilter(masterTopic), HandleAsync, stoppingToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await subscription.DisposeAsync();
    }

    private async Task HandleAsync(MqttMessage message, CancellationToken ct)
    {
        var outcome = await handler.HandleAsync(message.Topic, message.Payload, ct);
        var payload = JsonSerializer.SerializeToUtf8Bytes(outcome, BuildRequestJsonContext.Readable.RequestOutcome);
        var results = RequestTopic.ResultsTopic(masterTopic);
        // The answer goes out before the request is acknowledged; a lost connection is back within the back-off.
        for (var delay = TimeSpan.FromMilliseconds(200); ; delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(30).Ticks)))
        {
            try
            {
                await subscription.PublishAsync(results, payload, ct);
                return;
            }
            catch (MqttUnavailableException ex)
            {
                logger.LogWarning("the outcome of request {RequestId} could not be published: {Message}; trying again in {Delay} ms", outcome.RequestId, ex.Message, delay.TotalMilliseconds);
                await Task.Delay(delay, ct);
            }
        }
    }
}
