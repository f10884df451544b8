using MongoDB.Bson;
using MongoDB.Driver;
using Reimzul.History;
using Reimzul.Messages;

namespace Reimzul.HistoryMongoDb;

/// <summary>
/// The build history in MongoDB: database <c>reimzul</c> (or the one the URL names), collection
/// <c>notify_history</c>, documents shaped as the original notifier wrote them, so an existing history keeps
/// working. New fields are added, none renamed: <c>build_id</c>, <c>arrived_status</c> (the key's status, as
/// <c>status</c> changes), <c>reason</c>, <c>duration_s</c>, <c>recorded_at</c>.
/// </summary>
/// <remarks>
/// A standalone server has no transactions: a record is inserted first (the unique index makes a redelivery a
/// duplicate) and the other records are updated after; a redelivered result that still is the latest repeats
/// those updates, which are idempotent, so a crash between the two steps heals on redelivery.
/// </remarks>
public sealed class MongoHistoryStore : IHistoryStore
{
    public const string UrlEnvironmentVariable = "REIMZUL_HISTORY_URL";
    public const string DefaultDatabase = "reimzul";
    public const string CollectionName = "notify_history";

    private const string SupersededComment = "superseded by a retry";
    private const int DuplicateKey = 11000;

    private readonly IMongoCollection<BsonDocument> builds;
    private readonly TimeProvider time;
    private readonly string name;

    private MongoHistoryStore(IMongoCollection<BsonDocument> builds, TimeProvider time, string name)
    {
        this.builds = builds;
        this.time = time;
        this.name = name;
    }

    /// <exception cref="ArgumentException">The URL is not a MongoDB connection string.</exception>
    /// <exception cref="HistoryUnavailableException">No server answers, or it refuses the login.</exception>
    public static async Task<MongoHistoryStore> OpenAsync(string url, TimeProvider time, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(url);
        MongoUrl parsed;
        MongoClient client;
        try
        {
            parsed = MongoUrl.Create(url);
            var settings = MongoClientSettings.FromUrl(parsed);
            // Fail a call within seconds when the server is down, rather than after the driver's 30 s, unless the URL says.
            if (!url.Contains("serverSelectionTimeoutMS", StringComparison.OrdinalIgnoreCase))
            {
                settings.ServerSelectionTimeout = TimeSpan.FromSeconds(10);
            }
            // Nothing is sent yet: what fails here is the URL (an unknown option or mechanism).
            client = new MongoClient(settings);
        }
        catch (Exception ex) when (ex is MongoConfigurationException or FormatException or ArgumentException or InvalidOperationException)
        {
            throw new ArgumentException($"not a MongoDB connection string (mongodb://host:port/database): {ex.Message}", nameof(url), ex);
        }
        var databaseName = parsed.DatabaseName ?? DefaultDatabase;
        var builds = client.GetDatabase(databaseName).GetCollection<BsonDocument>(CollectionName);
        var store = new MongoHistoryStore(builds, time, $"mongodb://{string.Join(",", parsed.Servers)}/{databaseName}.{CollectionName}");
        await store.GuardAsync(async () =>
        {
            await store.CreateIndexesAsync(ct);
            return true;
        });
        return store;
    }

