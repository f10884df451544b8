using System.Text.Json;
using System.Text.Json.Serialization;
using Reimzul.Files;

namespace Reimzul.Submit;

/// <summary>
/// The build ids submitters have used as idempotency keys, one small file per key in a dir of the controller's
/// incoming dir (<c>incoming/.submits/KEY.json</c>), written durably so a controller killed just after a put still
/// knows the key after its restart.
/// </summary>
internal sealed class SubmitRecords(string directory)
{
    public const string DirectoryName = ".submits";

    public string Directory { get; } = directory;

    /// <summary>32 lower-case hex digits, as <see cref="Messages.BuildIds.New"/> makes: safe as a file name.</summary>
    public static bool IsValidKey(string key) =>
        key.Length == 32 && key.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));

    /// <summary>The record of <paramref name="key"/>, or null when the key was never used (or its record was pruned).</summary>
    public SubmitRecord? Read(string key)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(PathOf(key)), SubmitRecordJson.Default.SubmitRecord);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (JsonException)
        {
            // Written whole or not at all, so this is damage from elsewhere: whether it was queued is unknown.
            return new SubmitRecord { State = SubmitRecord.Pending };
        }
    }

    /// <summary>Replaces the record whole (through a rename); <paramref name="durable"/>: on disk before this returns.</summary>
    public void Write(string key, SubmitRecord record, bool durable = true)
    {
        if (!System.IO.Directory.Exists(Directory))
        {
            System.IO.Directory.CreateDirectory(Directory);
            DurableFiles.FsyncDirectory(Path.GetDirectoryName(Path.GetFullPath(Directory))!);
        }
        var text = JsonSerializer.Serialize(record, SubmitRecordJson.Default.SubmitRecord);
        if (durable)
        {
            DurableFiles.WriteAllText(PathOf(key), text);
            return;
        }
        var temp = DurableFiles.TempNameFor(PathOf(key));
        File.WriteAllText(temp, text);
        File.Move(temp, PathOf(key), overwrite: true);
    }

    public void Delete(string key)
    {
        File.Delete(PathOf(key));
        DurableFiles.FsyncDirectory(Directory);
    }

    /// <summary>Removes the records last written before <paramref name="before"/>; returns how many.</summary>
    public int Prune(DateTimeOffset before) => DurableFiles.DeleteWrittenBefore(Directory, "*", before);

    private string PathOf(string key) => Path.Combine(Directory, key + ".json");
}

/// <summary>What a key was used for, and (once the job is in) the receipt a repeated submit gets back.</summary>
internal sealed record SubmitRecord
{
    /// <summary>Written before the put: if only this is on disk, the put may or may not have gone in.</summary>
    public const string Pending = "pending";

    public const string Queued = "queued";

    [JsonPropertyName("state")] public string State { get; init; } = Pending;
    [JsonPropertyName("srpm")] public string Srpm { get; init; } = "";
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";

    /// <summary>The requested target, without the arch.</summary>
    [JsonPropertyName("target")] public string Target { get; init; } = "";

    [JsonPropertyName("disttag")] public string Disttag { get; init; } = "";
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("now")] public bool Now { get; init; }
    [JsonPropertyName("background")] public bool Background { get; init; }
    [JsonPropertyName("submitter")] public string Submitter { get; init; } = "";
    [JsonPropertyName("job_id")] public long JobId { get; init; }
    [JsonPropertyName("tube")] public string Tube { get; init; } = "";
    [JsonPropertyName("priority")] public uint Priority { get; init; }

    public static SubmitRecord For(SubmitOrder order, string submitter) => new()
    {
        Srpm = order.Srpm,
        Arch = order.Arch,
        Target = order.Target,
        Disttag = order.Disttag,
        Scratch = order.Scratch,
        Now = order.Now,
        Background = order.Background,
        Submitter = submitter,
    };

    public bool IsFor(SubmitOrder order, string submitter) =>
        (Srpm, Arch, Target, Disttag, Scratch, Now, Background, Submitter) == (order.Srpm, order.Arch, order.Target, order.Disttag, order.Scratch, order.Now, order.Background, submitter);
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(SubmitRecord))]
internal sealed partial class SubmitRecordJson : JsonSerializerContext;
