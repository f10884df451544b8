using Reimzul.Protocol;
using Reimzul.Worker;


namespace Reimzul.Srpms;

/// <summary>Many machines: a worker downloads the SRPM from the controller (checksum verified by the client).</summary>
public sealed class ControllerSrpmSource(ControllerClient controller) : ISrpmSource
{
    public async Task<string> FetchAsync(string srpmName, string workDir, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(workDir);
        var path = Path.Combine(workDir, srpmName);
        // A missing SRPM is FileNotFoundException (the build fails); a controller that is down is not (the job waits).
        try
        {
            await controller.DownloadSrpmAsync(srpmName, path, cancellationToken);
        }
        catch (HttpRequestException ex)
        {
            throw new HttpRequestException($"cannot download {srpmName} from the controller {controller.BaseAddress}: {ex.Message}", ex, ex.StatusCode);
        }
        return path;
    }
}
