using Reimzul.Build;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Build;

public sealed class MockPlannerTests : IDisposable
{
    private const string Template = """
        config_opts['root'] = 'TARGETNAME'
        config_opts['target_arch'] = 'x86_64'
        config_opts['yum.conf'] = '''
        [base]
        baseurl=http://repohost/c7.1708.u.x86_64/
        '''
        """;

    private readonly TempDir _temp = new("reimzul-mockplan");
    private readonly MockPlanner _planner;

    public MockPlannerTests()
    {
        Directory.CreateDirectory(ConfigsDir);
        _planner = new MockPlanner("/usr/bin/mock", ConfigsDir, "http://bstore.example:11081/bstore/repo/");
    }

    public void Dispose() => _temp.Dispose();

    private string ConfigsDir => _temp.Combine("mock_configs");
    private string ResultDir => _temp.Combine("results", "hello", "1.0-1.el7.x86_64");
    private string Srpm => _temp.Combine("incoming", "hello-1.0-1.src.rpm");

    [Fact]
    public void ArgumentsAreExactlyTheOnesTheOriginalPassedToMock()
    {
        WriteConfig("c7.1708.u.x86_64.cfg");

        var invocation = Plan(Request("x86_64"));

        Assert.Equal("/usr/bin/mock", invocation.FileName);
        Assert.Equal(
            ["-r", "mock", $"--configdir={ResultDir}", $"--resultdir={ResultDir}", "--define", "dist .el7_4", "--cleanup-after", Srpm],
            invocation.Arguments);
        Assert.Equal(ResultDir, invocation.ResultDir);
    }

    [Fact]
    public void DisttagWithShellCharactersIsOneArgumentAsGiven()
    {
        WriteConfig("c7.1708.u.x86_64.cfg");

        var invocation = Plan(Request("x86_64", disttag: ".el7;touch /tmp/pwned $(id)"));

        Assert.Equal("dist .el7;touch /tmp/pwned $(id)", invocation.Arguments[5]);
    }

    [Fact]
    public void EmptyDisttagDefinesDistAsNil()
    {
        WriteConfig("c7.1708.u.x86_64.cfg");

        Assert.Equal("dist %{nil}", Plan(Request("x86_64", disttag: "")).Arguments[5]);
    }

    [Fact]
    public void PerPackageOverrideIsPreferredToTheTargetConfig()
    {
        WriteConfig("c7.1708.u.x86_64.cfg");
        var overrideFile = WriteConfig("hello-1.0-1.el7.x86_64.cfg", "config_opts['root'] = 'TARGETNAME' # override");

        var invocation = Plan(Request("x86_64"));

        Assert.Equal(overrideFile, invocation.ConfigSource);
        Assert.Contains("# override", invocation.ConfigText, StringComparison.Ordinal);
    }

    [Fact]
    public void OverrideForAnotherArchIsNotUsed()
    {
        WriteConfig("hello-1.0-1.el7.x86_64.cfg");
        var i386Config = WriteConfig("c7.1708.u.i386.cfg");

        Assert.Equal(i386Config, Plan(Request("i386")).ConfigSource);
    }

    [Theory]
    [InlineData("c7.1708.u.x86_64", "i386", "c7.1708.u.i386.cfg")]
    [InlineData("c7.1708.u.x86_64", "noarch", "c7.1708.u.noarch.cfg")]
    [InlineData("c7.1708.u.ppc64", "ppc", "c7.1708.u.ppc.cfg")]
    [InlineData("c7.1708.u.x86_64", "x86_64", "c7.1708.u.x86_64.cfg")]
    [InlineData("c7.1708.u.aarch64", "aarch64", "c7.1708.u.aarch64.cfg")]
    [InlineData("c7.1708.u.i386", "i386", "c7.1708.u.i386.cfg")]
    [InlineData("c7.1708.u.noarch", "noarch", "c7.1708.u.noarch.cfg")]
    public void ChainedBuildsUseTheConfigOfTheirOwnArch(string target, string arch, string expectedConfig)
    {
        foreach (var name in new[] { "c7.1708.u.x86_64.cfg", "c7.1708.u.i386.cfg", "c7.1708.u.noarch.cfg", "c7.1708.u.ppc64.cfg", "c7.1708.u.ppc.cfg", "c7.1708.u.aarch64.cfg" })
        {
            WriteConfig(name);
        }

        var invocation = Plan(Request(arch, target: target));

        Assert.Equal(Path.Combine(ConfigsDir, expectedConfig), invocation.ConfigSource);
        Assert.Equal($"{Path.GetFileNameWithoutExtension(expectedConfig)}-20240101120000", invocation.RootName);
    }

