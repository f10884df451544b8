using MongoDB.Bson;
using MongoDB.Driver;
using Reimzul.History;
using Reimzul.HistoryStores;
using Reimzul.Tests.History;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.HistoryStores;

/// <summary>
/// The history contract on a real MongoDB server, through the <c>reimzul-history-mongodb</c> process as reimzul runs
/// it. No MongoDB server can be installed here: set <c>REIMZUL_TEST_MONGODB_URL</c> (e.g. <c>mongodb://127.0.0.1:27017</c>)
/// to run it; each test uses a database of its own and drops it.
/// </summary>
[RequiresEnvironment(UrlVariable, "a MongoDB server")]
public sealed class MongoDbHistoryContract : HistoryStoreContract
{
    public const string UrlVariable = "REIMZUL_TEST_MONGODB_URL";

    private readonly string url;
    private readonly string database = $"reimzul_test_{Guid.NewGuid():N}";

    public MongoDbHistoryContract()
    {
        url = Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } server
            ? new MongoUrlBuilder(server) { DatabaseName = database }.ToString()
            : "";
    }

    protected override async Task<IHistoryStore> OpenAsync(TimeProvider time)
    {
        // recorded_at comes from the store process's clock; a test that fixes the clock cannot reach into it.
        if (time is FixedTimeProvider fixedTime)
        {
            return await MongoDbHistoryProcess.StartAsync(url, fixedTime.GetUtcNow());
        }
        return await MongoDbHistoryProcess.StartAsync(url, null);
    }

    protected override async Task<List<HistoryRows.Row>> RowsAsync()
    {
        var builds = new MongoClient(url).GetDatabase(database).GetCollection<BsonDocument>("notify_history");
        var documents = await builds.Find(FilterDefinition<BsonDocument>.Empty).Sort(Builders<BsonDocument>.Sort.Ascending("_id")).ToListAsync();
        return [.. documents.Select(d => new HistoryRows.Row(d["srpm"].AsString, d["arch"].AsString, d["timestamp"].AsString, d["status"].AsString,
            d.GetValue("latest_build", false).ToBoolean(), d.GetValue("comment", BsonNull.Value) is { IsString: true } c ? c.AsString : null))];
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await new MongoClient(url).DropDatabaseAsync(database);
    }
}
