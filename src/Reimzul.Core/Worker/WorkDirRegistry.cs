using Microsoft.Extensions.Logging;
using Reimzul.Files;

namespace Reimzul.Worker;

/// <summary>
/// Which work dirs under a results dir belong to a live worker, so that the dirs a killed worker left can be removed.
/// </summary>
/// <remarks>
/// Several workers share one results dir (several processes, or several workers of one <c>up</c>), so a worker may
/// remove only what a dead one left. Each worker holds, while it runs, a flock on <c>.workers/ID.lock</c> (the
/// kernel drops it when the process dies) and lists the dirs of its current job in <c>.workers/ID.dirs</c> before
/// it creates them. A lock that can be taken is a dead worker's: its listed dirs, the list and the lock file go.
/// The lock file gets its name only once it is locked (made as <c>ID.new</c>, then renamed), so a sweep never
/// takes the lock of a worker that is starting.
/// </remarks>
internal sealed class WorkDirRegistry : IDisposable
{
    private const string LockSuffix = ".lock";

    private readonly string resultsDir;
    private readonly string workersDir;
    private readonly string id;
    private readonly FileLock held;

    private WorkDirRegistry(string resultsDir, string workersDir, string id, FileLock held)
    {
        this.resultsDir = resultsDir;
        this.workersDir = workersDir;
        this.id = id;
        this.held = held;
    }

    public static WorkDirRegistry Open(string resultsDir)
    {
        var fullResults = Path.TrimEndingDirectorySeparator(Path.GetFullPath(resultsDir));
        var workersDir = Path.Combine(fullResults, ".workers");
        Directory.CreateDirectory(workersDir);
        var id = Guid.NewGuid().ToString("N");
        var fresh = Path.Combine(workersDir, id + ".new");
        // A fresh random name: nobody else opens it, so the lock is ours at once.
        var held = FileLock.TryAcquire(fresh) ?? throw new IOException($"{fresh} is locked by another process");
        try
        {
            File.Move(fresh, Path.Combine(workersDir, id + LockSuffix));
        }
        catch
        {
            held.Dispose();
            throw;
        }
        return new WorkDirRegistry(fullResults, workersDir, id, held);
    }

    /// <summary>Records <paramref name="dirs"/> as this worker's; call before creating them.</summary>
    public void Claim(params string[] dirs) =>
        File.WriteAllLines(DirsFile(id), dirs.Select(d => Path.GetRelativePath(resultsDir, d)));

    /// <summary>Forgets the dirs of the finished job (already removed by the worker).</summary>
    public void Unclaim() => File.Delete(DirsFile(id));

    /// <summary>Removes the listed dirs of every worker that is no longer running; the number of dirs removed.</summary>
    public int RemoveLeftovers(ILogger logger)
    {
        var removed = 0;
        foreach (var lockFile in Directory.EnumerateFiles(workersDir, "*" + LockSuffix))
        {
            var other = Path.GetFileName(lockFile)[..^LockSuffix.Length];
            if (other == id)
            {
                continue;
            }
            using var dead = FileLock.TryAcquire(lockFile);
            if (dead is null)
            {
                continue;
            }
            var list = DirsFile(other);
            if (File.Exists(list))
            {
                foreach (var line in File.ReadAllLines(list))
                {
                    removed += RemoveLeftover(line, logger) ? 1 : 0;
                }
                File.Delete(list);
            }
            // Deleted while held: a sweep that opened it meanwhile finds no list to act on.
            File.Delete(lockFile);
        }
        return removed;
    }

    private bool RemoveLeftover(string relative, ILogger logger)
    {
        var dir = Path.GetFullPath(Path.Combine(resultsDir, relative));
        // The list is ours, but a damaged one must not reach outside the results dir.
        if (relative.Length == 0 || !dir.StartsWith(resultsDir + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !Directory.Exists(dir))
        {
            return false;
        }
        try
        {
            Directory.Delete(dir, recursive: true);
            logger.LogInformation("removed {Dir}, left by a worker that is no longer running", dir);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("could not remove {Dir}, left by a worker that is no longer running: {Message}", dir, ex.Message);
            return false;
        }
    }

    private string DirsFile(string worker) => Path.Combine(workersDir, worker + ".dirs");

    public void Dispose()
    {
        File.Delete(DirsFile(id));
        File.Delete(Path.Combine(workersDir, id + LockSuffix));
        held.Dispose();
    }
}
