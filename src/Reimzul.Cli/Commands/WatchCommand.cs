using System.CommandLine;
using System.Globalization;

namespace Reimzul.Cli.Commands;

/// <summary><c>reimzul watch BUILD_ID...</c>: print each arch's state changes until every build ended, as koji watch-task does.</summary>
public static class WatchCommand
{
    public static Command Create(CommonOptions common)
    {
        var buildIds = new Argument<string[]>("BUILD_ID") { Description = "The builds to watch", Arity = ArgumentArity.OneOrMore };
        var command = new Command("watch", """
            Watch builds: one line per state change of each arch (with the time since the watch began), then a
            summary and the verdict. Exits 0 when every arch succeeded, 1 when any failed or was canceled.
            """) { buildIds };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var config = common.Load(parseResult);
            using var api = WebApiClient.Create(config);
            return await BuildWatch.RunAsync(api, parseResult.GetRequiredValue(buildIds), null, Console.Out, cancellationToken);
        }));
        return command;
    }
}

/// <summary>The watch loop that <c>watch</c>, <c>submit --wait</c> and <c>resubmit --wait</c> share.</summary>
internal static class BuildWatch
{
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);
    private static readonly HashSet<string> Ended = new(StringComparer.Ordinal) { "Success", "Failed", "Canceled", "Override" };

    /// <summary><c>submit --wait</c> / <c>--wait-repo</c>: watch the builds just submitted through <c>[web] url</c>.</summary>
    public static async Task<int> RunAsync(Reimzul.Config.ReimzulConfig config, IReadOnlyList<string> buildIds, bool waitRepo, CancellationToken ct)
    {
        using var api = WebApiClient.Create(config);
        using var repodata = waitRepo ? RepodataListing.Create(config) : null;
        return await RunAsync(api, buildIds, repodata is null ? null : repodata.ListsAsync, Console.Out, ct);
    }

    /// <param name="repoCheck">With <c>--wait-repo</c>: whether a build's RPMs are listed in its target's repodata.</param>
    public static async Task<int> RunAsync(WebApiClient api, IReadOnlyList<string> buildIds, Func<ApiBuild, CancellationToken, Task<bool>>? repoCheck, TextWriter output, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var seen = new Dictionary<(string, string), string>();
        var builds = new Dictionary<string, ApiBuild>(StringComparer.Ordinal);
        string Elapsed() => (DateTimeOffset.UtcNow - started).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture);
        await output.WriteLineAsync($"Watching {string.Join(", ", buildIds)} at {api.BaseAddress}");
        var queuedSaid = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var open = false;
            foreach (var id in buildIds)
            {
                var build = await api.BuildAsync(id, ct);
                if (build is null)
                {
                    if (queuedSaid.Add(id))
                    {
                        await output.WriteLineAsync($"{Elapsed()} {id}: queued (no worker has taken it yet)");
                    }
                    open = true;
                    continue;
                }
                builds[id] = build;
                foreach (var arch in build.Arches)
                {
                    if (seen.TryGetValue((id, arch.Arch), out var before) && before == arch.Status)
                    {
                        continue;
                    }
                    seen[(id, arch.Arch)] = arch.Status;
                    await output.WriteLineAsync($"{Elapsed()} {id} {arch.Arch}: {Describe(arch)}");
                }
                open |= build.Arches.Count == 0 || build.Arches.Any(a => !Ended.Contains(a.Status));
            }
            if (!open)
            {
                break;
            }
            await Task.Delay(Poll, ct);
        }

        var failed = false;
        await output.WriteLineAsync();
        await output.WriteLineAsync("Summary:");
        foreach (var id in buildIds)
        {
            var build = builds[id];
            await output.WriteLineAsync($"  {id} {build.Srpm} for {build.Target}:");
            foreach (var arch in build.Arches)
            {
                failed |= arch.Status is "Failed" or "Canceled";
                await output.WriteLineAsync($"    {arch.Arch}: {Describe(arch)}");
            }
        }
        if (!failed && repoCheck is not null)
        {
            foreach (var id in buildIds)
            {
                while (!await repoCheck(builds[id], ct))
                {
                    await Task.Delay(Poll, ct);
                }
                await output.WriteLineAsync($"{Elapsed()} {id}: listed in the repodata of {builds[id].Target}");
            }
        }
        await output.WriteLineAsync(failed ? "FAILED: an arch failed or was canceled" : "Succeeded");
        return failed ? ExitCodes.Failure : ExitCodes.Ok;
    }

    private static string Describe(ApiArch arch) => arch.Status switch
    {
        "Building" => $"Building{(arch.Builder is null ? "" : " on " + arch.Builder)}",
        _ => arch.Status
            + (arch.DurationSeconds is { } d ? string.Create(CultureInfo.InvariantCulture, $" after {d:0.0} s") : "")
            + (string.IsNullOrEmpty(arch.Reason) ? "" : ": " + arch.Reason),
    };
}
