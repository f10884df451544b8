using Reimzul.Messages;
using Reimzul.Queue;
using Reimzul.Queue.Embedded;
using Reimzul.Submit;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Submit;

/// <summary>An incoming dir and a real embedded queue in a temp dir, with the <see cref="BuildSubmitter"/> that uses them.</summary>
public sealed class SubmitSite : IDisposable
{
    public static readonly TimeSpan Ttr = TimeSpan.FromMinutes(7);

    private readonly TempDir dir = new("reimzul-submit");

    public SubmitSite()
    {
        Incoming = dir.Combine("incoming");
        Queues = new EmbeddedJobQueueFactory(dir.Combine("queue.db"));
        Core = new BuildSubmitter(Incoming, Queues, Ttr);
    }

    public string Incoming { get; }
    public EmbeddedJobQueueFactory Queues { get; }
    public BuildSubmitter Core { get; }

    public string Temp(params string[] parts) => dir.Combine(parts);

    /// <summary>Copies <paramref name="path"/> into the incoming dir as <paramref name="name"/> (its own name by default).</summary>
    public string PutInIncoming(string path, string? name = null)
    {
        Directory.CreateDirectory(Incoming);
        name ??= Path.GetFileName(path);
        File.Copy(path, Path.Combine(Incoming, name));
        return name;
    }

    /// <summary>As <see cref="PutInIncoming"/>, unless a file of that name is there already.</summary>
    public string PutInIncomingOnce(string path, string? name = null)
    {
        name ??= Path.GetFileName(path);
        return File.Exists(Path.Combine(Incoming, name)) ? name : PutInIncoming(path, name);
    }

    /// <summary>What the incoming dir holds, hidden temp files included but not the submit records' dir (<c>.submits</c>); nothing when it does not exist.</summary>
    public IReadOnlyList<string> IncomingFiles() =>
        Directory.Exists(Incoming)
            ? [.. Directory.GetFileSystemEntries(Incoming).Select(p => Path.GetFileName(p)!).Where(n => n != ".submits").Order(StringComparer.Ordinal)]
            : [];

    /// <summary>Takes every ready job off the build tubes, lowest priority first.</summary>
    public async Task<IReadOnlyList<IReservedJob>> TakeQueuedAsync()
    {
        await using var queue = await Queues.OpenConsumerAsync();
        var jobs = new List<IReservedJob>();
        while (await queue.ReserveAsync(Tubes.BuildTubes, TimeSpan.Zero) is { } job)
        {
            jobs.Add(job);
        }
        return jobs;
    }

    public static BuildJob Parse(IReservedJob job)
    {
        Assert.True(MessageJson.TryParseBuildJob(job.Body, out var parsed, out var error), error);
        return parsed;
    }

    public void Dispose() => dir.Dispose();
}
