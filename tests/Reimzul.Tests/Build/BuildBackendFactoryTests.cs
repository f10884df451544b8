using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Build;
using Reimzul.Config;
using Reimzul.Processes;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Build;

public sealed class BuildBackendFactoryTests : IDisposable
{
    private readonly TempDir _temp = new("reimzul-backendfactory");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AutoPicksMockWhenMockPathIsAnExecutable()
    {
        var mock = new MockStandIn(_temp.Combine("bin"));

        Assert.Equal("mock", Create("auto", mock.Path).Name);
    }

    [Fact]
    public void AutoFallsBackToRpmbuildWhenMockPathDoesNotExist() =>
        Assert.Equal("rpmbuild", Create("auto", _temp.Combine("bin", "mock")).Name);

    [Fact]
    public void AutoFallsBackToRpmbuildWhenMockIsNotOnPath() =>
        Assert.Equal("rpmbuild", Create("auto", "reimzul-test-no-such-mock").Name);

    [Fact]
    public void AutoFallsBackToRpmbuildWhenMockPathIsNotExecutable()
    {
        var notExecutable = _temp.Combine("mock");
        File.WriteAllText(notExecutable, "#!/bin/sh\n");

        Assert.Equal("rpmbuild", Create("auto", notExecutable).Name);
    }

    [Fact]
    public void ProgramNamesAreLookedUpOnPath() =>
        Assert.EndsWith("/sh", BuildBackendFactory.FindExecutable("sh"), StringComparison.Ordinal);

    [Theory]
    [InlineData("mock", "mock")]
    [InlineData("rpmbuild", "rpmbuild")]
    [InlineData("RPMBuild", "rpmbuild")]
    public void ExplicitBackendIsUsedWhetherOrNotMockIsInstalled(string configured, string expected) =>
        Assert.Equal(expected, Create(configured, "reimzul-test-no-such-mock").Name);

    [Fact]
    public void UnknownBackendIsRefusedNamingTheValueTheChoicesAndTheFile()
    {
        var config = Config("docker", "mock") with { SourceFile = "/etc/reimzul/reimzul.ini" };

        var error = Assert.Throws<ArgumentException>(() => BuildBackendFactory.Create(config, ProcessRunner.Default, NullLogger.Instance));

        Assert.Contains("'docker'", error.Message, StringComparison.Ordinal);
        Assert.Contains("auto, mock or rpmbuild", error.Message, StringComparison.Ordinal);
        Assert.Contains("/etc/reimzul/reimzul.ini", error.Message, StringComparison.Ordinal);
        Assert.Contains("[builder] backend", error.Message, StringComparison.Ordinal);
    }

    private IBuildBackend Create(string backend, string mockPath) =>
        BuildBackendFactory.Create(Config(backend, mockPath), ProcessRunner.Default, NullLogger.Instance);

    private ReimzulConfig Config(string backend, string mockPath) => new()
    {
        Paths = ReimzulPaths.UnderDataDir(_temp.Path),
        Builder = new BuilderOptions { Backend = backend, MockPath = mockPath },
    };
}
