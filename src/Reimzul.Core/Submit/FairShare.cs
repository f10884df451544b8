using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using Reimzul.Files;
using Reimzul.Messages;
using Reimzul.Queue;

namespace Reimzul.Submit;

/// <summary>
/// Fair share between submitters of one priority on one tube. beanstalkd serves the lowest priority first, then the
/// oldest, so a submitter's backlog would otherwise run to its end before a later submitter's first build. Instead each
/// build gets an offset within its priority's band (<see cref="Tubes.FairShareBand"/>): a submitter's builds count up
/// from where the queue is serving now (the priority of the next ready job) or from just after its own last queued
/// build, whichever is later. So A queuing 300 gets 8192…8491; B queuing 10 while A's 5th builds gets 8197…8206, and
/// the builders alternate between A and B from there. What each submitter last got is kept per tube and band in
/// <c>DATA_DIR/fair-share/</c>, under a file lock shared by the local processes. Where that dir cannot be written,
/// builds get the band's first priority (the original's 8192), as before fair share.
/// </summary>
internal sealed class FairShare(string directory, ILogger logger)
{
    public const string DirectoryName = "fair-share";

    /// <summary>
    /// Chooses the priorities of <paramref name="count"/> builds of <paramref name="submitter"/> and puts them with
    /// <paramref name="put"/>, the lock held so that two submits do not take the same places.
    /// </summary>
    public async Task<T> PlaceAsync<T>(IJobProducer queue, string tube, uint basePriority, string submitter, int count,
        Func<IReadOnlyList<uint>, Task<T>> put, CancellationToken ct)
    {
        var (first, last) = Tubes.FairShareBand(basePriority);
        if (first == last || count == 0)
        {
            return await put([.. Enumerable.Repeat(basePriority, count)]);
        }
        var name = string.Create(CultureInfo.InvariantCulture, $"{tube}-{basePriority}");
        FileLock held;
        try
        {
            Directory.CreateDirectory(directory);
            held = await FileLock.AcquireAsync(Path.Combine(directory, name + ".lock"), ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("fair share is off for this submit: {Dir} cannot be used ({Message})", directory, ex.Message);
            return await put([.. Enumerable.Repeat(basePriority, count)]);
        }
        using var _ = held;
        var statePath = Path.Combine(directory, name + ".json");
        var lastQueued = Read(statePath);
        var head = await queue.NextReadyPriorityAsync(tube, ct);
        uint serving;
        if (head is null || head > last)
        {
            // Nothing of this band is waiting: every submitter starts afresh at the band's first priority.
            lastQueued.Clear();
            serving = first;
        }
        else if (head < first)
        {
            // A more urgent job hides this band's head: the earliest of the recorded backlogs is the best guess.
            serving = lastQueued.Count == 0 ? first : Math.Max(first, lastQueued.Values.Min());
        }
        else
        {
            serving = head.Value;
        }
        // Submitters whose builds are all served or being served start where the queue is.
        foreach (var done in lastQueued.Where(p => p.Value < serving).Select(p => p.Key).ToList())
        {
            lastQueued.Remove(done);
        }
        var start = lastQueued.TryGetValue(submitter, out var own) ? Math.Max(serving, own + 1) : serving;
        var priorities = new uint[count];
        for (var i = 0; i < count; i++)
        {
            priorities[i] = (uint)Math.Min(last, (ulong)start + (ulong)i);
        }
        var result = await put(priorities);
        lastQueued[submitter] = priorities[^1];
        try
        {
            // Not flushed: a state lost in a crash costs some fairness, never a build.
            var temp = DurableFiles.TempNameFor(statePath);
            await File.WriteAllTextAsync(temp, JsonSerializer.Serialize(lastQueued, FairShareJson.Default.DictionaryStringUInt32), CancellationToken.None);
            File.Move(temp, statePath, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The jobs are in; only the next submit's placing suffers.
            logger.LogWarning("fair share could not record {Submitter}'s builds in {File}: {Message}", submitter, statePath, ex.Message);
        }
        return result;
    }

    private static Dictionary<string, uint> Read(string path)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), FairShareJson.Default.DictionaryStringUInt32) ?? [];
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            // Missing or damaged: fair share starts over, nothing else depends on it.
            return [];
        }
    }
}

[JsonSerializable(typeof(Dictionary<string, uint>))]
internal sealed partial class FairShareJson : JsonSerializerContext;
