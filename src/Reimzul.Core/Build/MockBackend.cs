using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Reimzul.Processes;

namespace Reimzul.Build;

/// <summary>Builds in a mock chroot, with a per-build config rendered by <see cref="MockPlanner"/> into the result dir.</summary>
public sealed class MockBackend(MockPlanner planner, ProcessRunner runner, ILogger logger) : IBuildBackend
{
    public string Name => "mock";

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stopwatch = Stopwatch.StartNew();
        var files = new BuildResultFiles(Path.GetFullPath(request.ResultDir));
        files.CreateStreams();
        try
        {
            if (!planner.TryPlan(request, out var invocation, out var problem))
            {
                files.AppendToStderr(problem);
                logger.LogWarning("cannot build {Srpm} with mock: {Reason}", request.SrpmPath, problem);
                return new BuildOutcome(false, -1, problem, stopwatch.Elapsed);
            }

            await PrepareConfigDirAsync(invocation, cancellationToken);
            logger.LogInformation("mock config {Config} rendered as root {Root}", invocation.ConfigSource, invocation.RootName);
            var outcome = await RunAsync(invocation, files, request.SrpmPath, request.Arch, request.Timeout, stopwatch, cancellationToken);
            BuildToolRun.LogOutcome(logger, Name, request, outcome);
            return outcome;
        }
        finally
        {
            files.CopyStderrIfMissing(files.BuildLog);
            files.CopyStderrIfMissing(files.RootLog);
        }
    }

    private static async Task PrepareConfigDirAsync(MockInvocation invocation, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(Path.Combine(invocation.ResultDir, MockInvocation.ConfigFileName), invocation.ConfigText, cancellationToken);
        foreach (var file in invocation.FilesToCopy)
        {
            File.Copy(file, Path.Combine(invocation.ResultDir, Path.GetFileName(file)), overwrite: true);
        }
    }

    private async Task<BuildOutcome> RunAsync(MockInvocation invocation, BuildResultFiles files, string srpmPath, string arch, TimeSpan timeout, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var spec = new ProcessSpec(invocation.FileName, invocation.Arguments)
        {
            StdoutFile = files.Stdout,
            StderrFile = files.Stderr,
            Timeout = timeout,
        };
        var (result, failure) = await BuildToolRun.RunAsync(runner, spec, files, stopwatch, cancellationToken);
        if (result is null)
        {
            return failure!;
        }
        if (result.ExitCode != 0)
        {
            var detail = MockExitCodes.Describe(result.ExitCode) ?? files.LastStderrLine();
            return new BuildOutcome(false, result.ExitCode, BuildReasons.ExitCode(Name, result.ExitCode, detail), stopwatch.Elapsed);
        }
        if (files.RemoveLinks() is { } problem)
        {
            return new BuildOutcome(false, 0, problem, stopwatch.Elapsed);
        }
        if (files.BinaryRpms().Count == 0)
        {
            return new BuildOutcome(false, 0, BuildReasons.NoRpm(Name), stopwatch.Elapsed);
        }
        return files.CheckRpms(srpmPath, arch) is { } notAResult
            ? new BuildOutcome(false, 0, notAResult, stopwatch.Elapsed)
            : new BuildOutcome(true, 0, null, stopwatch.Elapsed);
    }
}
