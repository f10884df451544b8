using System.Text.Json;
using Reimzul.History;

namespace Reimzul.HistoryStores;

/// <summary>
/// Serves an <see cref="IHistoryStore"/> over <see cref="HistoryProtocol"/> on a reader and a writer (a store
/// process's stdin and stdout), until the reader ends.
/// </summary>
public static class HistoryServer
{
    /// <summary>Opens the store with <paramref name="open"/>, says whether that worked, then answers requests one by one.</summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<IHistoryStore>> open, TextReader input, TextWriter output, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(open);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        IHistoryStore store;
        try
        {
            store = await open(ct);
        }
        catch (Exception ex)
        {
            await WriteAsync(output, Failed(ex), ct);
            return 1;
        }
        await using (store)
        {
            await WriteAsync(output, new HistoryReply { Ok = true }, ct);
            while (await input.ReadLineAsync(ct) is { } line)
            {
                await WriteAsync(output, await AnswerAsync(store, line, ct), ct);
            }
        }
        return 0;
    }

    private static async Task<HistoryReply> AnswerAsync(IHistoryStore store, string line, CancellationToken ct)
    {
        try
        {
            var request = JsonSerializer.Deserialize(line, HistoryProtocolJson.Default.HistoryRequest)
                ?? throw new ArgumentException("the request is null");
            return request.Op switch
            {
                HistoryProtocol.Record => Value(await store.RecordAsync(Required(request.Event, "event"), ct)),
                HistoryProtocol.Contains => Value(await store.ContainsAsync(Required(request.Event, "event"), ct)),
                HistoryProtocol.Query => Records(await store.QueryAsync(Required(request.Status, "status"), request.Target, ct)),
                HistoryProtocol.Latest => Records(await store.LatestAsync(Required(request.Target, "target"), ct)),
                HistoryProtocol.Override => Value(await store.OverrideAsync(Required(request.Srpm, "srpm"), Required(request.Target, "target"),
                    Required(request.Arch, "arch"), Required(request.Comment, "comment"), ct)),
                HistoryProtocol.Import => Value(await store.ImportAsync(Required(request.Record, "record") with { SourceId = request.SourceId }, ct)),
                HistoryProtocol.List => Page(await store.ListAsync(Required(request.Query, "query"), ct)),
                HistoryProtocol.Build => Records(await store.BuildAsync(Required(request.BuildId, "build_id"), ct)),
                HistoryProtocol.Building => Records(await store.BuildingAsync(ct)),
                HistoryProtocol.BuildersSeen => new HistoryReply { Ok = true, Builders = await store.BuildersSeenAsync(request.Since ?? throw new ArgumentException("the request has no since"), ct) },
                var other => throw new ArgumentException($"unknown request '{other}'"),
            };
        }
        catch (JsonException ex)
        {
            return Failed(new ArgumentException($"the request is not valid JSON: {ex.Message}", ex));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(ex);
        }
    }

    private static T Required<T>(T? value, string name) where T : class => value ?? throw new ArgumentException($"the request has no {name}");

    private static HistoryReply Value(bool value) => new() { Ok = true, Value = value };

    private static HistoryReply Records(IReadOnlyList<BuildRecord> records) => new() { Ok = true, Records = records };

    private static HistoryReply Page(BuildPage page) => new() { Ok = true, Records = page.Records, NextCursor = page.NextCursor };

    private static HistoryReply Failed(Exception ex) => new()
    {
        ErrorKind = ex switch
        {
            ArgumentException => HistoryProtocol.BadInput,
            HistoryUnavailableException => HistoryProtocol.Unavailable,
            HistorySchemaException => HistoryProtocol.Schema,
            _ => HistoryProtocol.Failure,
        },
        Error = ex.Message,
    };

    private static async Task WriteAsync(TextWriter output, HistoryReply reply, CancellationToken ct)
    {
        await output.WriteLineAsync(JsonSerializer.Serialize(reply, HistoryProtocolJson.Default.HistoryReply).AsMemory(), ct);
        await output.FlushAsync(ct);
    }
}
