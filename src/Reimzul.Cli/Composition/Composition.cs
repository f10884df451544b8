using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Reimzul.Build;
using Reimzul.Cancels;
using Reimzul.Chains;
using Reimzul.Config;
using Reimzul.History;
using Reimzul.HistoryStores;
using Reimzul.Notify;
using Reimzul.Processes;
using Reimzul.Protocol;
using Reimzul.Queue;
using Reimzul.Repogen;
using Reimzul.ResultStores;
using Reimzul.Signing;
using Reimzul.Srpms;
using Reimzul.Submit;
using Reimzul.Web;
using Reimzul.Worker;

namespace Reimzul.Cli;

/// <summary>Wires roles to the configured backends. The only place that knows which implementation serves which seam.</summary>
public static class Composition
{
    public static IJobQueueFactory CreateQueueFactory(ReimzulConfig config) => QueueBackends.Create(config);

    public static Task<IHistoryStore> OpenHistoryAsync(ReimzulConfig config, CancellationToken cancellationToken) =>
        HistoryBackends.OpenAsync(config, cancellationToken);

    /// <summary>A host with the given roles. Logs go to stderr, one line each (or to the journal under systemd).</summary>
    public static async Task<IHost> CreateHostAsync(ReimzulConfig config, Roles roles, int workers, CancellationToken cancellationToken)
    {
        // The web role comes with the controller unless [web] enabled = no.
        if (roles.HasFlag(Roles.Controller) && config.Web.Enabled)
        {
            roles |= Roles.Web;
        }
        // A service that cannot start says so in one line here, not in a failed host start with a stack trace.
        if (roles.HasFlag(Roles.Web))
        {
            WebRoleServer.CheckSettings(config);
        }
        if (roles.HasFlag(Roles.Controller))
        {
            ControllerServer.CheckSettings(config);
        }
        if (roles.HasFlag(Roles.Bstore))
        {
            BstoreServer.CheckSettings(config);
        }
        if (roles.HasFlag(Roles.MqttSub) && config.Acl is null)
        {
            throw new ConfigException(config.SourceFile ?? "(no config file)", null,
                "mqtt-sub needs [acl], the list of who may build what (e.g. alice = x86_64,i386 c7-*); without it every request would be refused");
        }
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff ";
        });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        // One line per request would drown what the roles say.
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.Services.AddSystemd();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));

        var services = builder.Services;
        services.AddSingleton(config);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(CreateQueueFactory(config));
        services.AddSingleton(sp => new ProcessRunner(sp.GetRequiredService<ILoggerFactory>().CreateLogger("process")));

        foreach (var dir in new[] { config.Paths.Incoming, config.Paths.Results, config.Paths.Repo, config.Paths.Tosign, config.Paths.Cache })
        {
            Directory.CreateDirectory(dir);
        }

        if (roles.HasFlag(Roles.Worker))
        {
            services.AddSingleton(sp => BuildBackendFactory.Create(config, sp.GetRequiredService<ProcessRunner>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger("build")));
            if (config.Topology == Topology.ManyMachines)
            {
                services.AddSingleton<ISrpmSource>(sp => new ControllerSrpmSource(
                    ControllerClient.Create(config), sp.GetRequiredService<ILoggerFactory>().CreateLogger<ControllerSrpmSource>(),
                    sp.GetRequiredService<TimeProvider>()));
            }
            else
            {
                services.AddSingleton<ISrpmSource>(new LocalSrpmSource(config.Paths.Incoming));
            }
            services.AddSingleton<IResultStore>(sp =>
            {
                var loggers = sp.GetRequiredService<ILoggerFactory>();
                if (config.BstoreRsync is { } rsync)
                {
                    return new RsyncResultStore(rsync, sp.GetRequiredService<ProcessRunner>(), loggers.CreateLogger<RsyncResultStore>());
                }
                return config.Topology == Topology.ManyMachines
                    ? HttpResultStore.Create(config, loggers.CreateLogger<HttpResultStore>())
                    : new LocalResultStore(config.Paths, loggers.CreateLogger<LocalResultStore>());
            });
            // Cancel requests and live logs: in the data dir on one machine; from the controller and to bstore on many
            // (an rsync store has no HTTP bstore to stream to: its builds' logs arrive with their results).
            ICancelChecks cancelChecks = config.Topology == Topology.ManyMachines
                ? new ControllerCancelChecks(RemoteHttp.ForController(config))
                : new LocalCancelChecks(CancelRecords.Under(config.Paths.DataDir));
            ILiveLogs? liveLogs = config.Topology != Topology.ManyMachines ? new LocalLiveLogs(LiveLogFiles.NextTo(config.Paths.Repo))
                : config.BstoreRsync is null ? new HttpLiveLogs(RemoteHttp.ForBstore(config))
                : null;
            for (var i = 0; i < workers; i++)
            {
                services.AddSingleton<IHostedService>(sp => new BuildWorker(
                    sp.GetRequiredService<IJobQueueFactory>(), config.Builder, config.Paths.Results, sp.GetRequiredService<IBuildBackend>(),
                    sp.GetRequiredService<ISrpmSource>(), sp.GetRequiredService<IResultStore>(),
                    sp.GetRequiredService<ILogger<BuildWorker>>(), sp.GetRequiredService<TimeProvider>(),
                    cancelChecks: cancelChecks, liveLogs: liveLogs));
            }
        }
        IHistoryStore? history = null;
        if (roles.HasFlag(Roles.Notifier))
        {
            history = await OpenHistoryAsync(config, cancellationToken);
            services.AddSingleton(history);
            await NotifierSinks.AddAsync(services, config, history, cancellationToken);
            services.AddHostedService<NotifierService>();
        }
        if (roles.HasFlag(Roles.Repogen))
        {
            services.AddSingleton(sp => new RepoRegenerator(config.Paths, config.Repogen, sp.GetRequiredService<ProcessRunner>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<RepoRegenerator>()));
            services.AddSingleton(config.Repogen);
            services.AddHostedService<RepogenService>();
        }
        if (roles.HasFlag(Roles.Chains))
        {
            // The notifier's store when it runs here too, so one process holds one history connection.
            var chainHistory = history;
            if (chainHistory is null)
            {
                chainHistory = await OpenHistoryAsync(config, cancellationToken);
                services.AddSingleton(chainHistory);
            }
            services.AddSingleton(sp => new ChainRunner(
                BuildSubmitter.Create(config, sp.GetRequiredService<IJobQueueFactory>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<BuildSubmitter>()),
                chainHistory, config.Paths.Repo, sp.GetRequiredService<IJobQueueFactory>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<ChainRunner>(),
                sp.GetRequiredService<TimeProvider>()));
            services.AddHostedService<ChainService>();
        }
        if (roles.HasFlag(Roles.Controller))
        {
            services.AddSingleton<IHostedService>(sp => ControllerServer.Create(config, sp.GetRequiredService<IJobQueueFactory>(), sp.GetRequiredService<ILoggerFactory>()));
        }
        if (roles.HasFlag(Roles.Bstore))
        {
            services.AddSingleton<IHostedService>(sp => BstoreServer.Create(config, sp.GetRequiredService<ILoggerFactory>()));
        }
        if (roles.HasFlag(Roles.Web))
        {
            // A store of its own: the API's reads do not wait behind the notifier's writes (SQLite in WAL mode reads alongside).
            var readHistory = await OpenHistoryAsync(config, cancellationToken);
            services.AddSingleton<IHostedService>(sp => WebRoleServer.Create(config, readHistory, sp.GetRequiredService<IJobQueueFactory>(),
                sp.GetRequiredService<ILoggerFactory>(), sp.GetRequiredService<TimeProvider>()));
        }
        if (roles.HasFlag(Roles.Worker) && !roles.HasFlag(Roles.Web) && config.Builder.MetricsPort > 0)
        {
            // Many machines: the worker's counters are its own process's; with the web role beside it, that serves them.
            services.AddSingleton<IHostedService>(sp => WorkerMetricsServer.Create(config.Builder, sp.GetRequiredService<ILoggerFactory>()));
        }
        if (roles.HasFlag(Roles.MqttSub))
        {
            services.AddSingleton<IHostedService>(sp => BuildRequests.MqttRequestService.Create(config, sp.GetRequiredService<IJobQueueFactory>(), sp.GetRequiredService<ILoggerFactory>()));
        }
        if (roles.HasFlag(Roles.Signer))
        {
            services.AddSingleton(sp => new Signer(config.Paths, sp.GetRequiredService<ILoggerFactory>().CreateLogger<Signer>()));
            services.AddHostedService<SignerService>();
        }
        var host = builder.Build();
        if (roles.HasFlag(Roles.Worker))
        {
            // Made now, not when the host starts: a build sandbox that cannot start refuses in one line, no stack trace.
            try
            {
                host.Services.GetRequiredService<IBuildBackend>();
            }
            catch
            {
                host.Dispose();
                throw;
            }
        }
        return host;
    }
}

[Flags]
public enum Roles
{
    None = 0,
    Worker = 1,
    Notifier = 2,
    Repogen = 4,
    Signer = 8,
    Controller = 16,
    Bstore = 32,

    /// <summary>The JSON API, pages, badge, feed and metrics (<c>[web]</c>).</summary>
    Web = 64,

    /// <summary>Remote builds from git, requested over MQTT (<c>reimzul mqtt-sub</c>).</summary>
    MqttSub = 128,

    /// <summary>Chain builds (<c>chain-build</c>, <c>submit --after</c>): queues each group once the one before is in repodata.</summary>
    Chains = 256,

    /// <summary>What <c>reimzul up</c> runs: one machine needs no HTTP services.</summary>
    All = Worker | Notifier | Repogen | Signer | Chains,
}
