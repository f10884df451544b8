using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Reimzul.Build;

namespace Reimzul.Cli;

/// <summary>
/// <c>reimzul __sandbox-exec</c>, the placeholder of a prestarted build sandbox (<see cref="SandboxStub"/>): reads
/// the command from standard input to its end, then executes it in place of this process with /dev/null as its
/// standard input, the signal dispositions and mask a freshly started program has, and the environment the sandbox
/// set. An empty input (the worker let the sandbox go unused) ends it quietly.
/// </summary>
internal static unsafe partial class SandboxExec
{
    private const int SigDfl = 0;
    private const int SigSetmask = 2;
    private const int LastSignal = 64;

    public static int Run()
    {
        byte[] input;
        using (var stdin = Console.OpenStandardInput())
        using (var buffer = new MemoryStream())
        {
            stdin.CopyTo(buffer);
            input = buffer.ToArray();
        }
        if (input.Length == 0)
        {
            return 0;
        }
        if (input.Length > SandboxStub.MaxCommandBytes || SandboxStub.Decode(input) is not { } words)
        {
            Console.Error.WriteLine($"reimzul {SandboxStub.Argument}: the command on standard input is not NUL-terminated words ({input.Length} bytes)");
            return 2;
        }

        using (var devNull = File.OpenHandle("/dev/null"))
        {
            if (Dup2(devNull, 0) < 0)
            {
                return Fail("cannot make /dev/null the standard input", words[0]);
            }
        }
        // The runtime ignores SIGPIPE, and an ignored signal stays ignored across exec: a spec's `yes | head` would spin.
        for (var signal = 1; signal <= LastSignal; signal++)
        {
            _ = Signal(signal, SigDfl);
        }
        var emptySet = stackalloc byte[128];
        new Span<byte>(emptySet, 128).Clear();
        _ = SigProcMask(SigSetmask, emptySet, null);

        var argv = new IntPtr[words.Count + 1];
        for (var i = 0; i < words.Count; i++)
        {
            argv[i] = Marshal.StringToCoTaskMemUTF8(words[i]);
        }
        fixed (IntPtr* pointers = argv)
        {
            _ = ExecVp((byte*)argv[0], pointers);
        }
        return Fail("cannot run it", words[0]);
    }

    private static int Fail(string what, string program)
    {
        var error = Marshal.GetLastPInvokeError();
        Console.Error.WriteLine($"reimzul {SandboxStub.Argument}: {program}: {what}: {Marshal.GetPInvokeErrorMessage(error)}");
        // As a shell says a command cannot be found or run.
        return error == 2 ? 127 : 126;
    }

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(SafeFileHandle oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "signal")]
    private static partial IntPtr Signal(int signal, nint handler);

    [LibraryImport("libc", EntryPoint = "sigprocmask")]
    private static partial int SigProcMask(int how, byte* set, byte* oldSet);

    [LibraryImport("libc", EntryPoint = "execvp", SetLastError = true)]
    private static partial int ExecVp(byte* file, IntPtr* argv);
}
