using System.Globalization;
using System.Text.Json;
using Reimzul.Messages;

namespace Reimzul.History;

/// <summary>One entry of a dump: a record, or why its line (or array element) was refused.</summary>
/// <param name="Where">"line 12" or "element 12" (1-based), for the operator.</param>
public sealed record DumpEntry(string Where, BuildRecord? Record, string? Error);

/// <summary>
/// Reads a dump of the original's MongoDB <c>notify_history</c>: <c>mongoexport --jsonArray</c> (one JSON array) or
/// the default JSON lines, in Extended JSON v2 relaxed or canonical form (<c>{"$oid": …}</c>,
/// <c>{"$date": "…"}</c>, <c>{"$date": {"$numberLong": "…"}}</c>, <c>{"$numberInt": …}</c>). Documents of the
/// original have no <c>build_id</c> and Building ones no <c>latest_build</c>; both read as absent.
/// </summary>
public static class NotifyHistoryDump
{
    private static readonly string[] Required = ["srpm", "arch", "target", "status", "timestamp"];

    /// <summary>Every entry of the dump in order; a bad entry is returned with its reason and the others still come.</summary>
    /// <exception cref="FormatException">The file is a JSON array that cannot be parsed at all.</exception>
    public static async IAsyncEnumerable<DumpEntry> ReadAsync(string path, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct = default)
    {
        if (await StartsWithArrayAsync(path, ct))
        {
            JsonDocument array;
            await using (var stream = File.OpenRead(path))
            {
                try
                {
                    array = await JsonDocument.ParseAsync(stream, default, ct);
                }
                catch (JsonException ex)
                {
                    throw new FormatException($"{path} starts as a JSON array (mongoexport --jsonArray) but is not valid JSON: {ex.Message}", ex);
                }
            }
            using (array)
            {
                var index = 0;
                foreach (var element in array.RootElement.EnumerateArray())
                {
                    index++;
                    yield return Entry($"element {index}", element);
                }
            }
            yield break;
        }
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        var number = 0;
        while (await reader.ReadLineAsync(ct) is { } line)
        {
            number++;
            if (!string.IsNullOrWhiteSpace(line))
            {
                yield return Line($"line {number}", line);
            }
        }
    }

    private static async Task<bool> StartsWithArrayAsync(string path, CancellationToken ct)
    {
        using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
        var buffer = new char[1];
        while (await reader.ReadAsync(buffer, ct) == 1)
        {
            if (!char.IsWhiteSpace(buffer[0]))
            {
                return buffer[0] == '[';
            }
        }
        return false;
    }

