using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reimzul.Messages;

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(BuildJob))]
[JsonSerializable(typeof(BuildEvent))]
[JsonSerializable(typeof(CreaterepoRequest))]
[JsonSerializable(typeof(TosignRequest))]
internal sealed partial class MessageJsonContext : JsonSerializerContext;

/// <summary>Encodes and decodes queue bodies; decoding never throws for bad input, it says what is wrong.</summary>
public static class MessageJson
{
    public static string Serialize(BuildJob value) => JsonSerializer.Serialize(value, MessageJsonContext.Default.BuildJob);
    public static string Serialize(BuildEvent value) => JsonSerializer.Serialize(value, MessageJsonContext.Default.BuildEvent);
    public static string Serialize(CreaterepoRequest value) => JsonSerializer.Serialize(value, MessageJsonContext.Default.CreaterepoRequest);
    public static string Serialize(TosignRequest value) => JsonSerializer.Serialize(value, MessageJsonContext.Default.TosignRequest);

    public static bool TryParseBuildJob(string body, out BuildJob job, out string error)
    {
        job = new BuildJob();
        if (!TryDeserialize(body, MessageJsonContext.Default.BuildJob, out var parsed, out error))
        {
            return false;
        }
        job = parsed;
        return RequireFields(out error, ("srpm", job.Srpm), ("arch", job.Arch), ("target", job.Target), ("disttag", job.Disttag));
    }

    public static bool TryParseBuildEvent(string body, out BuildEvent ev, out string error)
    {
        ev = new BuildEvent();
        if (!TryDeserialize(body, MessageJsonContext.Default.BuildEvent, out var parsed, out error))
        {
            return false;
        }
        ev = parsed;
        return RequireFields(out error, ("srpm", ev.Srpm), ("arch", ev.Arch), ("target", ev.Target), ("status", ev.Status), ("timestamp", ev.Timestamp));
    }

    public static bool TryParseCreaterepoRequest(string body, out CreaterepoRequest request, out string error)
    {
        request = new CreaterepoRequest();
        if (!TryDeserialize(body, MessageJsonContext.Default.CreaterepoRequest, out var parsed, out error))
        {
            return false;
        }
        request = parsed;
        return RequireFields(out error, ("target", request.Target));
    }

    public static bool TryParseTosignRequest(string body, out TosignRequest request, out string error)
    {
        request = new TosignRequest();
        if (!TryDeserialize(body, MessageJsonContext.Default.TosignRequest, out var parsed, out error))
        {
            return false;
        }
        request = parsed;
        return RequireFields(out error, ("pkgname", request.PkgName), ("target", request.Target), ("timestamp", request.Timestamp));
    }

    private static bool TryDeserialize<T>(string body, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> info, out T value, out string error)
        where T : class
    {
        value = null!;
        try
        {
            var parsed = JsonSerializer.Deserialize(body, info);
            if (parsed is null)
            {
                error = "body is JSON null, expected an object";
                return false;
            }
            value = parsed;
            error = "";
            return true;
        }
        catch (JsonException ex)
        {
            error = $"body is not a valid JSON object: {ex.Message}";
            return false;
        }
    }

    private static bool RequireFields(out string error, params (string Name, string Value)[] fields)
    {
        var missing = fields.Where(f => string.IsNullOrWhiteSpace(f.Value)).Select(f => f.Name).ToList();
        error = missing.Count == 0 ? "" : $"missing or empty field(s): {string.Join(", ", missing)}";
        return missing.Count == 0;
    }
}
