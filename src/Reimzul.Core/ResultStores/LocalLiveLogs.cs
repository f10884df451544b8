using Reimzul.Worker;

namespace Reimzul.ResultStores;

/// <summary>One machine: a running build's logs go straight to the live log dir next to the repo.</summary>
public sealed class LocalLiveLogs(LiveLogFiles files) : ILiveLogs
{
    public Task<long> AppendAsync(LiveLogChunk chunk, CancellationToken cancellationToken) => files.AppendAsync(chunk, cancellationToken);
}
