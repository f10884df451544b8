using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Reimzul.Processes;
using Reimzul.ResultStores;

namespace Reimzul.Build;

/// <summary>Runs a backend's build tool and turns the failures every backend shares (cannot start, timed out) into outcomes.</summary>
internal static class BuildToolRun
{
    /// <returns>The tool's result when it ran to its end; otherwise the failed outcome.</returns>
    public static Task<(ProcessResult? Result, BuildOutcome? Failure)> RunAsync(
        ProcessRunner runner, ProcessSpec spec, BuildResultFiles files, Stopwatch stopwatch, CancellationToken cancellationToken) =>
        RunAsync(ct => runner.RunAsync(spec, ct), spec, files, stopwatch, cancellationToken);

    /// <param name="run">Runs the tool; <paramref name="spec"/> says what it is and its timeout.</param>
    public static async Task<(ProcessResult? Result, BuildOutcome? Failure)> RunAsync(
        Func<CancellationToken, Task<ProcessResult>> run, ProcessSpec spec, BuildResultFiles files, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        ProcessResult result;
        try
        {
            result = await run(cancellationToken);
        }
        catch (ProcessStartException ex)
        {
            files.AppendToStderr(ex.Message);
            return (null, new BuildOutcome(false, -1, ex.Message, stopwatch.Elapsed));
        }
        return result.TimedOut
            ? (null, new BuildOutcome(false, -1, BuildReasons.TimedOut(spec.Timeout ?? TimeSpan.Zero), stopwatch.Elapsed))
            : (result, null);
    }

    /// <summary>Logs how a build ended, in the same words for every backend.</summary>
    public static void LogOutcome(ILogger logger, string tool, BuildRequest request, BuildOutcome outcome)
    {
        if (outcome.Succeeded)
        {
            logger.LogInformation("{Tool} built {Srpm} for {Arch} in {Duration}", tool, request.SrpmPath, request.Arch, outcome.Duration);
        }
        else
        {
            logger.LogWarning("{Tool} failed on {Srpm} for {Arch}: {Reason}", tool, request.SrpmPath, request.Arch, outcome.Reason);
        }
    }
}
