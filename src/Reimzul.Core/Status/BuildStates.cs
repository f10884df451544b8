using Reimzul.Messages;

namespace Reimzul.Status;

/// <summary>The states a build of one arch shows to readers of the API, and the ones a filter may name.</summary>
public static class BuildStates
{
    /// <summary>Submitted, not started: the history records nothing before the Building event.</summary>
    public const string Queued = "Queued";

    /// <summary>Stopped or removed by an operator.</summary>
    public const string Canceled = "Canceled";

    /// <summary>What <c>status=</c> accepts, in the order the API names them.</summary>
    public static readonly IReadOnlyList<string> Filterable =
        [Queued, BuildStatus.Building, BuildStatus.Success, BuildStatus.Failed, Canceled, BuildStatus.Override];

    /// <summary>Whether an arch in this state has ended (no more events will come for it).</summary>
    public static bool IsFinal(string state) => state is BuildStatus.Success or BuildStatus.Failed or Canceled or BuildStatus.Override;
}
