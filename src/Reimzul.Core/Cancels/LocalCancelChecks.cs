using Reimzul.Worker;

namespace Reimzul.Cancels;

/// <summary>One machine: the cancel records in the data dir, read directly.</summary>
public sealed class LocalCancelChecks(CancelRecords records) : ICancelChecks
{
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    public Task<CancelRequest?> FindAsync(string buildId, CancellationToken cancellationToken) => Task.FromResult(records.Find(buildId));
}