    public Task<bool> RecordAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckEvent(buildEvent);
        return GuardAsync(async () =>
        {
            var isResult = BuildStatus.IsResult(buildEvent.Status);
            var document = new BsonDocument
            {
                { "_id", ObjectId.GenerateNewId() },
                { "srpm", buildEvent.Srpm },
                { "arch", buildEvent.Arch },
                { "target", buildEvent.Target },
                { "disttag", buildEvent.Disttag },
                { "scratch", buildEvent.Scratch },
                { "submitter", (BsonValue?)buildEvent.Submitter ?? BsonNull.Value },
                { "status", buildEvent.Status },
                { "builder_fqdn", buildEvent.BuilderFqdn },
                { "evr", buildEvent.Evr },
                { "pkgname", buildEvent.PkgName },
                { "timestamp", buildEvent.Timestamp },
                { "latest_build", isResult },
                { "build_id", (BsonValue?)buildEvent.BuildId ?? BsonNull.Value },
                { "arrived_status", buildEvent.Status },
                { "recorded_at", time.GetUtcNow().UtcDateTime },
            };
            if (buildEvent.Reason is not null)
            {
                document.Add("reason", buildEvent.Reason);
            }
            if (buildEvent.DurationSeconds is { } duration)
            {
                document.Add("duration_s", duration);
            }

            ObjectId id;
            var recorded = await InsertAsync(document, cancellationToken);
            if (recorded)
            {
                id = document["_id"].AsObjectId;
            }
            else
            {
                var existing = await builds.Find(SameEvent(buildEvent.BuildId, buildEvent.Arch, buildEvent.Timestamp, buildEvent.Status, buildEvent.Srpm, buildEvent.Target))
                    .FirstOrDefaultAsync(cancellationToken);
                // An older result that lost the latest to a newer build must not take it back.
                if (existing is null || !isResult || !existing.GetValue("latest_build", false).ToBoolean())
                {
                    return false;
                }
                id = existing["_id"].AsObjectId;
            }

            if (BuildStatus.EndsBuild(buildEvent.Status))
            {
                var package = Package(buildEvent.Srpm, buildEvent.Target, buildEvent.Arch);
                // A Canceled build ends its Building record but leaves the latest result as it is.
                if (isResult)
                {
                    await builds.UpdateManyAsync(
                        package & Builders<BsonDocument>.Filter.Eq("latest_build", true) & Builders<BsonDocument>.Filter.Ne("_id", id),
                        Builders<BsonDocument>.Update.Set("latest_build", false), cancellationToken: cancellationToken);
                }
                await builds.UpdateManyAsync(
                    package & Builders<BsonDocument>.Filter.Eq("timestamp", buildEvent.Timestamp) & Builders<BsonDocument>.Filter.Eq("status", BuildStatus.Building),
                    Builders<BsonDocument>.Update.Set("status", BuildStatus.Done), cancellationToken: cancellationToken);
            }
            else if (buildEvent.Status == BuildStatus.Building && !string.IsNullOrEmpty(buildEvent.BuildId))
            {
                // A Building event of a build already seen with an older timestamp: the job came back after its worker died.
                var f = Builders<BsonDocument>.Filter;
                await builds.UpdateManyAsync(
                    f.Eq("build_id", buildEvent.BuildId) & f.Eq("arch", buildEvent.Arch) & f.Lt("timestamp", buildEvent.Timestamp) & f.Eq("status", BuildStatus.Building),
                    Builders<BsonDocument>.Update.Set("status", BuildStatus.Done).Set("comment", SupersededComment), cancellationToken: cancellationToken);
            }
            return recorded;
        });
    }

    public Task<bool> ContainsAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckEvent(buildEvent);
        return GuardAsync(async () => await builds
            .Find(SameEvent(buildEvent.BuildId, buildEvent.Arch, buildEvent.Timestamp, buildEvent.Status, buildEvent.Srpm, buildEvent.Target))
            .Limit(1).CountDocumentsAsync(cancellationToken) > 0);
    }

    public Task<IReadOnlyList<BuildRecord>> QueryAsync(string status, string? target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        var f = Builders<BsonDocument>.Filter;
        var filter = f.Eq("status", status);
        // As the original query tool: Building records never carry latest_build, results must.
        if (!BuildStatus.IsNeverLatest(status))
        {
            filter &= f.Eq("latest_build", true);
        }
        if (target is not null)
        {
            filter &= f.Eq("target", target);
        }
        return FindAsync(filter, cancellationToken);
    }

    public Task<IReadOnlyList<BuildRecord>> LatestAsync(string target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        var f = Builders<BsonDocument>.Filter;
        return FindAsync(f.Eq("target", target) & f.Eq("latest_build", true), cancellationToken);
    }

    public Task<bool> OverrideAsync(string srpm, string target, string arch, string comment, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(srpm);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(arch);
        ArgumentException.ThrowIfNullOrWhiteSpace(comment);
        return GuardAsync(async () =>
        {
            var updated = await builds.FindOneAndUpdateAsync(
                Package(srpm, target, arch) & Builders<BsonDocument>.Filter.Eq("latest_build", true),
                Builders<BsonDocument>.Update.Set("status", BuildStatus.Override).Set("comment", comment),
                new FindOneAndUpdateOptions<BsonDocument> { Sort = Builders<BsonDocument>.Sort.Descending("_id") },
                cancellationToken);
            return updated is not null;
        });
    }

    public Task<bool> ImportAsync(BuildRecord record, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckRecord(record);
        // The original's ObjectId is kept: importing a dump into the collection it came from adds nothing.
        var id = ObjectId.TryParse(record.SourceId, out var original) ? original : ObjectId.GenerateNewId();
        var document = new BsonDocument
        {
            { "_id", id },
            { "srpm", record.Srpm },
            { "arch", record.Arch },
            { "target", record.Target },
            { "disttag", record.Disttag },
            { "scratch", record.Scratch },
            { "submitter", (BsonValue?)record.Submitter ?? BsonNull.Value },
            { "status", record.Status },
            { "builder_fqdn", record.BuilderFqdn },
            { "evr", record.Evr },
            { "pkgname", record.PkgName },
            { "timestamp", record.Timestamp },
            { "latest_build", record.LatestBuild },
            { "build_id", (BsonValue?)record.BuildId ?? BsonNull.Value },
            { "arrived_status", HistoryKeys.ArrivedStatus(record.Status) },
            { "recorded_at", record.RecordedAt.UtcDateTime },
        };
        if (record.Comment is not null)
        {
            document.Add("comment", record.Comment);
        }
        if (record.Reason is not null)
        {
            document.Add("reason", record.Reason);
        }
        if (record.DurationSeconds is { } duration)
        {
            document.Add("duration_s", duration);
        }
        return GuardAsync(() => InsertAsync(document, cancellationToken));
    }

    public Task<BuildPage> ListAsync(BuildQuery query, CancellationToken cancellationToken = default)
    {
        BuildQuery.Check(query);
        var f = Builders<BsonDocument>.Filter;
        // The current record of each build: every one but Done.
        var filter = f.Ne("status", BuildStatus.Done);
        void Filter(string field, string? value)
        {
            if (value is not null)
            {
                filter &= f.Eq(field, value);
            }
        }
        Filter("status", query.Status);
        Filter("target", query.Target);
        Filter("arch", query.Arch);
        Filter("pkgname", query.PkgName);
        Filter("submitter", query.Submitter);
        if (query.Since is { } since)
        {
            filter &= f.Gte("recorded_at", since.UtcDateTime);
        }
        if (query.Until is { } until)
        {
            filter &= f.Lt("recorded_at", until.UtcDateTime);
        }
        if (query.Cursor is not null)
        {
            // The cursor is the ObjectId of the last document of the page before.
            if (!ObjectId.TryParse(query.Cursor, out var before))
            {
                throw new ArgumentException("the cursor is not one this history made (take next_cursor of the page before)", nameof(query));
            }
            filter &= f.Lt("_id", before);
        }
        return GuardAsync(async () =>
        {
            var documents = await builds.Find(filter).Sort(Builders<BsonDocument>.Sort.Descending("_id")).Limit(query.Limit + 1).ToListAsync(cancellationToken);
            if (documents.Count <= query.Limit)
            {
                return new BuildPage { Records = documents.Select(ToRecord).ToList() };
            }
            documents.RemoveRange(query.Limit, documents.Count - query.Limit);
            return new BuildPage { Records = documents.Select(ToRecord).ToList(), NextCursor = documents[^1]["_id"].AsObjectId.ToString() };
        });
    }

    public Task<IReadOnlyList<BuildRecord>> BuildAsync(string buildId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(buildId);
        return FindAsync(Builders<BsonDocument>.Filter.Eq("build_id", buildId), cancellationToken);
    }

    public Task<IReadOnlyList<BuildRecord>> BuildingAsync(CancellationToken cancellationToken = default) =>
        FindAsync(Builders<BsonDocument>.Filter.Eq("status", BuildStatus.Building), cancellationToken);

    public Task<IReadOnlyList<BuilderSeen>> BuildersSeenAsync(DateTimeOffset since, CancellationToken cancellationToken = default) => GuardAsync(async () =>
    {
        var pipeline = new[]
        {
            new BsonDocument("$match", new BsonDocument
            {
                { "recorded_at", new BsonDocument("$gte", since.UtcDateTime) },
                { "builder_fqdn", new BsonDocument("$nin", new BsonArray { "", BsonNull.Value }) },
            }),
            new BsonDocument("$group", new BsonDocument { { "_id", "$builder_fqdn" }, { "last_seen", new BsonDocument("$max", "$recorded_at") } }),
            new BsonDocument("$sort", new BsonDocument("_id", 1)),
        };
        var groups = await builds.Aggregate<BsonDocument>(pipeline, cancellationToken: cancellationToken).ToListAsync(cancellationToken);
        return (IReadOnlyList<BuilderSeen>)groups
            .Where(g => g["_id"].IsString)
            .Select(g => new BuilderSeen { Name = g["_id"].AsString, LastSeen = new DateTimeOffset(g["last_seen"].ToUniversalTime(), TimeSpan.Zero) })
            .ToList();
    });

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private async Task CreateIndexesAsync(CancellationToken ct)
    {
        var keys = Builders<BsonDocument>.IndexKeys;
        await builds.Indexes.CreateManyAsync(
        [
            // Documents of the original notifier have no arrived_status: they stay out of the unique index, which
            // would otherwise find a Done and its result of the same second to be one event.
            new CreateIndexModel<BsonDocument>(
                keys.Ascending("build_id").Ascending("arch").Ascending("timestamp").Ascending("arrived_status").Ascending("srpm").Ascending("target"),
                new CreateIndexOptions<BsonDocument>
                {
                    Name = "ux_event",
                    Unique = true,
                    PartialFilterExpression = Builders<BsonDocument>.Filter.Exists("arrived_status"),
                }),
            new CreateIndexModel<BsonDocument>(keys.Ascending("target").Ascending("status").Ascending("latest_build").Ascending("_id"), new CreateIndexOptions { Name = "ix_target_status" }),
            new CreateIndexModel<BsonDocument>(keys.Ascending("srpm").Ascending("target").Ascending("arch").Ascending("latest_build"), new CreateIndexOptions { Name = "ix_package" }),
            // The web API's read model: newest first by one filter or none, a build by its id, builders by recording time.
            new CreateIndexModel<BsonDocument>(keys.Ascending("target").Descending("_id"), new CreateIndexOptions { Name = "ix_target_newest" }),
            new CreateIndexModel<BsonDocument>(keys.Ascending("pkgname").Descending("_id"), new CreateIndexOptions { Name = "ix_pkgname_newest" }),
            new CreateIndexModel<BsonDocument>(keys.Ascending("status").Descending("_id"), new CreateIndexOptions { Name = "ix_status_newest" }),
            new CreateIndexModel<BsonDocument>(keys.Ascending("arch").Descending("_id"), new CreateIndexOptions { Name = "ix_arch_newest" }),
            new CreateIndexModel<BsonDocument>(keys.Ascending("submitter").Descending("_id"), new CreateIndexOptions { Name = "ix_submitter_newest" }),
            new CreateIndexModel<BsonDocument>(keys.Ascending("build_id"), new CreateIndexOptions { Name = "ix_build_id" }),
            new CreateIndexModel<BsonDocument>(keys.Ascending("recorded_at"), new CreateIndexOptions { Name = "ix_recorded_at" }),
        ], ct);
    }

    private async Task<bool> InsertAsync(BsonDocument document, CancellationToken ct)
    {
        try
        {
            await builds.InsertOneAsync(document, cancellationToken: ct);
            return true;
        }
        catch (MongoWriteException ex) when (ex.WriteError?.Code == DuplicateKey)
        {
            return false;
        }
    }

    private Task<IReadOnlyList<BuildRecord>> FindAsync(FilterDefinition<BsonDocument> filter, CancellationToken ct) => GuardAsync(async () =>
    {
        var documents = await builds.Find(filter).Sort(Builders<BsonDocument>.Sort.Ascending("_id")).ToListAsync(ct);
        return (IReadOnlyList<BuildRecord>)documents.Select(ToRecord).ToList();
    });

    // The interface's error contract: a server that cannot be reached or refuses the login is transient.
    private async Task<T> GuardAsync<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (ex is MongoConnectionException or MongoAuthenticationException or TimeoutException or MongoServerException or MongoClientException)
        {
            throw new HistoryUnavailableException($"the build history {name} is unavailable: {OneLine(ex)}", ex);
        }
    }

    // The driver's server-selection timeout carries its whole view of the cluster, stack traces included: keep the
    // first sentence and the socket error of the last heartbeat, which say what an operator needs.
    private static string OneLine(Exception ex)
    {
        var message = ex.Message;
        var clusterView = message.IndexOf(" Client view of cluster state", StringComparison.Ordinal);
        if (clusterView < 0)
        {
            return message.ReplaceLineEndings(" ");
        }
        var socket = System.Text.RegularExpressions.Regex.Match(message, @"SocketException \(\d+\): ([^\r\n]+)");
        var first = message[..clusterView].Split(" using ", 2)[0];
        return socket.Success ? $"{first}: {socket.Groups[1].Value}" : first;
    }

    private static FilterDefinition<BsonDocument> Package(string srpm, string target, string arch)
    {
        var f = Builders<BsonDocument>.Filter;
        return f.Eq("srpm", srpm) & f.Eq("target", target) & f.Eq("arch", arch);
    }

    private static FilterDefinition<BsonDocument> SameEvent(string? buildId, string arch, string timestamp, string status, string srpm, string target)
    {
        var f = Builders<BsonDocument>.Filter;
        return f.Eq("build_id", (BsonValue?)buildId ?? BsonNull.Value) & f.Eq("arch", arch) & f.Eq("timestamp", timestamp)
            & f.Eq("arrived_status", status) & f.Eq("srpm", srpm) & f.Eq("target", target);
    }

    // Original documents lack the new fields (and Building ones latest_build): read them as absent.
    private static BuildRecord ToRecord(BsonDocument d) => new()
    {
        Srpm = Text(d, "srpm") ?? "",
        Arch = Text(d, "arch") ?? "",
        Target = Text(d, "target") ?? "",
        Disttag = Text(d, "disttag") ?? "",
        Scratch = d.TryGetValue("scratch", out var scratch) && scratch.IsBoolean && scratch.AsBoolean,
        Submitter = Text(d, "submitter"),
        BuildId = Text(d, "build_id"),
        Status = Text(d, "status") ?? "",
        BuilderFqdn = Text(d, "builder_fqdn") ?? "",
        Evr = Text(d, "evr") ?? "",
        PkgName = Text(d, "pkgname") ?? "",
        Timestamp = Text(d, "timestamp") ?? "",
        LatestBuild = d.TryGetValue("latest_build", out var latest) && latest.IsBoolean && latest.AsBoolean,
        Comment = Text(d, "comment"),
        Reason = Text(d, "reason"),
        DurationSeconds = d.TryGetValue("duration_s", out var duration) && duration.IsNumeric ? duration.ToDouble() : null,
        RecordedAt = d.TryGetValue("recorded_at", out var at) && at.IsValidDateTime
            ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero)
            : d["_id"] is { IsObjectId: true } oid ? new DateTimeOffset(oid.AsObjectId.CreationTime, TimeSpan.Zero) : default,
        SourceId = d["_id"].ToString(),
    };

    private static string? Text(BsonDocument d, string field) => d.TryGetValue(field, out var value) && value.IsString ? value.AsString : null;
}
