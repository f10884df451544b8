using System.CommandLine;
using Reimzul.ResultStores;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul fix-build</c>: override the status of the latest build of an SRPM, with a reason.</summary>
public static class FixBuildCommand
{
    public static Command Create(CommonOptions common)
    {
        var srpm = new Option<string>("--srpm", "-s") { Description = "The SRPM whose latest build is overridden", Required = true };
        var target = new Option<string>("--target", "-t") { Description = "Target with its arch, e.g. c7.1708.u.x86_64", Required = true };
        var arch = new Option<string>("--arch", "-a") { Description = "The build's arch, e.g. x86_64", Required = true };
        var comment = new Option<string>("--comment", "-c") { Description = "Why, e.g. \"built against devtoolset-7-llvm\"", Required = true };
        var command = new Command("fix-build", "Set the latest build of an SRPM for a target and arch to Override, with a comment.") { srpm, target, arch, comment };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            var why = parseResult.GetRequiredValue(comment);
            if (string.IsNullOrWhiteSpace(why))
            {
                throw new CliException("--comment must say why the status is overridden");
            }
            await using var history = await Composition.OpenHistoryAsync(config, cancellationToken);
            var (s, t, a) = (parseResult.GetRequiredValue(srpm), parseResult.GetRequiredValue(target), parseResult.GetRequiredValue(arch));
            if (!await history.OverrideAsync(s, t, a, why, cancellationToken))
            {
                throw new CliException($"no build of {s} for target {t} arch {a} in the history", ExitCodes.Failure);
            }
            Console.WriteLine($"{s} (arch: {a}, target: {t}) set to Override: {why}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
