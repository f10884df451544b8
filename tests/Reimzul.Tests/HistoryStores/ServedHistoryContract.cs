using System.IO.Pipes;
using Reimzul.History;
using Reimzul.HistoryStores;
using Reimzul.Tests.History;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.HistoryStores;

/// <summary>
/// The history contract through the process protocol: a SQLite store served by <see cref="HistoryServer"/> and used
/// through <see cref="HistoryProcessClient"/>, over pipes. What the MongoDB store process does, without MongoDB.
/// </summary>
public sealed class ServedHistoryContract : HistoryStoreContract, IDisposable
{
    private readonly TempDir dir = new("reimzul-history-served");

    private string DatabasePath => dir.Combine("history.db");

    protected override async Task<IHistoryStore> OpenAsync(TimeProvider time) =>
        await HistoryProcessClient.OpenAsync(_ => Task.FromResult(ServedOverPipes(
            async ct => await SqliteHistoryStore.OpenAsync(DatabasePath, time, ct))), "served sqlite", CancellationToken.None);

    protected override Task<List<HistoryRows.Row>> RowsAsync() => Task.FromResult(HistoryRows.All(DatabasePath));

    public void Dispose() => dir.Dispose();

    /// <summary>A channel to a <see cref="HistoryServer"/> running in this process on two pipes.</summary>
    internal static HistoryChannel ServedOverPipes(Func<CancellationToken, Task<IHistoryStore>> open)
    {
        var toServer = new AnonymousPipeServerStream(PipeDirection.Out);
        var serverInput = new AnonymousPipeClientStream(PipeDirection.In, toServer.ClientSafePipeHandle);
        var toClient = new AnonymousPipeServerStream(PipeDirection.Out);
        var clientInput = new AnonymousPipeClientStream(PipeDirection.In, toClient.ClientSafePipeHandle);
        var serverWriter = new StreamWriter(toClient) { AutoFlush = false };
        var server = Task.Run(async () =>
        {
            using var reader = new StreamReader(serverInput);
            try
            {
                return await HistoryServer.RunAsync(open, reader, serverWriter, CancellationToken.None);
            }
            finally
            {
                await serverWriter.DisposeAsync();
            }
        });
        var input = new StreamWriter(toServer);
        var output = new StreamReader(clientInput);
        return new HistoryChannel(input, output, async () =>
        {
            // End of input ends the server, which closes its store: the file is free when this returns.
            await input.DisposeAsync();
            await server;
            output.Dispose();
        });
    }
}
