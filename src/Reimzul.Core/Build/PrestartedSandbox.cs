using Reimzul.Files;
using Reimzul.Processes;

namespace Reimzul.Build;

/// <summary>
/// One build sandbox made before its job (<see cref="PrestartedSandboxes"/>): bubblewrap has made its namespaces and
/// mounts, and <see cref="SandboxStub"/> waits in it for the build's command. Its build tree and SRPM dir are in its
/// own host dir, removed with it.
/// </summary>
internal sealed class PrestartedSandbox : IDisposable
{
    private readonly HeldProcess _process;

    private PrestartedSandbox(string dir, HeldProcess process)
    {
        Dir = dir;
        _process = process;
    }

    /// <summary>The host dir holding its build tree and SRPM dir.</summary>
    public string Dir { get; }

    /// <summary>The build tree on the host, seen inside at <see cref="BuildSandbox.BuildTree"/>.</summary>
    public string HostBuildTree => Path.Combine(Dir, "tree");

    private string HostSrpmDir => Path.Combine(Dir, "srpm");

    public bool IsAlive => !_process.HasExited;

    /// <summary>The sandbox's command line, for the logs.</summary>
    public string Command => _process.Spec.ToString();

    /// <summary>Why it ended before its job came.</summary>
    public string ExitDescription() => _process.ExitDescription();

    /// <exception cref="IOException">Its dirs cannot be made.</exception>
    /// <exception cref="ProcessStartException">bwrap cannot be started.</exception>
    public static PrestartedSandbox Start(BuildSandbox sandbox, SandboxStub stub, string dir, ProcessRunner runner)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("the build sandbox needs Linux");
        }
        var tree = Path.Combine(dir, "tree");
        var srpms = Path.Combine(dir, "srpm");
        Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        sandbox.CreateBuildTree(tree);
        // The worker's, read-only inside: the build sees its SRPM and cannot change it.
        Directory.CreateDirectory(srpms, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        return new PrestartedSandbox(dir, runner.StartHeld(sandbox.PrestartCommand(tree, srpms, stub)));
    }

    /// <summary>Makes <paramref name="srpm"/> visible inside at <see cref="BuildSandbox.SrpmPath"/>: a hard link, or a copy on another filesystem.</summary>
    /// <exception cref="IOException">It can be neither linked nor copied.</exception>
    public void PlaceSrpm(string srpm)
    {
        var placed = Path.Combine(HostSrpmDir, Path.GetFileName(srpm));
        if (!HardLinks.TryCreate(srpm, placed))
        {
            File.Copy(srpm, placed);
        }
    }

    /// <summary>Runs <paramref name="command"/> (its program and arguments, as the build sees them) in the sandbox, output to its files and with its timeout.</summary>
    public Task<ProcessResult> RunAsync(ProcessSpec command, CancellationToken cancellationToken) =>
        _process.RunAsync(SandboxStub.Encode(command.FileName, command.Arguments), command, cancellationToken);

    public void Dispose() => _process.Dispose();
}
