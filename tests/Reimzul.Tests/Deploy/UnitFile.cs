namespace Reimzul.Tests.Deploy;

/// <summary>A unit file of the repo's <c>systemd/</c> dir, read as systemd reads it: sections of <c>Key=Value</c> lines.</summary>
internal sealed class UnitFile
{
    private readonly List<(string Section, string Key, string Value)> _entries = [];

    private UnitFile(string path)
    {
        Path = path;
        var section = "";
        foreach (var raw in File.ReadAllLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            if (line.StartsWith('[') && line.EndsWith(']'))
            {
                section = line[1..^1];
                continue;
            }
            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                _entries.Add((section, line[..equals].Trim(), line[(equals + 1)..].Trim()));
            }
        }
    }

    public string Path { get; }

    public string Name => System.IO.Path.GetFileName(Path);

    public bool IsTemplate => Name.EndsWith("@.service", StringComparison.Ordinal);

    /// <summary>The name to load it by: a template needs an instance.</summary>
    public string InstanceName => IsTemplate ? Name.Replace("@.service", "@1.service", StringComparison.Ordinal) : Name;

    /// <summary>The subcommand ExecStart runs (<c>/usr/local/bin/reimzul ROLE ...</c>).</summary>
    public string Role => Service("ExecStart")?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1) ?? "";

    public string? Service(string key) => Values("Service", key) is [.., var last] ? last : null;

    public IReadOnlyList<string> Values(string section, string key) =>
        [.. _entries.Where(e => e.Section == section && e.Key == key).Select(e => e.Value)];

    public static string Dir
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Reimzul.slnx")))
                {
                    return System.IO.Path.Combine(dir.FullName, "systemd");
                }
            }
            throw new InvalidOperationException("Reimzul.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    public static IReadOnlyList<UnitFile> All() =>
        [.. Directory.GetFiles(Dir, "*.service").Order(StringComparer.Ordinal).Select(p => new UnitFile(p))];
}
