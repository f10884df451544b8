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

    /// <summary>
    /// The processes that run in or name <paramref name="marker"/> and all their descendants, by pid. A sandboxed
    /// build's processes see another /tmp and name none of the test's paths; only bwrap does, the tree's root.
    /// </summary>
    public static IReadOnlyDictionary<int, string> TreeOf(string marker)
    {
        var parents = new Dictionary<int, int>();
        var commands = new Dictionary<int, string>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                // stat: "pid (comm) state ppid ..."; comm may hold blanks and parentheses, so read after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                parents[pid] = int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture);
                commands[pid] = File.ReadAllText(Path.Combine(dir, "cmdline")).Replace('\0', ' ').Trim();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        var tree = Find(marker).Select(line => int.Parse(line[..line.IndexOf(':', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture)).ToHashSet();
        for (var grew = true; grew;)
        {
            var children = parents.Where(p => tree.Contains(p.Value) && !tree.Contains(p.Key)).Select(p => p.Key).ToList();
            tree.UnionWith(children);
            grew = children.Count > 0;
        }
        return tree.Where(commands.ContainsKey).ToDictionary(pid => pid, pid => commands[pid]);
    }

    /// <summary>Polls until none of <paramref name="pids"/> is alive (zombies count as gone), or the deadline passes; returns those left.</summary>
    public static async Task<IReadOnlyList<int>> WaitUntilGoneAsync(IEnumerable<int> pids, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var alive = pids.Where(IsAlive).ToList();
            if (alive.Count == 0 || DateTime.UtcNow > until)
            {
                return alive;
            }
            await Task.Delay(50);
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
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
