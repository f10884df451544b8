namespace Reimzul.Build;

/// The files every backend leaves in a result dir, and small helpers over them.
internal sealed class BuildResultFiles(string resultDir)
{
    public string ResultDir { get; } = resultDir;
    public string Stdout => Path.Combine(ResultDir, "stdout");
    public string Stderr => Path.Combine(ResultDir, "stderr");
    public string BuildLog => Path.Combine(ResultDir, "build.log");
    public string RootLog => Path.Combine(ResultDir, "root.log");

    /// Creates the result dir and empty stdout/stderr so they exist whatever happens next.
    public void CreateStreams()
    {
        Directory.CreateDirectory(ResultDir);
        foreach (var file in new[] { Stdout, Stderr })
        {
            using var _ = new FileStream(file, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        }
    }

    public void AppendToStderr(string line) => File.AppendAllText(Stderr, line.EndsWith('\n') ? line : line + "\n");

    /// The tool wrote no such log: fall back to a copy of its stderr, as the original did.
    public void CopyStderrIfMissing(string logFile)
    {
        if (!File.Exists(logFile))
        {
            File.Copy(Stderr, logFile);
        }
    }

    /// Moves the RPMs found under <paramref name="rpmsDir"/> into the result dir, without following links: a link is
    /// never a result (it would publish whatever it points to). Each link is named in stderr; the problem returned,
    /// which fails the build, is the first RPM that was one.
    public (int Moved, string? Problem) CollectRpms(string rpmsDir)
    {
        var moved = 0;
        string? problem = null;
        if (!Directory.Exists(rpmsDir))
        {
            return (0, null);
        }
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(rpmsDir)]);
        while (pending.TryPop(out var current))
        {
            foreach (var entry in current.EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                if (entry.LinkTarget is { } target)
                {
                    var line = $"{Path.GetRelativePath(rpmsDir, entry.FullName)} under RPMS/ is a symbolic link to {target}; links are never results";
                    AppendToStderr(line);
                    if (entry.Name.EndsWith(".rpm", StringComparison.Ordinal))
                    {
                        problem ??= line;
                    }
                }
                else if (entry is DirectoryInfo subdir)
                {
                    pending.Push(subdir);
                }
                else if (entry.Name.EndsWith(".rpm", StringComparison.Ordinal))
                {
                    File.Move(entry.FullName, Path.Combine(ResultDir, entry.Name), overwrite: true);
                    moved++;
                }
            }
        }
        return (moved, problem);
    }

    /// Removes the links a build tool left in the result dir (it is uploaded as it is), naming each in stderr; the
    /// problem returned, which fails the build, is the first RPM that was one.
    public string? RemoveLinks()
    {
        string? problem = null;
        foreach (var entry in new DirectoryInfo(ResultDir).EnumerateFileSystemInfos().OrderBy(e => e.Name, StringComparer.Ordinal).ToList())
        {
            if (entry.LinkTarget is not { } target)
            {
                continue;
            }
            var line = $"{entry.Name} in the result dir is a symbolic link to {target}; links are never results, it was removed";
            // Deleting a link removes the link, never what it points to.
            File.Delete(entry.FullName);
            AppendToStderr(line);
            if (entry.Name.EndsWith(".rpm", StringComparison.Ordinal))
            {
                problem ??= line;
            }
        }
        return problem;
    }

    /// Binary RPMs in the result dir (mock also puts the rebuilt SRPM there).
    public IReadOnlyList<string> BinaryRpms() =>
        [.. Directory.EnumerateFiles(ResultDir, "*.rpm")
            .Where(f => !f.EndsWith(".src.rpm", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    /// The last non-empty line of stderr (read from its tail only: build logs can be large), or null.
    public string? LastStderrLine()
    {
        const int tail = 16 * 1024;
        using var stream = new FileStream(Stderr, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Max(0, stream.Length - tail), SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        return text.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0);
    }
}
