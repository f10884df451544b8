namespace Reimzul.Worker;

/// <summary>Tells a full disk apart from a failed build, so the job waits instead of being lost.</summary>
public static class DiskSpace
{
    private const int ENOSPC = 28;

    public static long FreeBytes(string path)
    {
        var existing = path;
        while (!Directory.Exists(existing))
        {
            existing = Path.GetDirectoryName(existing) ?? "/";
        }
        // DriveInfo resolves the mount point holding the path.
        return new DriveInfo(existing).AvailableFreeSpace;
    }

    public static bool IsDiskFull(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is IOException io && ((io.HResult & 0xFFFF) == ENOSPC || io.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase)))
            {
                return true;
            }
        }
        return false;
    }
}
