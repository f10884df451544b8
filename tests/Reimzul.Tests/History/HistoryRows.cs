using Microsoft.Data.Sqlite;

namespace Reimzul.Tests.History;

/// <summary>Reads the history table directly, as an operator with the sqlite3 shell would.</summary>
public static class HistoryRows
{
    public sealed record Row(string Srpm, string Arch, string Timestamp, string Status, bool LatestBuild, string? Comment);

    public static List<Row> All(string databasePath)
    {
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = databasePath,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString();
        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT srpm, arch, timestamp, status, latest_build, comment FROM build_history ORDER BY id;";
        using var reader = command.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
        {
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return rows;
    }
}
