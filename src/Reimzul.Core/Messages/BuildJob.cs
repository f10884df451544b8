using System.Text.Json.Serialization;

namespace Reimzul.Messages;

/// <summary>A build request on an arch tube. Field names are the original's and must not change.</summary>
public sealed record BuildJob
{
    [JsonPropertyName("srpm")] public string Srpm { get; init; } = "";

    /// <summary>The requested arch (e.g. <c>armhfp</c>), not the tube name.</summary>
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";

    /// <summary>Requested target + "." + requested arch, e.g. <c>c7.1708.u.x86_64</c>.</summary>
    [JsonPropertyName("target")] public string Target { get; init; } = "";

    [JsonPropertyName("disttag")] public string Disttag { get; init; } = "";
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("submitter")] public string? Submitter { get; init; }

    /// <summary>Unique per submitted job; a worker assigns one to a job that lacks it.</summary>
    [JsonPropertyName("build_id")] public string? BuildId { get; init; }

    /// <summary>
    /// True: the packages this build makes replace those of the build that publishes them in the target already (that
    /// build moves out of the repo). Absent (the default) or false: such a build ends Failed, as the target never lists
    /// a package twice. Set by <c>reimzul submit --replace</c>; written only when true.
    /// </summary>
    [JsonPropertyName("replace")] public bool? Replace { get; init; }

    /// <summary>
    /// Only these arches of the job's chain are built (a resubmit of the arches that failed, e.g. only the i386 build
    /// chained after x86_64); absent: the whole chain. Written only when set.
    /// </summary>
    [JsonPropertyName("only_arches")] public IReadOnlyList<string>? OnlyArches { get; init; }

    /// <summary>The job a submit queues, wherever it comes from (local CLI or controller); inputs already validated.</summary>
    public static BuildJob Submitted(string srpm, string arch, string target, string disttag, bool scratch, string submitter, bool replace = false) => new()
    {
        Replace = replace ? true : null,
        Srpm = srpm,
        Arch = arch,
        Target = target + "." + arch,
        Disttag = disttag,
        Scratch = scratch,
        Submitter = submitter,
        BuildId = BuildIds.New(),
    };
}
