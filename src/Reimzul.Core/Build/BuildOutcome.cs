namespace Reimzul.Build;

/// <param name="Succeeded">The build produced its RPMs.</param>
/// <param name="ExitCode">The tool's exit code (-1 when it was killed).</param>
/// <param name="Reason">Why it failed, in words for the operator; null on success.</param>
/// <param name="Duration">Wall-clock time of the build.</param>
public sealed record BuildOutcome(bool Succeeded, int ExitCode, string? Reason, TimeSpan Duration);
