using System.Globalization;

namespace Reimzul.Build;

/// Failure reasons shared by the backends, worded for the operator.
internal static class BuildReasons
{
    public static string TimedOut(TimeSpan timeout) => $"build timed out after {Describe(timeout)} and was killed";

    public static string ExitCode(string tool, int exitCode, string? detail) =>
        detail is null ? $"{tool} exited with code {exitCode}" : $"{tool} exited with code {exitCode}: {detail}";

    public static string NoRpm(string tool) => $"{tool} exited with code 0 but produced no binary RPM";

    private static string Describe(TimeSpan span) => span switch
    {
        { TotalMinutes: < 2 } => span.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s",
        { TotalHours: >= 1 } when span.Minutes == 0 && span.Seconds == 0 => span.TotalHours.ToString("0", CultureInfo.InvariantCulture) + " h",
        _ => span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min",
    };
}
