namespace Reimzul.Protocol;

/// <summary>Paths and headers shared by the controller and bstore services and their clients.</summary>
public static class RemoteProtocol
{
    /// <summary>SHA-256 (lower-case hex) of the body: sent with an SRPM upload, answered with an SRPM download.</summary>
    public const string Sha256Header = "X-Reimzul-Sha256";

    /// <summary><c>GET</c> (anyone) and <c>PUT</c> (a submitter) of one SRPM: <c>/reimzul-incoming/NAME</c>.</summary>
    public const string IncomingPrefix = "/reimzul-incoming";

    /// <summary><c>POST</c> a <see cref="SubmitRequest"/>.</summary>
    public const string SubmitPath = "/reimzul/submit";

    /// <summary><c>POST</c> a <see cref="BulkSubmitRequest"/>: many SRPMs, all checked before any is queued.</summary>
    public const string BulkSubmitPath = "/reimzul/submit-bulk";

    /// <summary>The repo tree, read-only: <c>/bstore/repo/TARGET/...</c>.</summary>
    public const string RepoPrefix = "/bstore/repo";

    /// <summary><c>POST</c> a <see cref="ResultManifest"/>; then <c>PUT .../ID/files/NAME</c> and <c>POST .../ID/commit</c>.</summary>
    public const string ResultsPath = "/bstore/results";

    /// <summary><c>POST</c> a <see cref="TimestampRequest"/> (a writer); answers a <see cref="TimestampResult"/>.</summary>
    public const string TimestampsPath = "/bstore/timestamps";

    public static string IncomingPath(string srpm) => $"{IncomingPrefix}/{Uri.EscapeDataString(srpm)}";

    public static string ResultFilePath(string uploadId, string name) => $"{ResultsPath}/{uploadId}/files/{Uri.EscapeDataString(name)}";

    public static string CommitPath(string uploadId) => $"{ResultsPath}/{uploadId}/commit";
}
