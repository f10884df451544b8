namespace Reimzul.Config;

/// <summary>How a worker reaches the bstore's rsync daemon: the <c>[bstore] rsync_*</c> keys.</summary>
public sealed record RsyncOptions
{
    /// <summary>The module, or a dir in it, that holds <c>repo/</c>: <c>rsync://[user@]host[:port]/module[/dir]</c>.</summary>
    public required string ModuleUrl { get; init; }

    public string RsyncPath { get; init; } = "rsync";

    /// <summary>For a module with <c>auth users</c>: rsync's <c>--password-file</c> (the user is the one in <see cref="ModuleUrl"/>).</summary>
    public string? PasswordFile { get; init; }

    /// <summary>Tries per result, the first included, before the store gives up and the worker releases the job.</summary>
    public int Attempts { get; init; } = 10;

    /// <summary>The wait after the first failed try; it doubles after each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>rsync's <c>--contimeout</c> and <c>--timeout</c>: a connection or transfer silent this long fails the try.</summary>
    public TimeSpan IoTimeout { get; init; } = TimeSpan.FromMinutes(2);
}
