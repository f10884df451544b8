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
