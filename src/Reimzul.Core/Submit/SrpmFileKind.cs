using Reimzul.Files;

namespace Reimzul.Submit;

/// <summary>
/// What kind of file system entry a path names. Only a regular file can be an SRPM: opening a FIFO blocks until
/// someone writes to it, and .NET tells neither FIFOs, sockets nor devices from regular files.
/// </summary>
internal static class SrpmFileKind
{
    /// <summary>Null when <paramref name="path"/> (its symlinks followed) is a regular file, else what it is, e.g. "is a FIFO, not a regular file".</summary>
    public static string? WhyNotARegularFile(string path) => WhyNotARegularFile(path, out _);

    /// <param name="missing">Nothing at all is there (not even a dangling symlink).</param>
    public static string? WhyNotARegularFile(string path, out bool missing)
    {
        missing = false;
        if (path.Length == 0)
        {
            missing = true;
            return "is an empty path";
        }
        switch (FileKinds.Of(path, followLinks: true, out var errno))
        {
            case FileKind.Regular:
                return null;
            case { } kind:
                return $"is {FileKinds.Describe(kind)}, not a regular file";
        }
        missing = errno is FileKinds.ENoent or FileKinds.ENotdir && !IsSymlink(path);
        return errno switch
        {
            FileKinds.ENoent when IsSymlink(path) => $"is a dangling symlink (to '{new FileInfo(path).LinkTarget}')",
            FileKinds.ENoent or FileKinds.ENotdir => "does not exist",
            FileKinds.EAcces => "cannot be reached (permission denied on a directory above it)",
            _ => $"cannot be examined (errno {errno})",
        };
    }

    /// <summary>Something of that name is there, whatever it is (a dangling symlink included).</summary>
    public static bool Exists(string path) => path.Length > 0 && (File.Exists(path) || Directory.Exists(path) || IsSymlink(path));

    private static bool IsSymlink(string path)
    {
        try
        {
            return path.Length > 0 && new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }
}
