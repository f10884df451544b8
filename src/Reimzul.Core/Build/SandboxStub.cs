using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Reimzul.Build;

/// <summary>
/// The reimzul program itself, run inside a prestarted sandbox as a placeholder (<see cref="Argument"/>): it waits
/// for a command on its standard input (the program and its arguments, each ended by a NUL byte), then replaces
/// itself with that command, so the build runs in a sandbox whose namespaces and mounts were made before its job came.
/// The program's own dir is bound read-only at <see cref="SandboxDir"/>, because the sandbox's <c>/tmp</c> is its
/// own and the program may be installed (or built) under the host's.
/// </summary>
public sealed class SandboxStub
{
    /// <summary>The hidden command line argument that makes reimzul the placeholder.</summary>
    public const string Argument = "__sandbox-exec";

    /// <summary>Where the program's dir is seen inside the sandbox.</summary>
    public const string SandboxDir = "/tmp/.reimzul";

    /// <summary>The most a command may take: far more than any rpmbuild command line.</summary>
    public const int MaxCommandBytes = 1 << 20;

    private SandboxStub(string hostDir, IReadOnlyList<string> command)
    {
        HostDir = hostDir;
        Command = command;
    }

    /// <summary>The program's dir on the host.</summary>
    public string HostDir { get; }

    /// <summary>How the placeholder is started inside the sandbox.</summary>
    public IReadOnlyList<string> Command { get; }

    /// <summary>
    /// The running reimzul program as a stub when it is the native executable, which starts in a few milliseconds of
    /// CPU; null otherwise. A framework-dependent reimzul (a development build) would spend a tenth of a second of CPU
    /// starting each placeholder, beside the builds it is meant to speed up, and a test runner has no placeholder to
    /// run: both make each sandbox when its build starts.
    /// </summary>
    public static SandboxStub? OfThisProcess()
    {
        if (RuntimeFeature.IsDynamicCodeSupported || Assembly.GetEntryAssembly()?.GetName().Name != "reimzul" || Environment.ProcessPath is not { } processPath)
        {
            return null;
        }
        var appDir = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory);
        return Path.GetDirectoryName(processPath) == appDir
            ? new SandboxStub(appDir, [SandboxDir + "/" + Path.GetFileName(processPath), Argument])
            : null;
    }

    /// <summary>The framework-dependent reimzul in <paramref name="appDir"/> (its <c>reimzul.dll</c>), run by <paramref name="dotnet"/>, which the sandbox must see where it is.</summary>
    internal static SandboxStub FrameworkDependent(string dotnet, string appDir) =>
        new(Path.TrimEndingDirectorySeparator(appDir), [dotnet, SandboxDir + "/reimzul.dll", Argument]);

    /// <summary>What the placeholder is sent: <paramref name="program"/> and <paramref name="arguments"/>, each NUL-terminated.</summary>
    /// <exception cref="ArgumentException">A NUL byte in one of them, or more than <see cref="MaxCommandBytes"/> in all.</exception>
    public static byte[] Encode(string program, IEnumerable<string> arguments)
    {
        var text = new StringBuilder();
        foreach (var word in arguments.Prepend(program))
        {
            if (word.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("a command word holds a NUL byte", nameof(arguments));
            }
            text.Append(word).Append('\0');
        }
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        return bytes.Length <= MaxCommandBytes ? bytes : throw new ArgumentException($"the command takes {bytes.Length} bytes, more than {MaxCommandBytes}", nameof(arguments));
    }

    /// <summary>The words of a command <see cref="Encode"/> made; null when it is empty or not NUL-terminated.</summary>
    public static IReadOnlyList<string>? Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes[^1] != 0)
        {
            return null;
        }
        var words = Encoding.UTF8.GetString(bytes[..^1]).Split('\0');
        return words[0].Length == 0 ? null : words;
    }
}
