namespace Reimzul.Messages;

/// <summary>Status words as the original wrote them into events and the history.</summary>
public static class BuildStatus
{
    public const string Building = "Building";
    public const string Success = "Success";
    public const string Failed = "Failed";

    /// <summary>A Building record superseded by its result (history only).</summary>
    public const string Done = "Done";

    /// <summary>Set by <c>fix-build</c> with a comment (history only).</summary>
    public const string Override = "Override";

    public static readonly IReadOnlyList<string> All = [Building, Success, Failed, Done, Override];

    /// <summary>What a worker announces on <c>notify</c>; the others are set in the history only.</summary>
    public static readonly IReadOnlyList<string> Events = [Building, Success, Failed];
}
