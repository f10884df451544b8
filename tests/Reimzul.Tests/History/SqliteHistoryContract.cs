using Reimzul.History;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.History;

/// <summary>The history contract on the embedded default: one SQLite file.</summary>
public sealed class SqliteHistoryContract : HistoryStoreContract, IDisposable
{
    private readonly TempDir dir = new("reimzul-history");

    private string DatabasePath => dir.Combine("history", "history.db");

    protected override async Task<IHistoryStore> OpenAsync(TimeProvider time) => await SqliteHistoryStore.OpenAsync(DatabasePath, time);

    protected override Task<List<HistoryRows.Row>> RowsAsync() => Task.FromResult(HistoryRows.All(DatabasePath));

    public void Dispose() => dir.Dispose();
}
