using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace Reimzul.Cli.Commands;

/// <summary>The long-running roles, one process each (as systemd runs them), until SIGINT/SIGTERM.</summary>
public static class RoleCommands
{
    public static Command Worker(CommonOptions common) => Role(common, "worker", Roles.Worker, """
        Build jobs from this builder's arch tubes (x86_64 also takes i386 and noarch, ppc64 also ppc),
        store results, announce them on notify and request repodata. Run several for parallel builds.
        """);

    public static Command Notifier(CommonOptions common) => Role(common, "notifier", Roles.Notifier,
        "Consume notify: write the log file and the build history, put tosign jobs for finished non-scratch builds. Run once.");

    public static Command RepogenWorker(CommonOptions common) => Role(common, "repogen-worker", Roles.Repogen,
        "Consume createrepo: regenerate target repodata with createrepo_c, serialized and coalesced per target, never dropping a request.");

    public static Command Signer(CommonOptions common) => Role(common, "signer", Roles.Signer,
        "Consume tosign: copy the RPMs of finished non-scratch builds to bstore/tosign/<target>/. Run once.");

    private static Command Role(CommonOptions common, string name, Roles roles, string description)
    {
        var command = new Command(name, description);
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            using var host = await Composition.CreateHostAsync(config, roles, workers: 1, cancellationToken);
            await host.RunAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