    private static DumpEntry Line(string where, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return Entry(where, document.RootElement);
        }
        catch (JsonException ex)
        {
            return new DumpEntry(where, null, $"not valid JSON: {ex.Message}");
        }
    }

    /// <summary>The record a document of <c>notify_history</c> stands for, or why it cannot be one.</summary>
    public static DumpEntry Entry(string where, JsonElement document)
    {
        try
        {
            return new DumpEntry(where, ToRecord(document), null);
        }
        catch (FormatException ex)
        {
            return new DumpEntry(where, null, ex.Message);
        }
    }

    private static BuildRecord ToRecord(JsonElement d)
    {
        if (d.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"not a document but a JSON {d.ValueKind.ToString().ToLowerInvariant()}");
        }
        foreach (var field in Required)
        {
            if (Text(d, field) is null or { Length: 0 })
            {
                throw new FormatException($"no {field}");
            }
        }
        var status = Text(d, "status")!;
        if (!BuildStatus.All.Contains(status))
        {
            throw new FormatException($"status '{status}' is not a history status ({string.Join(", ", BuildStatus.All)})");
        }
        var sourceId = ObjectId(d);
        return new BuildRecord
        {
            Srpm = Text(d, "srpm")!,
            Arch = Text(d, "arch")!,
            Target = Text(d, "target")!,
            Disttag = Text(d, "disttag") ?? "",
            Scratch = Bool(d, "scratch"),
            Submitter = Text(d, "submitter"),
            BuildId = Text(d, "build_id") is { Length: > 0 } buildId ? buildId : null,
            Status = status,
            BuilderFqdn = Text(d, "builder_fqdn") ?? "",
            Evr = Text(d, "evr") ?? "",
            PkgName = Text(d, "pkgname") ?? "",
            Timestamp = Text(d, "timestamp")!,
            LatestBuild = Bool(d, "latest_build"),
            Comment = Text(d, "comment"),
            Reason = Text(d, "reason"),
            // The original stored no date: an ObjectId holds its creation second, which is when the event was recorded.
            RecordedAt = Date(d, "recorded_at") ?? (sourceId is null ? DateTimeOffset.UnixEpoch : CreationTime(sourceId)),
            SourceId = sourceId,
        };
    }

    private static string? ObjectId(JsonElement d)
    {
        if (!d.TryGetProperty("_id", out var id))
        {
            return null;
        }
        var hex = id.ValueKind == JsonValueKind.Object && id.TryGetProperty("$oid", out var oid) && oid.ValueKind == JsonValueKind.String ? oid.GetString()
            : id.ValueKind == JsonValueKind.String ? id.GetString()
            : throw new FormatException("_id is neither {\"$oid\": …} nor a string");
        return hex is { Length: 24 } && hex.All(char.IsAsciiHexDigit) ? hex.ToLowerInvariant() : throw new FormatException($"_id '{hex}' is not an ObjectId (24 hex digits)");
    }

    private static DateTimeOffset CreationTime(string objectId) =>
        DateTimeOffset.FromUnixTimeSeconds(long.Parse(objectId[..8], NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    // A string, or a number written as Extended JSON ({"$numberLong": "20181005120000"}): timestamps were strings, but a
    // tool that rewrote the collection may have stored them as numbers.
    private static string? Text(JsonElement d, string field)
    {
        if (!d.TryGetProperty(field, out var value))
        {
            return null;
        }
        var number = value.ValueKind == JsonValueKind.Object ? Wrapped(value, "$numberLong") ?? Wrapped(value, "$numberInt") : null;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.Object when number is not null => number,
            _ => throw new FormatException($"{field} is a JSON {value.ValueKind.ToString().ToLowerInvariant()}, not a string"),
        };
    }

    private static bool Bool(JsonElement d, string field)
    {
        if (!d.TryGetProperty(field, out var value))
        {
            return false;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            // Python's str(True), as a hand-made submit may have sent it.
            JsonValueKind.String when value.GetString() is { } text && bool.TryParse(text, out var parsed) => parsed,
            _ => throw new FormatException($"{field} is not a boolean: {value.GetRawText()}"),
        };
    }

    private static DateTimeOffset? Date(JsonElement d, string field)
    {
        if (!d.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var date = value.ValueKind == JsonValueKind.Object && value.TryGetProperty("$date", out var wrapped) ? wrapped : value;
        if (date.ValueKind == JsonValueKind.String
            && DateTimeOffset.TryParse(date.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var iso))
        {
            return iso.ToUniversalTime();
        }
        var milliseconds = date.ValueKind == JsonValueKind.Number && date.TryGetInt64(out var ms) ? ms
            : date.ValueKind == JsonValueKind.Object && Wrapped(date, "$numberLong") is { } text
                && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed) ? parsed
            : (long?)null;
        if (milliseconds is { } msSinceEpoch && msSinceEpoch is >= -62135596800000 and <= 253402300799999)
        {
            return DateTimeOffset.FromUnixTimeMilliseconds(msSinceEpoch);
        }
        throw new FormatException($"{field} is not a date ({{\"$date\": \"2018-10-05T12:00:00Z\"}} or {{\"$date\": {{\"$numberLong\": \"…\"}}}}): {value.GetRawText()}");
    }

    private static string? Wrapped(JsonElement value, string key) =>
        value.TryGetProperty(key, out var inner) && inner.ValueKind == JsonValueKind.String ? inner.GetString() : null;
}
