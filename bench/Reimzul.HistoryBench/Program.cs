using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;
using NpgsqlTypes;
using Reimzul.History;
using Reimzul.HistoryStores;
using Reimzul.Messages;
using Reimzul.Tests.Support;

// The history benchmarks of BENCHMARKS.md, on SQLite and on a real PostgreSQL cluster:
//  1. a generated history of N builds (a Done and a result row each): median of `query -s Success -t TARGET`
//     (QueryAsync) and of "latest builds of a target" (LatestAsync), each run 30 times;
//  2. RecordAsync (Building + result per build, as the notifier records) against the raw insert rate of the same
//     database: one plain INSERT of the same row per transaction, no lookups.
var builds = Option("--builds", 1_000_000);
var events = Option("--events", 4_000);
const int Targets = 20;
const int Runs = 30;
Console.WriteLine($"history: {builds:N0} builds over {Targets} targets, {Runs} runs per query; insert rates over {events:N0} events");

using var work = new TempDir("reimzul-history-bench");
var only = args.SkipWhile(a => a != "--store").Skip(1).FirstOrDefault();
if (only is null or "sqlite")
{
    await SqliteAsync();
}
if (only is null or "postgresql")
{
    await PostgreSqlAsync();
}
return 0;

async Task SqliteAsync()
{
    var path = work.Combine("bench.db");
    await (await SqliteHistoryStore.OpenAsync(path)).DisposeAsync();
    var generate = Stopwatch.StartNew();
    using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
    {
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO build_history (srpm, arch, target, disttag, scratch, submitter, build_id, status, arrived_status, builder_fqdn, evr,
                pkgname, timestamp, latest_build, recorded_at)
            VALUES ($srpm, $arch, $target, '.el7', 0, 'bench', $build_id, $status, $arrived, 'builder1', '1.0-1', $pkg, $timestamp, $latest, '2026-01-01T00:00:00Z');
            """;
        var p = new[] { "$srpm", "$arch", "$target", "$build_id", "$status", "$arrived", "$pkg", "$timestamp", "$latest" }
            .Select(n => insert.Parameters.Add(n, SqliteType.Text)).ToArray();
        insert.Prepare();
        foreach (var row in Generated(builds))
        {
            (p[0].Value, p[1].Value, p[2].Value, p[3].Value, p[4].Value, p[5].Value, p[6].Value, p[7].Value, p[8].Value) =
                (row.Srpm, "x86_64", row.Target, row.BuildId, row.Status, row.Arrived, row.Package, row.Timestamp, row.Latest ? 1 : 0);
            insert.ExecuteNonQuery();
        }
        transaction.Commit();
    }
    Console.WriteLine($"sqlite: generated {builds:N0} builds ({2L * builds:N0} rows) in {generate.Elapsed.TotalSeconds:0.0} s");
    using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
    {
        connection.Open();
        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN SELECT * FROM build_history WHERE status = 'Success' AND latest_build = 1 AND target = 'c7.bench7.x86_64' ORDER BY id;";
        using var reader = explain.ExecuteReader();
        while (reader.Read())
        {
            Console.WriteLine($"sqlite: plan of the query: {reader.GetString(3)}");
        }
    }
    await using (var store = await SqliteHistoryStore.OpenAsync(path))
    {
        await QueriesAsync("sqlite", store);
    }

    var rawPath = work.Combine("raw.db");
    await (await SqliteHistoryStore.OpenAsync(rawPath)).DisposeAsync();
    double raw;
    using (var connection = new SqliteConnection($"Data Source={rawPath};Pooling=False"))
    {
        connection.Open();
        using (var wal = connection.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            wal.ExecuteNonQuery();
        }
        using var insert = connection.CreateCommand();
        insert.CommandText = """
            INSERT INTO build_history (srpm, arch, target, disttag, scratch, submitter, build_id, status, arrived_status, builder_fqdn, evr,
                pkgname, timestamp, latest_build, recorded_at)
            VALUES ($srpm, 'x86_64', 'c7.bench.x86_64', '.el7', 0, 'bench', $build_id, $status, $status, 'builder1', '1.0-1', 'p', $timestamp, 0, '2026-01-01T00:00:00Z');
            """;
        var srpm = insert.Parameters.Add("$srpm", SqliteType.Text);
        var buildId = insert.Parameters.Add("$build_id", SqliteType.Text);
        var status = insert.Parameters.Add("$status", SqliteType.Text);
        var timestamp = insert.Parameters.Add("$timestamp", SqliteType.Text);
        insert.Prepare();
        var clock = Stopwatch.StartNew();
        foreach (var e in Events(events))
        {
            using var transaction = connection.BeginTransaction();
            insert.Transaction = transaction;
            (srpm.Value, buildId.Value, status.Value, timestamp.Value) = (e.Srpm, e.BuildId, e.Status, e.Timestamp);
            insert.ExecuteNonQuery();
            transaction.Commit();
        }
        raw = events / clock.Elapsed.TotalSeconds;
    }
    await using (var store = await SqliteHistoryStore.OpenAsync(work.Combine("record.db")))
    {
        Rates("sqlite", raw, await RecordRateAsync(store));
    }
}

async Task PostgreSqlAsync()
{
    await using var server = new PostgreSqlServer();
    await server.InitializeAsync();
    try
    {
        // The store's own pooling, as the notifier runs it (the tests' connection strings turn pooling off).
        var url = (await server.CreateDatabaseAsync()).Replace(";Pooling=false", "", StringComparison.Ordinal);
        await (await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System)).DisposeAsync();
        var generate = Stopwatch.StartNew();
        await using (var connection = await PostgreSqlServer.ConnectAsync(url))
        {
            await using (var copy = await connection.BeginBinaryImportAsync("""
                COPY build_history (srpm, arch, target, disttag, scratch, submitter, build_id, status, arrived_status, builder_fqdn, evr,
                    pkgname, timestamp, latest_build, recorded_at) FROM STDIN (FORMAT BINARY)
                """))
            {
                var recordedAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
                foreach (var row in Generated(builds))
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(row.Srpm);
                    await copy.WriteAsync("x86_64");
                    await copy.WriteAsync(row.Target);
                    await copy.WriteAsync(".el7");
                    await copy.WriteAsync(false);
                    await copy.WriteAsync("bench");
                    await copy.WriteAsync(row.BuildId);
                    await copy.WriteAsync(row.Status);
                    await copy.WriteAsync(row.Arrived);
                    await copy.WriteAsync("builder1");
                    await copy.WriteAsync("1.0-1");
                    await copy.WriteAsync(row.Package);
                    await copy.WriteAsync(row.Timestamp);
                    await copy.WriteAsync(row.Latest);
                    await copy.WriteAsync(recordedAt, NpgsqlDbType.TimestampTz);
                }
                await copy.CompleteAsync();
            }
            // What autovacuum would do shortly after such a load; the planner needs the statistics.
            await using (var analyze = new NpgsqlCommand("ANALYZE build_history;", connection))
            {
                await analyze.ExecuteNonQueryAsync();
            }
            await using var explain = new NpgsqlCommand(
                "EXPLAIN (ANALYZE, COSTS OFF) SELECT * FROM build_history WHERE status = 'Success' AND latest_build AND target = 'c7.bench7.x86_64' ORDER BY id;", connection);
            await using var plan = await explain.ExecuteReaderAsync();
            while (await plan.ReadAsync())
            {
                Console.WriteLine($"postgresql: plan of the query: {plan.GetString(0)}");
            }
        }
        Console.WriteLine($"postgresql: generated {builds:N0} builds ({2L * builds:N0} rows) in {generate.Elapsed.TotalSeconds:0.0} s");
        await using (var store = await PostgreSqlHistoryStore.OpenAsync(url, server.PasswordFile, TimeProvider.System))
        {
            await QueriesAsync("postgresql", store);
        }

        var rawUrl = await server.CreateDatabaseAsync();
        await (await PostgreSqlHistoryStore.OpenAsync(rawUrl, server.PasswordFile, TimeProvider.System)).DisposeAsync();
        double raw;
        await using (var connection = await PostgreSqlServer.ConnectAsync(rawUrl))
        {
            await using var insert = new NpgsqlCommand("""
                INSERT INTO build_history (srpm, arch, target, disttag, scratch, submitter, build_id, status, arrived_status, builder_fqdn, evr,
                    pkgname, timestamp, latest_build, recorded_at)
                VALUES (@srpm, 'x86_64', 'c7.bench.x86_64', '.el7', false, 'bench', @build_id, @status, @status, 'builder1', '1.0-1', 'p', @timestamp, false, now());
                """, connection);
            var srpm = insert.Parameters.Add("srpm", NpgsqlDbType.Text);
            var buildId = insert.Parameters.Add("build_id", NpgsqlDbType.Text);
            var status = insert.Parameters.Add("status", NpgsqlDbType.Text);
            var timestamp = insert.Parameters.Add("timestamp", NpgsqlDbType.Text);
            await insert.PrepareAsync();
            var clock = Stopwatch.StartNew();
            foreach (var e in Events(events))
            {
                (srpm.Value, buildId.Value, status.Value, timestamp.Value) = (e.Srpm, e.BuildId, e.Status, e.Timestamp);
                await insert.ExecuteNonQueryAsync();
            }
            raw = events / clock.Elapsed.TotalSeconds;
        }
        var pooled = (await server.CreateDatabaseAsync()).Replace(";Pooling=false", "", StringComparison.Ordinal);
        await using (var store = await PostgreSqlHistoryStore.OpenAsync(pooled, server.PasswordFile, TimeProvider.System))
        {
            Rates("postgresql", raw, await RecordRateAsync(store));
        }
    }
    finally
    {
        await server.DisposeAsync();
        server.Dispose();
    }
}

async Task QueriesAsync(string name, IHistoryStore store)
{
    var target = "c7.bench7.x86_64";
    var query = new List<double>();
    var latest = new List<double>();
    int found = 0, latestFound = 0;
    // One warm-up each: the first run pays for opening files and plans.
    await store.QueryAsync(BuildStatus.Success, target);
    await store.LatestAsync(target);
    for (var i = 0; i < Runs; i++)
    {
        var clock = Stopwatch.StartNew();
        found = (await store.QueryAsync(BuildStatus.Success, target)).Count;
        query.Add(clock.Elapsed.TotalMilliseconds);
        clock.Restart();
        latestFound = (await store.LatestAsync(target)).Count;
        latest.Add(clock.Elapsed.TotalMilliseconds);
    }
    Console.WriteLine($"{name}: query -s Success -t {target}: median {Median(query):0.0} ms ({found:N0} records); latest builds of the target: median {Median(latest):0.0} ms ({latestFound:N0} records)");
}

async Task<double> RecordRateAsync(IHistoryStore store)
{
    var clock = Stopwatch.StartNew();
    foreach (var e in Events(events))
    {
        await store.RecordAsync(e);
    }
    return events / clock.Elapsed.TotalSeconds;
}

void Rates(string name, double raw, double record) =>
    Console.WriteLine($"{name}: raw insert (one row per transaction) {raw:N0} rows/s; store RecordAsync {record:N0} events/s (ratio {record / raw:0.00})");

// Each build: its Building row (now Done) and its result; builds of one (srpm, target) in time order, the last one latest.
static IEnumerable<(string Srpm, string Target, string Package, string BuildId, string Status, string Arrived, string Timestamp, bool Latest)> Generated(int builds)
{
    const int packagesPerTarget = 2_500;
    var perPackage = (builds + Targets * packagesPerTarget - 1) / (Targets * packagesPerTarget);
    for (var i = 0; i < builds; i++)
    {
        var target = $"c7.bench{i % Targets}.x86_64";
        var package = $"pkg{i / Targets % packagesPerTarget}";
        var round = i / (Targets * packagesPerTarget);
        var timestamp = new DateTime(2020, 1, 1).AddMinutes(i).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture);
        var latest = round == perPackage - 1 || i + Targets * packagesPerTarget >= builds;
        var result = i / Targets % 10 == 3 ? BuildStatus.Failed : BuildStatus.Success;
        var srpm = $"{package}-1.0-1.el7.src.rpm";
        yield return (srpm, target, package, $"b{i}", BuildStatus.Done, BuildStatus.Building, timestamp, false);
        yield return (srpm, target, package, $"b{i}", result, result, timestamp, latest);
    }
}

// As the notifier sees them: a Building event, then its result.
static IEnumerable<BuildEvent> Events(int count)
{
    for (var i = 0; i < count; i++)
    {
        var build = i / 2;
        yield return new BuildEvent
        {
            Srpm = $"p{build % 500}-1.0-1.el7.src.rpm",
            Arch = "x86_64",
            Target = "c7.bench.x86_64",
            Disttag = ".el7",
            Submitter = "bench",
            BuildId = $"e{build}",
            Status = i % 2 == 0 ? BuildStatus.Building : BuildStatus.Success,
            BuilderFqdn = "builder1",
            Evr = "1.0-1",
            PkgName = $"p{build % 500}",
            Timestamp = new DateTime(2026, 1, 1).AddSeconds(build).ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture),
        };
    }
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
}

int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}
