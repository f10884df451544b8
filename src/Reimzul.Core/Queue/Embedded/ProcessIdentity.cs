using System.Globalization;

namespace Reimzul.Queue.Embedded;

/// <summary>
/// Who owns a session: a process named so that a reused pid is not mistaken for it
/// (pid + start time from <c>/proc/PID/stat</c>), and the host/pid namespace in which the pid means something.
/// </summary>
internal sealed record ProcessIdentity(int Pid, long StartTicks, string Host)
{
    private static readonly Lazy<string> LocalHost = new(ReadHost);

    public static ProcessIdentity Current { get; } = new(Environment.ProcessId, ReadStartTicks(Environment.ProcessId) ?? 0, LocalHost.Value);

    /// <summary>The identity of another local process, or null when it does not exist (or cannot be read).</summary>
    public static ProcessIdentity? Of(int pid) => ReadStartTicks(pid) is { } start ? new(pid, start, LocalHost.Value) : null;

    /// <summary>True or false when this host can tell; null when the owner lives where its pid cannot be looked up.</summary>
    public bool? IsAlive()
    {
        if (Host != LocalHost.Value || !OperatingSystem.IsLinux())
        {
            return null;
        }
        return ReadStartTicks(Pid) == StartTicks;
    }

    /// <summary>
    /// Field 22 (starttime) of <c>/proc/PID/stat</c>; null when the process is gone or a zombie
    /// (a killed child that nobody reaped yet still has its /proc entry, but holds nothing).
    /// </summary>
    private static long? ReadStartTicks(int pid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2) is in parentheses and may itself hold spaces and ')'.
        var close = stat.LastIndexOf(')');
        if (close < 0)
        {
            return null;
        }
        var fields = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (state), so field 22 is fields[19].
        if (fields.Length < 20 || fields[0] is "Z" or "X" or "x")
        {
            return null;
        }
        return long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    /// <summary>Pids are only comparable within one boot and one pid namespace.</summary>
    private static string ReadHost()
    {
        if (!OperatingSystem.IsLinux())
        {
            return Environment.MachineName;
        }
        try
        {
            var bootId = File.ReadAllText("/proc/sys/kernel/random/boot_id").Trim();
            var pidNamespace = new FileInfo("/proc/self/ns/pid").LinkTarget ?? "";
            return $"{bootId}/{pidNamespace}";
        }
        catch (IOException)
        {
            return Environment.MachineName;
        }
        catch (UnauthorizedAccessException)
        {
            return Environment.MachineName;
        }
    }
}
