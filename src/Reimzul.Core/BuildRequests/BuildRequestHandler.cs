using System.Text.Json;
using Microsoft.Extensions.Logging;
using Reimzul.Authorization;
using Reimzul.GitToSrpm;
using Reimzul.Messages;
using Reimzul.Submit;
using Reimzul.Validation;

namespace Reimzul.BuildRequests;

/// <summary>
/// One MQTT build request, from its topic and payload to its outcome: the payload bounded, the submitter proven by the
/// topic (or, with <c>trust_payload_submitter</c>, taken from the payload of an original client), every field checked,
/// the ACL asked, then the git build through <see cref="GitSubmit"/>. Every refusal carries a reason for the requester.
/// </summary>
public sealed class BuildRequestHandler(string masterTopic, bool trustPayloadSubmitter, BuildAcl acl, GitSubmit git, HandledRequests handled, ILogger logger)
{
    /// <summary>A request is a few hundred bytes; anything much larger is refused unread.</summary>
    public const int MaxPayloadBytes = 16 * 1024;

    /// <summary>The outcome to publish; for a request handled already (a redelivery), its first outcome again.</summary>
    public async Task<RequestOutcome> HandleAsync(string topic, byte[] payload, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(payload);
        var where = RequestTopic.Parse(masterTopic, topic, out var topicProblem);
        var refused = new RequestOutcome { RequestId = "", Status = RequestOutcome.Refused, Arch = where?.Arch, Submitter = where?.CommonName };
        if (payload.Length > MaxPayloadBytes)
        {
            return Refuse(refused, $"the request is {payload.Length} bytes; at most {MaxPayloadBytes} are accepted");
        }
        if (where is null)
        {
            return Refuse(refused, topicProblem);
        }
        BuildRequestMessage? request;
        try
        {
            request = JsonSerializer.Deserialize(payload, BuildRequestJsonContext.Default.BuildRequestMessage);
        }
        catch (JsonException ex)
        {
            return Refuse(refused, $"the request is not a JSON object with the fields pkg, git_branch, git_ref, arch, target, disttag, scratch: {ex.Message}");
        }
        if (request is null)
        {
            return Refuse(refused, "the request is empty (JSON null)");
        }

        // An original client sends no request id; it gets one here, so its build can still be followed.
        var requestId = request.RequestId ?? BuildIds.New();
        refused = refused with
        {
            RequestId = SubmitRecords.IsValidKey(requestId) ? requestId : "",
            Pkg = request.Pkg,
            GitBranch = request.GitBranch,
            GitRef = request.GitRef,
            Target = request.Target,
            Scratch = request.Scratch,
        };
        if (!SubmitRecords.IsValidKey(requestId))
        {
            return Refuse(refused, $"request_id {Printable.Quote(requestId)} is not 32 lower-case hex digits");
        }

        string submitter;
        if (where.CommonName is { } commonName)
        {
            submitter = commonName;
        }
        else if (trustPayloadSubmitter && request.Submitter is { Length: > 0 } claimed)
        {
            submitter = claimed;
        }
        else
        {
            return Refuse(refused, trustPayloadSubmitter
                ? $"the request on {topic} names no submitter"
                : $"the topic {topic} carries no identity: publish on {topic}/YOUR_CN (the CN of your certificate); this server does not take the submitter from the payload");
        }
        refused = refused with { Submitter = submitter };
        if (!InputRules.TryValidatePathComponent("submitter", submitter, out var submitterError))
        {
            return Refuse(refused, submitterError);
        }
        if (!Arches.TryValidate(where.Arch, out var archError))
        {
            return Refuse(refused, archError);
        }
        if (request.Arch is { Length: > 0 } payloadArch && payloadArch != where.Arch)
        {
            return Refuse(refused, $"the request asks for arch {Printable.Quote(payloadArch)} but was published on the topic of arch {where.Arch}");
        }
        var source = new GitSource(request.Pkg ?? "", request.GitBranch ?? "", request.GitRef is { Length: > 0 } gitRef ? gitRef : GitSource.DefaultRef,
            request.Disttag ?? "", request.SourcesDir ?? "");
        if (source.Problem() is { } sourceProblem)
        {
            return Refuse(refused, sourceProblem);
        }
        var target = request.Target ?? "";
        if (!InputRules.TryValidateTarget(target, out var targetError))
        {
            return Refuse(refused, targetError);
        }
        if (acl.WhyNot(submitter, where.Arch, target, request.Scratch) is { } denied)
        {
            return Refuse(refused, denied);
        }

        if (handled.Outcome(requestId) is { } earlier)
        {
            // Its outcome is sent again (it may not have gone out before a crash); nothing is built again.
            logger.LogInformation("request {RequestId} of {Submitter} was handled already ({Status}); this delivery is a repeat: its outcome is sent again, nothing is built", requestId, submitter, earlier.Status);
            return earlier;
        }
        if (handled.WasInterrupted(requestId))
        {
            logger.LogWarning("request {RequestId} of {Submitter} was interrupted earlier; handling it again (its submit is idempotent)", requestId, submitter);
        }
        handled.Begin(requestId);
        var outcome = await BuildAsync(refused, source, where.Arch, target, request.Scratch, submitter, requestId, ct);
        handled.Finish(outcome);
        return outcome;
    }

    private async Task<RequestOutcome> BuildAsync(RequestOutcome refused, GitSource source, string arch, string target, bool scratch, string submitter, string requestId, CancellationToken ct)
    {
        try
        {
            var receipt = await git.SubmitAsync(source, arch, target, scratch, now: false, submitter, requestId, ct);
            var accepted = refused with
            {
                Status = RequestOutcome.Accepted,
                GitRef = source.Ref,
                Srpm = receipt.Submit.Srpm,
                Disttag = receipt.Disttag,
                Commit = receipt.Commit,
                BuildId = receipt.Submit.BuildId,
                Arches = receipt.Arches,
            };
            logger.LogInformation("request {RequestId} of {Submitter} accepted: {Package} {Branch} {Ref} queued as {Srpm} for {Target}",
                requestId, submitter, source.Package, source.Branch, source.Ref, receipt.Submit.Srpm, receipt.Submit.Target);
            return accepted;
        }
        catch (Exception ex) when (ex is GitSrpmException or SubmitRefusedException or SubmitConflictException or SubmitUnavailableException or Rpm.RpmFormatException)
        {
            return Refuse(refused with { GitRef = source.Ref }, ex.Message);
        }
    }

    private RequestOutcome Refuse(RequestOutcome outcome, string reason)
    {
        logger.LogWarning("request {RequestId} from {Submitter} on arch {Arch} refused: {Reason}",
            outcome.RequestId.Length > 0 ? outcome.RequestId : "(none)", outcome.Submitter ?? "(unknown)", outcome.Arch ?? "(unknown)", reason);
        return outcome with { Reason = reason };
    }
}
