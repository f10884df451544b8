using System.Runtime.InteropServices;
using System.Text;

namespace Reimzul.Build;

/// What a build left under its RPMS dir is, without following links: .NET tells FIFOs, sockets and devices from
/// regular files no more than from each other, and opening a FIFO that nobody writes to blocks for ever.
internal static class UnixFileKind
{
    /// <summary>Null for a regular file, else what <paramref name="path"/> is instead, e.g. "a FIFO".</summary>
    public static string? NotARegularFile(string path)
    {
        var buffer = new byte[StatxSize];
        if (Statx(AtFdCwd, Encoding.UTF8.GetBytes(path + "\0"), AtSymlinkNoFollow, StatxType, buffer) != 0)
        {
            return $"something that cannot be examined (errno {Marshal.GetLastPInvokeError()})";
        }
        return (BitConverter.ToUInt16(buffer, ModeOffset) & SIfmt) switch
        {
            SIfreg => null,
            SIfifo => "a FIFO",
            SIfsock => "a socket",
            SIfchr => "a character device",
            SIfblk => "a block device",
            SIfdir => "a directory",
            SIflnk => "a symbolic link",
            _ => "not a regular file",
        };
    }

    // struct statx has one layout on every Linux architecture; stx_mode is a u16 at offset 28.
    private const int StatxSize = 256;
    private const int ModeOffset = 28;
    private const int AtFdCwd = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int SIfmt = 0xF000;
    private const int SIfreg = 0x8000;
    private const int SIfdir = 0x4000;
    private const int SIfifo = 0x1000;
    private const int SIfsock = 0xC000;
    private const int SIfchr = 0x2000;
    private const int SIfblk = 0x6000;
    private const int SIflnk = 0xA000;

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Statx(int dirfd, byte[] path, int flags, uint mask, [Out] byte[] buffer);
}
