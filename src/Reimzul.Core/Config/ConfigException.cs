namespace Reimzul.Config;

/// <summary>The configuration cannot be used; the message names the file, the line, the section and key, and why.</summary>
public sealed class ConfigException : Exception
{
    public ConfigException()
    {
    }

    public ConfigException(string message)
        : base(message)
    {
    }

    public ConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ConfigException(string file, int? line, string reason, Exception? innerException = null)
        : base(line is { } l ? $"{file}:{l}: {reason}" : $"{file}: {reason}", innerException)
    {
        File = file;
        Line = line;
    }

    /// <summary>The config file at fault, when there is one.</summary>
    public string? File { get; }

    /// <summary>The 1-based line at fault, when the fault is on one line.</summary>
    public int? Line { get; }
}
