using Reimzul.Config;
using Reimzul.Tests.Config;

namespace Reimzul.Tests.History;

/// <summary>The [history] keys: which store, its connection string, its password file; wrong ones fail at start naming the key.</summary>
public sealed class HistoryConfigTests : IDisposable
{
    private readonly ConfigFiles files = new();

    public void Dispose() => files.Dispose();

    [Fact]
    public void WithoutAHistorySectionTheStoreIsSqlite()
    {
        var config = files.Load(files.Write("empty.ini", ""));

        Assert.Equal(new HistoryOptions { Backend = "sqlite" }, config.History);
    }

    [Fact]
    public void PostgreSqlTakesAConnectionStringAndAPasswordFileNextToTheConfig()
    {
        var path = files.Write("reimzul.ini", "[history]\nbackend = PostgreSQL\nurl = Host=db.example.org;Port=5433;Database=reimzul;Username=reimzul\npassword_file = history.password\n");

        var history = files.Load(path).History;

        Assert.Equal(("postgresql", "Host=db.example.org;Port=5433;Database=reimzul;Username=reimzul", Path.Combine(files.Dir, "history.password")),
            (history.Backend, history.Url, history.PasswordFile));
    }

    [Fact]
    public void MongoDbTakesAUrl()
    {
        var history = files.Load(files.Write("reimzul.ini", "[history]\nbackend = mongodb\nurl = mongodb://127.0.0.1:27017/reimzul\n")).History;

        Assert.Equal(("mongodb", "mongodb://127.0.0.1:27017/reimzul", (string?)null), (history.Backend, history.Url, history.PasswordFile));
    }

    [Theory]
    [InlineData("postgresql", "url = postgres://db/reimzul", 3, "[history] url: 'postgres://db/reimzul' is not an Npgsql connection string")]
    [InlineData("postgresql", "url = Database=reimzul;Username=reimzul", 3, "[history] url: 'Database=reimzul;Username=reimzul' names no Host")]
    [InlineData("postgresql", "url = Host=db;Port=many", 3, "[history] url: 'Host=db;Port=many' is not an Npgsql connection string")]
    [InlineData("postgresql", "", 2, "[history] backend: postgresql needs [history] url, a connection string (Host=…;Database=…;Username=…)")]
    [InlineData("mongodb", "url = http://db:27017/reimzul", 3, "[history] url: 'http://db:27017/reimzul' is not a MongoDB URL (mongodb://host:27017/reimzul)")]
    [InlineData("mongodb", "url = mongodb:///reimzul", 3, "[history] url: 'mongodb:///reimzul' names no host")]
    [InlineData("mongodb", "url = mongodb://db\npassword_file = pw", 4, "[history] password_file: has no effect with backend mongodb (credentials go in the url)")]
    [InlineData("sqlite", "url = Host=db", 3, "[history] url: has no effect with backend sqlite (its file is [paths] history_db)")]
    public void AWrongConnectionSettingFailsAtStartNamingFileLineAndKey(string backend, string lines, int line, string reason)
    {
        var ex = files.Error($"[history]\nbackend = {backend}\n{lines}\n", out var path);

        Assert.StartsWith($"{path}:{line}: {reason}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APasswordInTheConnectionStringIsNotRepeatedInTheError()
    {
        var ex = files.Error("[history]\nbackend = postgresql\nurl = Password=s3cret;Port=x\n", out _);

        Assert.DoesNotContain("s3cret", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Password=***", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void APasswordFileThatIsNotThereFailsAtStartNamingTheKey()
    {
        var path = files.Write("reimzul.ini", "[history]\nbackend = postgresql\nurl = Host=db\npassword_file = missing.password\n");

        var ex = Assert.Throws<ConfigException>(() => files.LoadOnThisHost(path));

        Assert.StartsWith($"{path}:4: [history] password_file: '{Path.Combine(files.Dir, "missing.password")}'", ex.Message, StringComparison.Ordinal);
    }
}
