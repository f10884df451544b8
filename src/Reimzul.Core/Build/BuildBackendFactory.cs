using Microsoft.Extensions.Logging;
using Reimzul.Config;
using Reimzul.Processes;

namespace Reimzul.Build;

/// <summary>Picks the build backend named by <c>[builder] backend</c>.</summary>
public static class BuildBackendFactory
{
    /// <summary>
    /// <c>auto</c>: mock when a mock executable is found (on PATH, or at MockPath when it is a path), else rpmbuild;
    /// <c>mock</c> or <c>rpmbuild</c>: that one. Throws <see cref="ArgumentException"/> for any other name.
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
            return new RpmbuildBackend(options.RpmbuildPath, runner, logger);
        }
        if (name.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            if (FindExecutable(options.MockPath) is { } mock)
            {
                logger.LogInformation("build backend: mock ({Mock})", mock);
                return Mock(config, runner, logger);
            }
            logger.LogInformation("build backend: rpmbuild (no mock executable '{Mock}' found)", options.MockPath);
            return new RpmbuildBackend(options.RpmbuildPath, runner, logger);
        }
        var where = config.SourceFile is null ? "" : $" in {config.SourceFile}";
        throw new ArgumentException($"[builder] backend{where}: unknown build backend '{options.Backend}'; expected auto, mock or rpmbuild", nameof(config));
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
