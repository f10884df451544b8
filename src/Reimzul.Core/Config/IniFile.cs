using Reimzul.Rpm;

namespace Reimzul.Config;

/// <summary>
/// An INI file as Python's ConfigParser reads the original's: <c>[section]</c>, <c>key = value</c> or
/// <c>key: value</c>, whole-line <c>#</c> and <c>;</c> comments. Section and key names are case-insensitive
/// (kept lower-case); values are trimmed and taken literally (no inline comments, no interpolation, no
/// continuation lines). A repeated section or key is an error rather than a silent override.
/// </summary>
public sealed class IniFile
{
    private readonly Dictionary<string, IniSection> byName;

    private IniFile(string source, IReadOnlyList<IniSection> sections)
    {
        Source = source;
        Sections = sections;
        byName = sections.ToDictionary(s => s.Name, StringComparer.Ordinal);
    }

    /// <summary>The file name used in messages.</summary>
    public string Source { get; }

    /// <summary>Sections in file order.</summary>
    public IReadOnlyList<IniSection> Sections { get; }

    public IniSection? Section(string name) => byName.GetValueOrDefault(name.ToLowerInvariant());

    /// <exception cref="ConfigException">The file cannot be read or its syntax is wrong.</exception>
    public static IniFile Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException(path, null, $"cannot read config file: {ex.Message}", ex);
        }
        return Parse(text, path);
    }

    /// <exception cref="ConfigException">The syntax is wrong; the message names <paramref name="source"/> and the line.</exception>
    public static IniFile Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(source);
        var sections = new List<IniSection>();
        IniSection? current = null;
        var lines = text.TrimStart('\uFEFF').Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var number = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }
            // Tabs are ordinary blanks; any other control character is a damaged or hostile file.
            var control = line.FirstOrDefault(c => char.IsControl(c) && c != '\t', 'x');
            if (control != 'x')
            {
                throw new ConfigException(source, number, $"contains control character U+{(int)control:X4}");
            }

            if (line[0] == '[')
            {
                current = ParseSectionHeader(line, source, number, sections);
                sections.Add(current);
                continue;
            }

            var delimiter = line.IndexOfAny(['=', ':']);
            if (delimiter < 0)
            {
                throw new ConfigException(source, number, "expected '[section]', 'key = value' or 'key: value'");
            }
            var key = line[..delimiter].Trim().ToLowerInvariant();
            if (key.Length == 0)
            {
                throw new ConfigException(source, number, $"missing key before '{line[delimiter]}'");
            }
            if (current is null)
            {
                throw new ConfigException(source, number, $"{key}: key outside any section (add a [section] line above it)");
            }
            if (current.Entry(key) is { } earlier)
            {
                throw new ConfigException(source, number, $"[{current.Name}] {key}: duplicate key (first set on line {earlier.Line})");
            }
            current.Add(new IniEntry(key, line[(delimiter + 1)..].Trim(), number));
        }
        return new IniFile(source, sections);
    }

    private static IniSection ParseSectionHeader(string line, string source, int number, List<IniSection> sections)
    {
        if (line[^1] != ']')
        {
            throw new ConfigException(source, number, "section header does not end with ']'");
        }
        var name = line[1..^1].Trim().ToLowerInvariant();
        if (name.Length == 0 || name.AsSpan().ContainsAny('[', ']'))
        {
            throw new ConfigException(source, number, $"bad section header '{line}'");
        }
        if (sections.Find(s => s.Name == name) is { } earlier)
        {
            throw new ConfigException(source, number, $"[{name}]: duplicate section (first on line {earlier.Line})");
        }
        return new IniSection(name, number);
    }
}

/// <summary>One <c>[section]</c> of an <see cref="IniFile"/>.</summary>
public sealed class IniSection(string name, int line)
{
    private readonly List<IniEntry> entries = [];

    /// <summary>Lower-case name.</summary>
    public string Name { get; } = name;

    /// <summary>Line of the <c>[section]</c> header.</summary>
    public int Line { get; } = line;

    /// <summary>Entries in file order.</summary>
    public IReadOnlyList<IniEntry> Entries => entries;

    public IniEntry? Entry(string key)
    {
        var lower = key.ToLowerInvariant();
        return entries.Find(e => e.Key == lower);
    }

    internal void Add(IniEntry entry) => entries.Add(entry);
}

/// <summary>One <c>key = value</c> line; <see cref="Key"/> is lower-case, <see cref="Value"/> trimmed.</summary>
public sealed record IniEntry(string Key, string Value, int Line);
