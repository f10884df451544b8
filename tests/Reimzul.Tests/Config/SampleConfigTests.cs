using System.Text.RegularExpressions;
using Reimzul.Config;

namespace Reimzul.Tests.Config;

public sealed partial class SampleConfigTests : IDisposable
{
    private readonly ConfigFiles files = new();

    public void Dispose() => files.Dispose();

    private static string SamplePath
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Reimzul.slnx")))
                {
                    return Path.Combine(dir.FullName, "etc", "reimzul.ini.sample");
                }
            }
            throw new InvalidOperationException("Reimzul.slnx not found above " + AppContext.BaseDirectory);
        }
    }

    [Fact]
    public void TheSampleLoadsAsItIsAndChangesNothing()
    {
        var config = files.Load(SamplePath, dataDirOverride: "/srv/reimzul");

        Assert.Equal(SamplePath, config.SourceFile);
        Assert.Equal(files.Load(dataDirOverride: "/srv/reimzul") with { SourceFile = SamplePath, Mail = config.Mail }, config);
    }

    [Fact]
    public void EveryKeyTheLoaderKnowsIsDocumentedInItsSection()
    {
        var documented = DocumentedKeys(File.ReadAllLines(SamplePath));

        foreach (var (section, keys) in ConfigLoader.KnownKeys)
        {
            Assert.True(documented.ContainsKey(section), $"[{section}] is not in the sample");
            Assert.Empty(keys.Except(documented[section]));
        }
        Assert.Empty(documented.Keys.Except(ConfigLoader.KnownKeys.Keys));
    }

    [Fact]
    public void UncommentingEveryExampleGivesAValidConfigWhoseValuesAreTheDocumentedDefaults()
    {
        var uncommented = File.ReadAllLines(SamplePath).Select(line => CommentedKey().IsMatch(line) ? line[1..] : line);
        var path = files.Write("uncommented.ini", string.Join('\n', uncommented));

        var config = files.Load(path);
        var defaults = files.Load();

        // The sample shows the default tree under ~/.local/share/reimzul; compare the tree's shape.
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        Assert.Equal(ReimzulPaths.UnderDataDir(Path.Combine(home, ".local", "share", "reimzul")), config.Paths);
        Assert.Equal(defaults.BstoreBaseUrl, config.BstoreBaseUrl);
        Assert.Equal(defaults.Scm, config.Scm);
        Assert.Equal(defaults.Queue, config.Queue);
        Assert.Equal(defaults.History, config.History);
        // arch, fqdn and workers depend on the host; the sample shows an example.
        Assert.Equal(defaults.Builder with { Arch = config.Builder.Arch, Fqdn = config.Builder.Fqdn }, config.Builder);
        Assert.Equal(defaults.Repogen with { Workers = config.Repogen.Workers }, config.Repogen);
        Assert.Equal(
            (defaults.Mail.Notifications, defaults.Mail.From, defaults.Mail.SmtpHost, defaults.Mail.SmtpPort),
            (config.Mail.Notifications, config.Mail.From, config.Mail.SmtpHost, config.Mail.SmtpPort));
        // Certificates and credentials have no default; the sample shows examples.
        Assert.Equal(
            defaults.Mqtt with { CaCert = config.Mqtt.CaCert, TlsCert = config.Mqtt.TlsCert, TlsKey = config.Mqtt.TlsKey, Username = config.Mqtt.Username, Password = config.Mqtt.Password },
            config.Mqtt);
    }

    private static Dictionary<string, HashSet<string>> DocumentedKeys(IEnumerable<string> lines)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        HashSet<string>? current = null;
        foreach (var line in lines)
        {
            if (line.StartsWith('['))
            {
                current = result[line.Trim('[', ']')] = [];
            }
            else if (CommentedKey().Match(line) is { Success: true } match)
            {
                current!.Add(match.Groups[1].Value);
            }
        }
        return result;
    }

    [GeneratedRegex(@"^#([a-z_0-9]+) = ")]
    private static partial Regex CommentedKey();
}
