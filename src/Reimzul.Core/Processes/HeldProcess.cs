using System.Diagnostics;

namespace Reimzul.Processes;

/// <summary>
/// A process started ahead of need (<see cref="ProcessRunner.StartHeld"/>), waiting on its standard input for what to
/// do. <see cref="RunAsync"/> hands it that and runs it to its end; disposing one that never ran kills it.
/// </summary>
public sealed class HeldProcess : IDisposable
{
    private readonly Process _process;
    private int _used;
    private int _disposed;

    internal HeldProcess(Process process, ProcessSpec spec)
    {
        _process = process;
        Spec = spec;
    }

    /// <summary>What was started.</summary>
    public ProcessSpec Spec { get; }

    /// <summary>True when it ended while held (it failed to start up, or was killed).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Why a process that ended while held did so: its exit code and the last line it wrote to stderr.</summary>
    public string ExitDescription()
    {
        if (!_process.HasExited)
        {
            return "still running";
        }
        var stderr = _process.StandardError.ReadToEnd();
        var last = stderr.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
        return $"exited with code {_process.ExitCode}{(last is null ? "" : ": " + last)}";
    }

    /// <summary>
    /// Writes <paramref name="input"/> to its standard input and closes it, then drains its output into
    /// <paramref name="output"/>'s files and waits as <see cref="ProcessRunner.RunAsync"/> does; the timeout counts from here.
    /// </summary>
    /// <exception cref="InvalidOperationException">It was run before.</exception>
    public async Task<ProcessResult> RunAsync(ReadOnlyMemory<byte> input, ProcessSpec output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (Interlocked.Exchange(ref _used, 1) != 0)
        {
            throw new InvalidOperationException("a held process runs once");
        }
        var stopwatch = Stopwatch.StartNew();
        try
        {
            var stdin = _process.StandardInput.BaseStream;
            await stdin.WriteAsync(input, cancellationToken).ConfigureAwait(false);
            await stdin.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // It ended meanwhile; its exit code and stderr say why.
        }
        finally
        {
            try
            {
                _process.StandardInput.Close();
            }
            catch (IOException)
            {
            }
        }
        return await ProcessRunner.FinishAsync(_process, output, stopwatch, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (Volatile.Read(ref _used) == 0 && !_process.HasExited)
        {
            ProcessRunner.Kill(_process);
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
