namespace Reimzul.Processes;

/// <summary>
/// A program and its arguments, run without a shell: user data in <see cref="Arguments"/>
/// reaches the program as-is and is never interpreted.
/// </summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Extra environment variables (null value removes one).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Appends stdout here; when null, stdout is captured into <see cref="ProcessResult.StandardOutput"/>.</summary>
    public string? StdoutFile { get; init; }

    /// <summary>Appends stderr here; when null, stderr is captured into <see cref="ProcessResult.StandardError"/>.</summary>
    public string? StderrFile { get; init; }

    /// <summary>The process (and its children) is killed after this long.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Start info with every stream redirected and no shell.</summary>
    public System.Diagnostics.ProcessStartInfo CreateStartInfo()
    {
        var psi = new System.Diagnostics.ProcessStartInfo(FileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = WorkingDirectory ?? "",
        };
        foreach (var argument in Arguments)
        {
            psi.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }
        return psi;
    }

    public override string ToString() => string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Quote));

    private static string Quote(string s) =>
        s.Length > 0 && s.All(c => char.IsLetterOrDigit(c) || "-_./=:,+%@".Contains(c, StringComparison.Ordinal)) ? s : "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}

/// <param name="ExitCode">The exit code; -1 when the process was killed.</param>
/// <param name="TimedOut">Killed because <see cref="ProcessSpec.Timeout"/> ran out.</param>
public sealed record ProcessResult(int ExitCode, bool TimedOut, TimeSpan Duration, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}
