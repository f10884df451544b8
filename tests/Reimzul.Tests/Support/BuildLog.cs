using System.Text.RegularExpressions;

namespace Reimzul.Tests.Support;

/// <summary>One line of reimzul.log, in the original notifier's format.</summary>
public sealed partial record BuildLogLine(string Srpm, string Timestamp, string Arch, string Builder, string Status, string Evr, bool Scratch, string Submitter)
{
    [GeneratedRegex(@"^\[(?<time>[^\]]+)\] Build job SRPM (?<srpm>\S+) \((?<ts>\d*)\) for arch (?<arch>\S+) builder (?<builder>\S+) status (?<status>\S+) \[(?<evr>[^\]]*)\] \(Scratch job: (?<scratch>True|False)\) submitted by (?<who>\S+)\s*$")]
    private static partial Regex LinePattern();

    public static IReadOnlyList<BuildLogLine> ReadAll(string logFile)
    {
        if (!File.Exists(logFile))
        {
            return [];
        }
        using var stream = OpenShared(logFile);
        using var reader = new StreamReader(stream);
        var lines = new List<BuildLogLine>();
        while (reader.ReadLine() is { } line)
        {
            var m = LinePattern().Match(line);
            Assert.True(m.Success, $"log line not in the original's format: {line}");
            lines.Add(new BuildLogLine(m.Groups["srpm"].Value, m.Groups["ts"].Value, m.Groups["arch"].Value, m.Groups["builder"].Value,
                m.Groups["status"].Value, m.Groups["evr"].Value, m.Groups["scratch"].Value == "True", m.Groups["who"].Value));
        }
        return lines;
    }

    // The notifier holds a lock on the log only for the moment it appends a line.
    private static FileStream OpenShared(string logFile)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(logFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            }
            catch (IOException) when (attempt < 200 && File.Exists(logFile))
            {
                Thread.Sleep(10);
            }
        }
    }
}
