using Reimzul.Worker;

namespace Reimzul.Srpms;

/// <summary>One machine: the SRPM is in the incoming dir already.</summary>
public sealed class LocalSrpmSource(string incomingDir) : ISrpmSource
{
    public Task<string> FetchAsync(string srpmName, string workDir, CancellationToken cancellationToken)
    {
        var path = Path.Combine(incomingDir, srpmName);
        return File.Exists(path)
            ? Task.FromResult(path)
            : throw new FileNotFoundException($"SRPM {srpmName} not found in {incomingDir}", path);
    }
}
