using System.Collections.Concurrent;
using Reimzul.Worker;

namespace Reimzul.Tests.Support;

/// <summary>
/// A worker's SRPM source that remembers what it was asked for and fails on demand, like a controller that cannot
/// be reached; otherwise it asks the real source it wraps.
/// </summary>
public sealed class RecordingSrpmSource(ISrpmSource inner) : ISrpmSource
{
    private readonly ConcurrentQueue<string> requests = new();

    /// <summary>Every SRPM name asked for, failed fetches included, in order.</summary>
    public IReadOnlyList<string> Requests => [.. requests];

    /// <summary>When set, fetches throw this (after being recorded).</summary>
    public Exception? FailWith { get; set; }

    public Task<string> FetchAsync(string srpmName, string workDir, CancellationToken cancellationToken)
    {
        requests.Enqueue(srpmName);
        return FailWith is { } failure ? Task.FromException<string>(failure) : inner.FetchAsync(srpmName, workDir, cancellationToken);
    }
}
