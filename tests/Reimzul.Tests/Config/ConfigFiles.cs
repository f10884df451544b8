using Reimzul.Config;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Config;

/// <summary>Config files in a temp dir, loaded with a private environment so tests never share process state.</summary>
public sealed class ConfigFiles : IDisposable
{
    private readonly TempDir dir = new("reimzul-config");

    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    /// <summary>Where the loader looks for the system-wide file; absent unless a test writes it.</summary>
    public string SystemConfigPath => dir.Combine("etc", "reimzul.ini");

    public string Dir => dir.Path;

    public string Write(string name, string text)
    {
        var path = dir.Combine(name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    /// <summary>Reads and checks the values only: the files and dirs they name need not exist.</summary>
    public ReimzulConfig Load(string? configPath = null, string? dataDirOverride = null) =>
        ConfigLoader.Load(configPath, dataDirOverride, key => Environment.GetValueOrDefault(key), SystemConfigPath, checkFiles: false);

    /// <summary>As the program loads it: the files and dirs it names are checked on this host too.</summary>
    public ReimzulConfig LoadOnThisHost(string? configPath = null, string? dataDirOverride = null) =>
        ConfigLoader.Load(configPath, dataDirOverride, key => Environment.GetValueOrDefault(key), SystemConfigPath, checkFiles: true);

    /// <summary>Loads <paramref name="text"/> from a file and returns the error it causes.</summary>
    public ConfigException Error(string text, out string path)
    {
        path = Write($"bad-{Guid.NewGuid():N}.ini", text);
        var file = path;
        return Assert.Throws<ConfigException>(() => Load(file));
    }

    public void Dispose() => dir.Dispose();
}
