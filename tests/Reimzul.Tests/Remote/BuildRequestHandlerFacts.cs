using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Reimzul.Authorization;
using Reimzul.BuildRequests;
using Reimzul.Config;
using Reimzul.GitToSrpm;
using Reimzul.Messages;
using Reimzul.Queue.Embedded;
using Reimzul.Submit;
using Reimzul.Tests.Support;

namespace Reimzul.Tests.Remote;

/// <summary>Whose request it is: the CN from the topic, the payload's submitter only for the original's layout with trust_payload_submitter.</summary>
public sealed class BuildRequestHandlerFacts : IDisposable
{
    private readonly TempDir _dir = new("reimzul-requests");

    private BuildRequestHandler Handler(bool trustPayloadSubmitter)
    {
        var incoming = _dir.Combine("incoming");
        var submitter = new BuildSubmitter(incoming, new EmbeddedJobQueueFactory(_dir.Combine("queue.db")), TimeSpan.FromMinutes(1));
        var git = new GitSubmit(new GitSrpmMaker(new ScmOptions { GitUrl = "http://127.0.0.1:9" }), submitter);
        var acl = BuildAcl.Parse(new Dictionary<string, string> { ["nobody-allowed"] = "x86_64 c7" });
        return new BuildRequestHandler("reimzul", trustPayloadSubmitter, acl, git, new HandledRequests(Path.Combine(incoming, HandledRequests.DirectoryName)), NullLogger.Instance);
    }

    private static byte[] Payload(string submitter, string arch = "x86_64") => JsonSerializer.SerializeToUtf8Bytes(new BuildRequestMessage
    {
        Pkg = "hello", GitBranch = "c7", GitRef = "HEAD", Arch = arch, Target = "c7", Submitter = submitter, RequestId = BuildIds.New(),
    }, BuildRequestJsonContext.Default.BuildRequestMessage);

    [Fact]
    public async Task TheSubmitterIsTheCnOfTheTopicWhateverThePayloadClaims()
    {
        var outcome = await Handler(trustPayloadSubmitter: true).HandleAsync("reimzul/submit/x86_64/alice", Payload("nobody-allowed"), CancellationToken.None);

        Assert.Equal("alice", outcome.Submitter);
        Assert.Equal("'alice' is not in the build ACL ([acl]): it may not build anything", outcome.Reason);
    }

    [Fact]
    public async Task TheOriginalsTopicWithoutACnIsRefusedUnlessThePayloadSubmitterIsTrusted()
    {
        var refused = await Handler(trustPayloadSubmitter: false).HandleAsync("reimzul/submit/x86_64", Payload("mallory"), CancellationToken.None);
        var trusted = await Handler(trustPayloadSubmitter: true).HandleAsync("reimzul/submit/x86_64", Payload("mallory"), CancellationToken.None);

        Assert.Equal(RequestOutcome.Refused, refused.Status);
        Assert.Contains("carries no identity: publish on reimzul/submit/x86_64/YOUR_CN", refused.Reason, StringComparison.Ordinal);
        Assert.Equal("mallory", trusted.Submitter);
        Assert.Contains("'mallory' is not in the build ACL", trusted.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("reimzul/submit/x86_64/alice/extra", "is not reimzul/submit/ARCH/CN")]
    [InlineData("reimzul/submit/sparc/alice", "sparc")]
    [InlineData("reimzul/submit/x86_64/..", "submitter '..'")]
    public async Task ATopicOfAnotherShapeOrArchIsRefused(string topic, string reason)
    {
        var outcome = await Handler(trustPayloadSubmitter: false).HandleAsync(topic, Payload("alice", arch: ""), CancellationToken.None);

        Assert.Equal(RequestOutcome.Refused, outcome.Status);
        Assert.Contains(reason, outcome.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APayloadThatIsNotJsonIsRefusedWithWhatWasExpected()
    {
        var outcome = await Handler(trustPayloadSubmitter: false).HandleAsync("reimzul/submit/x86_64/alice", "pkg=hello"u8.ToArray(), CancellationToken.None);

        Assert.Equal(RequestOutcome.Refused, outcome.Status);
        Assert.StartsWith("the request is not a JSON object with the fields pkg, git_branch", outcome.Reason, StringComparison.Ordinal);
        Assert.Equal("alice", outcome.Submitter);
    }

    public void Dispose() => _dir.Dispose();
}
