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
    private readonly ConcurrentQueue<TimestampReservation> reservations = new();

    /// <summary>Every store asked for, failed ones included, in order.</summary>
    public IReadOnlyList<StoredResult> Attempts => [.. attempts];

    /// <summary>Every timestamp reservation asked for, in order.</summary>
    public IReadOnlyList<TimestampReservation> Reservations => [.. reservations];

    /// <summary>When set, stores throw this (after being recorded).</summary>
    public Exception? FailWith { get; set; }

    /// <summary>When set, runs before a store reaches the real one: e.g. another delivery of the same build storing first.</summary>
    public Func<StoredResult, IResultStore, Task>? BeforeStore { get; set; }

    /// <summary>When set, reservations throw this (after being recorded).</summary>
    public Exception? FailReservationsWith { get; set; }

    public Task<string> ReserveTimestampAsync(TimestampReservation reservation, CancellationToken cancellationToken)
    {
        reservations.Enqueue(reservation);
        return FailReservationsWith is { } failure ? Task.FromException<string>(failure) : inner.ReserveTimestampAsync(reservation, cancellationToken);
    }

    public Task<StoredOutcome?> FindStoredAsync(ResultPlace place, CancellationToken cancellationToken) => inner.FindStoredAsync(place, cancellationToken);

    public async Task StoreAsync(StoredResult result, CancellationToken cancellationToken)
    {
        attempts.Enqueue(result);
        if (FailWith is { } failure)
        {
            throw failure;
        }
        if (BeforeStore is { } before)
        {
            await before(result, inner);
        }
        await inner.StoreAsync(result, cancellationToken);
    }
}
