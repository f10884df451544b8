using System.Collections.Concurrent;
using System.Diagnostics;
using Reimzul.Processes;

namespace Reimzul.Tests.Support;

/// <summary>Runs the real <c>reimzul</c> program built next to the tests, as an operator would.</summary>
public static class ReimzulCli
{
    private static string Program => Path.Combine(AppContext.BaseDirectory, "reimzul.dll");

    public static ProcessSpec Spec(IEnumerable<string> arguments) =>
        new("dotnet", [Program, .. arguments]) { Environment = CleanEnvironment };

    /// <summary>Keeps a developer's own REIMZUL_* settings out of the tests.</summary>
    private static readonly Dictionary<string, string?> CleanEnvironment = new()
    {
        ["REIMZUL_CONFIG"] = null,
        ["REIMZUL_DATA_DIR"] = null,
        ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
    };

    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ProcessRunner.Default.RunAsync(Spec(arguments) with { Timeout = TimeSpan.FromMinutes(2) });

    /// <summary>Starts a long-running role (<c>up</c>, <c>worker</c>, ...) and captures what it logs.</summary>
    public static ReimzulDaemon Start(params string[] arguments) => new(arguments);
}

/// <summary>A running reimzul role process whose stderr lines the test can wait for.</summary>
public sealed class ReimzulDaemon : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    internal ReimzulDaemon(string[] arguments)
    {
        var psi = ReimzulCli.Spec(arguments).CreateStartInfo();
        _process = Process.Start(psi)!;
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) { _lines.Enqueue(e.Data); } };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
    }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public IReadOnlyList<string> Lines => [.. _lines];

    public string Output => string.Join('\n', _lines);

    public Task WaitForLineAsync(string contains, TimeSpan? timeout = null) =>
        Eventually.WaitAsync(() => _lines.Any(l => l.Contains(contains, StringComparison.Ordinal)), timeout ?? TimeSpan.FromSeconds(30),
            () => $"no line containing '{contains}' in the output of reimzul:\n{Output}");

    public void KillHard() => _process.Kill(entireProcessTree: false);

    /// <summary>Ctrl-C, as an operator stops it; waits for the exit.</summary>
    public async Task<int> InterruptAsync(TimeSpan? timeout = null)
    {
        if (!_process.HasExited)
        {
            await ProcessRunner.Default.RunAsync(new ProcessSpec("kill", ["-INT", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        }
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(40));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

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

/// <summary>Polls a condition until it holds or a deadline passes (for things that cannot be awaited directly).</summary>
public static class Eventually
{
    public static async Task WaitAsync(Func<bool> condition, TimeSpan timeout, Func<string> describeFailure)
    {
        var deadline = Stopwatch.StartNew();
        while (!condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException(describeFailure());
            }
            await Task.Delay(50);
        }
    }

    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describeFailure)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                throw new TimeoutException(describeFailure());
            }
            await Task.Delay(100);
        }
    }
}
