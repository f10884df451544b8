using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Reimzul.Benchmarks;

/// <summary>
/// A history of N builds written straight into the SQLite store's table, as the notifier leaves it: a Done record
/// (the superseded Building) and a result per build, over 20 targets and 2,500 packages each, one build a minute,
/// one in ten failed; then ANALYZE, as an operator's long-lived database has statistics. Shared by the API and UI
/// benchmarks, so both measure the same history.
/// </summary>
internal static class HistoryGenerator
{
    public const int Targets = 20;
    public const int PackagesPerTarget = 2_500;

    public static async Task FillAsync(string path, int builds)
    {
        await using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        await connection.OpenAsync();
        await using var transaction = connection.BeginTransaction();
        await using var insert = connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = """
            INSERT INTO build_history (srpm, arch, target, disttag, scratch, submitter, build_id, status, arrived_status, builder_fqdn, evr,
                pkgname, timestamp, latest_build, recorded_at, duration_s)
            VALUES ($srpm, 'x86_64', $target, '.el7', 0, 'bench', $build_id, $status, $arrived, 'builder1', '1.0-1', $pkg, $timestamp, $latest, $recorded, 12.5);
            """;
        var p = new[] { "$srpm", "$target", "$build_id", "$status", "$arrived", "$pkg", "$timestamp", "$latest", "$recorded" }
            .Select(n => insert.Parameters.Add(n, SqliteType.Text)).ToArray();
        insert.Prepare();
        var rounds = (builds + Targets * PackagesPerTarget - 1) / (Targets * PackagesPerTarget);
        var start = DateTime.UtcNow.AddMinutes(-builds);
        for (var i = 0; i < builds; i++)
        {
            var package = $"pkg{i / Targets % PackagesPerTarget}";
            var time = start.AddMinutes(i);
            var result = i / Targets % 10 == 3 ? "Failed" : "Success";
            var latest = i / (Targets * PackagesPerTarget) == rounds - 1 || i + Targets * PackagesPerTarget >= builds;
            (p[0].Value, p[1].Value, p[2].Value, p[5].Value, p[6].Value) =
                ($"{package}-1.0-1.src.rpm", $"c7.bench{i % Targets}.x86_64", $"b{i:D8}", package, time.ToString("yyyyMMddHHmmss", CultureInfo.InvariantCulture));
            (p[3].Value, p[4].Value, p[7].Value, p[8].Value) = ("Done", "Building", 0, time.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync();
            (p[3].Value, p[4].Value, p[7].Value, p[8].Value) = (result, result, latest ? 1 : 0, time.AddSeconds(40).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture));
            await insert.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        await using var analyze = connection.CreateCommand();
        analyze.CommandText = "ANALYZE;";
        await analyze.ExecuteNonQueryAsync();
    }
}
