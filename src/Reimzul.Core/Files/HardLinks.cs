using System.Runtime.InteropServices;
using System.Text;

namespace Reimzul.Files;

/// Hard links, which .NET does not make: a second name for a file at no cost in time or space.
internal static class HardLinks
{
    /// <summary>Gives <paramref name="existing"/> the second name <paramref name="link"/>; false when the kernel refuses (another filesystem, a protected file).</summary>
    public static bool TryCreate(string existing, string link) =>
        !OperatingSystem.IsWindows() && Link(NulTerminated(existing), NulTerminated(link)) == 0;

    private static byte[] NulTerminated(string path) => Encoding.UTF8.GetBytes(path + "\0");

    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Link(byte[] existing, byte[] link);
}
