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

    [Fact]
    public void AMissingBwrapRefusesTheWorkerSayingWhyAndWhatToDo()
    {
        var config = Config("rpmbuild", "mock") with { SourceFile = "/etc/reimzul/reimzul.ini" };
        config = config with { Builder = config.Builder with { Sandbox = "bubblewrap", BwrapPath = _temp.Combine("no-such-bwrap") } };

        var error = Assert.Throws<ConfigException>(() => BuildBackendFactory.Create(config, ProcessRunner.Default, NullLogger.Instance));

        Assert.Equal(
            $"[builder] sandbox = bubblewrap in /etc/reimzul/reimzul.ini: the build sandbox is not available: no bwrap executable '{_temp.Combine("no-such-bwrap")}' was found; "
            + "install bubblewrap, or set [builder] sandbox = none to build unsandboxed",
            error.Message);
    }

    [Fact]
    public void ABwrapThatStartsNoSandboxRefusesTheWorkerWithItsExitCode()
    {
        var config = Config("rpmbuild", "mock");
        config = config with { Builder = config.Builder with { Sandbox = "bubblewrap", BwrapPath = BuildBackendFactory.FindExecutable("false")! } };

        var error = Assert.Throws<ConfigException>(() => BuildBackendFactory.Create(config, ProcessRunner.Default, NullLogger.Instance));

        Assert.StartsWith("[builder] sandbox = bubblewrap: the build sandbox is not available: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("exited with code 1", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("; install bubblewrap, or set [builder] sandbox = none to build unsandboxed", error.Message, StringComparison.Ordinal);
    }

    [SandboxFact]
    public void RpmbuildIsSandboxedByDefault()
    {
        var config = new ReimzulConfig { Paths = ReimzulPaths.UnderDataDir(_temp.Path), Builder = new BuilderOptions { Backend = "rpmbuild" } };

        var backend = Assert.IsType<RpmbuildBackend>(BuildBackendFactory.Create(config, ProcessRunner.Default, NullLogger.Instance));

        Assert.NotNull(backend.Sandbox);
        Assert.Equal(Environment.IsPrivilegedProcess ? "nobody" : null, backend.Sandbox.User?.Name);
    }

    [Fact]
    public void SandboxNoneBuildsUnsandboxed()
    {
        var config = Config("rpmbuild", "mock");
        config = config with { Builder = config.Builder with { Sandbox = "none", BwrapPath = _temp.Combine("no-such-bwrap") } };

        var backend = Assert.IsType<RpmbuildBackend>(BuildBackendFactory.Create(config, ProcessRunner.Default, NullLogger.Instance));

        Assert.Null(backend.Sandbox);
    }

    [SandboxFact]
    public void ARootWorkerWhoseBuildUserDoesNotExistIsRefused()
    {
        var config = Config("rpmbuild", "mock");
        config = config with { Builder = config.Builder with { Sandbox = "bubblewrap", BuildUser = "reimzul-no-such-user" } };

        if (Environment.IsPrivilegedProcess)
        {
            var error = Assert.Throws<ConfigException>(() => BuildBackendFactory.Create(config, ProcessRunner.Default, NullLogger.Instance));
            Assert.Contains("the build user 'reimzul-no-such-user' ([builder] build_user) does not exist on this host", error.Message, StringComparison.Ordinal);
        }
        else
        {
            // Any other worker builds as itself and never looks the user up.
            Assert.Null(Assert.IsType<RpmbuildBackend>(BuildBackendFactory.Create(config, ProcessRunner.Default, NullLogger.Instance)).Sandbox!.User);
        }
    }

    private IBuildBackend Create(string backend, string mockPath) =>
        BuildBackendFactory.Create(Config(backend, mockPath), ProcessRunner.Default, NullLogger.Instance);

    private ReimzulConfig Config(string backend, string mockPath) => new()
    {
        Paths = ReimzulPaths.UnderDataDir(_temp.Path),
        // The backend choice, apart from the sandbox (tested on its own).
        Builder = new BuilderOptions { Backend = backend, MockPath = mockPath, Sandbox = "none" },
    };
}
