using Reimzul.Config;
using Reimzul.History;
using Reimzul.HistoryStores;

namespace Reimzul.Cli;

/// <summary>Opens the history store that <c>[history] backend</c> names.</summary>
public static class HistoryBackends
{
    /// <summary>Where reimzul looks for the MongoDB store program besides its own directory (tests, development).</summary>
    public const string MongoDbProgramEnvironmentVariable = "REIMZUL_HISTORY_MONGODB";

    public const string MongoDbProgram = "reimzul-history-mongodb";

    public static async Task<IHistoryStore> OpenAsync(ReimzulConfig config, CancellationToken cancellationToken)
    {
        var history = config.History;
        try
        {
            return history.Backend switch
            {
                HistoryOptions.Sqlite => await SqliteHistoryStore.OpenAsync(config.Paths.HistoryDatabase, cancellationToken),
                HistoryOptions.PostgreSql => await PostgreSqlHistoryStore.OpenAsync(history.Url!, history.PasswordFile, TimeProvider.System, cancellationToken),
                HistoryOptions.MongoDb => await HistoryProcessClient.StartAsync(FindMongoDbProgram(),
                    new Dictionary<string, string>(StringComparer.Ordinal) { ["REIMZUL_HISTORY_URL"] = history.Url! },
                    "[history] backend = mongodb", cancellationToken),
                var other => throw new CliException($"[history] backend '{other}' is not known", ExitCodes.Config),
            };
        }
        catch (ArgumentException ex)
        {
            // The configuration was checked at load; what is left is what only the store can tell (e.g. the driver's own parse).
            throw new CliException($"{config.SourceFile ?? "(no config file)"}: [history] url: {ex.Message}", ExitCodes.Config);
        }
        catch (IOException ex) when (history.PasswordFile is not null)
        {
            throw new CliException($"{config.SourceFile}: [history] password_file: cannot read '{history.PasswordFile}': {ex.Message}", ExitCodes.Config);
        }
    }

    /// <summary>
    /// The MongoDB store runs in its own process (its driver cannot be compiled Native AOT): installed beside reimzul
    /// in <c>history-mongodb/</c>, or named by <c>REIMZUL_HISTORY_MONGODB</c>.
    /// </summary>
    private static string FindMongoDbProgram()
    {
        if (Environment.GetEnvironmentVariable(MongoDbProgramEnvironmentVariable) is { Length: > 0 } named)
        {
            return named;
        }
        var besideUs = Path.Combine(AppContext.BaseDirectory, "history-mongodb", MongoDbProgram);
        return File.Exists(besideUs) ? besideUs : MongoDbProgram;
    }
}
