using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.BuildRequests;
using Reimzul.Messages;
using Reimzul.Mqtt;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Remote;

/// <summary>
/// Remote builds end to end: <c>reimzul client</c> → mosquitto (TLS, client certificates, the shipped ACL) →
/// <c>reimzul mqtt-sub</c> (git over HTTP, lookaside, rpmbuild -bs) → queue → worker → repodata, and every refusal
/// as the requester sees it with <c>client --wait</c>.
/// </summary>
[Collection(nameof(RemoteBuildCollection))]
public sealed class RemoteBuildFacts(RemoteBuildFixture fx)
{
    private static string Spec(string name, string release = "3%{?dist}") => $$"""
        Name: {{name}}
        Version: 1.0
        Release: {{release}}
        Summary: Remote build test package {{name}}
        License: MIT
        BuildArch: noarch
        Source0: hello.txt

        %description
        Test package built from git.

        %install
        mkdir -p %{buildroot}/usr/share/{{name}}
        cp %{SOURCE0} %{buildroot}/usr/share/{{name}}/hello.txt

        %files
        /usr/share/{{name}}/hello.txt
        """;

    private static readonly Dictionary<string, string> Hello = new() { ["SOURCES/hello.txt"] = "hello from the lookaside\n" };

    [Fact]
    public async Task AnAuthorizedPackagersGitBranchIsBuiltIntoTheRepoWithTheDisttagOfTheImportCommit()
    {
        await fx.Git.CommitAsync("hello-remote", "c7", Spec("hello-remote"), Hello, "import hello-remote-1.0-3.el7_4.src.rpm");
        await fx.Git.CommitAsync("hello-remote", "c7", Spec("hello-remote"), Hello, "Fix the changelog");

        var result = await fx.ClientAsync(fx.Pki.Packager("alice"), "-p", "hello-remote", "-b", "c7", "-a", "x86_64", "-t", "c7-remote", "--wait");

        Assert.True(result.ExitCode == 0, $"client: {result.StandardOutput}{result.StandardError}\n{fx.Describe()}");
        Assert.True(result.StandardOutput.Contains("accepted: ", StringComparison.Ordinal), result.StandardOutput);
        Assert.Matches("^request id [0-9a-f]{32}: hello-remote c7 HEAD for c7-remote x86_64 published on reimzul/submit/x86_64/alice", result.StandardOutput);
        Assert.Contains("accepted: hello-remote-1.0-3.el7_4.src.rpm queued for c7-remote (builds: x86_64)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("x86_64: Building", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("x86_64: Success", result.StandardOutput, StringComparison.Ordinal);
        var listed = await fx.Install.WaitForRepoAsync("c7-remote.x86_64", "hello-remote-1.0-3.el7_4.noarch");
        Assert.Contains("hello-remote-1.0-3.el7_4.noarch", listed);
        var build = fx.Install.Log().Single(l => l.Srpm == "hello-remote-1.0-3.el7_4.src.rpm" && l.Status == "Success");
        Assert.Equal("alice", build.Submitter);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(fx.Incoming, ".git-work")));
    }

    [Theory]
    [InlineData("mallory", "x86_64", "c7-acl", false, "'mallory' is not in the build ACL")]
    [InlineData("carol", "i386", "c7-acl", false, "'carol' may not build arch i386")]
    [InlineData("carol", "x86_64", "c8-acl", false, "'carol' may not build for target c8-acl")]
    [InlineData("dave", "x86_64", "c7-acl", false, "'dave' may only build scratch builds")]
    public async Task ARequestTheAclDoesNotAllowIsRefusedWithTheReason(string cn, string arch, string target, bool scratch, string reason)
    {
        string[] flags = scratch ? ["--scratch"] : [];
        var result = await fx.ClientAsync(fx.Pki.Packager(cn), ["-p", "acl-pkg", "-b", "c7", "-a", arch, "-t", target, "--wait", .. flags]);

        Assert.True(result.ExitCode == 2, $"client exited {result.ExitCode}: {result.StandardOutput}{result.StandardError}");
        Assert.Contains($"refused: {reason}", result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(fx.LeftOnDisk("acl-pkg"));
    }

    [Fact]
    public async Task AScratchOnlyPackagerGetsAScratchBuild()
    {
        await fx.Git.CommitAsync("scratch-remote", "c7", Spec("scratch-remote"), Hello, "import scratch-remote-1.0-3.el7.src.rpm");

        var result = await fx.ClientAsync(fx.Pki.Packager("dave"), "-p", "scratch-remote", "-b", "c7", "-a", "x86_64", "-t", "c7-scratch", "--scratch", "--wait");

        Assert.True(result.ExitCode == 0, $"client: {result.StandardOutput}{result.StandardError}\n{fx.Describe()}");
        Assert.Contains("x86_64: Success", result.StandardOutput, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> GitFailures => new()
    {
        { "bad-hash", "c7", "has sha256" },
        { "no-branch", "c9", "cloning branch c9 of no-branch failed" },
        { "no-spec", "c7", "has no SPECS/no-spec.spec" },
        { "no-import", "c7", "no \"import\" commit on c7" },
    };

    [Theory]
    [MemberData(nameof(GitFailures))]
    public async Task AFailureOfTheGitStepIsRefusedWithTheReasonAndLeavesNothingOnDisk(string package, string branch, string reason)
    {
        var spec = package == "no-spec" ? null : Spec(package);
        var subject = package == "no-import" ? "First version" : $"import {package}-1.0-3.el7.src.rpm";
        var served = package == "bad-hash" ? new Dictionary<string, string> { ["SOURCES/hello.txt"] = "tampered\n" } : null;
        await fx.Git.CommitAsync(package, "c7", spec, Hello, subject, served);

        var result = await fx.ClientAsync(fx.Pki.Packager("alice"), "-p", package, "-b", branch, "-a", "x86_64", "-t", "c7-gitfail", "--wait");

        Assert.True(result.ExitCode == 2, $"client exited {result.ExitCode}: {result.StandardOutput}{result.StandardError}\n{fx.Describe()}");
        Assert.Contains("refused: ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains(reason, result.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(fx.LeftOnDisk(package));
    }

    [Fact]
    public async Task ACertificateOfAnotherCaIsRefusedByTheBroker()
    {
        var result = await fx.ClientAsync(fx.Pki.Client("alice", fromOtherCa: true), "-p", "hello", "-b", "c7", "-a", "x86_64", "-t", "c7", "--wait");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refused this client", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("request id", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnExpiredCertificateIsRefusedByTheBroker()
    {
        var result = await fx.ClientAsync(fx.Pki.ExpiredClient("alice"), "-p", "hello", "-b", "c7", "-a", "x86_64", "-t", "c7", "--wait");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("refused this client", result.StandardError, StringComparison.Ordinal);
        Assert.DoesNotContain("request id", result.StandardOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APublishOnAnotherCnsTopicIsRefusedByTheBroker()
    {
        await using var alice = await ConnectAsync("alice");

        var error = await Assert.ThrowsAsync<MqttUnavailableException>(() =>
            alice.PublishAsync("reimzul/submit/x86_64/bob", Request(new BuildRequestMessage { Pkg = "hello", GitBranch = "c7", Arch = "x86_64", Target = "c7", RequestId = BuildIds.New() }), CancellationToken.None));

        Assert.Contains("NotAuthorized", error.Message, StringComparison.Ordinal);
        // Not even the original's topic without a CN is open to a packager.
        await Assert.ThrowsAsync<MqttUnavailableException>(() => alice.PublishAsync("reimzul/submit/x86_64", Request(new BuildRequestMessage { Pkg = "hello" }), CancellationToken.None));
    }

    public static TheoryData<string, BuildRequestMessage, string> Injections => new()
    {
        { "upload-pack", Base with { Pkg = "--upload-pack=touch /tmp/reimzul-pwned" }, "package '--upload-pack=touch /tmp/reimzul-pwned' contains '='" },
        { "ssh-command", Base with { GitBranch = "-c core.sshCommand=touch /tmp/reimzul-pwned" }, "branch " },
        { "semicolon", Base with { Pkg = "inject;touch /tmp/reimzul-pwned" }, "package " },
        { "subshell", Base with { GitRef = "$(touch /tmp/reimzul-pwned)" }, "ref " },
        { "dot-dot", Base with { SourcesDir = "../../../etc" }, "sources dir " },
        { "newline", Base with { Target = "c7\nx86_64" }, "target " },
        { "disttag", Base with { Disttag = ".el7;touch /tmp/reimzul-pwned" }, "disttag " },
        { "arch", Base with { Arch = "i386" }, "asks for arch 'i386' but was published on the topic of arch x86_64" },
        { "request-id", Base with { RequestId = "../../x" }, "request_id '../../x' is not 32 lower-case hex digits" },
    };

    private static BuildRequestMessage Base => new() { Pkg = "inject", GitBranch = "c7", GitRef = "HEAD", Arch = "x86_64", Target = "c7-inject", Submitter = "alice", Scratch = false };

    [Theory]
    [MemberData(nameof(Injections))]
    public async Task AnInjectionAttemptInAnyFieldIsRefusedWithAReasonAndLeavesNothingOnDisk(string name, BuildRequestMessage attempt, string reason)
    {
        var request = attempt.RequestId is null ? attempt with { RequestId = BuildIds.New() } : attempt;
        await using var alice = await ConnectAsync("alice");

        await alice.PublishAsync("reimzul/submit/x86_64/alice", Request(request), CancellationToken.None);

        var outcome = await OutcomeAsync(alice, o => request.RequestId == "../../x" ? o.Reason?.Contains("request_id", StringComparison.Ordinal) == true : o.RequestId == request.RequestId);
        Assert.True(outcome.Status == RequestOutcome.Refused, $"{name}: {outcome.Status} {outcome.Reason}");
        Assert.Contains(reason, outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("alice", outcome.Submitter);
        Assert.False(File.Exists("/tmp/reimzul-pwned"));
        Assert.Empty(fx.LeftOnDisk("inject"));
        Assert.False(Directory.Exists(Path.Combine(fx.Incoming, HandledRequests.DirectoryName, request.RequestId + ".json")));
    }

    [Fact]
    public async Task ATenMegabyteRequestIsRefusedUnread()
    {
        await using var alice = await ConnectAsync("alice");
        var huge = new byte[10 * 1024 * 1024];
        Array.Fill(huge, (byte)' ');

        await alice.PublishAsync("reimzul/submit/x86_64/alice", huge, CancellationToken.None);

        var outcome = await OutcomeAsync(alice, o => o.Reason?.Contains("10485760 bytes", StringComparison.Ordinal) == true);
        Assert.Equal(RequestOutcome.Refused, outcome.Status);
        Assert.Equal("the request is 10485760 bytes; at most 16384 are accepted", outcome.Reason);
    }

    [Fact]
    public async Task ARequestDeliveredTwiceIsBuiltOnce()
    {
        await fx.Git.CommitAsync("twice-remote", "c7", Spec("twice-remote"), Hello, "import twice-remote-1.0-3.el7.src.rpm");
        await using var alice = await ConnectAsync("alice");
        var request = Base with { Pkg = "twice-remote", Target = "c7-twice", RequestId = BuildIds.New() };

        await alice.PublishAsync("reimzul/submit/x86_64/alice", Request(request), CancellationToken.None);
        var first = await OutcomeAsync(alice, o => o.RequestId == request.RequestId);
        await alice.PublishAsync("reimzul/submit/x86_64/alice", Request(request), CancellationToken.None);
        var second = await OutcomeAsync(alice, o => o.RequestId == request.RequestId);

        Assert.True(first.Status == RequestOutcome.Accepted, first.Reason);
        Assert.Equal(first, second with { Arches = first.Arches });
        Assert.Equal(request.RequestId, first.BuildId);
        await fx.Install.WaitForResultsAsync("twice-remote-1.0-3.el7.src.rpm", "x86_64");
        await fx.Install.WaitForRepoAsync("c7-twice.x86_64", "twice-remote-1.0-3.el7.noarch");
        Assert.Single(fx.Install.Log(), l => l.Srpm == "twice-remote-1.0-3.el7.src.rpm" && l.Status == "Building");
        Assert.Contains("was handled already (Accepted)", fx.Sub.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SubmitGitThroughTheControllerBuildsTheBranchWithTheDetectedDisttag()
    {
        await fx.Git.CommitAsync("hello-http", "c7", Spec("hello-http"), Hello, "import hello-http-1.0-3.el7_9.src.rpm");

        var result = await fx.SubmitThroughControllerAsync("alice-token-0123456789", "--git", "hello-http", "--branch", "c7", "-a", "x86_64", "-t", "c7-http");

        Assert.True(result.ExitCode == 0, $"submit: {result.StandardOutput}{result.StandardError}\n{fx.Controller.Describe()}");
        Assert.Contains("Made hello-http-1.0-3.el7_9.src.rpm from hello-http c7 HEAD (commit ", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("disttag .el7_9)", result.StandardOutput, StringComparison.Ordinal);
        Assert.Contains("for target c7-http.x86_64 (scratch: False) by alice", result.StandardOutput, StringComparison.Ordinal);
        await fx.Install.WaitForRepoAsync("c7-http.x86_64", "hello-http-1.0-3.el7_9.noarch");
    }

    [Fact]
    public async Task TheControllerRefusesASubmitTheAclDoesNotAllowWithTheReason()
    {
        var srpm = await fx.Install.MakeSrpmAsync(SrpmFactory.NoarchSpec("acl-http"));

        var fromGit = await fx.SubmitThroughControllerAsync("mallory-token-0123456789", "--git", "acl-http", "--branch", "c7", "-a", "x86_64", "-t", "c7-http");
        var upload = await fx.SubmitThroughControllerAsync("mallory-token-0123456789", "-s", srpm, "-a", "x86_64", "-t", "c7-http", "-d", ".el7");

        Assert.Equal(2, fromGit.ExitCode);
        Assert.Contains("'mallory' is not in the build ACL", fromGit.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, upload.ExitCode);
        Assert.Contains("'mallory' is not in the build ACL", upload.StandardError, StringComparison.Ordinal);
    }

    private static byte[] Request(BuildRequestMessage request) => JsonSerializer.SerializeToUtf8Bytes(request, BuildRequestJsonContext.Default.BuildRequestMessage);

    private async Task<MqttSubscription> ConnectAsync(string cn)
    {
        var connection = new MqttSubscription(fx.Broker.Options("reimzul/submit", fx.Pki.Packager(cn)), $"test-{cn}-{Guid.NewGuid():N}"[..30], persistent: false, NullLogger.Instance);
        await connection.ConnectAsync("reimzul/builds/results", CancellationToken.None);
        return connection;
    }

    private async Task<RequestOutcome> OutcomeAsync(MqttSubscription connection, Func<RequestOutcome, bool> wanted)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            while (true)
            {
                var message = await connection.ReceiveAsync(timeout.Token);
                var outcome = JsonSerializer.Deserialize(message.Payload, BuildRequestJsonContext.Default.RequestOutcome);
                if (outcome is { Status: RequestOutcome.Accepted or RequestOutcome.Refused } && wanted(outcome))
                {
                    return outcome;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"no outcome arrived\n{fx.Describe()}");
        }
    }
}

[CollectionDefinition(nameof(RemoteBuildCollection))]
public sealed class RemoteBuildCollection : ICollectionFixture<RemoteBuildFixture>;
