using System.Diagnostics;
using System.Text.Json;
using Reimzul.History;
using Reimzul.Messages;

namespace Reimzul.HistoryStores;

/// <summary>
/// An <see cref="IHistoryStore"/> served by another process over <see cref="HistoryProtocol"/> (the MongoDB store,
/// whose driver cannot be compiled into the Native AOT <c>reimzul</c>). One request at a time. A store process that
/// dies, or a call given up half-way, drops the connection: that call fails as unavailable (transient) and the next
/// one starts a new process.
/// </summary>
public sealed class HistoryProcessClient : IHistoryStore
{
    private readonly Func<CancellationToken, Task<HistoryChannel>> connect;
    private readonly string name;
    private readonly SemaphoreSlim gate = new(1, 1);
    private HistoryChannel? channel;

    private HistoryProcessClient(Func<CancellationToken, Task<HistoryChannel>> connect, string name)
    {
        this.connect = connect;
        this.name = name;
    }

    /// <summary>Starts <paramref name="executable"/> with <paramref name="environment"/> and waits until it has opened its store.</summary>
    /// <exception cref="HistoryUnavailableException">It cannot start, or its store cannot be reached.</exception>
    /// <exception cref="ArgumentException">It refuses its settings (a bad connection string).</exception>
    public static Task<HistoryProcessClient> StartAsync(string executable, IReadOnlyDictionary<string, string> environment, string name, CancellationToken ct) =>
        OpenAsync(token => HistoryChannel.StartProcessAsync(executable, environment, name, token), name, ct);

