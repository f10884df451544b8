using System.Runtime.InteropServices;
using System.Text;

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
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, NulTerminated(path), 0, StatxType, buffer) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            missing = errno is ENoent or ENotdir && !IsSymlink(path);
            return errno switch
            {
                ENoent when IsSymlink(path) => $"is a dangling symlink (to '{new FileInfo(path).LinkTarget}')",
                ENoent or ENotdir => "does not exist",
                EAcces => "cannot be reached (permission denied on a directory above it)",
                _ => $"cannot be examined (errno {errno})",
            };
        }
        var type = BitConverter.ToUInt16(buffer, ModeOffset) & SIfmt;
        return type switch
        {
            SIfreg => null,
            SIfdir => "is a directory, not a regular file",
            SIfifo => "is a FIFO, not a regular file",
            SIfsock => "is a socket, not a regular file",
            SIfchr => "is a character device, not a regular file",
            SIfblk => "is a block device, not a regular file",
            _ => "is not a regular file",
        };
    }

    /// <summary>Something of that name is there, whatever it is (a dangling symlink included).</summary>
    public static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || IsSymlink(path);

    private static bool IsSymlink(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget is not null;
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static byte[] NulTerminated(string path) => Encoding.UTF8.GetBytes(path + "\0");

    // struct statx has one layout on every Linux architecture; stx_mode is a u16 at offset 28.
    private const int StatxSize = 256;
    private const int ModeOffset = 28;
    private const int AtFdCwd = -100;
    private const uint StatxType = 0x1;
    private const int SIfmt = 0xF000;
    private const int SIfreg = 0x8000;
    private const int SIfdir = 0x4000;
    private const int SIfifo = 0x1000;
    private const int SIfsock = 0xC000;
    private const int SIfchr = 0x2000;
    private const int SIfblk = 0x6000;
    private const int ENoent = 2;
    private const int EAcces = 13;
    private const int ENotdir = 20;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int dirfd, byte[] path, int flags, uint mask, [Out] byte[] buffer);
}
