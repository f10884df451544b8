using System.CommandLine;
using System.CommandLine.Parsing;
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

            Exit codes, the same for every subcommand:
              0  done
              1  a failure outside the input (a service down, a disk full)
              2  bad input: a wrong option value, SRPM or name, and usage errors (an unknown
                 option or command, a missing required option)
              3  bad configuration (the file, line, key and reason are printed)
            """);
        root.Options.Add(common.Config);
        root.Options.Add(common.DataDir);
        root.Subcommands.Add(SubmitCommand.Create(common));
        root.Subcommands.Add(ChainBuildCommand.Create(common));
        root.Subcommands.Add(UpCommand.Create(common));
        root.Subcommands.Add(RoleCommands.Worker(common));
        root.Subcommands.Add(RoleCommands.Notifier(common));
        root.Subcommands.Add(RoleCommands.RepogenWorker(common));
        root.Subcommands.Add(RoleCommands.Signer(common));
        root.Subcommands.Add(RoleCommands.ChainWorker(common));
        root.Subcommands.Add(RoleCommands.Controller(common));
        root.Subcommands.Add(WebCommand.Create(common));
        root.Subcommands.Add(RoleCommands.Bstore(common));
        root.Subcommands.Add(SubmitRepogenCommand.Create(common));
        root.Subcommands.Add(QueryCommand.Create(common));
        root.Subcommands.Add(FixBuildCommand.Create(common));
        root.Subcommands.Add(HistoryCommands.Create(common));
        root.Subcommands.Add(StatsCommand.Create(common));
        root.Subcommands.Add(QueueAdminCommands.Buried(common));
        root.Subcommands.Add(QueueAdminCommands.Kick(common));
        root.Subcommands.Add(ClientCommand.Create(common));
        root.Subcommands.Add(MqttSubCommand.Create(common));
        root.Subcommands.Add(WatchCommand.Create(common));
        root.Subcommands.Add(LogsCommand.Create(common));
        root.Subcommands.Add(CancelCommand.Create(common));
        root.Subcommands.Add(ResubmitCommand.Create(common));
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; a usage error is one line and exit code 2, never the whole help.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var parseResult = Build().Parse(args);
        // With --help the parser drops its errors, so `reimzul no-such-command --help` would show the root help and
        // exit 0; the unmatched tokens still say what was wrong.
        var errors = parseResult.Errors.Count > 0
            ? parseResult.Errors.Select(e => e.Message).ToList()
            : parseResult.UnmatchedTokens.Select(t => $"Unrecognized command or argument '{t}'.").ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors)
            {
                await Console.Error.WriteLineAsync($"reimzul: {error}");
            }
            await Console.Error.WriteLineAsync($"Try '{CommandPath(parseResult.CommandResult)} --help' for more information.");
            return ExitCodes.BadInput;
        }
        return await parseResult.InvokeAsync(new() { ProcessTerminationTimeout = null });
    }

    private static string CommandPath(CommandResult command)
    {
        var names = new List<string>();
        for (SymbolResult? result = command; result is not null; result = result.Parent)
        {
            if (result is CommandResult { Command: not RootCommand } sub)
            {
                names.Insert(0, sub.Command.Name);
            }
        }
        return string.Join(' ', names.Prepend("reimzul"));
    }
}
