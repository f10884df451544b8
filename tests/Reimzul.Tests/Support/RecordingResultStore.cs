using System.Collections.Concurrent;
using Reimzul.Worker;

namespace Reimzul.Tests.Support;

/// <summary>
/// A worker's result store that remembers every result it was given and fails on demand, like a bstore that is
/// down or a disk that broke; otherwise it hands the result to the real store it wraps.
/// </summary>
public sealed class RecordingResultStore(IResultStore inner) : IResultStore
{
    private readonly ConcurrentQueue<StoredResult> attempts = new();

    /// <summary>Every store asked for, failed ones included, in order.</summary>
    public IReadOnlyList<StoredResult> Attempts => [.. attempts];

    /// <summary>When set, stores throw this (after being recorded).</summary>
    public Exception? FailWith { get; set; }

    public async Task StoreAsync(StoredResult result, CancellationToken cancellationToken)
    {
        attempts.Enqueue(result);
        if (FailWith is { } failure)
        {
            throw failure;
        }
        await inner.StoreAsync(result, cancellationToken);
    }
}
