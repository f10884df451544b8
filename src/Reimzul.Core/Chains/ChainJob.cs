using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Reimzul.Messages;
using Reimzul.Validation;

namespace Reimzul.Chains;

/// <summary>
/// A chain build on the <c>chain</c> tube (<see cref="Tube"/>): groups of SRPMs for one arch and target, each group
/// built only once every build of the group before it succeeded and is listed in the target's repodata. The body never
/// changes: every build id is chosen when the chain is submitted, so where the chain stands is found again from the
/// submit records, the history and the repodata after a restart of any process.
/// </summary>
public sealed record ChainJob
{
    /// <summary>The tube chains wait on; not one of the original's.</summary>
    public const string Tube = "chain";

    [JsonPropertyName("chain_id")] public string ChainId { get; init; } = "";
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";

    /// <summary>The target without the arch, as submitted.</summary>
    [JsonPropertyName("target")] public string Target { get; init; } = "";

    [JsonPropertyName("disttag")] public string Disttag { get; init; } = "";
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("background")] public bool Background { get; init; }
    [JsonPropertyName("submitter")] public string Submitter { get; init; } = "";

    /// <summary>The groups, in order; a group's builds run in parallel.</summary>
    [JsonPropertyName("groups")] public IReadOnlyList<IReadOnlyList<ChainBuild>> Groups { get; init; } = [];

    /// <summary>Target and arch as jobs, events and the history name it: <c>c7.x86_64</c>.</summary>
    [JsonIgnore] public string JobTarget => Target + "." + Arch;

    public string ToJson() => JsonSerializer.Serialize(this, ChainJson.Default.ChainJob);

    /// <summary>A body as the chain role reads it: parsed, and every name checked as a submit checks it.</summary>
    public static bool TryRead(string body, [NotNullWhen(true)] out ChainJob? chain, out string error)
    {
        chain = null;
        try
        {
            chain = JsonSerializer.Deserialize(body, ChainJson.Default.ChainJob);
        }
        catch (JsonException ex)
        {
            error = $"chain job is not valid JSON: {ex.Message}";
            return false;
        }
        if (chain is null || chain.Groups.Count == 0 || chain.Groups.Any(g => g is null || g.Count == 0 || g.Any(b => b is null)))
        {
            error = "chain job has no groups, or an empty group";
            chain = null;
            return false;
        }
        if (!Arches.TryValidate(chain.Arch, out error) || !InputRules.TryValidateTarget(chain.Target, out error) || !InputRules.TryValidateDisttag(chain.Disttag, out error))
        {
            chain = null;
            return false;
        }
        foreach (var build in chain.Groups.SelectMany(g => g))
        {
            if (!IsBuildId(build.BuildId))
            {
                error = $"chain build id {Printable.Quote(build.BuildId)} is not 32 lower-case hex digits";
                chain = null;
                return false;
            }
            if (build.Srpm is not null && !InputRules.TryValidateSrpmFileName(build.Srpm, out error))
            {
                chain = null;
                return false;
            }
        }
        error = "";
        return true;
    }

    private static bool IsBuildId(string? id) =>
        id is { Length: 32 } && id.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}

/// <summary>One build of a chain: an SRPM in incoming the chain submits, or (no SRPM) a build queued before, as <c>submit --after</c> names it.</summary>
public sealed record ChainBuild
{
    [JsonPropertyName("srpm")] public string? Srpm { get; init; }
    [JsonPropertyName("build_id")] public string BuildId { get; init; } = "";
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ChainJob))]
internal sealed partial class ChainJson : JsonSerializerContext;
