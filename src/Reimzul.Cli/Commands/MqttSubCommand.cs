using System.CommandLine;
using Microsoft.Extensions.Hosting;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul mqtt-sub</c>: remote builds from git, requested over MQTT; until SIGINT/SIGTERM.</summary>
public static class MqttSubCommand
{
    public static Command Create(CommonOptions common)
    {
        var command = new Command("mqtt-sub", """
            Take remote build requests from MQTT ([mqtt] TOPIC/submit/ARCH/CN, persistent session): check them
            against [acl], make the SRPM from git ([scm] git_url) and queue it; every outcome is published on
            TOPIC/builds/results. Run once.
            """);
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            using var host = await Composition.CreateHostAsync(config, Roles.MqttSub, workers: 1, cancellationToken);
            await host.RunAsync(CancellationToken.None);
            return ExitCodes.Ok;
        }));
        return command;
    }
}
