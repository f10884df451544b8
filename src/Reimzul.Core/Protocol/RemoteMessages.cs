using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Reimzul.Protocol;

/// <summary>What a worker declares before it uploads a result dir to bstore: where it goes and every file's size and SHA-256.</summary>
public sealed record ResultManifest
{
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    [JsonPropertyName("pkgname")] public string PkgName { get; init; } = "";
    [JsonPropertyName("timestamp")] public string Timestamp { get; init; } = "";
    [JsonPropertyName("evr")] public string Evr { get; init; } = "";
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";
    [JsonPropertyName("files")] public IReadOnlyList<ManifestFile> Files { get; init; } = [];

    /// <summary>
    /// The builder the worker announces the build under (<c>[builder] fqdn</c>, its events' <c>builder_fqdn</c>); bstore
    /// refuses it (403) unless it is the name the upload authenticated as. Absent from older workers' manifests.
    /// </summary>
    [JsonPropertyName("builder")] public string? Builder { get; init; }

    /// <summary>
    /// True: the submitter asked to replace the build that publishes the same packages in the target (it moves out of
    /// the repo); absent or false: such a result is refused (409). Optional, absent in older workers' manifests.
    /// </summary>
    [JsonPropertyName("replace")] public bool? Replace { get; init; }
}

/// <summary>A worker asking bstore for a build's timestamp (<c>POST /bstore/timestamps</c>).</summary>
public sealed record TimestampRequest
{
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    [JsonPropertyName("pkgname")] public string PkgName { get; init; } = "";
    [JsonPropertyName("build_id")] public string BuildId { get; init; } = "";

    /// <summary><c>%Y%m%d%H%M%S</c>: the worker's time; bstore answers it or the next free second.</summary>
    [JsonPropertyName("proposed")] public string Proposed { get; init; } = "";
}

/// <summary>The timestamp reserved for a build: unique per target and package, the same again for the same build id.</summary>
public sealed record TimestampResult
{
    [JsonPropertyName("timestamp")] public string Timestamp { get; init; } = "";
}

/// <param name="Sha256">Lower-case hex.</param>
public sealed record ManifestFile(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>Bstore's answer to a manifest: the upload to continue, or that the result is already in place.</summary>
public sealed record UploadState
{
    [JsonPropertyName("upload_id")] public string UploadId { get; init; } = "";

    /// <summary>The result is in the repo exactly as the manifest says: nothing to send.</summary>
    [JsonPropertyName("complete")] public bool Complete { get; init; }

    /// <summary>Files bstore does not hold yet for this upload.</summary>
    [JsonPropertyName("missing")] public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>The result's place under the repo, e.g. <c>c7.x86_64/foo/20240101000000/1.0-1.el7.x86_64/</c>.</summary>
    [JsonPropertyName("location")] public string Location { get; init; } = "";
}

public sealed record CommitResult
{
    [JsonPropertyName("location")] public string Location { get; init; } = "";

    /// <summary>Where the result is served (under <c>[bstore] base_url</c>).</summary>
    [JsonPropertyName("url")] public string Url { get; init; } = "";
}

/// <summary>A remote <c>reimzul submit</c>: the SRPM is already in the controller's incoming dir.</summary>
public sealed record SubmitRequest
{
    [JsonPropertyName("srpm")] public string Srpm { get; init; } = "";
    [JsonPropertyName("arch")] public string Arch { get; init; } = "";

    /// <summary>The target without the arch, e.g. <c>c7.1708.u</c>.</summary>
    [JsonPropertyName("target")] public string Target { get; init; } = "";

    [JsonPropertyName("disttag")] public string Disttag { get; init; } = "";
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("now")] public bool Now { get; init; }

    /// <summary>True: replace the build that publishes the same packages in the target (<c>reimzul submit --replace</c>). Optional.</summary>
    [JsonPropertyName("replace")] public bool? Replace { get; init; }

    /// <summary>
    /// The build id for the job, made by the client (32 lower-case hex digits) and its idempotency key: a repeated
    /// request with the same id and order gets the first job back (200) instead of queuing another. Optional.
    /// </summary>
    [JsonPropertyName("build_id")] public string? BuildId { get; init; }

    /// <summary>
    /// A build from git instead of an SRPM (<c>reimzul submit --git PKG --branch B [--ref R]</c>): the controller makes
    /// the SRPM from <c>[scm] git_url</c> and <see cref="Srpm"/> is left empty; an empty <see cref="Disttag"/> is worked
    /// out from the import commit. Optional.
    /// </summary>
    [JsonPropertyName("git_pkg")] public string? GitPkg { get; init; }
    [JsonPropertyName("git_branch")] public string? GitBranch { get; init; }
    [JsonPropertyName("git_ref")] public string? GitRef { get; init; }
    [JsonPropertyName("sources_dir")] public string? SourcesDir { get; init; }
}

