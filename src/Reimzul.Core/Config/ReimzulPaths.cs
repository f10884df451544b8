using Reimzul.Queue.Embedded;
using Reimzul.Repogen;

namespace Reimzul.Config;

/// <summary>
/// Where everything lives. The tree under the data dir mirrors the original's
/// <c>/srv/reimzul</c>: incoming/, results/, bstore/{repo,tosign,cache}/, mock_configs/.
/// </summary>
public sealed record ReimzulPaths
{
    public required string DataDir { get; init; }
    public required string Incoming { get; init; }
    public required string Results { get; init; }
    public required string Repo { get; init; }
    public required string Tosign { get; init; }
    public required string Cache { get; init; }
    public required string MockConfigs { get; init; }
    public required string LogFile { get; init; }
    public required string QueueDatabase { get; init; }
    public required string HistoryDatabase { get; init; }

    /// <summary>Where results are assembled before they are renamed into <see cref="Repo"/> (same filesystem, outside the repo tree).</summary>
    public string Staging => Path.Combine(Path.GetDirectoryName(Repo) ?? DataDir, ".staging");

    /// <summary>The notifier's outbox of mail and MQTT deliveries not yet made.</summary>
    public string OutboxDatabase => Path.Combine(DataDir, "outbox.db");

    /// <summary>Durable per-target state of the repodata coalescer.</summary>
    public string RepogenState => Path.Combine(Cache, "repogen");

    public static ReimzulPaths UnderDataDir(string dataDir)
    {
        var root = Path.GetFullPath(dataDir);
        var bstore = Path.Combine(root, "bstore");
        return new ReimzulPaths
        {
            DataDir = root,
            Incoming = Path.Combine(root, "incoming"),
            Results = Path.Combine(root, "results"),
            Repo = Path.Combine(bstore, "repo"),
            Tosign = Path.Combine(bstore, "tosign"),
            Cache = Path.Combine(bstore, "cache"),
            MockConfigs = Path.Combine(root, "mock_configs"),
            LogFile = Path.Combine(root, "log", "reimzul.log"),
            QueueDatabase = Path.Combine(root, "queue.db"),
            HistoryDatabase = Path.Combine(root, "history.db"),
        };
    }

    /// <summary>The default data dir: <c>$XDG_DATA_HOME/reimzul</c>, else <c>~/.local/share/reimzul</c>.</summary>
    public static string DefaultDataDir()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var baseDir = !string.IsNullOrEmpty(xdg)
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return Path.Combine(baseDir, "reimzul");
    }
}
