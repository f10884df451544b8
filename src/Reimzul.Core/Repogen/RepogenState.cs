namespace Reimzul.Repogen;

/// <summary>Durable figures of one target's repodata coalescer.</summary>
/// <param name="Requested">Requests ever made (the newest requested generation).</param>
/// <param name="Completed">The newest generation a successful createrepo_c run covered.</param>
/// <param name="Runs">createrepo_c runs, failed ones included.</param>
/// <param name="Failures">createrepo_c runs that failed.</param>
public sealed record RepogenState(string Target, long Requested, long Completed, long Runs, long Failures)
{
    /// <summary>A request is not yet covered by a successful run.</summary>
    public bool Dirty => Requested > Completed;
}