    [Fact]
    public void RepohostBecomesTheBstoreUrlAndTargetnameAUniqueRootName()
    {
        WriteConfig("c7.1708.u.i386.cfg");

        var invocation = Plan(Request("i386"));

        Assert.Equal("c7.1708.u.i386-20240101120000", invocation.RootName);
        Assert.Equal(
            Template
                .Replace("TARGETNAME", "c7.1708.u.i386-20240101120000", StringComparison.Ordinal)
                .Replace("http://repohost/", "http://bstore.example:11081/bstore/repo/", StringComparison.Ordinal),
            invocation.ConfigText);
        Assert.DoesNotContain("repohost", invocation.ConfigText, StringComparison.Ordinal);
    }

    [Fact]
    public void SiteDefaultsAndLoggingIniAreCopiedWhenPresent()
    {
        WriteConfig("c7.1708.u.x86_64.cfg");
        Assert.Empty(Plan(Request("x86_64")).FilesToCopy);

        var logging = WriteConfig("logging.ini", "[loggers]");
        Assert.Equal([logging], Plan(Request("x86_64")).FilesToCopy);

        var siteDefaults = WriteConfig("site-defaults.cfg", "config_opts['plugin_conf']['ccache_enable'] = False");
        Assert.Equal([siteDefaults, logging], Plan(Request("x86_64")).FilesToCopy);
    }

    [Fact]
    public void MissingConfigIsAProblemNamingTheFilesLookedFor()
    {
        WriteConfig("c7.1708.u.x86_64.cfg");

        var planned = _planner.TryPlan(Request("i386"), out var invocation, out var problem);

        Assert.False(planned);
        Assert.Null(invocation);
        Assert.Contains(Path.Combine(ConfigsDir, "hello-1.0-1.el7.i386.cfg"), problem, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(ConfigsDir, "c7.1708.u.i386.cfg"), problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("target", "../../../etc/x86_64")]
    [InlineData("target", "c7'); import os; os.system('id'); ('.x86_64")]
    [InlineData("package name", "hello/../../x")]
    [InlineData("arch", "")]
    public void ValuesThatWouldEscapeTheConfigDirOrTheConfigTextAreRefused(string what, string value)
    {
        WriteConfig("c7.1708.u.x86_64.cfg");
        var request = what switch
        {
            "target" => Request("x86_64", target: value),
            "package name" => Request("x86_64") with { PkgName = value },
            _ => Request("x86_64") with { Arch = value },
        };

        Assert.False(_planner.TryPlan(request, out _, out var problem));
        Assert.StartsWith(what, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DisttagWithAnRpmMacroIsRefused()
    {
        WriteConfig("c7.1708.u.x86_64.cfg");

        Assert.False(_planner.TryPlan(Request("x86_64", disttag: "%(id)"), out _, out var problem));
        Assert.Contains("'%'", problem, StringComparison.Ordinal);
    }

    private BuildRequest Request(string arch, string target = "c7.1708.u.x86_64", string disttag = ".el7_4") =>
        new(Srpm, "hello", "1.0-1.el7", arch, target, disttag, "20240101120000", ResultDir, TimeSpan.FromMinutes(5));

    private MockInvocation Plan(BuildRequest request)
    {
        Assert.True(_planner.TryPlan(request, out var invocation, out var problem), problem);
        return invocation;
    }

    private string WriteConfig(string name, string text = Template)
    {
        var path = Path.Combine(ConfigsDir, name);
        File.WriteAllText(path, text);
        return path;
    }
}
