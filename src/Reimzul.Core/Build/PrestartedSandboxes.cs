using System.Globalization;
using Microsoft.Extensions.Logging;
using Reimzul.Processes;

namespace Reimzul.Build;

/// <summary>
/// Build sandboxes made ahead of the jobs. Making one (namespaces, mounts) takes bubblewrap 10–25 ms, most of it
/// waiting on the kernel rather than computing; made while the worker waits for a job, or while the previous build
/// runs, that time is off every build's path (BENCHMARKS.md). Each taken sandbox is replaced at once; as many are
/// kept as builds have run at the same time, at most <see cref="MaxIdle"/>. When sandboxes keep dying before their
/// job comes (three in a row: the placeholder cannot run in them), prestarting stops with a warning and builds make
/// their sandbox when their job comes, as without it.
/// </summary>
public sealed class PrestartedSandboxes : IDisposable
{
    /// <summary>Sandboxes kept waiting at most.</summary>
    public const int MaxIdle = 4;

    private const int FailuresBeforeGivingUp = 3;

    private readonly BuildSandbox _sandbox;
    private readonly SandboxStub _stub;
    private readonly string _root;
    private readonly ProcessRunner _runner;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Queue<PrestartedSandbox> _idle = new();
    private int _starting;
    private int _inUse;
    private int _wanted = 1;
    private int _failures;
    private int _next;
    private bool _stopped;

    /// <param name="parentDir">Where their build trees are made: a dir on the results' filesystem, shared by the
    /// workers of this host; each process keeps its own subdir, and removes those of processes that are gone.</param>
    public PrestartedSandboxes(BuildSandbox sandbox, SandboxStub stub, string parentDir, ProcessRunner runner, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(sandbox);
        ArgumentNullException.ThrowIfNull(stub);
        ArgumentException.ThrowIfNullOrEmpty(parentDir);
        _sandbox = sandbox;
        _stub = stub;
        _runner = runner;
        _logger = logger;
        RemoveDirsOfEndedProcesses(parentDir);
        _root = Path.Combine(parentDir, string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Guid.NewGuid():N}"));
        Refill();
    }

    /// <summary>True once prestarting stopped (sandboxes kept dying, or disposed).</summary>
    public bool Stopped
    {
        get
        {
            lock (_lock)
            {
                return _stopped;
            }
        }
    }

    /// <summary>A live prestarted sandbox for one build, which the caller disposes; null when none is ready (the build makes its own).</summary>
    internal PrestartedSandbox? Take()
    {
        PrestartedSandbox? taken = null;
        List<PrestartedSandbox> dead = [];
        lock (_lock)
        {
            while (!_stopped && taken is null && _idle.TryDequeue(out var next))
            {
                if (next.IsAlive)
                {
                    taken = next;
                    // Only failures in a row stop prestarting: one now and then over weeks is no reason to.
                    _failures = 0;
                }
                else
                {
                    dead.Add(next);
                }
            }
            _inUse++;
            _wanted = Math.Clamp(Math.Max(_wanted, _inUse), 1, MaxIdle);
        }
        foreach (var sandbox in dead)
        {
            Failed(sandbox.ExitDescription());
            Discard(sandbox);
        }
        Refill();
        return taken;
    }

    /// <summary>The build that took a sandbox (or found none) is over.</summary>
    internal void Returned()
    {
        lock (_lock)
        {
            _inUse = Math.Max(0, _inUse - 1);
        }
    }

    private void Refill()
    {
        int toStart;
        lock (_lock)
        {
            toStart = _stopped ? 0 : Math.Max(0, _wanted - _idle.Count - _starting);
            _starting += toStart;
        }
        for (var i = 0; i < toStart; i++)
        {
            // Off the caller's path: the point is that nobody waits for this.
            _ = Task.Run(StartOne);
        }
    }

    private void StartOne()
    {
        var dir = Path.Combine(_root, Interlocked.Increment(ref _next).ToString(CultureInfo.InvariantCulture));
        PrestartedSandbox? started = null;
        try
        {
            started = PrestartedSandbox.Start(_sandbox, _stub, dir, _runner);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ProcessStartException)
        {
            DeleteDir(dir);
            Failed(ex.Message);
        }
        lock (_lock)
        {
            _starting--;
            if (started is not null && !_stopped)
            {
                _idle.Enqueue(started);
                return;
            }
        }
        if (started is not null)
        {
            Discard(started);
        }
    }

    private void Failed(string why)
    {
        bool giveUp;
        lock (_lock)
        {
            giveUp = ++_failures >= FailuresBeforeGivingUp && !_stopped;
            _stopped |= giveUp;
        }
        _logger.LogWarning("a prestarted build sandbox failed before its build: {Why}", why);
        if (giveUp)
        {
            _logger.LogWarning("no more prestarted build sandboxes: {Failures} failed in a row; each build makes its sandbox when it starts", FailuresBeforeGivingUp);
        }
    }

    /// <summary>Kills the sandboxes still waiting and removes their dirs.</summary>
    public void Dispose()
    {
        List<PrestartedSandbox> idle;
        lock (_lock)
        {
            _stopped = true;
            idle = [.. _idle];
            _idle.Clear();
        }
        foreach (var sandbox in idle)
        {
            Discard(sandbox);
        }
        DeleteDir(_root);
    }

    private static void Discard(PrestartedSandbox sandbox)
    {
        sandbox.Dispose();
        DeleteDir(sandbox.Dir);
    }

    private static void DeleteDir(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone already, or left for the next start's clean-up.
        }
    }

    // A killed worker leaves its dirs behind; their names start with its pid.
    private static void RemoveDirsOfEndedProcesses(string parentDir)
    {
        if (!Directory.Exists(parentDir))
        {
            return;
        }
        foreach (var dir in Directory.EnumerateDirectories(parentDir))
        {
            var name = Path.GetFileName(dir);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash > 0 && int.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != Environment.ProcessId && !Directory.Exists($"/proc/{pid}"))
            {
                DeleteDir(dir);
            }
        }
    }
}
