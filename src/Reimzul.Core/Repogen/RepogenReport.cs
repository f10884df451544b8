namespace Reimzul.Repogen;

/// <summary>What one <see cref="RepoRegenerator.RunPendingAsync"/> call did for a target.</summary>
/// <param name="Runs">createrepo_c runs made by this call.</param>
/// <param name="Failures">Of those, the failed ones (at most one: a failure ends the call, the target stays dirty).</param>
/// <param name="LastError">Why the last failed run failed.</param>
/// <param name="Busy">Another runner held the target; it takes care of the pending requests.</param>
public sealed record RepogenReport(string Target, int Runs, int Failures, string? LastError, bool Busy)
{
    public bool Succeeded => Failures == 0;
}
