using Reimzul.History;
using Reimzul.HistoryStores;
using Reimzul.Tests.History;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.HistoryStores;

/// <summary>The history contract on a real PostgreSQL cluster; each test has a database of its own.</summary>
public sealed class PostgreSqlHistoryContract(PostgreSqlServer server) : HistoryStoreContract, IClassFixture<PostgreSqlServer>
{
    private string connectionString = null!;

    public override async Task InitializeAsync()
    {
        connectionString = await server.CreateDatabaseAsync();
        await base.InitializeAsync();
    }

    protected override async Task<IHistoryStore> OpenAsync(TimeProvider time) =>
        await PostgreSqlHistoryStore.OpenAsync(connectionString, server.PasswordFile, time);

    protected override async Task<List<HistoryRows.Row>> RowsAsync()
    {
        await using var connection = await PostgreSqlServer.ConnectAsync(connectionString);
        await using var command = new Npgsql.NpgsqlCommand("SELECT srpm, arch, timestamp, status, latest_build, comment FROM build_history ORDER BY id;", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<HistoryRows.Row>();
        while (await reader.ReadAsync())
        {
            rows.Add(new HistoryRows.Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5)));
        }
        return rows;
    }
}
