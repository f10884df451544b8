using System.Runtime.InteropServices;
using System.Text;

namespace Reimzul.Files;

/// <summary>
/// Writes that survive a crash or power cut whole or not at all: data to a temp file in the
/// same directory, fsync, rename over the target, fsync the directory so the rename itself is on disk.
/// </summary>
internal static partial class DurableFiles
{
    public static void WriteAllText(string path, string contents)
    {
        var directory = Path.GetDirectoryName(path)!;
        var temp = TempNameFor(path);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(Encoding.UTF8.GetBytes(contents));
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
        FsyncDirectory(directory);
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="destination"/> through a temp file: a reader sees the old file or the whole new one.</summary>
    public static async Task CopyAsync(string source, string destination, CancellationToken cancellationToken)
    {
        var temp = TempNameFor(destination);
        try
        {
            var input = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
            await using (input.ConfigureAwait(false))
            {
                var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
                await using (output.ConfigureAwait(false))
                {
                    await input.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
                    output.Flush(flushToDisk: true);
                }
            }
            File.Move(temp, destination, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Hidden and ending in .tmp, so globs such as <c>*.rpm</c> or <c>*.state</c> never pick it up.</summary>
    public static string TempNameFor(string path) =>
        Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");

    /// <summary>
    /// Deletes the files of <paramref name="directory"/> matching <paramref name="pattern"/> last written before
    /// <paramref name="before"/> (the record stores' pruning); returns how many. A missing directory has none.
    /// </summary>
    public static int DeleteWrittenBefore(string directory, string pattern, DateTimeOffset before)
    {
        if (!Directory.Exists(directory))
        {
            return 0;
        }
        var deleted = 0;
        foreach (var file in Directory.EnumerateFiles(directory, pattern))
        {
            if (File.GetLastWriteTimeUtc(file) < before.UtcDateTime)
            {
                TryDelete(file);
                deleted++;
            }
        }
        return deleted;
    }

    public static void TryDelete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Makes renames and creations in <paramref name="directory"/> durable. .NET cannot open a
    /// directory, hence libc; elsewhere than Linux this is a no-op (the rename is still atomic).
    /// </summary>
    public static void FsyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var fd = Open(Encoding.UTF8.GetBytes(directory + "\0"), ORdOnly | ODirectory | OCloexec);
        if (fd < 0)
        {
            throw new IOException($"cannot open directory {directory} to sync it (errno {Marshal.GetLastPInvokeError()})");
        }
        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"cannot sync directory {directory} (errno {Marshal.GetLastPInvokeError()})");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    private const int ORdOnly = 0;
    private const int ODirectory = 0x10000;
    private const int OCloexec = 0x80000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
