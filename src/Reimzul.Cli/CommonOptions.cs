using System.CommandLine;
using System.CommandLine.Parsing;
using Reimzul.Config;

namespace Reimzul.Cli;

/// <summary>Options every subcommand takes, and the one way to turn them into a configuration.</summary>
public sealed class CommonOptions
{
    public Option<string?> Config { get; } = new("--config")
    {
        Description = "INI configuration file (default: $REIMZUL_CONFIG, else /etc/reimzul/reimzul.ini if present, else built-in defaults); an empty --config is an error, an empty $REIMZUL_CONFIG counts as unset",
        Recursive = true,
        HelpName = "FILE",
    };

    public Option<string?> DataDir { get; } = new("--data-dir")
    {
        Description = "Directory holding incoming/, results/, bstore/, the queue and the history (default: $REIMZUL_DATA_DIR, else [paths] data_dir, else ~/.local/share/reimzul); an empty --data-dir is an error, an empty $REIMZUL_DATA_DIR counts as unset",
        Recursive = true,
        HelpName = "DIR",
    };

    public CommonOptions()
    {
        // Given but empty is a slip (an unset shell variable, say); taking it as "not given" would use another data dir.
        Config.Validators.Add(result => NotEmpty(result, "--config", "a file"));
        DataDir.Validators.Add(result => NotEmpty(result, "--data-dir", "a directory"));
        DataDir.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } dir && !string.IsNullOrWhiteSpace(dir) && PathChecks.WhyNotADirectory(dir) is { } why)
            {
                result.AddError($"--data-dir '{dir}' {why}");
            }
        });
    }

    private static void NotEmpty(OptionResult result, string name, string what)
    {
        if (result.Tokens.Count > 0 && string.IsNullOrWhiteSpace(result.GetValueOrDefault<string?>()))
        {
            result.AddError($"{name} is empty; give {what}, or leave the option out for the default");
        }
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
