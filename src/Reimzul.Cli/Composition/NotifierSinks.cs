using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.Mqtt;
using Reimzul.Notify;
using Reimzul.Protocol;
using Reimzul.Retry;

namespace Reimzul.Cli;

/// <summary>The notifier's sinks: the log file always; mail and MQTT, when enabled, through the outbox with a delivery loop each.</summary>
internal static class NotifierSinks
{
    /// <summary>A sink that is down is tried again from 1 s, doubling to 5 min.</summary>
    private static readonly RetryPolicy DeliveryRetries = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    public static async Task AddAsync(IServiceCollection services, ReimzulConfig config, IHistoryStore history, CancellationToken cancellationToken)
    {
        var outbox = await NotificationOutbox.OpenAsync(config.Paths.OutboxDatabase, TimeProvider.System, cancellationToken);
        services.AddSingleton(outbox);
        var logs = config.Topology == Topology.ManyMachines
            ? BuildLogs.OverHttp(config.BstoreBaseUrl, RemoteHttp.ForBstore(config))
            : BuildLogs.FromDisk(config.BstoreBaseUrl, config.Paths.Repo);

        var deferred = new List<Func<IServiceProvider, INotificationSink>>();
        if (config.Mail.Notifications)
        {
            var password = ReadPassword(config);
            services.AddSingleton(sp => new MailSink(config.Mail, password, logs, sp.GetRequiredService<ILoggerFactory>().CreateLogger<MailSink>()));
            deferred.Add(sp => sp.GetRequiredService<MailSink>());
        }
        if (config.Mqtt.Notifications)
        {
            // Loaded now so a bad certificate fails the start in one line, not the first publish.
            MqttClientSettings.Create(config.Mqtt, "check", config.SourceFile ?? "(configuration)");
            services.AddSingleton(sp => new MqttConnection(config.Mqtt, $"reimzul-notifier-{Environment.MachineName}",
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<MqttConnection>(), config.SourceFile ?? "(configuration)"));
            services.AddSingleton(sp => new MqttSink(sp.GetRequiredService<MqttConnection>(), config.Mqtt.Topic, logs));
            deferred.Add(sp => sp.GetRequiredService<MqttSink>());
        }
        foreach (var sink in deferred)
        {
            services.AddSingleton<IHostedService>(sp => new OutboxDelivery(outbox, sink(sp), DeliveryRetries,
                sp.GetRequiredService<ILoggerFactory>().CreateLogger<OutboxDelivery>(), sp.GetRequiredService<TimeProvider>()));
        }
        services.AddSingleton(sp => new NotificationProcessor(
            history,
            [new LogFileSink(config.Paths.LogFile, sp.GetRequiredService<TimeProvider>())],
            outbox,
            [.. deferred.Select(sink => sink(sp))],
            sp.GetRequiredService<ILoggerFactory>().CreateLogger<NotificationProcessor>(),
            sp.GetRequiredService<TimeProvider>(),
            RetryPolicy.Default));
    }

    private static string? ReadPassword(ReimzulConfig config)
    {
        if (config.Mail.PasswordFile is not { } file)
        {
            return null;
        }
        try
        {
            return File.ReadLines(file).FirstOrDefault()?.TrimEnd('\r') ?? "";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"[mail] password_file: cannot read {file}: {ex.Message}", ExitCodes.Config);
        }
    }
}
