using System.Text;
using Reimzul.Messages;

namespace Reimzul.Notify;

/// <summary>Appends every build event to the Reimzul log file, one line each, as the original notifier did.</summary>
public sealed class LogFileSink : INotificationSink
{
    // IOException.HResult when another writer holds the file: EAGAIN on Linux, ERROR_SHARING_VIOLATION on Windows.
    private const int LockedOnLinux = 11;
    private const int LockedOnWindows = unchecked((int)0x80070020);
    // About ten seconds before giving up: other writers hold the file for one write each.
    private const int LockAttempts = 1000;
    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(10);

    private readonly string logFilePath;
    private readonly TimeProvider time;

    public LogFileSink(string logFilePath, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(logFilePath);
        ArgumentNullException.ThrowIfNull(time);
        this.logFilePath = Path.GetFullPath(logFilePath);
        this.time = time;
    }

    public string Name => "log";

    public bool Concerns(BuildEvent buildEvent) => true;

    public async Task EmitAsync(BuildEvent buildEvent, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(buildEvent);
        var line = Encoding.UTF8.GetBytes(LogLine.Format(buildEvent, time.GetLocalNow().DateTime));
        Directory.CreateDirectory(Path.GetDirectoryName(logFilePath)!);

        // .NET's FileMode.Append is not O_APPEND: it writes at the length seen at open. FileShare.None
        // takes an exclusive advisory lock (flock) on Unix, so no other .NET writer (this sink in
        // another notifier, a StreamWriter) can write between our open and our single write.
        // Closing right after keeps the lock brief; tools that take no lock (tail, less) never wait.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var stream = new FileStream(logFilePath, FileMode.Append, FileAccess.Write, FileShare.None, bufferSize: 0);
                await stream.WriteAsync(line, ct);
                return;
            }
            catch (IOException ex) when (ex.HResult is LockedOnLinux or LockedOnWindows && attempt < LockAttempts)
            {
                await Task.Delay(LockRetryDelay, ct);
            }
        }
    }
}
