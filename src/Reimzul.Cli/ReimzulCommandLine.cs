using System.CommandLine;
using Reimzul.Cli.Commands;
using Reimzul.Signing;

namespace Reimzul.Cli;

/// <summary>The <c>reimzul</c> program: one subcommand per role.</summary>
public static class ReimzulCommandLine
{
    public static RootCommand Build()
    {
        var common = new CommonOptions();
        var root = new RootCommand("""
            Reimzul: a distributed RPM build system. Source RPMs are queued per arch, built by
            workers (mock or rpmbuild), stored in per-target yum repos (createrepo_c) and staged
            for signing; every step is logged and kept in a build history.

            On one machine: `reimzul up` runs every role; `reimzul submit` queues builds.
            """);
        root.Options.Add(common.Config);
        root.Options.Add(common.DataDir);
        root.Subcommands.Add(SubmitCommand.Create(common));
        root.Subcommands.Add(UpCommand.Create(common));
        root.Subcommands.Add(RoleCommands.Worker(common));
        root.Subcommands.Add(RoleCommands.Notifier(common));
        root.Subcommands.Add(RoleCommands.RepogenWorker(common));
        root.Subcommands.Add(RoleCommands.Signer(common));
        root.Subcommands.Add(RoleCommands.Controller(common));
        root.Subcommands.Add(RoleCommands.Bstore(common));
        root.Subcommands.Add(SubmitRepogenCommand.Create(common));
        root.Subcommands.Add(QueryCommand.Create(common));
        root.Subcommands.Add(FixBuildCommand.Create(common));
        root.Subcommands.Add(StatsCommand.Create(common));
        root.Subcommands.Add(QueueAdminCommands.Buried(common));
        root.Subcommands.Add(QueueAdminCommands.Kick(common));
        return root;
    }
}
