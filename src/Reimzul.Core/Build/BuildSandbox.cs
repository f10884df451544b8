using Reimzul.Processes;

namespace Reimzul.Build;

/// <summary>
/// How a sandboxed rpmbuild runs: under bubblewrap, over a read-only view of the host, with only its private build
/// tree writable (seen inside at <see cref="BuildTree"/>), a private <c>/tmp</c> and <c>/var/tmp</c>, and its own
/// network (loopback only), pid, IPC and UTS namespaces. A worker running as root builds as <see cref="User"/>;
/// any other worker builds as itself. Made by <see cref="BuildSandboxSetup.Prepare"/>, which checks it works.
/// </summary>
public sealed class BuildSandbox
{
    /// <summary>The build tree (rpmbuild's <c>_topdir</c>) as the build sees it.</summary>
    public const string BuildTree = "/tmp/rpmbuild";

    /// <summary>Where the SRPM being built is seen, read-only.</summary>
    public const string SrpmDir = "/tmp/srpm";

    // A root bwrap drops every capability; these two let setpriv switch to the build user, and go with the switch.
    private static readonly string[] RootOnlyCapabilities = ["CAP_SETUID", "CAP_SETGID"];

    internal BuildSandbox(string bwrapPath, BuildUser? user, string? setprivPath)
    {
        BwrapPath = bwrapPath;
        User = user;
        SetprivPath = setprivPath;
    }

    public string BwrapPath { get; }

    /// <summary>Who the build runs as; null: the worker's own user.</summary>
    public BuildUser? User { get; }

    private string? SetprivPath { get; }

    /// <summary>One line for root.log and the worker's start.</summary>
    public string Description => User is { } user
        ? $"bubblewrap ({BwrapPath}), building as {user.Name} (uid {user.Uid}, gid {user.Gid})"
        : $"bubblewrap ({BwrapPath}), building as the worker's user";

    /// <summary>
    /// Creates <paramref name="dir"/>, the build tree on the host, with its <c>tmp</c>, owned by the build user and
    /// private to it: the root worker's other files stay out of the build's reach, and the build's out of others'.
    /// </summary>
    internal void CreateBuildTree(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the build sandbox needs Linux");
        }
        var tmp = Path.Combine(dir, "tmp");
        Directory.CreateDirectory(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (User is { } user)
        {
            UnixOwnership.Chown(tmp, user.Uid, user.Gid);
            UnixOwnership.Chown(dir, user.Uid, user.Gid);
        }
    }

    /// <summary>True when the build's files belong to another user than the worker, who must copy its results.</summary>
    internal bool BuildsAsAnotherUser => User is not null;

    /// <summary>
    /// <paramref name="program"/> run in the sandbox, in <see cref="BuildTree"/> bound to <paramref name="hostBuildTree"/>,
    /// with <paramref name="srpm"/> (when given) seen read-only in <see cref="SrpmDir"/> under its own name.
    /// </summary>
    internal ProcessSpec Command(string hostBuildTree, string? srpm, string program, IEnumerable<string> arguments)
    {
        // A root bwrap makes missing parents 0700, out of the build user's reach.
        string[] srpmBind = srpm is null ? [] : ["--perms", "0755", "--dir", SrpmDir, "--ro-bind", srpm, SrpmPath(srpm)];
        return Command(hostBuildTree, srpmBind, program, arguments);
    }

    /// <summary>
    /// A sandbox started before its job: <paramref name="stub"/> waits in it for the build's command. What the host
    /// puts in <paramref name="hostSrpmDir"/> is seen read-only in <see cref="SrpmDir"/>.
    /// </summary>
    internal ProcessSpec PrestartCommand(string hostBuildTree, string hostSrpmDir, SandboxStub stub) =>
        Command(hostBuildTree,
            ["--ro-bind", hostSrpmDir, SrpmDir, "--ro-bind", stub.HostDir, SandboxStub.SandboxDir],
            stub.Command[0], stub.Command.Skip(1));

    private ProcessSpec Command(string hostBuildTree, IEnumerable<string> binds, string program, IEnumerable<string> arguments)
    {
        List<string> args =
        [
            "--ro-bind", "/", "/",
            "--dev", "/dev",
            "--proc", "/proc",
            "--perms", "1777", "--tmpfs", "/tmp",
            "--perms", "1777", "--tmpfs", "/var/tmp",
            "--bind", hostBuildTree, BuildTree,
        ];
        args.AddRange(binds);
        args.AddRange(
        [
            "--chdir", BuildTree,
            // Not --unshare-all: a root bwrap would then make a user namespace, where the build user has no uid.
            "--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            // No --die-with-parent: its signal comes when the *thread* that started bwrap ends, and .NET starts
            // processes from pool threads that come and go. The worker kills the whole tree on timeout, cancel and
            // stop; under systemd a dead worker's builds go with its control group.
            "--new-session",
            // The worker's environment may hold credentials; the build gets a plain one.
            "--clearenv",
            "--setenv", "PATH", Environment.GetEnvironmentVariable("PATH") ?? "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
            "--setenv", "HOME", BuildTree,
            "--setenv", "TMPDIR", BuildTree + "/tmp",
        ]);
        if (Environment.GetEnvironmentVariable("LANG") is { Length: > 0 } lang)
        {
            args.AddRange(["--setenv", "LANG", lang]);
        }
        if (User is { } user)
        {
            foreach (var capability in RootOnlyCapabilities)
            {
                args.AddRange(["--cap-add", capability]);
            }
            args.AddRange(
            [
                "--", SetprivPath!,
                $"--reuid={user.Uid}", $"--regid={user.Gid}", "--clear-groups", "--inh-caps=-all",
            ]);
        }
        args.Add("--");
        args.Add(program);
        args.AddRange(arguments);
        return new ProcessSpec(BwrapPath, args);
    }

    /// <summary>The SRPM's path inside the sandbox.</summary>
    internal static string SrpmPath(string srpm) => SrpmDir + "/" + Path.GetFileName(srpm);
}

/// <summary>The unprivileged user a root worker's sandboxed builds run as.</summary>
public sealed record BuildUser(string Name, int Uid, int Gid);
