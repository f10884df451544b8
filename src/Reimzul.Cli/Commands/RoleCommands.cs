using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Reimzul.Signing;

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

    public static Command ChainWorker(CommonOptions common) => Role(common, "chain-worker", Roles.Chains,
        "Consume chain: queue each group of a chain build once the group before it succeeded and is listed in repodata; stop a chain at a failure. Run once, where incoming, repo and history are local.");

    public static Command Controller(CommonOptions common) => Role(common, "controller", Roles.Controller, """
        Serve incoming SRPMs over HTTP(S) at /reimzul-incoming/NAME ([controller] port, default 11080) and accept
        SRPM uploads with submits from remote `reimzul submit` (authenticated by TLS client certificate or token).
        Also serves the web role ([web] port, default 11082) unless [web] enabled = no.
        """);

    public static Command Bstore(CommonOptions common) => Role(common, "bstore", Roles.Bstore | Roles.Repogen | Roles.Signer, """
        The build store: accept result uploads from workers over HTTP(S) ([bstore] port, default 11081; atomic,
        checksummed, idempotent), serve repo/ and the logs read-only, and run the repogen and signer roles locally.
        """);

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
