using Reimzul.Tests.Support;

namespace Reimzul.Tests.History;

/// <summary>
/// <c>reimzul history import</c>, <c>query</c>, <c>fix-build</c> and <c>history latest</c> as an operator runs them, on
/// every store that can run here; the same dumps of the original's notify_history and the same output on each.
/// </summary>
public abstract class HistoryCommandFacts : IDisposable
{
    protected TempDir Dir { get; } = new("reimzul-history-cli");

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "History", "Fixtures", name);

    /// <summary>The [history] section of the store under test.</summary>
    protected abstract Task<string> HistorySectionAsync();

    public void Dispose()
    {
        Dir.Dispose();
        GC.SuppressFinalize(this);
    }

    private async Task<string[]> ArgsAsync(params string[] command)
    {
        var config = Dir.Combine("reimzul.ini");
        if (!File.Exists(config))
        {
            await File.WriteAllTextAsync(config, await HistorySectionAsync());
        }
        return ["--config", config, "--data-dir", Dir.Combine("data"), .. command];
    }

    [Fact]
    public async Task AJsonLinesDumpIsImportedWithCountsAndEachBadLineIsReportedWithItsReason()
    {
        var dump = Fixture("notify_history.jsonl");

        var first = await ReimzulCli.RunAsync(await ArgsAsync("history", "import", dump));

        Assert.Equal(2, first.ExitCode);
        Assert.Equal($"{dump}: 6 imported, 0 already present, 3 refused\n", first.StandardOutput);
        var refusals = first.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, refusals.Length);
        Assert.StartsWith($"reimzul: {dump}: line 6: refused: no srpm", refusals[0], StringComparison.Ordinal);
        Assert.StartsWith($"reimzul: {dump}: line 7: refused: not valid JSON", refusals[1], StringComparison.Ordinal);
        Assert.StartsWith($"reimzul: {dump}: line 8: refused: status 'Finished' is not a history status", refusals[2], StringComparison.Ordinal);

        var again = await ReimzulCli.RunAsync(await ArgsAsync("history", "import", dump));
        Assert.Equal($"{dump}: 0 imported, 6 already present, 3 refused\n", again.StandardOutput);

        var success = await ReimzulCli.RunAsync(await ArgsAsync("query", "-s", "Success", "-t", "c7.1810.00.x86_64"));
        Assert.True(success.Succeeded, success.StandardError);
        Assert.Equal(
            "bash-4.2.46-31.el7.src.rpm (arch: x86_64, status: Success, timestamp: 20181005115800,  builder: x86-01.bsys.centos.org)\n"
            + "zsh-5.0.2-31.el7.src.rpm (arch: x86_64, status: Success, timestamp: 20181005120400,  builder: x86-01.bsys.centos.org)\n",
            success.StandardOutput);
        var building = await ReimzulCli.RunAsync(await ArgsAsync("query", "-s", "Building"));
        Assert.Equal("httpd-2.4.6-88.el7.src.rpm (arch: x86_64, status: Building, timestamp: 20181005120200,  builder: x86-02.bsys.centos.org)\n",
            building.StandardOutput);
        var overrides = await ReimzulCli.RunAsync(await ArgsAsync("query", "-s", "Override"));
        Assert.Equal("kernel-3.10.0-957.el7.src.rpm (arch: aarch64, status: Override, timestamp: 20181005120100, target: c7.1810.00.aarch64, comment: built by hand on the 64k page builder)\n",
            overrides.StandardOutput);
    }

    [Fact]
    public async Task AJsonArrayDumpWithCanonicalDatesAndNumbersIsImportedAndWhatIsAlreadyThereIsCounted()
    {
        await ReimzulCli.RunAsync(await ArgsAsync("history", "import", Fixture("notify_history.jsonl")));
        var dump = Fixture("notify_history-array.json");

        var result = await ReimzulCli.RunAsync(await ArgsAsync("history", "import", dump));

        Assert.True(result.Succeeded, result.StandardError);
        Assert.Equal($"{dump}: 1 imported, 3 already present, 0 refused\n", result.StandardOutput);
        var failed = await ReimzulCli.RunAsync(await ArgsAsync("query", "-s", "Failed", "--json"));
        Assert.Contains("\"srpm\": \"gcc-4.8.5-36.el7.src.rpm\"", failed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"timestamp\": \"20181005120300\"", failed.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("\"scratch\": false", failed.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FixBuildOverridesTheImportedLatestBuildAndLatestShowsItWithTheOthers()
    {
        await ReimzulCli.RunAsync(await ArgsAsync("history", "import", Fixture("notify_history.jsonl")));

        var fix = await ReimzulCli.RunAsync(await ArgsAsync("fix-build", "-s", "bash-4.2.46-31.el7.src.rpm", "-t", "c7.1810.00.x86_64", "-a", "i386", "-c", "multilib only"));
        var latest = await ReimzulCli.RunAsync(await ArgsAsync("history", "latest", "c7.1810.00.x86_64"));
        var unknown = await ReimzulCli.RunAsync(await ArgsAsync("fix-build", "-s", "nothing-1-1.src.rpm", "-t", "c7.1810.00.x86_64", "-a", "i386", "-c", "x"));

        Assert.True(fix.Succeeded, fix.StandardError);
        Assert.Equal("bash-4.2.46-31.el7.src.rpm (arch: i386, target: c7.1810.00.x86_64) set to Override: multilib only\n", fix.StandardOutput);
        Assert.Equal(
            "bash-4.2.46-31.el7.src.rpm (arch: x86_64, status: Success, timestamp: 20181005115800,  builder: x86-01.bsys.centos.org)\n"
            + "bash-4.2.46-31.el7.src.rpm (arch: i386, status: Override, timestamp: 20181005115800,  builder: x86-01.bsys.centos.org)\n"
            + "zsh-5.0.2-31.el7.src.rpm (arch: x86_64, status: Success, timestamp: 20181005120400,  builder: x86-01.bsys.centos.org)\n",
            latest.StandardOutput);
        Assert.Equal(1, unknown.ExitCode);
        Assert.Contains("no build of nothing-1-1.src.rpm", unknown.StandardError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADumpThatIsABrokenArrayIsRefusedWholeAndAMissingFileIsNamed()
    {
        var broken = Dir.Combine("broken.json");
        await File.WriteAllTextAsync(broken, "[{\"srpm\": \"a\"},");

        var result = await ReimzulCli.RunAsync(await ArgsAsync("history", "import", broken));
        var missing = await ReimzulCli.RunAsync(await ArgsAsync("history", "import", Dir.Combine("nope.json")));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"{broken} starts as a JSON array (mongoexport --jsonArray) but is not valid JSON", result.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("nope.json: no such file", missing.StandardError, StringComparison.Ordinal);
    }
}

public sealed class SqliteHistoryCommandFacts : HistoryCommandFacts
{
    protected override Task<string> HistorySectionAsync() => Task.FromResult("[history]\nbackend = sqlite\n");
}

public sealed class PostgreSqlHistoryCommandFacts(PostgreSqlServer server) : HistoryCommandFacts, IClassFixture<PostgreSqlServer>
{
    protected override async Task<string> HistorySectionAsync() =>
        $"[history]\nbackend = postgresql\nurl = {await server.CreateDatabaseAsync()}\npassword_file = {server.PasswordFile}\n";

    [Fact]
    public async Task AServerThatCannotBeReachedIsOneLineNamingItAndExitCodeOne()
    {
        var port = server.Port;
        var config = Dir.Combine("unreachable.ini");
        // Port 1 on loopback: nothing listens there.
        await File.WriteAllTextAsync(config, $"[history]\nbackend = postgresql\nurl = Host=127.0.0.1;Port=1;Database=reimzul;Username=reimzul;Timeout=5\n");

        var result = await ReimzulCli.RunAsync("--config", config, "--data-dir", Dir.Combine("data"), "query", "-s", "Success");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("reimzul: the build history postgresql://127.0.0.1:1/reimzul is unavailable:", result.StandardError, StringComparison.Ordinal);
        Assert.Single(result.StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.NotEqual(1, port);
    }

    [Fact]
    public async Task AWrongConnectionStringFailsAtStartNamingTheKeyWithExitCodeThree()
    {
        var config = Dir.Combine("wrong.ini");
        await File.WriteAllTextAsync(config, "[history]\nbackend = postgresql\nurl = postgresql://db/reimzul\n");

        var result = await ReimzulCli.RunAsync("--config", config, "query", "-s", "Success");

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"{config}:3: [history] url: 'postgresql://db/reimzul' is not an Npgsql connection string", result.StandardError, StringComparison.Ordinal);
    }
}
