using System.Collections.Concurrent;
using Reimzul.Build;

namespace Reimzul.Tests.Support;

/// <summary>
/// A real build backend that records the arches it is asked to build and, the first time it is asked for
/// <see cref="HangOn"/>, builds nothing and waits until the worker is stopped, like a build whose worker dies.
/// </summary>
public sealed class InterruptibleBackend(IBuildBackend inner) : IBuildBackend
{
    private readonly ConcurrentQueue<string> _arches = new();
    private readonly TaskCompletionSource _hanging = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _hung;

    public string? HangOn { get; init; }

    public string Name => inner.Name;

    /// <summary>Every arch asked for, in order.</summary>
    public IReadOnlyList<string> Arches => [.. _arches];

    /// <summary>Completes when the build of <see cref="HangOn"/> has begun to hang.</summary>
    public Task Hanging => _hanging.Task;

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, CancellationToken cancellationToken)
    {
        _arches.Enqueue(request.Arch);
        if (request.Arch == HangOn && Interlocked.Exchange(ref _hung, 1) == 0)
        {
            _hanging.TrySetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        return await inner.BuildAsync(request, cancellationToken);
    }
}
