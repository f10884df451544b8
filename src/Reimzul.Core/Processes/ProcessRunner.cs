using System.ComponentModel;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Reimzul.Processes;

/// <summary>Runs external tools (rpmbuild, mock, createrepo_c) with a timeout and kills the whole tree when it runs out or on cancellation.</summary>
public sealed class ProcessRunner(ILogger logger)
{
    public static ProcessRunner Default { get; } = new(NullLogger.Instance);

    /// <summary>Runs the process to its end. Throws <see cref="OperationCanceledException"/> (after killing it) on cancellation,
    /// and <see cref="ProcessStartException"/> when the program cannot be started at all.</summary>
    public async Task<ProcessResult> RunAsync(ProcessSpec spec, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var psi = spec.CreateStartInfo();
        logger.LogInformation("running: {Command}", spec);
        using var process = new Process { StartInfo = psi };
        var stopwatch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new ProcessStartException($"cannot run '{spec.FileName}': {ex.Message}", ex);
        }
        process.StandardInput.Close();
        return await FinishAsync(process, spec, stopwatch, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Starts <paramref name="spec"/> now, with its standard input open: it is told later what to do, through
    /// <see cref="HeldProcess.RunAsync"/>. Whatever it writes before then stays in its pipes.
    /// </summary>
    /// <exception cref="ProcessStartException">The program cannot be started.</exception>
    public HeldProcess StartHeld(ProcessSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        logger.LogInformation("started, held: {Command}", spec);
        var process = new Process { StartInfo = spec.CreateStartInfo() };
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            process.Dispose();
            throw new ProcessStartException($"cannot run '{spec.FileName}': {ex.Message}", ex);
        }
        return new HeldProcess(process, spec);
    }

    /// <summary>Drains a started process's output into <paramref name="spec"/>'s files (or strings) and waits for its end, killing its tree on timeout or cancellation.</summary>
    internal static async Task<ProcessResult> FinishAsync(Process process, ProcessSpec spec, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var stdoutTask = Drain(process.StandardOutput, spec.StdoutFile);
        var stderrTask = Drain(process.StandardError, spec.StderrFile);

        using var timeoutCts = spec.Timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (cancellationToken.IsCancellationRequested)
            {
                await Task.WhenAll(stdoutTask, stderrTask).ConfigureAwait(false);
                throw;
            }
            timedOut = true;
        }

        var stdout = await stdoutTask.ConfigureAwait(false);
        var stderr = await stderrTask.ConfigureAwait(false);
        return new ProcessResult(timedOut ? -1 : process.ExitCode, timedOut, stopwatch.Elapsed, stdout, stderr);
    }

    internal static void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the timeout and the kill.
        }
        catch (AggregateException)
        {
            // Some child could not be killed (e.g. mock's privileged helpers); the rest are gone.
        }
    }

    private static async Task<string> Drain(StreamReader reader, string? file)
    {
        if (file is null)
        {
            return await reader.ReadToEndAsync().ConfigureAwait(false);
        }
        // Unbuffered: what the tool wrote is in the file at once, for whoever follows the file while it runs (live logs).
        await using var output = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, bufferSize: 0);
        await reader.BaseStream.CopyToAsync(output).ConfigureAwait(false);
        return "";
    }
}

/// <summary>The program could not be started (not installed, not executable).</summary>
public sealed class ProcessStartException(string message, Exception inner) : Exception(message, inner);
