using System.CommandLine;
using System.Text.Json;
using Reimzul.Messages;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul query</c>: builds by status, as the original reimzul_query printed them.</summary>
public static class QueryCommand
{
    public static Command Create(CommonOptions common)
    {
        var status = new Option<string>("--status", "-s") { Description = "Status to list: " + string.Join(", ", BuildStatus.All), Required = true };
        status.AcceptOnlyFromAmong([.. BuildStatus.All]);
        var target = new Option<string?>("--target", "-t") { Description = "Only this target (with its arch), e.g. c7.1708.u.x86_64" };
        var json = new Option<bool>("--json") { Description = "Print a JSON array of records" };
        var command = new Command("query", "List builds by status (for anything but Building, only the latest build of each SRPM/target/arch).") { status, target, json };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            await using var history = await Composition.OpenHistoryAsync(config, cancellationToken);
            var wanted = parseResult.GetRequiredValue(status);
            var records = await history.QueryAsync(wanted, parseResult.GetValue(target), cancellationToken);
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(records, CliJsonContext.Default.IReadOnlyListBuildRecord));
                return ExitCodes.Ok;
            }
            foreach (var r in records)
            {
                Console.WriteLine(wanted == BuildStatus.Override
                    ? $"{r.Srpm} (arch: {r.Arch}, status: {r.Status}, timestamp: {r.Timestamp}, target: {r.Target}, comment: {r.Comment})"
                    : $"{r.Srpm} (arch: {r.Arch}, status: {r.Status}, timestamp: {r.Timestamp},  builder: {r.BuilderFqdn})");
            }
            return ExitCodes.Ok;
        }));
        return command;
    }
}
