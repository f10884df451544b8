using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;
using Reimzul.Files;

namespace Reimzul.Repogen;

/// <summary>
/// One small file per target under the repogen state dir, <c>&lt;target&gt;.state</c>, rewritten whole
/// and durably under a short per-target lock (<c>&lt;target&gt;.state.lock</c>). The run lock
/// (<c>&lt;target&gt;.run.lock</c>) is held across a whole createrepo_c run; keeping the two apart lets
/// requests be recorded while a run is in progress.
/// </summary>
internal sealed class RepogenStateStore(string directory, ILogger logger)
{
    private const string StateSuffix = ".state";

    public string RunLockPath(string target) => Path.Combine(directory, target + ".run.lock");

    private string StatePath(string target) => Path.Combine(directory, target + StateSuffix);

    private string StateLockPath(string target) => Path.Combine(directory, target + ".state.lock");

    public FileLock? TryLockRuns(string target)
    {
        Directory.CreateDirectory(directory);
        return FileLock.TryAcquire(RunLockPath(target));
    }

    /// <summary>Reads, changes and durably writes the state of <paramref name="target"/> under its state lock.</summary>
    public async Task<RepogenState> UpdateAsync(string target, Func<RepogenState, RepogenState> change, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        using var stateLock = await FileLock.AcquireAsync(StateLockPath(target), cancellationToken).ConfigureAwait(false);
        var updated = change(Read(target));
        DurableFiles.WriteAllText(StatePath(target), Format(updated));
        return updated;
    }

    /// <summary>No lock needed: the file is replaced by rename, so a reader sees one whole version.</summary>
    public RepogenState Read(string target)
    {
        var path = StatePath(target);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException)
        {
            return new RepogenState(target, 0, 0, 0, 0);
        }
        catch (DirectoryNotFoundException)
        {
            return new RepogenState(target, 0, 0, 0, 0);
        }
        if (TryParse(target, text, out var state))
        {
            return state;
        }
        // Unknown state could hide a request: regenerate once more rather than risk leaving a build out.
        logger.LogWarning("repogen state {Path} is unreadable; treating target {Target} as needing a run", path, target);
        return new RepogenState(target, 1, 0, 0, 0);
    }

    /// <summary>Targets that have a state file.</summary>
    public IEnumerable<string> Targets()
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }
        return Directory.EnumerateFiles(directory, "*" + StateSuffix)
            .Select(f => Path.GetFileName(f)[..^StateSuffix.Length])
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    private static string Format(RepogenState state)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"requested {state.Requested}\n");
        text.Append(CultureInfo.InvariantCulture, $"completed {state.Completed}\n");
        text.Append(CultureInfo.InvariantCulture, $"runs {state.Runs}\n");
        text.Append(CultureInfo.InvariantCulture, $"failures {state.Failures}\n");
        return text.ToString();
    }

    private static bool TryParse(string target, string text, out RepogenState state)
    {
        var values = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split(' ', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || !long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                state = new RepogenState(target, 0, 0, 0, 0);
                return false;
            }
            values[parts[0]] = value;
        }
        if (!values.TryGetValue("requested", out var requested) || !values.TryGetValue("completed", out var completed))
        {
            state = new RepogenState(target, 0, 0, 0, 0);
            return false;
        }
        state = new RepogenState(target, requested, completed, values.GetValueOrDefault("runs"), values.GetValueOrDefault("failures"));
        return true;
    }
}