    /// <summary>A client on a channel that <paramref name="connect"/> opens (and reopens after a failure).</summary>
    internal static async Task<HistoryProcessClient> OpenAsync(Func<CancellationToken, Task<HistoryChannel>> connect, string name, CancellationToken ct)
    {
        var client = new HistoryProcessClient(connect, name);
        try
        {
            await client.gate.WaitAsync(ct);
            try
            {
                await client.ConnectAsync(ct);
            }
            finally
            {
                client.gate.Release();
            }
            return client;
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    public async Task<bool> RecordAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckEvent(buildEvent);
        return (await CallAsync(new HistoryRequest { Op = HistoryProtocol.Record, Event = buildEvent }, cancellationToken)).Value;
    }

    public async Task<bool> ContainsAsync(BuildEvent buildEvent, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckEvent(buildEvent);
        return (await CallAsync(new HistoryRequest { Op = HistoryProtocol.Contains, Event = buildEvent }, cancellationToken)).Value;
    }

    public async Task<IReadOnlyList<BuildRecord>> QueryAsync(string status, string? target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(status);
        return (await CallAsync(new HistoryRequest { Op = HistoryProtocol.Query, Status = status, Target = target }, cancellationToken)).Records ?? [];
    }

    public async Task<IReadOnlyList<BuildRecord>> LatestAsync(string target, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        return (await CallAsync(new HistoryRequest { Op = HistoryProtocol.Latest, Target = target }, cancellationToken)).Records ?? [];
    }

    public async Task<bool> OverrideAsync(string srpm, string target, string arch, string comment, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(srpm);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        ArgumentException.ThrowIfNullOrWhiteSpace(arch);
        ArgumentException.ThrowIfNullOrWhiteSpace(comment);
        var request = new HistoryRequest { Op = HistoryProtocol.Override, Srpm = srpm, Target = target, Arch = arch, Comment = comment };
        return (await CallAsync(request, cancellationToken)).Value;
    }

    public async Task<bool> ImportAsync(BuildRecord record, CancellationToken cancellationToken = default)
    {
        HistoryKeys.CheckRecord(record);
        return (await CallAsync(new HistoryRequest { Op = HistoryProtocol.Import, Record = record, SourceId = record.SourceId }, cancellationToken)).Value;
    }

    public async Task<BuildPage> ListAsync(BuildQuery query, CancellationToken cancellationToken = default)
    {
        BuildQuery.Check(query);
        var reply = await CallAsync(new HistoryRequest { Op = HistoryProtocol.List, Query = query }, cancellationToken);
        return new BuildPage { Records = reply.Records ?? [], NextCursor = reply.NextCursor };
    }

    public async Task<IReadOnlyList<BuildRecord>> BuildAsync(string buildId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(buildId);
        return (await CallAsync(new HistoryRequest { Op = HistoryProtocol.Build, BuildId = buildId }, cancellationToken)).Records ?? [];
    }

    public async Task<IReadOnlyList<BuildRecord>> BuildingAsync(CancellationToken cancellationToken = default) =>
        (await CallAsync(new HistoryRequest { Op = HistoryProtocol.Building }, cancellationToken)).Records ?? [];

    public async Task<IReadOnlyList<BuilderSeen>> BuildersSeenAsync(DateTimeOffset since, CancellationToken cancellationToken = default) =>
        (await CallAsync(new HistoryRequest { Op = HistoryProtocol.BuildersSeen, Since = since }, cancellationToken)).Builders ?? [];

    public async ValueTask DisposeAsync()
    {
        if (channel is not null)
        {
            await channel.DisposeAsync();
            channel = null;
        }
        gate.Dispose();
    }

    private async Task<HistoryReply> CallAsync(HistoryRequest request, CancellationToken ct)
    {
        await gate.WaitAsync(ct);
        try
        {
            var open = channel ?? await ConnectAsync(ct);
            HistoryReply reply;
            try
            {
                await open.Input.WriteLineAsync(JsonSerializer.Serialize(request, HistoryProtocolJson.Default.HistoryRequest).AsMemory(), ct);
                await open.Input.FlushAsync(ct);
                reply = await ReadReplyAsync(open, ct);
            }
            catch
            {
                // Half a conversation: the next reply would answer this request. Start afresh next time.
                await DropAsync();
                throw;
            }
            return Unwrap(reply);
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<HistoryChannel> ConnectAsync(CancellationToken ct)
    {
        var opened = await connect(ct);
        try
        {
            Unwrap(await ReadReplyAsync(opened, ct));
        }
        catch
        {
            await opened.DisposeAsync();
            throw;
        }
        channel = opened;
        return opened;
    }

    private async Task<HistoryReply> ReadReplyAsync(HistoryChannel open, CancellationToken ct)
    {
        string? line;
        try
        {
            line = await open.Output.ReadLineAsync(ct);
        }
        catch (IOException ex)
        {
            throw new HistoryUnavailableException($"the build history {name}: lost the store process: {ex.Message}", ex);
        }
        if (line is null)
        {
            throw new HistoryUnavailableException($"the build history {name}: the store process ended{open.WhyEnded()}");
        }
        try
        {
            return JsonSerializer.Deserialize(line, HistoryProtocolJson.Default.HistoryReply)
                ?? throw new JsonException("a null reply");
        }
        catch (JsonException ex)
        {
            throw new HistoryUnavailableException($"the build history {name}: the store process answered something that is not a reply: {ex.Message}", ex);
        }
    }

    private async Task DropAsync()
    {
        if (channel is not null)
        {
            await channel.DisposeAsync();
            channel = null;
        }
    }

    private static HistoryReply Unwrap(HistoryReply reply) => reply.Ok ? reply : throw reply.ErrorKind switch
    {
        HistoryProtocol.BadInput => new ArgumentException(reply.Error),
        HistoryProtocol.Unavailable => new HistoryUnavailableException(reply.Error ?? "the history is unavailable"),
        HistoryProtocol.Schema => new HistorySchemaException(reply.Error ?? "the history has a newer schema"),
        _ => new InvalidOperationException(reply.Error),
    };
}

/// <summary>The two ends of a conversation with a store process, and what to do when it is over.</summary>
internal sealed class HistoryChannel(TextWriter input, TextReader output, Func<ValueTask> close, Func<string>? whyEnded = null) : IAsyncDisposable
{
    public TextWriter Input => input;

    public TextReader Output => output;

    public string WhyEnded() => whyEnded?.Invoke() ?? "";

    public ValueTask DisposeAsync() => close();

    public static Task<HistoryChannel> StartProcessAsync(string executable, IReadOnlyDictionary<string, string> environment, string name, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("no process");
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            throw new HistoryUnavailableException($"the build history {name}: cannot start {executable}: {ex.Message}", ex);
        }
        // stderr is kept (bounded) to say why the process ended, and never blocks it.
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } text)
            {
                errors.Enqueue(text);
                while (errors.Count > 20 && errors.TryDequeue(out string? _))
                {
                }
            }
        };
        process.BeginErrorReadLine();
        string WhyEnded()
        {
            process.WaitForExit(TimeSpan.FromSeconds(5));
            var exit = process.HasExited ? $" with exit code {process.ExitCode}" : "";
            return errors.IsEmpty ? exit : $"{exit}: {string.Join(" / ", errors)}";
        }
        async ValueTask Close()
        {
            try
            {
                // End of input is the process's cue to close its store and exit.
                process.StandardInput.Close();
                using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await process.WaitForExitAsync(wait.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                process.Kill(entireProcessTree: true);
            }
            finally
            {
                process.Dispose();
            }
        }
        return Task.FromResult(new HistoryChannel(process.StandardInput, process.StandardOutput, Close, WhyEnded));
    }
}
