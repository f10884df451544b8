using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Processes;

namespace Reimzul.Build;

/// <summary>Picks the build backend named by <c>[builder] backend</c>.</summary>
public static class BuildBackendFactory
{
    /// <summary>
    /// <c>auto</c>: mock when a mock executable is found (on PATH, or at MockPath when it is a path), else rpmbuild;
    /// <c>mock</c> or <c>rpmbuild</c>: that one. Throws <see cref="ArgumentException"/> for any other name, and
    /// <see cref="ConfigException"/> when rpmbuild is to be sandboxed and the sandbox does not work on this host.
    /// </summary>
    public static IBuildBackend Create(ReimzulConfig config, ProcessRunner runner, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        var options = config.Builder;
        var name = options.Backend.Trim();
        if (name.Equals("mock", StringComparison.OrdinalIgnoreCase))
        {
            return Mock(config, runner, logger);
        }
        if (name.Equals("rpmbuild", StringComparison.OrdinalIgnoreCase))
        {
            return Rpmbuild(config, runner, logger);
        }
        if (name.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            if (FindExecutable(options.MockPath) is { } mock)
            {
                logger.LogInformation("build backend: mock ({Mock})", mock);
                return Mock(config, runner, logger);
            }
            logger.LogInformation("build backend: rpmbuild (no mock executable '{Mock}' found)", options.MockPath);
            return Rpmbuild(config, runner, logger);
        }
        var where = config.SourceFile is null ? "" : $" in {config.SourceFile}";
        throw new ArgumentException($"[builder] backend{where}: unknown build backend '{options.Backend}'; expected auto, mock or rpmbuild", nameof(config));
    }

    /// <summary>
    /// The rpmbuild backend in the sandbox <c>[builder] sandbox</c> names, tried once here: a worker that cannot
    /// sandbox its builds refuses to start (a <see cref="ConfigException"/> saying why) rather than take jobs.
    /// </summary>
    private static RpmbuildBackend Rpmbuild(ReimzulConfig config, ProcessRunner runner, ILogger logger)
    {
        var options = config.Builder;
        var where = config.SourceFile is null ? "" : $" in {config.SourceFile}";
        var sandbox = options.Sandbox.Trim();
        if (sandbox.Equals("none", StringComparison.OrdinalIgnoreCase))
        {
            logger.LogWarning("[builder] sandbox = none{Where}: rpmbuild builds are not sandboxed; a spec can write anywhere this worker can and reach the network", where);
            return new RpmbuildBackend(options.RpmbuildPath, null, runner, logger);
        }
        if (!sandbox.Equals("bubblewrap", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"[builder] sandbox{where}: unknown build sandbox '{options.Sandbox}'; expected bubblewrap or none", nameof(config));
        }
        try
        {
            var prepared = BuildSandboxSetup.Prepare(options.BwrapPath, options.BuildUser, options.RpmbuildPath, runner);
            logger.LogInformation("build sandbox: {Sandbox}", prepared.Description);
            return new RpmbuildBackend(options.RpmbuildPath, prepared, runner, logger, Prestarted(config, prepared, runner, logger));
        }
        catch (BuildSandboxUnavailableException ex)
        {
            throw new ConfigException($"[builder] sandbox = bubblewrap{where}: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Sandboxes made ahead of the builds, under <c>results/.sandboxes/</c>; none when <c>[builder] prestart_sandbox</c>
    /// is off or this process is not the native reimzul executable (<see cref="SandboxStub.OfThisProcess"/>).
    /// </summary>
    private static PrestartedSandboxes? Prestarted(ReimzulConfig config, BuildSandbox sandbox, ProcessRunner runner, ILogger logger)
    {
        if (!config.Builder.PrestartSandbox)
        {
            return null;
        }
        if (SandboxStub.OfThisProcess() is not { } stub)
        {
            logger.LogInformation("build sandboxes are made as each build starts: prestarting them needs the native reimzul executable");
            return null;
        }
        return new PrestartedSandboxes(sandbox, stub, Path.Combine(config.Paths.Results, ".sandboxes"), runner, logger);
    }

    private static MockBackend Mock(ReimzulConfig config, ProcessRunner runner, ILogger logger) =>
        new(new MockPlanner(config.Builder.MockPath, config.Paths.MockConfigs, config.BstoreBaseUrl), runner, logger);

    /// <summary>The executable a program name resolves to: the path itself when it contains a '/', else the first match on PATH.</summary>
    internal static string? FindExecutable(string program)
    {
        if (string.IsNullOrWhiteSpace(program))
        {
            return null;
        }
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return IsExecutableFile(program) ? Path.GetFullPath(program) : null;
        }
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, program))
            .FirstOrDefault(IsExecutableFile);
    }

    private static bool IsExecutableFile(string path)
    {
        if (!File.Exists(path))
        {
            return false;
        }
        if (OperatingSystem.IsWindows())
        {
            return true;
        }
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
