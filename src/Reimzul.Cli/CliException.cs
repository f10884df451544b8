using Reimzul.ResultStores;

namespace Reimzul.Cli;

/// <summary>An error the user can act on: printed as one line, no stack trace.</summary>
public sealed class CliException(string message, int exitCode = ExitCodes.BadInput) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Something outside the input went wrong (a service down, a disk full).</summary>
    public const int Failure = 1;

    /// <summary>The input is wrong: bad flag value, bad SRPM, bad name.</summary>
    public const int BadInput = 2;

    /// <summary>The configuration is wrong.</summary>
    public const int Config = 3;
}
