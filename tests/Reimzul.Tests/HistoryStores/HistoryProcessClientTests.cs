using static Reimzul.Tests.History.BuildEvents;
using Reimzul.History;
using Reimzul.HistoryStores;
using Reimzul.Messages;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.HistoryStores;

/// <summary>The client of a store in another process: what it reports when that process or its database fails.</summary>
public sealed class HistoryProcessClientTests : IDisposable
{
    private readonly TempDir dir = new("reimzul-history-process");

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task TheMongoDbStoreProgramWithNoServerBehindItsUrlReportsTheHistoryUnavailableNamingTheServer()
    {
        // Port 1 on loopback: nothing listens there; the URL keeps the wait short.
        var error = await Assert.ThrowsAsync<HistoryUnavailableException>(() =>
            MongoDbHistoryProcess.StartAsync("mongodb://127.0.0.1:1/reimzul?serverSelectionTimeoutMS=500&connectTimeoutMS=500", null));

        Assert.Contains("mongodb://127.0.0.1:1/reimzul.notify_history is unavailable", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheMongoDbStoreProgramRefusesAUrlItCannotParseAsBadInput()
    {
        var error = await Assert.ThrowsAnyAsync<ArgumentException>(() => MongoDbHistoryProcess.StartAsync("mongodb://127.0.0.1:notaport/reimzul", null));

        Assert.Contains("not a MongoDB connection string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AStoreProgramThatCannotBeStartedIsReportedUnavailableNamingIt()
    {
        var missing = dir.Combine("reimzul-history-mongodb");

        var error = await Assert.ThrowsAsync<HistoryUnavailableException>(() =>
            HistoryProcessClient.StartAsync(missing, new Dictionary<string, string>(), "[history] backend = mongodb", CancellationToken.None));

        Assert.Contains($"cannot start {missing}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheStoreProcessDiesTheCallFailsAsUnavailableAndTheNextOneStartsAFreshProcess()
    {
        var database = dir.Combine("history.db");
        var connections = 0;
        HistoryChannel? current = null;
        await using var client = await HistoryProcessClient.OpenAsync(_ =>
        {
            connections++;
            current = ServedHistoryContract.ServedOverPipes(async ct => await SqliteHistoryStore.OpenAsync(database, ct));
            return Task.FromResult(current);
        }, "served sqlite", CancellationToken.None);
        Assert.True(await client.RecordAsync(Event(BuildStatus.Building)));

        // The far end goes away, as a killed process's pipes do.
        await current!.DisposeAsync();
        var error = await Assert.ThrowsAnyAsync<Exception>(() => client.RecordAsync(Event(BuildStatus.Success)));

        Assert.IsNotAssignableFrom<ArgumentException>(error);
        Assert.True(await client.RecordAsync(Event(BuildStatus.Success)));
        Assert.Equal(2, connections);
        Assert.Single(await client.QueryAsync(BuildStatus.Success, "c7.1708.u.x86_64"));
    }
}
