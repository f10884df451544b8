namespace Reimzul.Worker;

/// <summary>Where a worker gets the SRPM a job names: the local incoming dir, or a controller over HTTP(S).</summary>
public interface ISrpmSource
{
    /// <summary>
    /// Returns a local path to the SRPM named <paramref name="srpmName"/> (already validated), fetching
    /// it into <paramref name="workDir"/> if needed. Throws <see cref="FileNotFoundException"/> when the
    /// source does not have it (the build fails); any other exception means "try again later".
    /// </summary>
    Task<string> FetchAsync(string srpmName, string workDir, CancellationToken cancellationToken);
}
