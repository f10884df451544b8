using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Logging;
using Reimzul.Processes;

namespace Reimzul.Build;

/// <summary>
/// Builds with the host's <c>rpmbuild --rebuild</c> in a private <c>_topdir</c> next to the result dir,
/// removed afterwards. No chroot: the host's toolchain and installed packages are the build root. With a
/// <see cref="BuildSandbox"/> the build sees the host read-only and can write only its <c>_topdir</c>.
/// </summary>
/// <param name="prestarted">Sandboxes made ahead of the builds; a build takes one when one is ready (null: each build makes its own).</param>
public sealed class RpmbuildBackend(string rpmbuildPath, BuildSandbox? sandbox, ProcessRunner runner, ILogger logger, PrestartedSandboxes? prestarted = null)
    : IBuildBackend, IDisposable
{
    /// <summary>An unsandboxed backend: the spec can write anywhere the worker can.</summary>
    public RpmbuildBackend(string rpmbuildPath, ProcessRunner runner, ILogger logger)
        : this(rpmbuildPath, null, runner, logger)
    {
    }

    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(30);
    private Task<string>? _version;

    public string Name => "rpmbuild";

    /// <summary>The sandbox builds run in; null: none.</summary>
    public BuildSandbox? Sandbox => sandbox;

    public async Task<BuildOutcome> BuildAsync(BuildRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var stopwatch = Stopwatch.StartNew();
        var files = new BuildResultFiles(Path.GetFullPath(request.ResultDir));
        files.CreateStreams();

        var problem = BuildRequestChecks.DisttagProblem(request.Disttag) ?? BuildRequestChecks.NameProblem("arch", request.Arch);
        if (problem is not null)
        {
            files.AppendToStderr(problem);
            await WriteLogsAsync(files, command: "(not run)");
            return new BuildOutcome(false, -1, problem, stopwatch.Elapsed);
        }

        var srpm = Path.GetFullPath(request.SrpmPath);
        var held = sandbox is null ? null : prestarted?.Take();
        try
        {
            return held is null
                ? await BuildAsync(request, files, srpm, stopwatch, cancellationToken)
                : await BuildInPrestartedAsync(request, files, srpm, held, stopwatch, cancellationToken);
        }
        finally
        {
            if (sandbox is not null)
            {
                prestarted?.Returned();
            }
        }
    }

    /// <summary>A build that makes its sandbox (if any) now.</summary>
    private async Task<BuildOutcome> BuildAsync(BuildRequest request, BuildResultFiles files, string srpm, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var topdir = PrivateTopdir(files.ResultDir);
        var spec = sandbox is null
            ? new ProcessSpec(rpmbuildPath, RpmbuildArguments(request, topdir, srpm))
            : sandbox.Command(topdir, srpm, rpmbuildPath, SandboxedRpmbuildArguments(request, srpm));
        spec = spec with
        {
            StdoutFile = files.Stdout,
            StderrFile = files.Stderr,
            Timeout = request.Timeout,
        };

        try
        {
            if (PrepareBuildTree(topdir) is { } unprepared)
            {
                files.AppendToStderr(unprepared);
                await WriteLogsAsync(files, spec.ToString());
                return new BuildOutcome(false, -1, unprepared, stopwatch.Elapsed);
            }
            return await RunAndLogAsync(request, ct => runner.RunAsync(spec, ct), spec, spec.ToString(), files, topdir, stopwatch, cancellationToken);
        }
        finally
        {
            DeleteTree(topdir);
        }
    }

    /// <summary>A build in a sandbox made before its job came: only the SRPM is placed in it, and the command sent.</summary>
    private async Task<BuildOutcome> BuildInPrestartedAsync(BuildRequest request, BuildResultFiles files, string srpm, PrestartedSandbox held,
        Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var spec = new ProcessSpec(rpmbuildPath, SandboxedRpmbuildArguments(request, srpm))
        {
            StdoutFile = files.Stdout,
            StderrFile = files.Stderr,
            Timeout = request.Timeout,
        };
        var command = $"{held.Command}, which then ran: {spec}";
        try
        {
            try
            {
                held.PlaceSrpm(srpm);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                var unplaced = $"cannot place the SRPM in the build sandbox: {ex.Message}";
                files.AppendToStderr(unplaced);
                await WriteLogsAsync(files, command);
                return new BuildOutcome(false, -1, unplaced, stopwatch.Elapsed);
            }
            logger.LogInformation("running in a prestarted sandbox: {Command}", spec);
            return await RunAndLogAsync(request, ct => held.RunAsync(spec, ct), spec, command, files, held.HostBuildTree, stopwatch, cancellationToken);
        }
        finally
        {
            held.Dispose();
            DeleteTree(held.Dir);
        }
    }

    /// <summary>Kills the prestarted sandboxes still waiting.</summary>
    public void Dispose() => prestarted?.Dispose();

    /// <summary>In the sandbox, rpm's scriptlets go to its private <c>/tmp</c>, a tmpfs that vanishes with it.</summary>
    private static List<string> SandboxedRpmbuildArguments(BuildRequest request, string srpm) =>
        RpmbuildArguments(request, BuildSandbox.BuildTree, BuildSandbox.SrpmPath(srpm), tmpPath: "/tmp");

    private static List<string> RpmbuildArguments(BuildRequest request, string topdir, string srpm, string? tmpPath = null) =>
    [
        "--rebuild",
        // '%' in a path would be expanded as a macro; "%%" is a literal '%'.
        "--define", "_topdir " + topdir.Replace("%", "%%", StringComparison.Ordinal),
        // rpmbuild's scriptlets go to /var/tmp by default and stay there when the build is killed.
        "--define", "_tmppath " + (tmpPath ?? Path.Combine(topdir, "tmp")).Replace("%", "%%", StringComparison.Ordinal),
        "--define", BuildRequestChecks.DistDefine(request.Disttag),
        "--target", RpmTarget(request.Arch),
        srpm,
    ];

    /// The sandbox's build tree belongs to the build user before the build starts; unsandboxed, rpmbuild makes it.
    private string? PrepareBuildTree(string topdir)
    {
        if (sandbox is null)
        {
            return null;
        }
        try
        {
            sandbox.CreateBuildTree(topdir);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"cannot prepare the build tree: {ex.Message}";
        }
    }

    /// <summary>The rpm target for a requested arch: CentOS's i386 packages are built as i686, armhfp as armv7hl.</summary>
    internal static string RpmTarget(string arch) => arch switch
    {
        "i386" => "i686",
        "armhfp" => "armv7hl",
        _ => arch,
    };

    /// <summary>Runs the build, writes its logs (root.log naming <paramref name="command"/>) and logs how it ended.</summary>
    private async Task<BuildOutcome> RunAndLogAsync(BuildRequest request, Func<CancellationToken, Task<ProcessResult>> run, ProcessSpec spec, string command,
        BuildResultFiles files, string topdir, Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var outcome = await RunAsync(request, run, spec, files, topdir, stopwatch, cancellationToken);
        await WriteLogsAsync(files, command);
        BuildToolRun.LogOutcome(logger, Name, request, outcome);
        return outcome;
    }

    private async Task<BuildOutcome> RunAsync(BuildRequest request, Func<CancellationToken, Task<ProcessResult>> run, ProcessSpec spec, BuildResultFiles files, string topdir,
        Stopwatch stopwatch, CancellationToken cancellationToken)
    {
        var (result, failure) = await BuildToolRun.RunAsync(run, spec, files, stopwatch, cancellationToken);
        if (result is null)
        {
            return failure!;
        }
        if (result.ExitCode != 0)
        {
            return new BuildOutcome(false, result.ExitCode, BuildReasons.ExitCode(Name, result.ExitCode, files.LastStderrLine()), stopwatch.Elapsed);
        }

        var (moved, problem) = files.CollectRpms(Path.Combine(topdir, "RPMS"), copy: sandbox?.BuildsAsAnotherUser == true);
        problem ??= moved == 0 ? null : files.CheckRpms(request.SrpmPath, request.Arch);
        if (problem is not null)
        {
            return new BuildOutcome(false, 0, problem, stopwatch.Elapsed);
        }
        return moved == 0
            ? new BuildOutcome(false, 0, BuildReasons.NoRpm(Name), stopwatch.Elapsed)
            : new BuildOutcome(true, 0, null, stopwatch.Elapsed);
    }

    /// build.log is rpmbuild's whole output; rpmbuild has no root log, so root.log says what ran where, then stderr.
    private async Task WriteLogsAsync(BuildResultFiles files, string command)
    {
        var header = new StringBuilder()
            .Append("command: ").Append(command).Append('\n')
            .Append("rpmbuild: ").Append(await VersionAsync()).Append('\n')
            .Append("sandbox: ").Append(sandbox?.Description ?? "none (the build can write anywhere the worker can)").Append('\n')
            .Append("host: ").Append(Environment.MachineName).Append("\n\n")
            .ToString();
        await using (var buildLog = File.Create(files.BuildLog))
        {
            await AppendFileAsync(buildLog, files.Stdout);
            await AppendFileAsync(buildLog, files.Stderr);
        }
        await using (var rootLog = File.Create(files.RootLog))
        {
            await rootLog.WriteAsync(Encoding.UTF8.GetBytes(header));
            await AppendFileAsync(rootLog, files.Stderr);
        }
    }

    private static async Task AppendFileAsync(Stream destination, string file)
    {
        await using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        await source.CopyToAsync(destination);
    }

    private Task<string> VersionAsync() => _version ??= ReadVersionAsync();

    private async Task<string> ReadVersionAsync()
    {
        try
        {
            var result = await runner.RunAsync(new ProcessSpec(rpmbuildPath, ["--version"]) { Timeout = VersionTimeout });
            return result.Succeeded ? result.StandardOutput.Trim() : $"unknown (rpmbuild --version exited with code {result.ExitCode})";
        }
        catch (ProcessStartException ex)
        {
            return $"unknown ({ex.Message})";
        }
    }

    /// Outside the result dir (whose contents are uploaded), on the same filesystem so the RPMs are renamed, not copied.
    private static string PrivateTopdir(string resultDir)
    {
        var parent = Path.GetDirectoryName(resultDir) ?? Path.GetTempPath();
        return Path.Combine(parent, $".{Path.GetFileName(resultDir)}.rpmbuild-{Guid.NewGuid():N}");
    }

    private void DeleteTree(string dir)
    {
        if (!Directory.Exists(dir))
        {
            return;
        }
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Builds may leave read-only directories (e.g. a Go module cache); make them writable and retry.
            try
            {
                MakeWritable(dir);
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception retry) when (retry is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(retry, "cannot remove rpmbuild topdir {Topdir}", dir);
            }
        }
    }

    private static void MakeWritable(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }
        foreach (var sub in Directory.EnumerateDirectories(dir, "*", SearchOption.AllDirectories).Prepend(dir))
        {
            File.SetUnixFileMode(sub, File.GetUnixFileMode(sub) | UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
