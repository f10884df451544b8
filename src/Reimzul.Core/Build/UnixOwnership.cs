using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Text;

namespace Reimzul.Build;

/// Changes who owns a path: a root worker hands the build tree to the build user. .NET has no chown of its own.
internal static class UnixOwnership
{
    /// <summary>Gives <paramref name="path"/> (never what a link points to) to <paramref name="uid"/>:<paramref name="gid"/>.</summary>
    /// <exception cref="IOException">The kernel refused, with its reason.</exception>
    public static void Chown(string path, int uid, int gid)
    {
        if (Lchown(NulTerminated(path), uid, gid) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            throw new IOException($"cannot give {path} to uid {uid}: {new Win32Exception(error).Message}");
        }
    }

    private static byte[] NulTerminated(string path) => Encoding.UTF8.GetBytes(path + "\0");

    [DllImport("libc", EntryPoint = "lchown", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Lchown(byte[] path, int uid, int gid);
}
