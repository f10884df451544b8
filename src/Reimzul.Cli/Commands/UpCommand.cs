using System.CommandLine;
using Reimzul.Config;
using Microsoft.Extensions.Hosting;
using Reimzul.Build;
using Reimzul.Messages;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul up</c>: every role in one process on the embedded defaults.</summary>
public static class UpCommand
{
    public static Command Create(CommonOptions common)
    {
        var workers = new Option<int>("--workers", "-w")
        {
            Description = "Build workers to run in parallel",
            DefaultValueFactory = _ => 2,
        };
        workers.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 64)
            {
                result.AddError("--workers must be between 1 and 64");
            }
        });
        var command = new Command("up", """
            Run every role in one process: N build workers, the notifier, the repogen worker, the signer and the
            web role (API, pages, metrics; [web] port, default 11082), on the embedded queue and history under the data dir. Ctrl-C stops cleanly: builds in progress
            are stopped and their jobs go back to the queue, to be built on the next start.
            """)
        {
            workers,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            var count = parseResult.GetValue(workers);
            // With beanstalkd as the queue, workers fetch from the controller and upload to bstore: run those too.
            var roles = config.Topology == Topology.ManyMachines ? Roles.All | Roles.Controller | Roles.Bstore : Roles.All;
            if (config.Web.Enabled)
            {
                roles |= Roles.Web;
            }
            using var host = await Composition.CreateHostAsync(config, roles, count, cancellationToken);
            var backend = (IBuildBackend)host.Services.GetService(typeof(IBuildBackend))!;
            await Console.Error.WriteLineAsync($"""
                reimzul up: data dir {config.Paths.DataDir}, queue {config.Queue.Backend}
                  {count} worker(s) for {config.Builder.Arch} (tubes: {string.Join(", ", Arches.WatchedBy(config.Builder.Arch))}), build backend {backend.Name}
                  repos in {config.Paths.Repo}, log {config.Paths.LogFile}
                  submit with: reimzul submit --data-dir {config.Paths.DataDir} -s FILE.src.rpm -a {config.Builder.Arch} -t TARGET -d DISTTAG
                """);
            await host.StartAsync(CancellationToken.None);
            foreach (var url in WebCommand.Urls(host))
            {
                await Console.Error.WriteLineAsync($"  web: {url} (API: {url}api/v1/builds, metrics: {url}metrics)");
            }
            await host.WaitForShutdownAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
