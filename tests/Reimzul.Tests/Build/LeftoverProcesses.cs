namespace Reimzul.Tests.Build;

/// <summary>Finds processes that still run in, or name, a test's directory (from /proc).</summary>
internal static class LeftoverProcesses
{
    /// <summary>Polls until no such process is left, or the deadline passes; returns those still there.</summary>
    public static async Task<IReadOnlyList<string>> WaitUntilNoneAsync(string marker, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var found = Find(marker);
            if (found.Count == 0 || DateTime.UtcNow > until)
            {
                return found;
            }
            await Task.Delay(50);
        }
    }

    public static IReadOnlyList<string> Find(string marker)
    {
        var found = new List<string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            var pid = Path.GetFileName(dir);
            if (!pid.All(char.IsAsciiDigit) || pid == Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                continue;
            }
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
                var cwd = new DirectoryInfo(Path.Combine(dir, "cwd")).LinkTarget ?? "";
                if (cmdline.Contains(marker, StringComparison.Ordinal) || cwd.StartsWith(marker, StringComparison.Ordinal))
                {
                    found.Add($"{pid}: {cmdline} (cwd {cwd})");
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or another user's process.
            }
        }
        return found;
    }
}
