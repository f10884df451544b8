using System.Runtime.InteropServices;
using System.Text;

namespace Reimzul.Files;

/// <summary>
/// What a path names, from statx: .NET tells FIFOs, sockets and devices neither from regular files nor from each
/// other, and opening a FIFO nobody writes to blocks for ever, so anything that must be a regular file is checked here.
/// </summary>
public static class FileKinds
{
    /// <summary>The kind of entry at <paramref name="path"/>, or null and the errno when statx fails.</summary>
    /// <param name="followLinks">False: a symlink is reported as one, not as what it points to.</param>
    public static FileKind? Of(string path, bool followLinks, out int errno)
    {
        ArgumentNullException.ThrowIfNull(path);
        errno = 0;
        var buffer = new byte[StatxSize];
        if (path.Length == 0 || Statx(AtFdCwd, Encoding.UTF8.GetBytes(path + "\0"), followLinks ? 0 : AtSymlinkNoFollow, StatxType, buffer) != 0)
        {
            errno = path.Length == 0 ? ENoent : Marshal.GetLastPInvokeError();
            return null;
        }
        return (BitConverter.ToUInt16(buffer, ModeOffset) & SIfmt) switch
        {
            SIfreg => FileKind.Regular,
            SIfdir => FileKind.Directory,
            SIfifo => FileKind.Fifo,
            SIfsock => FileKind.Socket,
            SIfchr => FileKind.CharacterDevice,
            SIfblk => FileKind.BlockDevice,
            SIflnk => FileKind.SymbolicLink,
            _ => FileKind.Other,
        };
    }

    /// <summary>"a FIFO", "a directory", ...: what a message says the entry is.</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO",
        FileKind.Socket => "a socket",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.SymbolicLink => "a symbolic link",
        _ => "not a regular file",
    };

    public const int ENoent = 2;
    public const int EAcces = 13;
    public const int ENotdir = 20;

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

public enum FileKind
{
    Regular,
    Directory,
    Fifo,
    Socket,
    CharacterDevice,
    BlockDevice,
    SymbolicLink,
    Other,
}
