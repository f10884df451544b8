using System.Globalization;
using Reimzul.Processes;

namespace Reimzul.Build;

/// <summary>Finds what the build sandbox needs and starts one, so a worker that cannot sandbox refuses to start rather than fail every job.</summary>
public static class BuildSandboxSetup
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);

    /// <summary>What the unavailable-sandbox message ends with: the two ways out.</summary>
    public const string Remedy = "install bubblewrap, or set [builder] sandbox = none to build unsandboxed";

    /// <summary>
    /// The sandbox for <paramref name="rpmbuildPath"/>, after running <c>rpmbuild --version</c> in it. A root worker
    /// (<see cref="Environment.IsPrivilegedProcess"/>) builds as <paramref name="buildUser"/> (a user name or uid).
    /// </summary>
    /// <exception cref="BuildSandboxUnavailableException">bwrap, setpriv or the user is missing, or no sandbox starts; the message says which and why.</exception>
    public static BuildSandbox Prepare(string bwrapPath, string buildUser, string rpmbuildPath, ProcessRunner runner)
    {
        ArgumentNullException.ThrowIfNull(runner);
        var bwrap = BuildBackendFactory.FindExecutable(bwrapPath)
            ?? throw Unavailable($"no bwrap executable '{bwrapPath}' was found{(bwrapPath.Contains('/', StringComparison.Ordinal) ? "" : " on PATH")}");
        BuildUser? user = null;
        string? setpriv = null;
        if (Environment.IsPrivilegedProcess)
        {
            user = FindUser(buildUser, runner);
            if (user.Uid == 0)
            {
                throw Unavailable($"[builder] build_user '{buildUser}' is root; a root worker builds as an unprivileged user");
            }
            setpriv = BuildBackendFactory.FindExecutable("setpriv")
                ?? throw Unavailable("no setpriv executable (util-linux) was found on PATH; a root worker needs it to build as an unprivileged user");
        }
        var sandbox = new BuildSandbox(bwrap, user, setpriv);
        Probe(sandbox, rpmbuildPath, runner);
        return sandbox;
    }

    private static BuildUser FindUser(string name, ProcessRunner runner)
    {
        ProcessResult result;
        try
        {
            result = Run(runner, new ProcessSpec("getent", ["passwd", name]) { Timeout = ProbeTimeout });
        }
        catch (ProcessStartException ex)
        {
            throw Unavailable($"cannot look up the build user '{name}': {ex.Message}");
        }
        // getent passwd NAME: "name:x:uid:gid:gecos:home:shell"; exit code 2 when there is no such user.
        var fields = result.StandardOutput.Split('\n')[0].Split(':');
        if (!result.Succeeded || fields.Length < 4
            || !int.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var uid)
            || !int.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out var gid))
        {
            throw Unavailable($"the build user '{name}' ([builder] build_user) does not exist on this host");
        }
        return new BuildUser(fields[0], uid, gid);
    }

    private static void Probe(BuildSandbox sandbox, string rpmbuildPath, ProcessRunner runner)
    {
        var tree = Path.Combine(Path.GetTempPath(), $"reimzul-sandbox-probe-{Guid.NewGuid():N}");
        try
        {
            sandbox.CreateBuildTree(tree);
            // Without rpmbuild the sandbox is tried on 'true': a missing rpmbuild fails each build saying so.
            var (program, arguments) = BuildBackendFactory.FindExecutable(rpmbuildPath) is { } rpmbuild
                ? (rpmbuild, new[] { "--version" })
                : (BuildBackendFactory.FindExecutable("true") ?? "true", []);
            var spec = sandbox.Command(tree, srpm: null, program, arguments) with { Timeout = ProbeTimeout };
            ProcessResult result;
            try
            {
                result = Run(runner, spec);
            }
            catch (ProcessStartException ex)
            {
                throw Unavailable(ex.Message);
            }
            if (!result.Succeeded)
            {
                var why = result.TimedOut
                    ? $"it did not start within {ProbeTimeout.TotalSeconds:0} s"
                    : $"'{sandbox.BwrapPath} ... {string.Join(' ', [program, .. arguments])}' exited with code {result.ExitCode}: {LastLine(result.StandardError) ?? "(no message)"}";
                throw Unavailable(why);
            }
        }
        finally
        {
            try
            {
                Directory.Delete(tree, recursive: true);
            }
            catch (DirectoryNotFoundException)
            {
            }
        }
    }

    // Called once at the worker's start, from the synchronous composition of its services.
    private static ProcessResult Run(ProcessRunner runner, ProcessSpec spec) => runner.RunAsync(spec).GetAwaiter().GetResult();

    private static string? LastLine(string text) => text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);

    private static BuildSandboxUnavailableException Unavailable(string why) =>
        new($"the build sandbox is not available: {why}; {Remedy}");
}

/// <summary>The build sandbox cannot be used on this host; the message says why and what to do.</summary>
public sealed class BuildSandboxUnavailableException(string message) : Exception(message);