/// <summary>
/// A remote bulk submit (<c>reimzul submit</c> with many SRPMs): the SRPMs are already in the controller's incoming
/// dir; all are checked before any is queued, and all go to one arch and target with the same options.
/// </summary>
public sealed record BulkSubmitRequest
{
    [JsonPropertyName("srpms")] public IReadOnlyList<string> Srpms { get; init; } = [];

    /// <summary>One per SRPM, in order: the builds' ids and idempotency keys, as <see cref="SubmitRequest.BuildId"/>. Optional.</summary>
    [JsonPropertyName("build_ids")] public IReadOnlyList<string>? BuildIds { get; init; }

    [JsonPropertyName("arch")] public string Arch { get; init; } = "";
    [JsonPropertyName("target")] public string Target { get; init; } = "";
    [JsonPropertyName("disttag")] public string Disttag { get; init; } = "";
    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("now")] public bool Now { get; init; }
    [JsonPropertyName("replace")] public bool? Replace { get; init; }

    /// <summary>True: below every ordinary build (<c>--background</c>). Optional.</summary>
    [JsonPropertyName("background")] public bool? Background { get; init; }
}

/// <summary>The receipts of a <see cref="BulkSubmitRequest"/>, in its order.</summary>
public sealed record BulkSubmitResult
{
    [JsonPropertyName("builds")] public IReadOnlyList<SubmitResult> Builds { get; init; } = [];
}

public sealed record SubmitResult
{
    [JsonPropertyName("job_id")] public long JobId { get; init; }
    [JsonPropertyName("build_id")] public string BuildId { get; init; } = "";
    [JsonPropertyName("tube")] public string Tube { get; init; } = "";
    [JsonPropertyName("priority")] public uint Priority { get; init; }
    [JsonPropertyName("srpm")] public string Srpm { get; init; } = "";

    /// <summary>Target and arch, as in the job: <c>c7.1708.u.x86_64</c>.</summary>
    [JsonPropertyName("target")] public string Target { get; init; } = "";

    [JsonPropertyName("scratch")] public bool Scratch { get; init; }
    [JsonPropertyName("submitter")] public string Submitter { get; init; } = "";

    /// <summary>For a build from git: the disttag it was built with and the commit it was made from.</summary>
    [JsonPropertyName("disttag")] public string? Disttag { get; init; }
    [JsonPropertyName("commit")] public string? Commit { get; init; }
}

public sealed record SrpmUploadResult
{
    [JsonPropertyName("srpm")] public string Srpm { get; init; } = "";
    [JsonPropertyName("sha256")] public string Sha256 { get; init; } = "";

    /// <summary>False when the controller already held this very SRPM.</summary>
    [JsonPropertyName("created")] public bool Created { get; init; }
}

/// <summary>The body of every refusal: what is wrong and why.</summary>
public sealed record ErrorBody([property: JsonPropertyName("error")] string Error);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ResultManifest))]
[JsonSerializable(typeof(UploadState))]
[JsonSerializable(typeof(CommitResult))]
[JsonSerializable(typeof(TimestampRequest))]
[JsonSerializable(typeof(TimestampResult))]
[JsonSerializable(typeof(SubmitRequest))]
[JsonSerializable(typeof(SubmitResult))]
[JsonSerializable(typeof(BulkSubmitRequest))]
[JsonSerializable(typeof(BulkSubmitResult))]
[JsonSerializable(typeof(SrpmUploadResult))]
[JsonSerializable(typeof(ErrorBody))]
public sealed partial class RemoteJsonContext : JsonSerializerContext
{
    /// <summary>As <see cref="JsonSerializerContext"/>'s default, but messages keep their quotes readable (<c>'</c>, not <c>\u0027</c>) for people reading answers with curl.</summary>
    public static RemoteJsonContext Readable { get; } = new(new JsonSerializerOptions
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
