using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>A long-running program (a reimzul role, beanstalkd, stunnel) whose output lines a test can wait for.</summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly string _command;

    public RunningProcess(ProcessSpec spec)
    {
        _command = spec.ToString();
        _process = Process.Start(spec.CreateStartInfo())!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code, once it exited.</summary>
    public int ExitCode => _process.ExitCode;

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    public Task WaitForLineAsync(string contains, TimeSpan? timeout = null) => WaitForAnyLineAsync(timeout ?? TimeSpan.FromSeconds(30), contains);

    public Task WaitForAnyLineAsync(TimeSpan timeout, params string[] any) =>
        Eventually.WaitAsync(() => _lines.Any(l => any.Any(a => l.Contains(a, StringComparison.Ordinal))), timeout,
            () => $"no line containing '{string.Join("' or '", any)}':\n{Describe()}");

    /// <summary>SIGKILL: the process alone (a crash), or with its children (a machine that dies).</summary>
    public void KillHard(bool entireTree = false)
    {
        try
        {
            _process.Kill(entireTree);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Ctrl-C, as an operator stops it; waits for the exit.</summary>
    public async Task<int> InterruptAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            await ProcessRunner.Default.RunAsync(new ProcessSpec("kill", ["-INT", _process.Id.ToString(CultureInfo.InvariantCulture)]));
        }
        await WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(40));
        return _process.ExitCode;
    }

    public async Task WaitForExitAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        await _process.WaitForExitAsync(cts.Token);
    }

    public string Describe() => $"--- {_command}{(_process.HasExited ? $" (exited {_process.ExitCode})" : "")}\n{string.Join("\n", _lines.TakeLast(40))}";

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await InterruptAsync();
            }
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
