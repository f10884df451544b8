using System.CommandLine;
using Reimzul.Config;

namespace Reimzul.Cli;

/// <summary>Options every subcommand takes, and the one way to turn them into a configuration.</summary>
public sealed class CommonOptions
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = "INI configuration file (default: $REIMZUL_CONFIG, else /etc/reimzul/reimzul.ini if present, else built-in defaults)",
        Recursive = true,
        HelpName = "FILE",
    };

    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Directory holding incoming/, results/, bstore/, the queue and the history (default: $REIMZUL_DATA_DIR, else [paths] data_dir, else ~/.local/share/reimzul)",
        Recursive = true,
        HelpName = "DIR",
    };

    public CommonOptions()
    {
        // A usage error (exit code 2) before anything runs, not an I/O failure in the first role that writes there.
        DataDir.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } dir && !string.IsNullOrWhiteSpace(dir) && PathChecks.WhyNotADirectory(dir) is { } why)
            {
                result.AddError($"--data-dir '{dir}' {why}");
            }
        });
    }

    /// <summary>Loads the configuration; bad config becomes a <see cref="CliException"/> naming file, key and reason.</summary>
    public ReimzulConfig Load(ParseResult parseResult)
    {
        try
        {
            return ConfigLoader.Load(parseResult.GetValue(Config), parseResult.GetValue(DataDir));
        }
        catch (ConfigException ex)
        {
            throw new CliException($"configuration error: {ex.Message}", ExitCodes.Config);
        }
    }
}
