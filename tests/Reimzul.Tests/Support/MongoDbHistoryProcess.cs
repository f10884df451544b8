using Reimzul.HistoryStores;

namespace Reimzul.Tests.Support;

/// <summary>Starts the <c>reimzul-history-mongodb</c> program built next to the tests, as reimzul does.</summary>
public static class MongoDbHistoryProcess
{
    /// <summary>The apphost of the built program (the test project builds it, without referencing its assembly).</summary>
    public static string Program
    {
        get
        {
            var root = AppContext.BaseDirectory;
            for (var dir = new DirectoryInfo(root); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "src", "Reimzul.HistoryMongoDb", "bin", "Release", "net10.0", "reimzul-history-mongodb");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
                var debug = candidate.Replace("Release", "Debug", StringComparison.Ordinal);
                if (File.Exists(debug))
                {
                    return debug;
                }
            }
            throw new InvalidOperationException($"reimzul-history-mongodb is not built (dotnet build src/Reimzul.HistoryMongoDb) above {root}");
        }
    }

    /// <param name="fixedNow">When given, the process stamps every record with this time (REIMZUL_HISTORY_TEST_NOW).</param>
    public static async Task<HistoryProcessClient> StartAsync(string url, DateTimeOffset? fixedNow)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["REIMZUL_HISTORY_URL"] = url };
        if (fixedNow is { } now)
        {
            environment["REIMZUL_HISTORY_TEST_NOW"] = now.ToString("o", System.Globalization.CultureInfo.InvariantCulture);
        }
        return await HistoryProcessClient.StartAsync(Program, environment, "mongodb (test)", CancellationToken.None);
    }
}
